/**
 * A preview's own data on its parent's servers (docs/previews.md), as the one seam DjangoApp
 * knows (AppBackends): on minikube a database and role made by a psql Job on the parent's
 * in-cluster PostgreSQL; on GCP a Cloud SQL database and user on the parent's instance, reached
 * through the Auth Proxy as the parent's app identity (bound to this preview's ServiceAccount).
 * Redis: the parent's server, a database index of the preview's own (previewRedisDb).
 */
import * as gcp from "@pulumi/gcp";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { cloudSqlProxySidecar, PROXY_PORT } from "../components/gcp/cloudSqlProxy";
import { WORKLOAD_IDENTITY_ANNOTATION } from "../components/gcp/WorkloadIdentity";
import { APP_SERVICE_ACCOUNT } from "../components/k8s/djangoApp";
import { APP_NAME } from "../components/k8s/djangoApp/appContract";
import type { AppBackends } from "../components/k8s/djangoApp/backends";
import { POSTGRES_STORE } from "../components/k8s/InClusterPostgres";
import { REDIS_STORE } from "../components/k8s/InClusterRedis";
import { PostgresCredentials } from "../components/k8s/PostgresCredentials";
import { PreviewDatabase } from "../components/k8s/PreviewDatabase";
import { selectorLabels, standardLabels } from "../components/k8s/specs/labels";
import type { EgressRule } from "../components/k8s/specs/networkPolicies";
import { gcpAppNetwork } from "./gcpBackends";
import type { GcpPreviewTarget, MinikubePreviewTarget, previewNames } from "./previewContract";

export interface PreviewScope {
  names: ReturnType<typeof previewNames>;
  namespace: pulumi.Output<string>;
  /** For components (their children inherit the providers) and for single objects on the cluster. */
  inCluster: pulumi.ComponentResourceOptions;
  onCluster: pulumi.CustomResourceOptions;
  /** The parent's secrets, still secrets. */
  secrets: { adminPassword: pulumi.Output<string>; redisAuth: pulumi.Output<string>; redisCaCert: string };
}

/** What a platform's data step hands the app: the seam, and what the migration waits for. */
export interface PreviewData {
  backends: AppBackends;
  migrateAfter: pulumi.Resource[];
  /** The database drop the lifecycle runs before destroy, as a command (minikube), or empty. */
  dropDatabaseCommand: pulumi.Output<string>;
}

/** Egress to a store's pods in the parent's namespace. */
function toParentStore(
  namespace: string,
  store: { name: string; component: string; port: number },
): EgressRule {
  return {
    to: [
      {
        namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": namespace } },
        podSelector: { matchLabels: selectorLabels(store.name, store.component) },
      },
    ],
    ports: [{ port: store.port, protocol: "TCP" }],
  };
}

/**
 * The Redis database index that a preview holds, claimed by a ConfigMap in the parent's
 * namespace named after it: a second preview with the same index fails to create it
 * ("already exists"), so two previews never share a database.
 */
function claimRedisDb(scope: PreviewScope, parentNamespace: string): k8s.core.v1.ConfigMap {
  const { names } = scope;
  return new k8s.core.v1.ConfigMap(
    "redis-db-claim",
    {
      metadata: {
        name: `preview-redis-db-${names.redisDb}`,
        namespace: parentNamespace,
        labels: standardLabels(APP_NAME, "preview-claim"),
      },
      data: { holder: names.stack, redisDb: String(names.redisDb) },
    },
    scope.onCluster,
  );
}

/** The preview's database credentials: its own role and a generated password (a secret). */
function previewCredentials(scope: PreviewScope, user: pulumi.Input<string>) {
  const password = new random.RandomPassword("database-password", { length: 32, special: false });
  const credentials = new PostgresCredentials(
    "postgres-credentials",
    { namespace: scope.namespace, database: scope.names.database, user, password: password.result },
    scope.inCluster,
  );
  return { password, credentials };
}

export function minikubePreviewData(scope: PreviewScope, target: MinikubePreviewTarget): PreviewData {
  const { names, namespace } = scope;
  const claim = claimRedisDb(scope, target.namespace);
  const { credentials } = previewCredentials(scope, names.user);
  const toPostgres = toParentStore(target.namespace, POSTGRES_STORE);
  const database = new PreviewDatabase(
    "database",
    {
      namespace,
      server: { ...target.postgres, adminPassword: scope.secrets.adminPassword },
      credentialsSecretName: credentials.secretName,
      egress: toPostgres,
    },
    scope.inCluster,
  );
  const redisUrl = pulumi.secret(
    pulumi.interpolate`redis://:${scope.secrets.redisAuth}@${target.redis.host}:${target.redis.port}/${names.redisDb}`,
  );
  return {
    backends: {
      database: {
        host: target.postgres.host,
        port: target.postgres.port,
        credentialsSecretName: credentials.secretName,
      },
      redisUrl: pulumi.all([redisUrl, claim.metadata.name]).apply(([url]) => url),
      staticFiles: { kind: "app" },
      network: { database: [toPostgres], redis: [toParentStore(target.namespace, REDIS_STORE)] },
    },
    migrateAfter: [database.setupJob],
    dropDatabaseCommand: pulumi.interpolate`kubectl --context ${target.kubeContext} -n ${namespace} create job --from=cronjob/${database.dropCronJob.metadata.name} ${database.dropCronJob.metadata.name}-now && kubectl --context ${target.kubeContext} -n ${namespace} wait --for=condition=complete --timeout=120s job/${database.dropCronJob.metadata.name}-now`,
  };
}

export function gcpPreviewData(
  scope: PreviewScope,
  target: GcpPreviewTarget,
  onGcp: pulumi.CustomResourceOptions,
): PreviewData {
  const { names } = scope;
  const claim = claimRedisDb(scope, target.namespace);
  const instance = target.cloudSql.instance;
  const { password, credentials } = previewCredentials(scope, names.user);
  const user = new gcp.sql.User(
    "database-user",
    { project: target.project, instance, name: names.user, password: password.result },
    onGcp,
  );
  // Dropped before its owner on destroy: the database waits for the user, so it goes first.
  const database = new gcp.sql.Database(
    "database",
    { project: target.project, instance, name: names.database },
    { ...onGcp, dependsOn: [user] },
  );
  // This preview's app ServiceAccount may act as the parent's app identity (Cloud SQL client).
  const identity = new gcp.serviceaccount.IAMMember(
    "workload-identity",
    {
      serviceAccountId: target.appServiceAccount,
      role: "roles/iam.workloadIdentityUser",
      member: `serviceAccount:${target.workloadPool}[${names.namespace}/${APP_SERVICE_ACCOUNT}]`,
    },
    onGcp,
  );
  const email = target.appServiceAccount.split("/").pop() ?? "";
  const redisUrl = pulumi.secret(
    pulumi.interpolate`rediss://:${scope.secrets.redisAuth}@${target.redis.host}:${target.redis.port}/${names.redisDb}`,
  );
  return {
    backends: {
      database: { host: "127.0.0.1", port: PROXY_PORT, credentialsSecretName: credentials.secretName },
      redisUrl: pulumi.all([redisUrl, claim.metadata.name]).apply(([url]) => url),
      redisTls: { caCert: scope.secrets.redisCaCert, checkHostname: false },
      staticFiles: { kind: "app" },
      podExtras: {
        sidecars: [cloudSqlProxySidecar(target.cloudSql.connectionName)],
        serviceAccountAnnotations: {
          [WORKLOAD_IDENTITY_ANNOTATION]: identity.id.apply(() => email),
        },
      },
      network: gcpAppNetwork(target.network.privateServiceCidr, target.network.subnetCidr),
    },
    migrateAfter: [database, user],
    // Cloud SQL drops the database with the stack: nothing to run first.
    dropDatabaseCommand: pulumi.output(""),
  };
}
