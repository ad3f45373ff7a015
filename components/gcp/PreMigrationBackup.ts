/**
 * An on-demand Cloud SQL backup before each migration: a run-once Job named after the image,
 * like the migration Job, that runs the image's `ops.cloudsql_backup` (SQL Admin API backupRuns,
 * waited for until done) under an identity of its own: a Kubernetes ServiceAccount acting as a
 * Google service account (Workload Identity) whose only grant is a custom role with the
 * permissions an on-demand backup needs. The migration Job depends on `job`; if the backup
 * fails, the Job fails, `pulumi up` fails and nothing migrates.
 */
import * as gcp from "@pulumi/gcp";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { APP_NAME } from "../k8s/djangoApp/appContract";
import { appPodSpec } from "../k8s/djangoApp/appPod";
import { runOnceJobName } from "../k8s/specs/jobNames";
import { standardLabels } from "../k8s/specs/labels";
import { appSelector, type EgressRule, egressPolicy } from "../k8s/specs/networkPolicies";
import type { ResourceSizes } from "../k8s/specs/resources";
import { checkovSkips } from "../k8s/specs/scannerSkips";
import { WorkloadIdentity } from "./WorkloadIdentity";

export interface PreMigrationBackupArgs {
  project: string;
  /** The Cloud SQL instance's name (not the connection name). */
  instance: pulumi.Input<string>;
  /** The image the migration Job runs: it names this Job, and runs the backup command. */
  image: pulumi.Input<string>;
  imagePullPolicy: string;
  /** The app namespace as created (its objects wait for it) ... */
  namespace: pulumi.Input<string>;
  /** ... and its name, which the Workload Identity binding names. */
  namespaceName: string;
  /** The cluster's workload pool, PROJECT.svc.id.goog. */
  workloadPool: string;
  /** Egress to the Google APIs and the metadata server (the app's AppBackends network.cloudApis). */
  cloudApis: EgressRule[];
  /** The cluster and the IAM API. */
  dependsOn: pulumi.Resource[];
}

/** The `app.kubernetes.io/component` of the Job's pods, and the prefix of its name. */
export const BACKUP_COMPONENT = "backup";
export const BACKUP_SERVICE_ACCOUNT = `${APP_NAME}-backup`;
/** The command inside the image (app/ops/cloudsql_backup.py); it reads what to back up from BACKUP_ENV. */
export const BACKUP_COMMAND = ["python", "-m", "ops.cloudsql_backup"] as const;
/** The variables the command reads (its --project, --instance, --description, --timeout). */
export const BACKUP_ENV = {
  project: "BACKUP_PROJECT",
  instance: "BACKUP_INSTANCE",
  description: "BACKUP_DESCRIPTION",
  timeoutSeconds: "BACKUP_TIMEOUT_SECONDS",
} as const;

/**
 * Exactly what an on-demand backup and waiting for it need: backupRuns.insert, the backup
 * run's state, and operations.get (which Cloud SQL authorizes with cloudsql.instances.get).
 */
export const BACKUP_PERMISSIONS = [
  "cloudsql.backupRuns.create",
  "cloudsql.backupRuns.get",
  "cloudsql.instances.get",
] as const;
export const BACKUP_ROLE_ID = "djangoK8sPreMigrationBackup";

// The command waits this long for the backup; the Job and Pulumi a little longer, so the
// command's own message is what reports a slow backup.
export const BACKUP_TIMEOUT_SECONDS = 1800;
const JOB_DEADLINE_SECONDS = BACKUP_TIMEOUT_SECONDS + 300;
const BACKUP_SIZES: ResourceSizes = { cpuRequest: "50m", cpuLimit: "500m", memory: "192Mi" };

export class PreMigrationBackup extends pulumi.ComponentResource {
  /** The migration Job waits for this. */
  readonly job: k8s.batch.v1.Job;
  readonly identity: WorkloadIdentity;
  readonly role: gcp.projects.IAMCustomRole;

  constructor(name: string, args: PreMigrationBackupArgs, opts?: pulumi.ComponentResourceOptions) {
    super("django-k8s:gcp:PreMigrationBackup", name, {}, opts);
    const scope: Scope = { name, args, parent: this };
    this.role = createBackupRole(scope);
    const identity = createBackupIdentity(scope, this.role);
    this.identity = identity.workload;
    const serviceAccount = createServiceAccount(scope, identity.workload);
    createEgressPolicy(scope);
    this.job = createBackupJob(scope, serviceAccount, identity.grant);
    this.registerOutputs({ job: this.job.metadata.name });
  }
}

interface Scope {
  name: string;
  args: PreMigrationBackupArgs;
  parent: pulumi.Resource;
}

function createBackupRole({ name, args, parent }: Scope): gcp.projects.IAMCustomRole {
  return new gcp.projects.IAMCustomRole(
    `${name}-role`,
    {
      project: args.project,
      roleId: BACKUP_ROLE_ID,
      title: "django-k8s pre-migration backup",
      description:
        "Take an on-demand Cloud SQL backup and wait for it (the backup Job before each migration).",
      permissions: [...BACKUP_PERMISSIONS],
      stage: "GA",
    },
    { parent, dependsOn: args.dependsOn },
  );
}

/** The Job's Google service account, bound to its Kubernetes one, holding the custom role only. */
function createBackupIdentity({ name, args, parent }: Scope, role: gcp.projects.IAMCustomRole) {
  const workload = new WorkloadIdentity(
    BACKUP_SERVICE_ACCOUNT,
    {
      project: args.project,
      workloadPool: args.workloadPool,
      namespace: args.namespaceName,
      kubernetesServiceAccount: BACKUP_SERVICE_ACCOUNT,
      description: "pre-migration backup Job (Cloud SQL on-demand backups only)",
      dependsOn: args.dependsOn,
    },
    { parent },
  );
  const grant = new gcp.projects.IAMMember(
    `${name}-grant`,
    { project: args.project, role: role.name, member: workload.member },
    { parent },
  );
  return { workload, grant };
}

function createServiceAccount({ name, args, parent }: Scope, identity: WorkloadIdentity) {
  return new k8s.core.v1.ServiceAccount(
    `${name}-sa`,
    {
      metadata: {
        name: BACKUP_SERVICE_ACCOUNT,
        namespace: args.namespace,
        labels: standardLabels(APP_NAME, "identity"),
        annotations: identity.annotations,
      },
      automountServiceAccountToken: false,
    },
    { parent },
  );
}

/** The namespace denies all egress: the backup pods reach the Google APIs and the metadata server, nothing else. */
function createEgressPolicy({ name, args, parent }: Scope) {
  return egressPolicy(
    `${name}-egress`,
    args.namespace,
    appSelector(APP_NAME, [BACKUP_COMPONENT]),
    args.cloudApis,
    { parent },
  );
}

/**
 * Named like the migration Job (runOnceJobName over image and command): a new image takes a new
 * backup, an unchanged one keeps the finished Job. replaceUnready replaces a failed one on the
 * next `pulumi up`; one retry only, since each try is a backup of its own.
 */
function createBackupJob(
  { name, args, parent }: Scope,
  serviceAccount: k8s.core.v1.ServiceAccount,
  grant: gcp.projects.IAMMember,
): k8s.batch.v1.Job {
  const jobName = pulumi
    .output(args.image)
    .apply((image) => runOnceJobName(BACKUP_COMPONENT, image, BACKUP_COMMAND));
  const labels = standardLabels(APP_NAME, BACKUP_COMPONENT);
  return new k8s.batch.v1.Job(
    `${name}-job`,
    {
      metadata: {
        name: jobName,
        namespace: args.namespace,
        labels,
        annotations: { "pulumi.com/replaceUnready": "true", ...checkovSkips("CKV_K8S_15", "CKV_K8S_43") },
      },
      spec: {
        backoffLimit: 1,
        activeDeadlineSeconds: JOB_DEADLINE_SECONDS,
        template: {
          metadata: { labels },
          spec: appPodSpec({
            image: args.image,
            imagePullPolicy: args.imagePullPolicy,
            command: BACKUP_COMMAND,
            envFrom: [],
            env: [
              { name: BACKUP_ENV.project, value: args.project },
              { name: BACKUP_ENV.instance, value: args.instance },
              {
                name: BACKUP_ENV.description,
                value: pulumi.interpolate`django-k8s ${jobName}: before migrating`,
              },
              { name: BACKUP_ENV.timeoutSeconds, value: String(BACKUP_TIMEOUT_SECONDS) },
            ],
            resources: BACKUP_SIZES,
            serviceAccountName: serviceAccount.metadata.name,
            restartPolicy: "Never",
          }),
        },
      },
    },
    {
      parent,
      // The token exchange needs the role granted, not only the binding WorkloadIdentity waits for.
      dependsOn: [grant],
      customTimeouts: { create: `${Math.ceil(JOB_DEADLINE_SECONDS / 60) + 5}m` },
    },
  );
}
