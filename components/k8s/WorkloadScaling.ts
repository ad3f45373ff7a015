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
} from "./scaling";

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
    const parent = { parent: this };
    const { namespace, scaling } = args;
    const metadata = { namespace, labels: args.labels };
    const deploymentName = args.deployment.metadata.name;

    if (scaling.mode === "cpu") {
      new k8s.autoscaling.v2.HorizontalPodAutoscaler(
        `${name}-hpa`,
        {
          metadata: { ...metadata, name: deploymentName },
          spec: cpuAutoscalerSpec(deploymentName, args.minReplicas, scaling.maxReplicas, scaling.cpuTarget),
        },
        parent,
      );
    } else {
      if (!args.redis || !args.keda) {
        throw new Error(`${name}: workerAutoscaling=queue needs the Redis broker and KEDA`);
      }
      const connection = pulumi.output(args.redis.url).apply(redisConnection);
      // Only the password is secret; where Redis listens is not.
      const address = pulumi.unsecret(connection.address);
      const databaseIndex = pulumi.unsecret(connection.databaseIndex);
      const auth = new k8s.core.v1.Secret(
        `${name}-redis-auth`,
        {
          metadata,
          type: "Opaque",
          stringData: {
            password: pulumi.secret(connection.password),
            ...(args.redis.caCert ? { ca: args.redis.caCert, tls: "enable" } : {}),
          },
        },
        parent,
      );
      const authentication = new k8s.apiextensions.CustomResource(
        `${name}-trigger-auth`,
        {
          apiVersion: "keda.sh/v1alpha1",
          kind: "TriggerAuthentication",
          metadata: { ...metadata, name: pulumi.interpolate`${deploymentName}-redis` },
          spec: {
            secretTargetRef: [
              { parameter: "password", name: auth.metadata.name, key: "password" },
              ...(args.redis.caCert
                ? [
                    { parameter: "tls", name: auth.metadata.name, key: "tls" },
                    { parameter: "ca", name: auth.metadata.name, key: "ca" },
                  ]
                : []),
            ],
          },
        },
        { parent: this, dependsOn: [args.keda] },
      );
      new k8s.apiextensions.CustomResource(
        `${name}-scaledobject`,
        {
          apiVersion: "keda.sh/v1alpha1",
          kind: "ScaledObject",
          metadata: { ...metadata, name: deploymentName },
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
        { parent: this, dependsOn: [args.keda] },
      );
    }
    new k8s.policy.v1.PodDisruptionBudget(
      `${name}-pdb`,
      {
        metadata: { ...metadata, name: deploymentName },
        spec: disruptionBudgetSpec(args.selector, scaling.minAvailable),
      },
      parent,
    );
    this.registerOutputs({});
  }
}
