/**
 * How many connections each platform's PostgreSQL accepts: what the connection budget
 * (components/k8s/djangoApp/connectionBudget.ts) is checked against.
 */

/**
 * The in-cluster PostgreSQL's max_connections: set on its command line (InClusterPostgres), so
 * the budget and the server read the same number. 100 is PostgreSQL's own default, written out
 * so a new image's default cannot change it silently.
 */
export const IN_CLUSTER_MAX_CONNECTIONS = 100;

/**
 * Connections PostgreSQL keeps for superusers (its superuser_reserved_connections default, 3;
 * Cloud SQL keeps them for its cloudsqladmin agent): never available to the app.
 */
export const SUPERUSER_RESERVED_CONNECTIONS = 3;

/**
 * Cloud SQL for PostgreSQL's default max_connections by the instance's memory, from Google's
 * table (https://cloud.google.com/sql/docs/postgres/flags, the max_connections row, and
 * https://cloud.google.com/sql/docs/postgres/quotas#maximum_concurrent_connections):
 * tiny (~0.6 GB) 25, small (~1.7 GB) 50, 3.75 GB up to 6 GB 100, up to 7.5 GB 200, up to 15 GB
 * 400, up to 30 GB 500, up to 60 GB 600, up to 120 GB 800, more 1000. An upper bound counts in
 * the lower band (db-custom-2-7680 -> 200): where the table reads either way, the smaller
 * limit, so the budget never promises connections the instance refuses.
 *
 * The program relies on the default instead of setting the max_connections flag: the default
 * follows the tier when it is resized, and changing the flag restarts the instance.
 */
const CLOUD_SQL_MAX_CONNECTIONS: readonly (readonly [upToMib: number, connections: number])[] = [
  [614, 25],
  [1741, 50],
  [6144, 100],
  [7680, 200],
  [15360, 400],
  [30720, 500],
  [61440, 600],
  [122880, 800],
  [Number.POSITIVE_INFINITY, 1000],
];
const SHARED_CORE_MIB: Record<string, number> = { "db-f1-micro": 614, "db-g1-small": 1741 };

/** The memory (MiB) of a Cloud SQL tier, or undefined for a tier this table does not know. */
export function cloudSqlTierMemoryMib(tier: string): number | undefined {
  if (tier in SHARED_CORE_MIB) return SHARED_CORE_MIB[tier];
  const custom = /^db-custom-\d+-(\d+)$/.exec(tier);
  return custom ? Number(custom[1]) : undefined;
}

/** Cloud SQL's default max_connections for a tier. */
export function cloudSqlMaxConnections(tier: string): number | undefined {
  const mib = cloudSqlTierMemoryMib(tier);
  if (mib === undefined) return undefined;
  return CLOUD_SQL_MAX_CONNECTIONS.find(([upTo]) => mib <= upTo)![1];
}
