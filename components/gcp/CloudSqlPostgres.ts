/**
 * Cloud SQL for PostgreSQL on a private IP only, TLS required, backups with point-in-time
 * recovery, the logging flags scanners expect, Query Insights, a maintenance window; a
 * database and a user with a generated password. With deletion protection (prod) none of the
 * three can be removed by a stack change or `pulumi destroy`: Pulumi's `protect` stops the
 * engine, the provider's deletion protection/policy stops it again, and Cloud SQL's own flag
 * stops the console and gcloud.
 */
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { GCP_LABELS } from "./labels";

export interface CloudSqlPostgresArgs {
  project: string;
  region: string;
  network: pulumi.Input<string>;
  version: string;
  tier: string;
  diskGb: number;
  highAvailability: boolean;
  /** Instance, database and user cannot be deleted (prod); off, all three are removable (dev). */
  deletionProtection: boolean;
  database: string;
  user: string;
  /** The service networking connection (and the APIs): the private IP needs the peering. */
  dependsOn: pulumi.Resource[];
}

/** What CIS and checkov ask a PostgreSQL instance to log. */
export const DATABASE_FLAGS: Record<string, string> = {
  log_checkpoints: "on",
  log_connections: "on",
  log_disconnections: "on",
  log_lock_waits: "on",
  log_temp_files: "0",
  log_min_duration_statement: "-1",
  // CIS Cloud SQL PostgreSQL 6.2.x: warnings and above reach the log, not only errors.
  log_min_messages: "warning",
  log_min_error_statement: "error",
  log_statement: "ddl",
  "cloudsql.enable_pgaudit": "on",
};

export class CloudSqlPostgres extends pulumi.ComponentResource {
  readonly instance: gcp.sql.DatabaseInstance;
  readonly connectionName: pulumi.Output<string>;
  readonly databaseName: pulumi.Output<string>;
  readonly userName: pulumi.Output<string>;
  readonly password: pulumi.Output<string>;

  constructor(name: string, args: CloudSqlPostgresArgs, opts?: pulumi.ComponentResourceOptions) {
    super("django-k8s:gcp:CloudSqlPostgres", name, {}, opts);
    this.instance = createInstance(name, args, this);
    const kept = { parent: this, protect: args.deletionProtection };
    const deletionPolicy = deletionPolicyOf(args.deletionProtection);
    const database = new gcp.sql.Database(
      `${name}-db`,
      { project: args.project, instance: this.instance.name, name: args.database, deletionPolicy },
      kept,
    );
    const password = new random.RandomPassword(
      `${name}-password`,
      { length: 32, special: false },
      { parent: this },
    );
    const user = new gcp.sql.User(
      `${name}-user`,
      {
        project: args.project,
        instance: this.instance.name,
        name: args.user,
        password: password.result,
        deletionPolicy,
      },
      kept,
    );
    this.connectionName = this.instance.connectionName;
    this.databaseName = database.name;
    this.userName = user.name;
    this.password = password.result;
    this.registerOutputs({ connectionName: this.connectionName });
  }
}

/**
 * The provider's own guard for the database and user: PREVENT fails any plan that would delete
 * them; undefined keeps the provider's default (delete).
 */
export function deletionPolicyOf(deletionProtection: boolean): "PREVENT" | undefined {
  return deletionProtection ? "PREVENT" : undefined;
}

function createInstance(
  name: string,
  args: CloudSqlPostgresArgs,
  parent: pulumi.Resource,
): gcp.sql.DatabaseInstance {
  return new gcp.sql.DatabaseInstance(
    name,
    {
      project: args.project,
      region: args.region,
      databaseVersion: args.version,
      deletionProtection: args.deletionProtection,
      settings: {
        tier: args.tier,
        edition: "ENTERPRISE",
        availabilityType: args.highAvailability ? "REGIONAL" : "ZONAL",
        diskType: "PD_SSD",
        diskSize: args.diskGb,
        diskAutoresize: true,
        deletionProtectionEnabled: args.deletionProtection,
        ipConfiguration: {
          ipv4Enabled: false,
          privateNetwork: args.network,
          sslMode: "ENCRYPTED_ONLY",
          enablePrivatePathForGoogleCloudServices: false,
        },
        backupConfiguration: {
          enabled: true,
          pointInTimeRecoveryEnabled: true,
          startTime: "01:00",
          transactionLogRetentionDays: 7,
          backupRetentionSettings: { retainedBackups: 14, retentionUnit: "COUNT" },
        },
        maintenanceWindow: { day: 7, hour: 3, updateTrack: "stable" },
        insightsConfig: {
          queryInsightsEnabled: true,
          recordApplicationTags: true,
          recordClientAddress: false,
        },
        databaseFlags: Object.entries(DATABASE_FLAGS).map(([flag, value]) => ({ name: flag, value })),
        // A nested field the provider's defaultLabels do not reach.
        userLabels: GCP_LABELS,
      },
    },
    { parent, dependsOn: args.dependsOn, protect: args.deletionProtection },
  );
}
