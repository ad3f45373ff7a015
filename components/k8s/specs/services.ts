/** A Service for one workload, addressed by an explicit DNS name. */
import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { selectorLabels, standardLabels } from "./labels";

type ServiceArgs = k8s.core.v1.ServiceArgs;

export interface ServiceShape {
  /** The DNS name other pods use: always explicit. */
  name: string;
  namespace: pulumi.Input<string>;
  app: string;
  component: string;
  port: number;
  targetPort: number | string;
  portName: string;
  type?: "ClusterIP" | "NodePort" | "LoadBalancer";
  annotations?: Record<string, pulumi.Input<string>>;
  /** For a LoadBalancer: the only client CIDRs it admits. */
  sourceRanges?: string[];
}

/** A Service selecting one workload's pods by its selector labels, on one named port. */
export function serviceArgs(shape: ServiceShape): ServiceArgs {
  return {
    metadata: {
      name: shape.name,
      namespace: shape.namespace,
      labels: standardLabels(shape.app, shape.component),
      ...(shape.annotations ? { annotations: shape.annotations } : {}),
    },
    spec: {
      ...(shape.type ? { type: shape.type } : {}),
      // Client addresses preserved (Local), so source ranges and NetworkPolicies see them.
      ...(shape.sourceRanges?.length
        ? { loadBalancerSourceRanges: shape.sourceRanges, externalTrafficPolicy: "Local" }
        : {}),
      selector: selectorLabels(shape.app, shape.component),
      ports: [{ name: shape.portName, port: shape.port, targetPort: shape.targetPort }],
    },
  };
}
