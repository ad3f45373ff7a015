/**
 * PostgreSQL as a pod, for the minikube stack: the credentials Secret that the database pod
 * and the Django pods both read, its storage (a hostPath PersistentVolume with a claim bound
 * to it, or a claim on a StorageClass), a single-replica StatefulSet, and the `postgres`
 * Service that only the given clients may reach.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { IN_CLUSTER_MAX_CONNECTIONS } from "../../lib/postgresLimits";
import { DATABASE_SECRET_KEYS, DATABASE_SECRETS_DIR, ENV, secretFileEnv } from "./djangoApp/appContract";
import { PostgresCredentials } from "./PostgresCredentials";
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
import { scratchVolumes } from "./specs/volumes";

/** hostPath: a PersistentVolume on the node (single-node minikube); storageClass: a claim on a StorageClass. */
export type PostgresStorage = "hostPath" | "storageClass";

export interface InClusterPostgresArgs {
  namespace: pulumi.Input<string>;
  image: string;
  storage: PostgresStorage;
  size: string;
  /** Directory on the node, for storage=hostPath. */
  hostPath: string;
  /** StorageClass for storage=storageClass; undefined means the cluster's default. */
  storageClass?: string;
  database?: string;
  user?: string;
  /** Who may connect; the namespace denies everyone else. */
  clients: NetworkPolicyPeer[];
  resources?: ResourceSizes;
}

export const POSTGRES_STORE: StoreShape = {
  name: "postgres",
  component: "database",
  port: 5432,
  portName: "postgres",
};
export const POSTGRES_PORT = POSTGRES_STORE.port;
// The postgres user of the alpine image; the hostPath directory must belong to it.
export const POSTGRES_UID = 70;
const DATA_DIR = "/var/lib/postgresql/data";
const CLAIM_NAME = "postgres-data";
const DEFAULT_SIZES: ResourceSizes = { cpuRequest: "100m", cpuLimit: "1", memory: "512Mi" };

export class InClusterPostgres extends pulumi.ComponentResource {
  readonly service: k8s.core.v1.Service;
  readonly credentials: PostgresCredentials;
  readonly claim: k8s.core.v1.PersistentVolumeClaim;
  readonly volume?: k8s.core.v1.PersistentVolume;
  readonly statefulSet: k8s.apps.v1.StatefulSet;
  /** The Service's name, once the database accepts connections. */
  readonly host: pulumi.Output<string>;
  readonly port = POSTGRES_STORE.port;
  /** The superuser's name and password (the image makes POSTGRES_USER one): a preview's psql Job connects as it. */
  readonly admin: { user: string; database: string; password: pulumi.Output<string> };
  /** How the app's pods reach it, for their egress policy. */
  readonly egress: EgressRule = storeEgress(POSTGRES_STORE);

  constructor(name: string, args: InClusterPostgresArgs, opts?: pulumi.ComponentResourceOptions) {
    super("django-k8s:k8s:InClusterPostgres", name, {}, opts);
    const parent = { parent: this };

    const password = new random.RandomPassword(`${name}-password`, { length: 32, special: false }, parent);
    this.admin = { user: args.user ?? "app", database: args.database ?? "app", password: password.result };
    this.credentials = new PostgresCredentials(
      `${name}-credentials`,
      {
        namespace: args.namespace,
        database: this.admin.database,
        user: this.admin.user,
        password: password.result,
      },
      parent,
    );
    const storage = createPostgresStorage(name, args, this);
    this.volume = storage.volume;
    this.claim = storage.claim;
    this.statefulSet = new k8s.apps.v1.StatefulSet(
      `${name}-db`,
      postgresStatefulSetArgs(args, this.claim.metadata.name, this.credentials.secretName),
      parent,
    );
    this.service = createStoreEndpoint(name, POSTGRES_STORE, args.namespace, args.clients, this);
    this.host = hostWhenReady(this.service, this.statefulSet);
    this.registerOutputs({ service: this.service.metadata.name, claim: this.claim.metadata.name });
  }
}

/**
 * The data's claim: bound to a hostPath PersistentVolume reserved for it, or on a StorageClass.
 * Retain: deleting the stack keeps the data on the node.
 */
export function createPostgresStorage(
  name: string,
  args: InClusterPostgresArgs,
  parent: pulumi.Resource,
): { volume?: k8s.core.v1.PersistentVolume; claim: k8s.core.v1.PersistentVolumeClaim } {
  const labels = standardLabels(POSTGRES_STORE.name, POSTGRES_STORE.component);
  const volume =
    args.storage === "hostPath"
      ? new k8s.core.v1.PersistentVolume(
          `${name}-volume`,
          {
            metadata: { name: pulumi.interpolate`${args.namespace}-postgres-data`, labels },
            spec: {
              capacity: { storage: args.size },
              accessModes: ["ReadWriteOnce"],
              persistentVolumeReclaimPolicy: "Retain",
              storageClassName: "",
              hostPath: { path: args.hostPath, type: "DirectoryOrCreate" },
              // Reserved for this claim alone, so no other claim can take it.
              claimRef: { namespace: args.namespace, name: CLAIM_NAME },
            },
          },
          { parent },
        )
      : undefined;
  const claim = new k8s.core.v1.PersistentVolumeClaim(
    `${name}-claim`,
    {
      metadata: { name: CLAIM_NAME, namespace: args.namespace, labels },
      spec: {
        accessModes: ["ReadWriteOnce"],
        resources: { requests: { storage: args.size } },
        ...(volume
          ? { storageClassName: "", volumeName: volume.metadata.name }
          : { storageClassName: args.storageClass }),
      },
    },
    { parent },
  );
  return { volume, claim };
}

/** One PostgreSQL pod on the claim, reading its credentials as files. Pure. */
export function postgresStatefulSetArgs(
  args: Pick<InClusterPostgresArgs, "namespace" | "image" | "resources">,
  claimName: pulumi.Input<string>,
  credentialsSecretName: pulumi.Input<string>,
): k8s.apps.v1.StatefulSetArgs {
  const workload = storeWorkloadMeta(POSTGRES_STORE, args.namespace);
  const scratch = scratchVolumes([
    { name: "run", mountPath: "/var/run/postgresql", sizeLimit: "16Mi" },
    { name: "tmp", mountPath: "/tmp", sizeLimit: "256Mi" },
  ]);
  const secretFile = (key: string) => `${DATABASE_SECRETS_DIR}/${key}`;
  const ready = execProbe(
    [
      "sh",
      "-c",
      `pg_isready -h 127.0.0.1 -U "$(cat ${secretFile(ENV.postgresUser)})" -d "$(cat ${secretFile(ENV.postgresDb)})"`,
    ],
    { periodSeconds: 5 },
  );
  return {
    metadata: workload.metadata,
    spec: {
      serviceName: POSTGRES_STORE.name,
      replicas: 1,
      selector: workload.selector,
      template: {
        metadata: { labels: workload.podLabels },
        spec: {
          ...isolatedPod(POSTGRES_UID, POSTGRES_UID),
          terminationGracePeriodSeconds: 60, // a clean shutdown checkpoint instead of crash recovery
          containers: [
            hardenedContainer({
              name: "postgres",
              image: args.image,
              // The limit the config's connection budget is checked against (lib/postgresLimits.ts).
              args: ["postgres", "-c", `max_connections=${IN_CLUSTER_MAX_CONNECTIONS}`],
              env: [
                // The image reads <NAME>_FILE: the credentials stay files, out of the environment.
                ...secretFileEnv(DATABASE_SECRETS_DIR, DATABASE_SECRET_KEYS),
                // A subdirectory, so initdb never meets a lost+found in the volume's root.
                { name: "PGDATA", value: `${DATA_DIR}/pgdata` },
              ],
              ports: [{ name: POSTGRES_STORE.portName, containerPort: POSTGRES_STORE.port }],
              resources: resources(args.resources ?? DEFAULT_SIZES),
              readinessProbe: ready,
              livenessProbe: { ...ready, periodSeconds: 20, failureThreshold: 6 },
              startupProbe: { ...ready, periodSeconds: 5, failureThreshold: 60 },
              volumeMounts: [
                { name: "data", mountPath: DATA_DIR },
                { name: "credentials", mountPath: DATABASE_SECRETS_DIR, readOnly: true },
                ...scratch.volumeMounts,
              ],
            }),
          ],
          volumes: [
            { name: "data", persistentVolumeClaim: { claimName } },
            { name: "credentials", secret: { secretName: credentialsSecretName, defaultMode: 0o440 } },
            ...scratch.volumes,
          ],
        },
      },
    },
  };
}
