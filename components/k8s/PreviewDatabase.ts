/**
 * A minikube preview's own database and role on its parent's in-cluster PostgreSQL
 * (docs/previews.md): a psql Job connects as the parent's superuser and creates them
 * (idempotently: a second run only resets the password), and a suspended `database-drop`
 * CronJob drops both when triggered before destroy (the preview's `dropDatabaseCommand`).
 * No Pulumi provider for PostgreSQL is pinned in this project, and the parent's server is
 * only reachable inside the cluster: a Job of the parent's own image is the one client that
 * needs nothing new.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { APP_NAME, DATABASE_SECRETS_DIR, ENV } from "./djangoApp/appContract";
import { standardLabels } from "./specs/labels";
import { type EgressRule, egressPolicy } from "./specs/networkPolicies";
import { resources } from "./specs/resources";
import { checkovSkips } from "./specs/scannerSkips";
import { hardenedContainer, isolatedPod } from "./specs/security";

export interface PreviewDatabaseArgs {
  namespace: pulumi.Input<string>;
  /** The parent's PostgreSQL: its Service's cluster DNS name, port, image and superuser. */
  server: {
    host: pulumi.Input<string>;
    port: pulumi.Input<number>;
    image: pulumi.Input<string>;
    adminUser: pulumi.Input<string>;
    adminDatabase: pulumi.Input<string>;
    /** A secret, from the parent's previewDatabaseAdminPassword. */
    adminPassword: pulumi.Input<string>;
  };
  /** The preview's PostgresCredentials Secret: the database, role and password to create. */
  credentialsSecretName: pulumi.Input<string>;
  /** How the Jobs reach the parent's PostgreSQL. */
  egress: EgressRule;
}

export const ADMIN_DIR = "/run/secrets/postgres-admin";
/**
 * psql is only a client: any high non-root UID (not the image's postgres user, 70, which owns
 * data directories); the Secrets' files are readable through the pod's fsGroup.
 */
const PSQL_UID = 10001;
export const DATABASE_SETUP = "database-setup";
export const DATABASE_DROP = "database-drop";

/** psql reading the preview's names and the admin password from files; the SQL from stdin. */
export function psqlScript(sql: string): string {
  const file = (key: string) => `"$(cat ${DATABASE_SECRETS_DIR}/${key})"`;
  return [
    "set -eu",
    `export PGPASSWORD="$(cat ${ADMIN_DIR}/password)"`,
    `psql -X -v ON_ERROR_STOP=1 -v db=${file(ENV.postgresDb)} -v role=${file(ENV.postgresUser)} -v pw=${file(ENV.postgresPassword)} <<'SQL'`,
    sql,
    "SQL",
  ].join("\n");
}

/**
 * Create the role and database when missing; the role owns its database and PUBLIC may not
 * connect. The parent's own database (the one psql connects to, PGDATABASE) is closed to PUBLIC
 * too: PostgreSQL lets every role connect to every database by default, so without it a
 * preview's role could open the parent's database (found on the real node; its tables stay the
 * parent owner's either way). The parent's app connects as that database's owner, whom the
 * revoke does not touch; running it again changes nothing.
 */
export const SETUP_SQL = [
  "SELECT format('REVOKE CONNECT, TEMPORARY ON DATABASE %I FROM PUBLIC', current_database()) \\gexec",
  "SELECT format('CREATE ROLE %I LOGIN', :'role') WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'role') \\gexec",
  "SELECT format('ALTER ROLE %I WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD %L', :'role', :'pw') \\gexec",
  "SELECT format('CREATE DATABASE %I OWNER %I', :'db', :'role') WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'db') \\gexec",
  "SELECT format('REVOKE ALL ON DATABASE %I FROM PUBLIC', :'db') \\gexec",
].join("\n");

/** Drop the database (closing its connections) and then the role. */
export const DROP_SQL = [
  "SELECT format('DROP DATABASE IF EXISTS %I WITH (FORCE)', :'db') \\gexec",
  "SELECT format('DROP ROLE IF EXISTS %I', :'role') \\gexec",
].join("\n");

export class PreviewDatabase extends pulumi.ComponentResource {
  readonly setupJob: k8s.batch.v1.Job;
  readonly dropCronJob: k8s.batch.v1.CronJob;

  constructor(name: string, args: PreviewDatabaseArgs, opts?: pulumi.ComponentResourceOptions) {
    super("django-k8s:k8s:PreviewDatabase", name, {}, opts);
    const parent = { parent: this };
    const admin = new k8s.core.v1.Secret(
      `${name}-admin`,
      {
        metadata: { namespace: args.namespace, labels: standardLabels(APP_NAME, DATABASE_SETUP) },
        type: "Opaque",
        stringData: { password: pulumi.secret(args.server.adminPassword) },
      },
      parent,
    );
    const pod = (component: string, sql: string) =>
      psqlPod(args, component, admin.metadata.name, psqlScript(sql));
    this.setupJob = new k8s.batch.v1.Job(
      `${name}-setup`,
      {
        // Replaced, not kept, when a run failed (the provider honours this on Jobs only).
        metadata: { ...jobMetadata(args.namespace, DATABASE_SETUP), annotations: REPLACE_UNREADY },
        spec: { backoffLimit: 4, activeDeadlineSeconds: 300, template: pod(DATABASE_SETUP, SETUP_SQL) },
      },
      parent,
    );
    this.dropCronJob = new k8s.batch.v1.CronJob(
      `${name}-drop`,
      {
        metadata: jobMetadata(args.namespace, DATABASE_DROP),
        spec: {
          // Never on a schedule: only `kubectl create job --from=cronjob/database-drop`.
          suspend: true,
          schedule: "0 0 1 1 *",
          jobTemplate: { spec: { backoffLimit: 2, template: pod(DATABASE_DROP, DROP_SQL) } },
        },
      },
      parent,
    );
    egressPolicy(
      `${name}-egress`,
      args.namespace,
      {
        matchLabels: { "app.kubernetes.io/name": APP_NAME },
        matchExpressions: [
          { key: "app.kubernetes.io/component", operator: "In", values: [DATABASE_SETUP, DATABASE_DROP] },
        ],
      },
      [args.egress],
      parent,
    );
    this.registerOutputs({ setupJob: this.setupJob.metadata.name });
  }
}

function jobMetadata(namespace: pulumi.Input<string>, component: string) {
  return {
    name: component,
    namespace,
    labels: standardLabels(APP_NAME, component),
    // The parent's image is pinned by digest.
    annotations: checkovSkips("CKV_K8S_15"),
  };
}

const REPLACE_UNREADY = { "pulumi.com/replaceUnready": "true", ...checkovSkips("CKV_K8S_15") };

/** The psql pod: the parent's postgres image as a high non-root user, secrets as files. Pure. */
export function psqlPod(
  args: Pick<PreviewDatabaseArgs, "server" | "credentialsSecretName">,
  component: string,
  adminSecretName: pulumi.Input<string>,
  script: string,
): k8s.types.input.core.v1.PodTemplateSpec {
  return {
    metadata: { labels: standardLabels(APP_NAME, component) },
    spec: {
      ...isolatedPod(PSQL_UID, PSQL_UID),
      restartPolicy: "Never",
      containers: [
        hardenedContainer({
          name: "psql",
          image: args.server.image,
          imagePullPolicy: "IfNotPresent",
          command: ["sh", "-c", script],
          env: [
            { name: "PGHOST", value: pulumi.output(args.server.host) },
            { name: "PGPORT", value: pulumi.output(args.server.port).apply(String) },
            { name: "PGUSER", value: args.server.adminUser },
            { name: "PGDATABASE", value: args.server.adminDatabase },
          ],
          resources: resources({ cpuRequest: "50m", cpuLimit: "200m", memory: "64Mi" }),
          volumeMounts: [
            { name: "admin", mountPath: ADMIN_DIR, readOnly: true },
            { name: "credentials", mountPath: DATABASE_SECRETS_DIR, readOnly: true },
          ],
        }),
      ],
      volumes: [
        { name: "admin", secret: { secretName: adminSecretName, defaultMode: 0o440 } },
        { name: "credentials", secret: { secretName: args.credentialsSecretName, defaultMode: 0o440 } },
      ],
    },
  };
}
