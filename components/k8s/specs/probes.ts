/** HTTP and command probes with the project's default timings. */
import type * as k8s from "@pulumi/kubernetes";

type Probe = k8s.types.input.core.v1.Probe;

export interface ProbeTiming {
  periodSeconds?: number;
  timeoutSeconds?: number;
  failureThreshold?: number;
  initialDelaySeconds?: number;
}

export function httpProbe(path: string, port: number | string, timing: ProbeTiming = {}): Probe {
  return {
    httpGet: { path, port },
    periodSeconds: timing.periodSeconds ?? 10,
    timeoutSeconds: timing.timeoutSeconds ?? 3,
    failureThreshold: timing.failureThreshold ?? 3,
    ...(timing.initialDelaySeconds ? { initialDelaySeconds: timing.initialDelaySeconds } : {}),
  };
}

export function execProbe(command: string[], timing: ProbeTiming = {}): Probe {
  return {
    exec: { command },
    periodSeconds: timing.periodSeconds ?? 10,
    timeoutSeconds: timing.timeoutSeconds ?? 5,
    failureThreshold: timing.failureThreshold ?? 3,
    ...(timing.initialDelaySeconds ? { initialDelaySeconds: timing.initialDelaySeconds } : {}),
  };
}
