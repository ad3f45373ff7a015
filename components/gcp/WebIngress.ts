/**
 * The web app's public entry on GKE: a global external HTTP(S) load balancer made by GKE
 * Ingress from the web Service's network endpoint group, health-checking the readiness path,
 * on a reserved global IP, behind a Cloud Armor policy; with a domain, a Google-managed certificate, a modern TLS policy
 * and HTTP redirected to HTTPS.
 */
import * as gcp from "@pulumi/gcp";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import {
  APP_NAME,
  READINESS_PATH,
  WEB_DRAIN,
  WEB_PORT,
  WEB_SERVICE_NAME,
  WEB_SERVICE_PORT,
} from "../k8s/djangoApp/appContract";
import type { Role } from "../k8s/djangoApp/appRoles";
import { standardLabels } from "../k8s/specs/labels";
import { modernTlsPolicy } from "./tlsPolicy";

export interface WebIngressArgs {
  project: string;
  namespace: pulumi.Input<string>;
  domain?: string;
  /** Cloud Armor's backend policy for the web backend (CloudArmor.backendPolicy's name). */
  securityPolicy: pulumi.Input<string>;
  /** The compute API, for the global address. */
  dependsOn: pulumi.Resource[];
}

/** The entry's Kubernetes objects share the name of the web Service they front. */
const OBJECT_NAME = WEB_SERVICE_NAME;
const BACKEND_CONFIG = OBJECT_NAME;

/** On the web Service: container-native load balancing, and the health check below. */
export const WEB_SERVICE_ANNOTATIONS: Record<string, string> = {
  "cloud.google.com/neg": JSON.stringify({ ingress: true }),
  "cloud.google.com/backend-config": JSON.stringify({ default: BACKEND_CONFIG }),
};

interface Scope {
  name: string;
  args: WebIngressArgs;
  labels: Record<string, string>;
  parent: pulumi.Resource;
}

export class WebIngress extends pulumi.ComponentResource {
  readonly address: gcp.compute.GlobalAddress;
  readonly ingress: k8s.networking.v1.Ingress;
  readonly url: pulumi.Output<string>;
  /** What Django must accept as Host. */
  readonly host: pulumi.Output<string>;

  constructor(name: string, args: WebIngressArgs, opts?: pulumi.ComponentResourceOptions) {
    super("django-k8s:gcp:WebIngress", name, {}, opts);
    const scope: Scope = { name, args, labels: standardLabels(APP_NAME, "web" satisfies Role), parent: this };
    this.address = new gcp.compute.GlobalAddress(
      `${name}-ip`,
      { project: args.project },
      { parent: this, dependsOn: args.dependsOn },
    );
    const annotations: Record<string, pulumi.Input<string>> = {
      // GKE's own Ingress controller is chosen by this annotation, not by spec.ingressClassName;
      // the API server warns that the annotation is deprecated (the engine test expects that).
      "kubernetes.io/ingress.class": "gce",
      "kubernetes.io/ingress.global-static-ip-name": this.address.name,
    };
    const dependsOn: pulumi.Resource[] = [createBackendConfig(scope)];
    if (args.domain) {
      const https = createHttpsFrontend(scope, args.domain);
      Object.assign(annotations, https.annotations);
      dependsOn.push(...https.resources);
    }
    this.ingress = new k8s.networking.v1.Ingress(
      `${name}-ingress`,
      {
        metadata: { name: OBJECT_NAME, namespace: args.namespace, labels: scope.labels, annotations },
        spec: { defaultBackend: { service: { name: WEB_SERVICE_NAME, port: { number: WEB_SERVICE_PORT } } } },
      },
      { parent: this, dependsOn },
    );
    this.host = args.domain ? pulumi.output(args.domain) : this.address.address;
    this.url = args.domain
      ? pulumi.output(`https://${args.domain}/`)
      : pulumi.interpolate`http://${this.address.address}/`;
    this.registerOutputs({ url: this.url });
  }
}

/**
 * The load balancer sends traffic only to pods whose database and Redis answer, and drops a
 * stopping pod within its preStop pause (WEB_DRAIN in appContract.ts).
 */
function createBackendConfig({ name, args, labels, parent }: Scope): k8s.apiextensions.CustomResource {
  return new k8s.apiextensions.CustomResource(
    `${name}-backendconfig`,
    {
      apiVersion: "cloud.google.com/v1",
      kind: "BackendConfig",
      metadata: { name: BACKEND_CONFIG, namespace: args.namespace, labels },
      spec: {
        healthCheck: {
          type: "HTTP",
          requestPath: READINESS_PATH,
          port: WEB_PORT,
          checkIntervalSec: WEB_DRAIN.healthCheck.intervalSeconds,
          timeoutSec: WEB_DRAIN.healthCheck.timeoutSeconds,
          healthyThreshold: 1,
          unhealthyThreshold: WEB_DRAIN.healthCheck.unhealthyThreshold,
        },
        connectionDraining: { drainingTimeoutSec: WEB_DRAIN.connectionDrainingSeconds },
        timeoutSec: 60,
        logging: { enable: true, sampleRate: 0.1 },
        securityPolicy: { name: args.securityPolicy },
      },
    },
    { parent },
  );
}

/** With a domain: a Google-managed certificate, the MODERN TLS policy, HTTP redirected to HTTPS. */
function createHttpsFrontend({ name, args, labels, parent }: Scope, domain: string) {
  const { namespace } = args;
  const certificate = new k8s.apiextensions.CustomResource(
    `${name}-cert`,
    {
      apiVersion: "networking.gke.io/v1",
      kind: "ManagedCertificate",
      metadata: { name: OBJECT_NAME, namespace, labels },
      spec: { domains: [domain] },
    },
    { parent },
  );
  const policy = modernTlsPolicy(`${name}-tls`, args.project, { parent, dependsOn: args.dependsOn });
  const frontend = new k8s.apiextensions.CustomResource(
    `${name}-frontendconfig`,
    {
      apiVersion: "networking.gke.io/v1beta1",
      kind: "FrontendConfig",
      metadata: { name: OBJECT_NAME, namespace, labels },
      spec: {
        redirectToHttps: { enabled: true, responseCodeName: "MOVED_PERMANENTLY_DEFAULT" },
        sslPolicy: policy.name,
      },
    },
    { parent },
  );
  return {
    annotations: {
      "networking.gke.io/managed-certificates": OBJECT_NAME,
      "networking.gke.io/v1beta1.FrontendConfig": OBJECT_NAME,
    },
    resources: [certificate, frontend],
  };
}
