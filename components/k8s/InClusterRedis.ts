/**
 * Redis as a pod, for the minikube stack: Celery's broker and result backend and Django's
 * cache, behind AUTH with a generated password kept in its config file, and the `redis`
 * Service that only the given clients may reach.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { memoryBytes } from "../../lib/quantity";
import { redisConfLines, redisServerSettings } from "../../lib/redisServer";
import {
  createStoreEndpoint,
  hostWhenReady,
  type StoreShape,
  storeEgress,
  storeWorkloadMeta,
} from "./specs/dataStore";
import { standardLabels } from "./specs/labels";
import type { EgressRule, NetworkPolicyPeer } from "./specs/networkPolicies";
import { execProbe } from "./specs/probes";
import { type ResourceSizes, resources } from "./specs/resources";
import { hardenedContainer, isolatedPod } from "./specs/security";

export interface InClusterRedisArgs {
  namespace: pulumi.Input<string>;
  image: string;
  resources?: ResourceSizes;
  /** The claim that keeps the append-only file: its size, and its StorageClass (undefined: the cluster's default). */
  storage?: { size: string; storageClass?: string };
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
const DEFAULT_STORAGE = { size: "1Gi" };
export const REDIS_DATA_DIR = "/data";

export class InClusterRedis extends pulumi.ComponentResource {
  readonly service: k8s.core.v1.Service;
  readonly deployment: k8s.apps.v1.Deployment;
  /** redis://:<password>@redis:6379/0, a secret; resolves once Redis answers. */
  readonly url: pulumi.Output<string>;
  /** The AUTH password, a secret: previews build their own URL (another database index) with it. */
  readonly password: pulumi.Output<string>;
  /** How the app's pods reach it, for their egress policy. */
  readonly egress: EgressRule = storeEgress(REDIS_STORE);

  constructor(name: string, args: InClusterRedisArgs, opts?: pulumi.ComponentResourceOptions) {
    super("django-k8s:k8s:InClusterRedis", name, {}, opts);
    const parent = { parent: this };
    const sizes = args.resources ?? DEFAULT_SIZES;

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
    const data = new k8s.core.v1.PersistentVolumeClaim(
      `${name}-data`,
      redisClaimArgs(args.namespace, args.storage ?? DEFAULT_STORAGE),
      parent,
    );
    this.deployment = new k8s.apps.v1.Deployment(
      `${name}-server`,
      redisDeploymentArgs(args, sizes, config.metadata.name, data.metadata.name),
      parent,
    );
    this.password = password.result;
    this.service = createStoreEndpoint(name, REDIS_STORE, args.namespace, args.clients, this);
    const host = hostWhenReady(this.service, this.deployment);
    this.url = pulumi.secret(pulumi.interpolate`redis://:${password.result}@${host}:${REDIS_STORE.port}/0`);
    this.registerOutputs({ service: this.service.metadata.name });
  }
}

/**
 * The password lives in the config file, never on the command line (ps). The app's settings
 * (app/config/redis_server.json): volatile-lru, so a full cache evicts cache keys (which all
 * expire) and never the queue's (which do not); the append-only file, synced every second, on
 * the claim keeps queued tasks across a restart of the pod. maxmemory stays below the limit.
 */
export function redisConf(password: pulumi.Input<string>, sizes: ResourceSizes): pulumi.Output<string> {
  return pulumi.output(password).apply((value) => redisConfText(value, sizes));
}

/** redis.conf with the password given. Pure. */
export function redisConfText(password: string, sizes: ResourceSizes): string {
  const maxMemoryMb = Math.floor((memoryBytes(sizes.memory)! * 0.75) / 2 ** 20);
  const app = redisServerSettings();
  const lines = [
    `dir ${REDIS_DATA_DIR}`,
    `maxmemory ${maxMemoryMb}mb`,
    ...redisConfLines({ ...app.everywhere, ...app.inCluster }),
  ];
  return `requirepass ${password}\n${lines.join("\n")}\n`;
}

/** The claim the append-only file lives on: one pod writes it (ReadWriteOnce). Pure. */
export function redisClaimArgs(
  namespace: pulumi.Input<string>,
  storage: { size: string; storageClass?: string },
): k8s.core.v1.PersistentVolumeClaimArgs {
  return {
    metadata: { namespace, labels: standardLabels(REDIS_STORE.name, REDIS_STORE.component) },
    spec: {
      accessModes: ["ReadWriteOnce"],
      storageClassName: storage.storageClass,
      resources: { requests: { storage: storage.size } },
    },
  };
}

/**
 * One Redis pod with its config from the Secret and its data on the claim. Recreate: the old pod
 * is gone before the new one starts, so never two servers on one append-only file (and a
 * ReadWriteOnce claim could not be mounted twice on two nodes anyway). Pure.
 */
export function redisDeploymentArgs(
  args: Pick<InClusterRedisArgs, "namespace" | "image">,
  sizes: ResourceSizes,
  configSecretName: pulumi.Input<string>,
  claimName: pulumi.Input<string>,
): k8s.apps.v1.DeploymentArgs {
  const workload = storeWorkloadMeta(REDIS_STORE, args.namespace);
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
                { name: "data", mountPath: REDIS_DATA_DIR },
                { name: "config", mountPath: CONFIG_DIR, readOnly: true },
              ],
            }),
          ],
          volumes: [
            { name: "data", persistentVolumeClaim: { claimName } },
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
