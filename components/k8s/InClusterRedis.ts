/**
 * Redis as a pod, for the minikube stack: Celery's broker and result backend and Django's
 * cache, behind AUTH with a generated password, and the `redis` Service.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { memoryBytes } from "../../lib/quantity";
import { ingressPolicy, type NetworkPolicyPeer, tcp } from "./networkPolicies";
import { checkovSkips } from "./scannerSkips";
import {
  execProbe,
  hardenedContainer,
  isolatedPod,
  type ResourceSizes,
  resources,
  scratchVolumes,
  selectorLabels,
  serviceArgs,
  standardLabels,
} from "./specs";

export interface InClusterRedisArgs {
  namespace: pulumi.Input<string>;
  image: string;
  sizes?: ResourceSizes;
  /** Who may connect; the namespace denies everyone else. */
  clients: NetworkPolicyPeer[];
}

export const REDIS_SERVICE = "redis";
export const REDIS_PORT = 6379;
// The redis user and group of the alpine image.
const REDIS_UID = 999;
const REDIS_GID = 1000;
const DEFAULT_SIZES: ResourceSizes = { cpuRequest: "50m", cpuLimit: "500m", memory: "256Mi" };

export class InClusterRedis extends pulumi.ComponentResource {
  readonly service: k8s.core.v1.Service;
  readonly deployment: k8s.apps.v1.Deployment;
  /** redis://:<password>@redis:6379/0, a secret. */
  readonly url: pulumi.Output<string>;

  constructor(name: string, args: InClusterRedisArgs, opts?: pulumi.ComponentResourceOptions) {
    super("django-k8s:k8s:InClusterRedis", name, {}, opts);
    const parent = { parent: this };
    const labels = standardLabels("redis", "broker");
    const sizes = args.sizes ?? DEFAULT_SIZES;
    const password = new random.RandomPassword(`${name}-password`, { length: 32, special: false }, parent);

    // The password lives in a config file from the Secret, never on the command line (ps).
    // The append-only file keeps queued tasks across a container restart; maxmemory stays
    // below the limit, and noeviction because dropping queued tasks is never acceptable.
    const maxMemoryMb = Math.floor((memoryBytes(sizes.memory)! * 0.75) / 2 ** 20);
    const auth = new k8s.core.v1.Secret(
      `${name}-auth`,
      {
        metadata: { namespace: args.namespace, labels },
        type: "Opaque",
        stringData: {
          "redis.conf": pulumi.interpolate`requirepass ${password.result}
dir /data
appendonly yes
save ""
maxmemory ${maxMemoryMb}mb
maxmemory-policy noeviction
`,
          password: password.result,
        },
      },
      parent,
    );

    const scratch = scratchVolumes([{ name: "data", mountPath: "/data", sizeLimit: "1Gi" }]);
    // The probe reads the password from the mounted file, never from the pod's environment.
    const ping = execProbe(
      ["sh", "-c", 'test "$(REDISCLI_AUTH="$(cat /etc/redis/password)" redis-cli ping)" = PONG'],
      {
        periodSeconds: 10,
      },
    );
    this.deployment = new k8s.apps.v1.Deployment(
      `${name}-server`,
      {
        metadata: {
          name: "redis",
          namespace: args.namespace,
          labels,
          annotations: checkovSkips("CKV_K8S_15", "CKV_K8S_43", "CKV_K8S_40"),
        },
        spec: {
          replicas: 1,
          strategy: { type: "Recreate" },
          selector: { matchLabels: selectorLabels("redis", "broker") },
          template: {
            metadata: { labels },
            spec: {
              ...isolatedPod(REDIS_UID, REDIS_GID),
              containers: [
                hardenedContainer({
                  name: "redis",
                  image: args.image,
                  command: ["redis-server", "/etc/redis/redis.conf"],
                  ports: [{ name: "redis", containerPort: REDIS_PORT }],
                  resources: resources(sizes),
                  readinessProbe: ping,
                  livenessProbe: { ...ping, periodSeconds: 20 },
                  volumeMounts: [
                    ...scratch.volumeMounts,
                    { name: "config", mountPath: "/etc/redis", readOnly: true },
                  ],
                }),
              ],
              volumes: [
                ...scratch.volumes,
                {
                  name: "config",
                  secret: {
                    secretName: auth.metadata.name,
                    defaultMode: 0o440,
                    items: [
                      { key: "redis.conf", path: "redis.conf" },
                      { key: "password", path: "password" },
                    ],
                  },
                },
              ],
            },
          },
        },
      },
      parent,
    );
    this.service = new k8s.core.v1.Service(
      `${name}-svc`,
      serviceArgs({
        name: REDIS_SERVICE,
        namespace: args.namespace,
        app: "redis",
        component: "broker",
        port: REDIS_PORT,
        targetPort: "redis",
        portName: "redis",
      }),
      parent,
    );
    // Only the given clients may connect (the namespace denies the rest).
    ingressPolicy(
      `${name}-ingress`,
      args.namespace,
      { matchLabels: selectorLabels("redis", "broker") },
      [
        {
          from: args.clients,
          ports: [tcp(REDIS_PORT)],
        },
      ],
      parent,
    );
    // Depends on the Deployment being ready, so the app is configured with a Redis that answers.
    const host = pulumi
      .all([this.service.metadata.name, this.deployment.metadata.name])
      .apply(([service]) => service);
    this.url = pulumi.secret(pulumi.interpolate`redis://:${password.result}@${host}:${REDIS_PORT}/0`);
    this.registerOutputs({ service: this.service.metadata.name });
  }
}
