/**
 * Google Cloud Managed Service for Prometheus scraping the app: one PodMonitoring per role that
 * serves metrics (web, worker, beat), selecting that role's pods and scraping their named metrics
 * port, and a NetworkPolicy that lets only the managed collector (namespace gmp-system) reach
 * that port. Nothing else can: no Service or Ingress exposes it and the namespace denies ingress
 * by default. The collector itself is GKE's (monitoringConfig.managedPrometheus), nothing is
 * installed here.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import {
  APP_NAME,
  METRICS_PATH,
  METRICS_PORT,
  METRICS_PORT_NAME,
  METRICS_ROLES,
} from "./djangoApp/appContract";
import { selectorLabels, standardLabels } from "./specs/labels";
import { appSelector, type IngressRule, ingressPolicy, tcp } from "./specs/networkPolicies";

/** Where GKE runs the managed collectors, and their pods' label. */
export const GMP_NAMESPACE = "gmp-system";
export const GMP_COLLECTOR_LABELS = { "app.kubernetes.io/name": "collector" };
export const POD_MONITORING_API = "monitoring.googleapis.com/v1";

export type MetricsRole = (typeof METRICS_ROLES)[number];

export interface ManagedPrometheusArgs {
  namespace: pulumi.Input<string>;
  /** Seconds between scrapes; alert windows are several of these. */
  scrapeIntervalSeconds?: number;
  /** What must exist first (the Deployments whose pods are scraped). */
  dependsOn?: pulumi.Input<pulumi.Resource>[];
}

const DEFAULT_SCRAPE_SECONDS = 30;

/** The PodMonitoring of one role: its pods by the Deployment's own selector labels, their metrics port by name. */
export function podMonitoringSpec(role: MetricsRole, intervalSeconds = DEFAULT_SCRAPE_SECONDS) {
  return {
    selector: { matchLabels: selectorLabels(APP_NAME, role) },
    endpoints: [{ port: METRICS_PORT_NAME, path: METRICS_PATH, interval: `${intervalSeconds}s` }],
  };
}

/** The only ingress to the metrics port: the managed collector's pods. */
export function collectorIngressRules(): IngressRule[] {
  return [
    {
      from: [
        {
          namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": GMP_NAMESPACE } },
          podSelector: { matchLabels: GMP_COLLECTOR_LABELS },
        },
      ],
      ports: [tcp(METRICS_PORT)],
    },
  ];
}

export class ManagedPrometheus extends pulumi.ComponentResource {
  readonly podMonitorings: k8s.apiextensions.CustomResource[];
  readonly networkPolicy: k8s.networking.v1.NetworkPolicy;

  constructor(name: string, args: ManagedPrometheusArgs, opts?: pulumi.ComponentResourceOptions) {
    super("django-k8s:k8s:ManagedPrometheus", name, {}, opts);
    this.podMonitorings = this.createPodMonitorings(name, args);
    this.networkPolicy = this.admitCollector(name, args);
    this.registerOutputs({});
  }

  private createPodMonitorings(name: string, args: ManagedPrometheusArgs) {
    return METRICS_ROLES.map(
      (role) =>
        new k8s.apiextensions.CustomResource(
          `${name}-${role}`,
          {
            apiVersion: POD_MONITORING_API,
            kind: "PodMonitoring",
            metadata: {
              name: `${APP_NAME}-${role}`,
              namespace: args.namespace,
              labels: standardLabels(APP_NAME, role),
            },
            spec: podMonitoringSpec(role, args.scrapeIntervalSeconds),
          },
          { parent: this, dependsOn: args.dependsOn },
        ),
    );
  }

  private admitCollector(name: string, args: ManagedPrometheusArgs) {
    return ingressPolicy(
      `${name}-collector-ingress`,
      args.namespace,
      appSelector(APP_NAME, [...METRICS_ROLES]),
      collectorIngressRules(),
      { parent: this },
    );
  }
}
