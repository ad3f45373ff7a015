/**
 * Redis as a pod, for the minikube stack: Celery's broker and result backend and Django's
 * cache, behind AUTH with a generated password kept in its config file, and the `redis`
 * Service that only the given clients may reach.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { memoryBytes } from "../../lib/quantity";
import {
  createStoreEndpoint,
  hostWhenReady,
  type StoreShape,
  storeEgress,
  storeWorkloadMeta,
} from "./dataStore";
import type { EgressRule, NetworkPolicyPeer } from "./networkPolicies";
import {
  execProbe,
  hardenedContainer,
  isolatedPod,
  type ResourceSizes,
  resources,
  scratchVolumes,
  standardLabels,
} from "./specs";

export interface InClusterRedisArgs {
  namespace: pulumi.Input<string>;
  image: string;
  sizes?: ResourceSizes;
  /** Who may connect; the namespace denies everyone else. */
  clients: NetworkPolicyPeer[];
}

export const REDIS_STORE: StoreShape = { name: "redis", component: "broker", port: 6379, portName: "redis" };
export const REDIS_PORT = REDIS_STORE.port;
// The redis user and group of the alpine image.
const REDIS_UID = 999;
const REDIS_GID = 1000;
const CONFIG_DIR = "/etc/redis";
const DEFAULT_SIZES: ResourceSizes = { cpuRequest: "50m", cpuLimit: "500m", memory: "256Mi" };

export class InClusterRedis extends pulumi.ComponentResource {
  readonly service: k8s.core.v1.Service;
  readonly deployment: k8s.apps.v1.Deployment;
  /** redis://:<password>@redis:6379/0, a secret; resolves once Redis answers. */
  readonly url: pulumi.Output<string>;
  /** How the app's pods reach it, for their egress policy. */
  readonly egress: EgressRule = storeEgress(REDIS_STORE);

  constructor(name: string, args: InClusterRedisArgs, opts?: pulumi.ComponentResourceOptions) {
    super("django-k8s:k8s:InClusterRedis", name, {}, opts);
    const parent = { parent: this };
    const sizes = args.sizes ?? DEFAULT_SIZES;

    const password = new random.RandomPassword(`${name}-password`, { length: 32, special: false }, parent);
    const config = new k8s.core.v1.Secret(
      `${name}-auth`,
      {
        metadata: {
          namespace: args.namespace,
          labels: standardLabels(REDIS_STORE.name, REDIS_STORE.component),
        },
        type: "Opaque",
        stringData: { "redis.conf": redisConf(password.result, sizes), password: password.result },
      },
      parent,
    );
    this.deployment = new k8s.apps.v1.Deployment(
      `${name}-server`,
      redisDeploymentArgs(args, sizes, config.metadata.name),
      parent,
    );
    this.service = createStoreEndpoint(name, REDIS_STORE, args.namespace, args.clients, this);
    const host = hostWhenReady(this.service, this.deployment);
    this.url = pulumi.secret(pulumi.interpolate`redis://:${password.result}@${host}:${REDIS_STORE.port}/0`);
    this.registerOutputs({ service: this.service.metadata.name });
  }
}

/**
 * The password lives in the config file, never on the command line (ps). The append-only file
 * keeps queued tasks across a container restart; maxmemory stays below the limit, and
 * noeviction because dropping queued tasks is never acceptable.
 */
export function redisConf(password: pulumi.Input<string>, sizes: ResourceSizes): pulumi.Output<string> {
  const maxMemoryMb = Math.floor((memoryBytes(sizes.memory)! * 0.75) / 2 ** 20);
  return pulumi.interpolate`requirepass ${password}
dir /data
appendonly yes
save ""
maxmemory ${maxMemoryMb}mb
maxmemory-policy noeviction
`;
}

/** One Redis pod (Recreate: never two on the same data) with its config from the Secret. Pure. */
export function redisDeploymentArgs(
  args: Pick<InClusterRedisArgs, "namespace" | "image">,
  sizes: ResourceSizes,
  configSecretName: pulumi.Input<string>,
): k8s.apps.v1.DeploymentArgs {
  const workload = storeWorkloadMeta(REDIS_STORE, args.namespace);
  const scratch = scratchVolumes([{ name: "data", mountPath: "/data", sizeLimit: "1Gi" }]);
  // The probe reads the password from the mounted file, never from the pod's environment.
  const ping = execProbe(
    ["sh", "-c", `test "$(REDISCLI_AUTH="$(cat ${CONFIG_DIR}/password)" redis-cli ping)" = PONG`],
    { periodSeconds: 10 },
  );
  return {
    metadata: workload.metadata,
    spec: {
      replicas: 1,
      strategy: { type: "Recreate" },
      selector: workload.selector,
      template: {
        metadata: { labels: workload.podLabels },
        spec: {
          ...isolatedPod(REDIS_UID, REDIS_GID),
          containers: [
            hardenedContainer({
              name: "redis",
              image: args.image,
              command: ["redis-server", `${CONFIG_DIR}/redis.conf`],
              ports: [{ name: REDIS_STORE.portName, containerPort: REDIS_STORE.port }],
              resources: resources(sizes),
              readinessProbe: ping,
              livenessProbe: { ...ping, periodSeconds: 20 },
              volumeMounts: [
                ...scratch.volumeMounts,
                { name: "config", mountPath: CONFIG_DIR, readOnly: true },
              ],
            }),
          ],
          volumes: [
            ...scratch.volumes,
            {
              name: "config",
              secret: {
                secretName: configSecretName,
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
  };
}
