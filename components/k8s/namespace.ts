/**
 * The app's namespace: the API server refuses any pod outside Pod Security Standards
 * "restricted", and the network denies all traffic that a workload's own policy does not open
 * (DNS excepted).
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { namespaceBaseline } from "./networkPolicies";
import { PART_OF } from "./specs";

export const POD_SECURITY_LABELS = {
  "pod-security.kubernetes.io/enforce": "restricted",
  "pod-security.kubernetes.io/enforce-version": "latest",
  "pod-security.kubernetes.io/warn": "restricted",
  "pod-security.kubernetes.io/audit": "restricted",
};

export class AppNamespace extends pulumi.ComponentResource {
  readonly namespace: k8s.core.v1.Namespace;
  readonly name: pulumi.Output<string>;

  constructor(name: string, args: { name: string }, opts?: pulumi.ComponentResourceOptions) {
    super("django-k8s:k8s:AppNamespace", name, {}, opts);
    this.namespace = new k8s.core.v1.Namespace(
      name,
      {
        metadata: {
          name: args.name,
          labels: {
            ...POD_SECURITY_LABELS,
            "app.kubernetes.io/part-of": PART_OF,
            "app.kubernetes.io/managed-by": "pulumi",
          },
        },
      },
      { parent: this },
    );
    this.name = this.namespace.metadata.name;
    namespaceBaseline(this.name, { parent: this });
    this.registerOutputs({ name: this.name });
  }
}
