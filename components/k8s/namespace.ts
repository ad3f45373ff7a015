import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { PART_OF } from "./specs";

/** Labels that make the API server refuse any pod outside Pod Security Standards "restricted". */
export const POD_SECURITY_LABELS = {
  "pod-security.kubernetes.io/enforce": "restricted",
  "pod-security.kubernetes.io/enforce-version": "latest",
  "pod-security.kubernetes.io/warn": "restricted",
  "pod-security.kubernetes.io/audit": "restricted",
};

export function appNamespace(name: string, opts: pulumi.CustomResourceOptions): k8s.core.v1.Namespace {
  return new k8s.core.v1.Namespace(
    "namespace",
    {
      metadata: {
        name,
        labels: {
          ...POD_SECURITY_LABELS,
          "app.kubernetes.io/part-of": PART_OF,
          "app.kubernetes.io/managed-by": "pulumi",
        },
      },
    },
    opts,
  );
}
