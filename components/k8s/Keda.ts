/**
 * KEDA, from its official Helm chart, for scaling the Celery worker on queue length. Its own
 * namespace; the chart's pods already meet the restricted profile's container settings.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { restrictedNamespaceArgs } from "./AppNamespace";

export const KEDA_NAMESPACE = "keda";
export const KEDA_CHART = { chart: "keda", version: "2.17.2", repo: "https://kedacore.github.io/charts" };

export class Keda extends pulumi.ComponentResource {
  readonly release: k8s.helm.v3.Release;

  constructor(name: string, opts?: pulumi.ComponentResourceOptions) {
    super("django-k8s:k8s:Keda", name, {}, opts);
    const namespace = new k8s.core.v1.Namespace(
      `${name}-namespace`,
      restrictedNamespaceArgs(KEDA_NAMESPACE),
      { parent: this },
    );
    this.release = new k8s.helm.v3.Release(
      name,
      {
        chart: KEDA_CHART.chart,
        version: KEDA_CHART.version,
        repositoryOpts: { repo: KEDA_CHART.repo },
        namespace: namespace.metadata.name,
        // The ScaledObject that follows needs the CRDs and a running operator.
        atomic: true,
        timeout: 600,
        values: {
          resources: {
            operator: { requests: { cpu: "50m", memory: "128Mi" }, limits: { cpu: "500m", memory: "512Mi" } },
            metricServer: {
              requests: { cpu: "50m", memory: "128Mi" },
              limits: { cpu: "500m", memory: "512Mi" },
            },
            webhooks: { requests: { cpu: "20m", memory: "64Mi" }, limits: { cpu: "200m", memory: "256Mi" } },
          },
        },
      },
      { parent: this },
    );
    this.registerOutputs({ release: this.release.name });
  }
}
