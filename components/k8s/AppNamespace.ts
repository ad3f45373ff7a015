/**
 * The app's namespace: the API server refuses any pod outside Pod Security Standards
 * "restricted", and the network denies all traffic that a workload's own policy does not open
 * (DNS excepted).
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ownershipLabels } from "./specs/labels";
import { namespaceBaseline } from "./specs/networkPolicies";

export const POD_SECURITY_LABELS = {
  "pod-security.kubernetes.io/enforce": "restricted",
  "pod-security.kubernetes.io/enforce-version": "latest",
  "pod-security.kubernetes.io/warn": "restricted",
  "pod-security.kubernetes.io/audit": "restricted",
};

/** A namespace of this program where only "restricted" pods are admitted (the app's, KEDA's). */
export function restrictedNamespaceArgs(
  name: string,
  labels: Record<string, string> = {},
): k8s.core.v1.NamespaceArgs {
  return { metadata: { name, labels: { ...labels, ...POD_SECURITY_LABELS, ...ownershipLabels() } } };
}

export class AppNamespace extends pulumi.ComponentResource {
  readonly namespace: k8s.core.v1.Namespace;
  readonly name: pulumi.Output<string>;

  /** `labels`: a preview's namespace is marked as one (previewParent.ts), for policies and the Gateway. */
  constructor(
    name: string,
    args: { name: string; labels?: Record<string, string> },
    opts?: pulumi.ComponentResourceOptions,
  ) {
    super("django-k8s:k8s:AppNamespace", name, {}, opts);
    this.namespace = new k8s.core.v1.Namespace(name, restrictedNamespaceArgs(args.name, args.labels), {
      parent: this,
    });
    this.name = this.namespace.metadata.name;
    namespaceBaseline(this.name, { parent: this });
    this.registerOutputs({ name: this.name });
  }
}
