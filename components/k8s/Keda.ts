/**
 * KEDA, from its Helm chart vendored in the repository (vendor/charts), for scaling the Celery
 * worker on queue length. Its own namespace, where only "restricted" pods are admitted; the
 * chart's pods meet that profile with the values set in kedaChart.ts.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { restrictedNamespaceArgs } from "./AppNamespace";
import { KEDA_CHART, KEDA_NAMESPACE, KEDA_VALUES } from "./kedaChart";

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
        // A local chart: nothing is fetched from a chart repository at deploy time. No `name`:
        // naming the release now would replace the one existing stacks run, and the new release
        // could not take over the old one's objects.
        chart: KEDA_CHART.path,
        namespace: namespace.metadata.name,
        // The ScaledObject that follows needs the CRDs and a running operator.
        atomic: true,
        timeout: 600,
        values: KEDA_VALUES,
      },
      { parent: this },
    );
    this.registerOutputs({ release: this.release.name });
  }
}
