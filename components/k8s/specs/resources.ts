/** A container's CPU and memory, from the sizes config gives. */
import type * as k8s from "@pulumi/kubernetes";

type ResourceRequirements = k8s.types.input.core.v1.ResourceRequirements;

/** A container's CPU request and limit and its memory (request = limit); config's sizes have this shape. */
export interface ResourceSizes {
  cpuRequest: string;
  cpuLimit: string;
  memory: string;
}

/** Memory request equals its limit: the scheduler sees the truth and the pod is not OOM-killed for a neighbour. */
export function resources(sizes: ResourceSizes): ResourceRequirements {
  return {
    requests: { cpu: sizes.cpuRequest, memory: sizes.memory },
    limits: { cpu: sizes.cpuLimit, memory: sizes.memory },
  };
}
