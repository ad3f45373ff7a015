/**
 * How one Deployment scales and survives disruptions: a HorizontalPodAutoscaler on CPU, or
 * KEDA on the Celery queue (a ScaledObject, its TriggerAuthentication and the Secret with the
 * Redis password and CA), plus a PodDisruptionBudget that never blocks a node drain.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import {
  type CpuScaling,
  cpuAutoscalerSpec,
  disruptionBudgetSpec,
  type QueueScaling,
  queueScalerSpec,
  redisConnection,
} from "./specs/scaling";

export interface WorkloadScalingArgs {
  namespace: pulumi.Input<string>;
  deployment: k8s.apps.v1.Deployment;
  selector: Record<string, string>;
  labels: Record<string, string>;
  minReplicas: number;
  scaling: CpuScaling | QueueScaling;
  /** For queue scaling: the broker URL (secret) and, with TLS, its CA. */
  redis?: { url: pulumi.Input<string>; caCert?: pulumi.Input<string> };
  /** For queue scaling: KEDA itself, whose CRDs the ScaledObject needs. */
  keda?: pulumi.Resource;
}

export class WorkloadScaling extends pulumi.ComponentResource {
  constructor(name: string, args: WorkloadScalingArgs, opts?: pulumi.ComponentResourceOptions) {
    super("django-k8s:k8s:WorkloadScaling", name, {}, opts);
    const scope = { name, args, parent: this };
    if (args.scaling.mode === "cpu") createCpuAutoscaler(scope, args.scaling);
    else createQueueScaler(scope, args.scaling);
    createDisruptionBudget(scope);
    this.registerOutputs({});
  }
}

interface ScalingScope {
  name: string;
  args: WorkloadScalingArgs;
  parent: pulumi.Resource;
}

/** Everything here is named after the Deployment it scales. */
function scalingMetadata({ args }: ScalingScope, name: pulumi.Input<string> = args.deployment.metadata.name) {
  return { namespace: args.namespace, labels: args.labels, name };
}

export function createCpuAutoscaler(scope: ScalingScope, scaling: CpuScaling) {
  const { name, args, parent } = scope;
  const deploymentName = args.deployment.metadata.name;
  return new k8s.autoscaling.v2.HorizontalPodAutoscaler(
    `${name}-hpa`,
    {
      metadata: scalingMetadata(scope),
      spec: cpuAutoscalerSpec(deploymentName, args.minReplicas, scaling.maxReplicas, scaling.cpuTarget),
    },
    { parent },
  );
}

/**
 * KEDA's ScaledObject on the Celery queue's length, and the TriggerAuthentication that hands
 * it the Redis password (and CA, with TLS) from a Secret of its own.
 */
export function createQueueScaler(scope: ScalingScope, scaling: QueueScaling) {
  const { name, args, parent } = scope;
  if (!args.redis || !args.keda) {
    throw new Error(`${name}: scaling on the queue needs the Redis broker and KEDA`);
  }
  const deploymentName = args.deployment.metadata.name;
  const afterKeda = { parent, dependsOn: [args.keda] };
  const connection = pulumi.output(args.redis.url).apply(redisConnection);
  const caCert = args.redis.caCert;
  const auth = new k8s.core.v1.Secret(
    `${name}-redis-auth`,
    {
      metadata: { namespace: args.namespace, labels: args.labels },
      type: "Opaque",
      stringData: {
        password: pulumi.secret(connection.password),
        ...(caCert ? { ca: caCert, tls: "enable" } : {}),
      },
    },
    { parent },
  );
  const fromAuth = (parameter: string) => ({ parameter, name: auth.metadata.name, key: parameter });
  const authentication = new k8s.apiextensions.CustomResource(
    `${name}-trigger-auth`,
    {
      apiVersion: "keda.sh/v1alpha1",
      kind: "TriggerAuthentication",
      metadata: scalingMetadata(scope, pulumi.interpolate`${deploymentName}-redis`),
      spec: {
        secretTargetRef: [fromAuth("password"), ...(caCert ? [fromAuth("tls"), fromAuth("ca")] : [])],
      },
    },
    afterKeda,
  );
  // Only the password is secret; where Redis listens is not.
  const address = pulumi.unsecret(connection.address);
  const databaseIndex = pulumi.unsecret(connection.databaseIndex);
  return new k8s.apiextensions.CustomResource(
    `${name}-scaledobject`,
    {
      apiVersion: "keda.sh/v1alpha1",
      kind: "ScaledObject",
      metadata: scalingMetadata(scope),
      spec: pulumi.all([address, databaseIndex]).apply(([address, databaseIndex]) =>
        queueScalerSpec({
          deployment: deploymentName,
          minReplicas: args.minReplicas,
          maxReplicas: scaling.maxReplicas,
          queueLength: scaling.queueLength,
          address,
          databaseIndex,
          authenticationName: authentication.metadata.name,
        }),
      ),
    },
    afterKeda,
  );
}

export function createDisruptionBudget(scope: ScalingScope) {
  const { name, args, parent } = scope;
  return new k8s.policy.v1.PodDisruptionBudget(
    `${name}-pdb`,
    {
      metadata: scalingMetadata(scope),
      spec: disruptionBudgetSpec(args.selector, args.scaling.minAvailable),
    },
    { parent },
  );
}
