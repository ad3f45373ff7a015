/**
 * PostgreSQL as a pod, for the minikube stack: its storage (a hostPath PersistentVolume with
 * a claim bound to it, or a claim on a StorageClass), the credentials Secret that the
 * database pod and the Django pods both read, a single-replica StatefulSet and the
 * `postgres` Service.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { DATABASE_SECRET_KEYS } from "./appContract";
import { ingressPolicy, type NetworkPolicyPeer, tcp } from "./networkPolicies";
import { PostgresCredentials } from "./PostgresCredentials";
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
  sizes?: ResourceSizes;
}

export const POSTGRES_SERVICE = "postgres";
export const POSTGRES_PORT = 5432;
// The postgres user of the alpine image; the hostPath directory must belong to it.
export const POSTGRES_UID = 70;
const DATA_DIR = "/var/lib/postgresql/data";
const SECRETS = "/run/secrets/postgres";
const DEFAULT_SIZES: ResourceSizes = { cpuRequest: "100m", cpuLimit: "1", memory: "512Mi" };

export class InClusterPostgres extends pulumi.ComponentResource {
  readonly service: k8s.core.v1.Service;
  readonly credentials: PostgresCredentials;
  readonly claim: k8s.core.v1.PersistentVolumeClaim;
  readonly volume?: k8s.core.v1.PersistentVolume;
  readonly statefulSet: k8s.apps.v1.StatefulSet;
  readonly host: pulumi.Output<string>;
  readonly port = POSTGRES_PORT;

  constructor(name: string, args: InClusterPostgresArgs, opts?: pulumi.ComponentResourceOptions) {
    super("django-k8s:k8s:InClusterPostgres", name, {}, opts);
    const parent = { parent: this };
    const labels = standardLabels("postgres", "database");
    const claimName = "postgres-data";

    const password = new random.RandomPassword(`${name}-password`, { length: 32, special: false }, parent);
    this.credentials = new PostgresCredentials(
      `${name}-credentials`,
      {
        namespace: args.namespace,
        database: args.database ?? "app",
        user: args.user ?? "app",
        password: password.result,
      },
      parent,
    );

    if (args.storage === "hostPath") {
      // Retain: deleting the stack keeps the data on the node.
      this.volume = new k8s.core.v1.PersistentVolume(
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
            claimRef: { namespace: args.namespace, name: claimName },
          },
        },
        parent,
      );
    }
    this.claim = new k8s.core.v1.PersistentVolumeClaim(
      `${name}-claim`,
      {
        metadata: { name: claimName, namespace: args.namespace, labels },
        spec: {
          accessModes: ["ReadWriteOnce"],
          resources: { requests: { storage: args.size } },
          ...(this.volume
            ? { storageClassName: "", volumeName: this.volume.metadata.name }
            : { storageClassName: args.storageClass }),
        },
      },
      parent,
    );

    const scratch = scratchVolumes([
      { name: "run", mountPath: "/var/run/postgresql", sizeLimit: "16Mi" },
      { name: "tmp", mountPath: "/tmp", sizeLimit: "256Mi" },
    ]);
    const ready = execProbe(
      [
        "sh",
        "-c",
        `pg_isready -h 127.0.0.1 -U "$(cat ${SECRETS}/POSTGRES_USER)" -d "$(cat ${SECRETS}/POSTGRES_DB)"`,
      ],
      { periodSeconds: 5 },
    );
    this.statefulSet = new k8s.apps.v1.StatefulSet(
      `${name}-db`,
      {
        metadata: {
          name: "postgres",
          namespace: args.namespace,
          labels,
          annotations: checkovSkips("CKV_K8S_15", "CKV_K8S_43", "CKV_K8S_40"),
        },
        spec: {
          serviceName: POSTGRES_SERVICE,
          replicas: 1,
          selector: { matchLabels: selectorLabels("postgres", "database") },
          template: {
            metadata: { labels },
            spec: {
              ...isolatedPod(POSTGRES_UID, POSTGRES_UID),
              terminationGracePeriodSeconds: 60, // a clean shutdown checkpoint instead of crash recovery
              containers: [
                hardenedContainer({
                  name: "postgres",
                  image: args.image,
                  // The image reads <NAME>_FILE: the credentials stay files, out of the environment.
                  env: [
                    ...DATABASE_SECRET_KEYS.map((key) => ({
                      name: `${key}_FILE`,
                      value: `${SECRETS}/${key}`,
                    })),
                    // A subdirectory, so initdb never meets a lost+found in the volume's root.
                    { name: "PGDATA", value: `${DATA_DIR}/pgdata` },
                  ],
                  ports: [{ name: "postgres", containerPort: POSTGRES_PORT }],
                  resources: resources(args.sizes ?? DEFAULT_SIZES),
                  readinessProbe: ready,
                  livenessProbe: { ...ready, periodSeconds: 20, failureThreshold: 6 },
                  startupProbe: { ...ready, periodSeconds: 5, failureThreshold: 60 },
                  volumeMounts: [
                    { name: "data", mountPath: DATA_DIR },
                    { name: "credentials", mountPath: SECRETS, readOnly: true },
                    ...scratch.volumeMounts,
                  ],
                }),
              ],
              volumes: [
                { name: "data", persistentVolumeClaim: { claimName: this.claim.metadata.name } },
                {
                  name: "credentials",
                  secret: { secretName: this.credentials.secretName, defaultMode: 0o440 },
                },
                ...scratch.volumes,
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
        name: POSTGRES_SERVICE,
        namespace: args.namespace,
        app: "postgres",
        component: "database",
        port: POSTGRES_PORT,
        targetPort: "postgres",
        portName: "postgres",
      }),
      parent,
    );
    // Only the given clients may connect (the namespace denies the rest).
    ingressPolicy(
      `${name}-ingress`,
      args.namespace,
      { matchLabels: selectorLabels("postgres", "database") },
      [{ from: args.clients, ports: [tcp(POSTGRES_PORT)] }],
      parent,
    );
    // Resolves once the StatefulSet is ready (pg_isready), so whatever is configured with
    // the host (the migration Job first) waits for a database that accepts connections.
    this.host = pulumi
      .all([this.service.metadata.name, this.statefulSet.metadata.name])
      .apply(([service]) => service);
    this.registerOutputs({ service: this.service.metadata.name, claim: this.claim.metadata.name });
  }
}
