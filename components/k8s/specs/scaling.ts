/**
 * Pure builders for autoscaling and disruption budgets: the HorizontalPodAutoscaler on CPU,
 * KEDA's ScaledObject on the Celery queue in Redis, and the PodDisruptionBudget.
 */
import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";

export interface CpuScaling {
  mode: "cpu";
  maxReplicas: number;
  /** Average CPU utilisation, % of the request. */
  cpuTarget: number;
  /** Pods kept during voluntary disruptions; 0 means at most one unavailable. */
  minAvailable: number;
}
export interface QueueScaling {
  mode: "queue";
  maxReplicas: number;
  /** Waiting tasks per replica. */
  queueLength: number;
  minAvailable: number;
}

/** Up fast (a spike needs pods now), down slowly (five quiet minutes first), so replicas do not flap. */
export const SCALE_BEHAVIOR: k8s.types.input.autoscaling.v2.HorizontalPodAutoscalerBehavior = {
  scaleUp: {
    stabilizationWindowSeconds: 0,
    selectPolicy: "Max",
    policies: [
      { type: "Pods", value: 4, periodSeconds: 30 },
      { type: "Percent", value: 100, periodSeconds: 30 },
    ],
  },
  scaleDown: {
    stabilizationWindowSeconds: 300,
    selectPolicy: "Max",
    policies: [{ type: "Percent", value: 50, periodSeconds: 60 }],
  },
};

export function cpuAutoscalerSpec(
  deployment: pulumi.Input<string>,
  minReplicas: number,
  maxReplicas: number,
  cpuTarget: number,
): k8s.types.input.autoscaling.v2.HorizontalPodAutoscalerSpec {
  return {
    scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: deployment },
    minReplicas,
    maxReplicas,
    metrics: [
      {
        type: "Resource",
        resource: { name: "cpu", target: { type: "Utilization", averageUtilization: cpuTarget } },
      },
    ],
    behavior: SCALE_BEHAVIOR,
  };
}

/**
 * A budget that protects availability and never blocks a drain: by default at most one pod
 * down at a time (with one replica, that one may go); with minAvailable, config guarantees it
 * stays below the autoscaler's minimum.
 */
export function disruptionBudgetSpec(
  selector: Record<string, string>,
  minAvailable: number,
): k8s.types.input.policy.v1.PodDisruptionBudgetSpec {
  return {
    selector: { matchLabels: selector },
    ...(minAvailable > 0 ? { minAvailable } : { maxUnavailable: 1 }),
    // A pod that never became ready may always be evicted, so a broken rollout cannot pin a node.
    unhealthyPodEvictionPolicy: "AlwaysAllow",
  };
}

export interface RedisConnection {
  /** host:port */
  address: string;
  databaseIndex: string;
  password: string;
  tls: boolean;
}

/** What KEDA's Redis scaler needs, from the broker URL. Throws when the broker is not Redis. */
export function redisConnection(url: string): RedisConnection {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(
      "scaling the worker on its queue needs a Redis broker URL (redis:// or rediss://); got something else",
    );
  }
  if (parsed.protocol !== "redis:" && parsed.protocol !== "rediss:") {
    throw new Error(
      `scaling the worker on its queue needs a Redis broker (redis:// or rediss://); got ${parsed.protocol}//`,
    );
  }
  return {
    address: `${parsed.hostname}:${parsed.port || "6379"}`,
    databaseIndex: parsed.pathname.replace(/^\//, "") || "0",
    password: decodeURIComponent(parsed.password),
    tls: parsed.protocol === "rediss:",
  };
}

/** The Celery queue (its Redis list) a KEDA ScaledObject scales the worker on. */
export const CELERY_QUEUE = "celery";

export function queueScalerSpec(args: {
  deployment: pulumi.Input<string>;
  minReplicas: number;
  maxReplicas: number;
  queueLength: number;
  address: pulumi.Input<string>;
  databaseIndex: pulumi.Input<string>;
  authenticationName: pulumi.Input<string>;
}) {
  return {
    scaleTargetRef: { name: args.deployment },
    minReplicaCount: args.minReplicas,
    maxReplicaCount: args.maxReplicas,
    pollingInterval: 15,
    cooldownPeriod: 300,
    advanced: { horizontalPodAutoscalerConfig: { behavior: SCALE_BEHAVIOR } },
    triggers: [
      {
        type: "redis",
        metadata: {
          address: args.address,
          databaseIndex: args.databaseIndex,
          listName: CELERY_QUEUE,
          listLength: String(args.queueLength),
          // TLS (with the CA) comes from the TriggerAuthentication; KEDA refuses it in both places.
        },
        authenticationRef: { name: args.authenticationName },
      },
    ],
  };
}
