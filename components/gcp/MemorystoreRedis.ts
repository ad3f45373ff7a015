/**
 * Memorystore for Redis on Private Service Access, with AUTH and in-transit encryption; the
 * URL (rediss://, password inside) and the server CA are what the app needs. With deletion
 * protection (prod) the instance cannot be removed (Pulumi's `protect` and the provider's
 * flag), and it writes RDB snapshots so a restart or failover does not lose the queue.
 */
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { redisServerSettings } from "../../lib/redisServer";

export interface MemorystoreRedisArgs {
  project: string;
  region: string;
  network: pulumi.Input<string>;
  reservedRange: pulumi.Input<string>;
  tier: "BASIC" | "STANDARD_HA";
  memoryGb: number;
  version: string;
  /** The instance cannot be deleted (prod); off, it is removable (dev). */
  deletionProtection: boolean;
  /** RDB snapshots this often (prod), or none. */
  snapshotPeriod?: RdbSnapshotPeriod;
  dependsOn: pulumi.Resource[];
}

export type RdbSnapshotPeriod = "ONE_HOUR" | "SIX_HOURS" | "TWELVE_HOURS" | "TWENTY_FOUR_HOURS";

/** With in-transit encryption Memorystore listens on 6378. */
export const MEMORYSTORE_TLS_PORT = 6378;

export class MemorystoreRedis extends pulumi.ComponentResource {
  readonly instance: gcp.redis.Instance;
  /** rediss://:<auth>@<host>:<port>/0, a secret. */
  readonly url: pulumi.Output<string>;
  readonly caCert: pulumi.Output<string>;
  readonly host: pulumi.Output<string>;

  constructor(name: string, args: MemorystoreRedisArgs, opts?: pulumi.ComponentResourceOptions) {
    super("django-k8s:gcp:MemorystoreRedis", name, {}, opts);
    this.instance = new gcp.redis.Instance(
      name,
      {
        project: args.project,
        region: args.region,
        tier: args.tier,
        memorySizeGb: args.memoryGb,
        redisVersion: args.version,
        authorizedNetwork: args.network,
        connectMode: "PRIVATE_SERVICE_ACCESS",
        reservedIpRange: args.reservedRange,
        authEnabled: true,
        transitEncryptionMode: "SERVER_AUTHENTICATION",
        // The app's settings for every Redis (app/config/redis_server.json): volatile-lru evicts
        // only keys with a TTL, the cache's, never the queue's. Memorystore refuses the AOF
        // settings, and keeps its data with the RDB snapshots below instead.
        redisConfigs: redisServerSettings().everywhere,
        deletionProtection: args.deletionProtection,
        persistenceConfig: args.snapshotPeriod
          ? { persistenceMode: "RDB", rdbSnapshotPeriod: args.snapshotPeriod }
          : { persistenceMode: "DISABLED" },
        maintenancePolicy: {
          weeklyMaintenanceWindows: [
            { day: "SUNDAY", startTime: { hours: 3, minutes: 0, seconds: 0, nanos: 0 } },
          ],
        },
      },
      { parent: this, dependsOn: args.dependsOn, protect: args.deletionProtection },
    );
    this.host = this.instance.host;
    this.url = pulumi.secret(
      pulumi.interpolate`rediss://:${this.instance.authString}@${this.instance.host}:${this.instance.port}/0`,
    );
    this.caCert = this.instance.serverCaCerts.apply((certs) => certs.map((c) => c.cert).join("\n"));
    this.registerOutputs({ host: this.host });
  }
}
