/**
 * DjangoApp's steps that decide how it is reached: the web and Flower Services, and the
 * NetworkPolicies that say who may reach each role and what each role may reach (the
 * namespace denies the rest). Plain functions, callable by a test under mocks.
 */
import * as k8s from "@pulumi/kubernetes";
import {
  appSelector,
  egressPolicy,
  type IngressRule,
  ingressPolicy,
  PRIVATE_RANGES,
  tcp,
  toCidrs,
} from "../specs/networkPolicies";
import { serviceArgs } from "../specs/services";
import { APP_NAME, FLOWER_PORT, WEB_PORT, WEB_SERVICE_NAME, WEB_SERVICE_PORT } from "./appContract";
import { DATABASE_CLIENT_ROLES, SENTRY_CLIENT_ROLES } from "./appRoles";
import type { AppScope } from "./appWorkloads";
import type { ServiceExposure } from "./args";

export const FLOWER_SERVICE_NAME = "flower";

export interface AppServices {
  web: k8s.core.v1.Service;
  flower: k8s.core.v1.Service;
}

export function createServices({ name, args, parent }: AppScope): AppServices {
  const service = (
    component: keyof AppServices,
    serviceName: string,
    exposure: ServiceExposure,
    port: number,
    targetPort: number,
  ) =>
    new k8s.core.v1.Service(
      `${name}-${component}-svc`,
      serviceArgs({
        name: serviceName,
        namespace: args.namespace,
        app: APP_NAME,
        component,
        port,
        targetPort,
        portName: "http",
        ...exposure,
      }),
      { parent },
    );
  return {
    web: service("web", WEB_SERVICE_NAME, args.web.service, WEB_SERVICE_PORT, WEB_PORT),
    flower: service("flower", FLOWER_SERVICE_NAME, args.flower.service, FLOWER_PORT, FLOWER_PORT),
  };
}

/** Who may reach Flower, as ingress rules on its port: anyone, or only the given client CIDRs (none: no rule). */
export function flowerIngressRules(allowFrom: "anywhere" | string[]): IngressRule[] {
  const ports = [tcp(FLOWER_PORT)];
  return allowFrom === "anywhere"
    ? [{ ports }]
    : allowFrom.map((cidr) => ({ from: [{ ipBlock: { cidr } }], ports }));
}

export function createNetworkPolicies({ name, args, parent }: AppScope): k8s.networking.v1.NetworkPolicy[] {
  const opts = { parent };
  const { namespace, backends } = args;
  const { network } = backends;
  const role = (...components: string[]) => appSelector(APP_NAME, components);
  return [
    ingressPolicy(`${name}-web-ingress`, namespace, role("web"), [{ ports: [tcp(WEB_PORT)] }], opts),
    ingressPolicy(
      `${name}-flower-ingress`,
      namespace,
      role("flower"),
      flowerIngressRules(args.flower.allowFrom),
      opts,
    ),
    egressPolicy(
      `${name}-app-egress`,
      namespace,
      role(...DATABASE_CLIENT_ROLES),
      [...network.database, ...network.redis, ...(network.cloudApis ?? [])],
      opts,
    ),
    egressPolicy(`${name}-flower-egress`, namespace, role("flower"), network.redis, opts),
    // Sentry (sentry.io or your own) is a public HTTPS endpoint whose addresses are not known in
    // advance: with Sentry on, its clients may reach public addresses on 443, never private ones.
    ...(args.sentry
      ? [
          egressPolicy(
            `${name}-sentry-egress`,
            namespace,
            role(...SENTRY_CLIENT_ROLES),
            [toCidrs(["0.0.0.0/0"], [443], PRIVATE_RANGES)],
            opts,
          ),
        ]
      : []),
    ...(backends.staticFiles.kind === "bucket"
      ? [
          egressPolicy(
            `${name}-collectstatic-egress`,
            namespace,
            role("collectstatic"),
            network.cloudApis ?? [],
            opts,
          ),
        ]
      : []),
  ];
}
