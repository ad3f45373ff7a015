/**
 * The contract between a parent stack and its previews (docs/previews.md): the names of the
 * outputs the parent exports for them and their types, in one place. The parent's stacks
 * (gcp.ts, minikube.ts) export through `previewExports`-shaped objects typed by these
 * schemas; the preview (preview.ts) reads them back by these names only, checked by them.
 */
import { z } from "zod";

/** The parent's outputs a preview reads, by name. */
export const PREVIEW_OUTPUTS = {
  settings: "previewSettings",
  target: "previewTarget",
  /** A secret: the parent database's admin (on minikube the superuser the psql Job connects as). */
  databaseAdminPassword: "previewDatabaseAdminPassword",
  /** A secret: Redis's AUTH password. */
  redisAuth: "previewRedisAuth",
  /** Memorystore's CA (PEM); empty on minikube, whose Redis speaks plain TCP inside the cluster. */
  redisCaCert: "previewRedisCaCert",
  /** The shared entry point's address (gcp with previewDomain), empty otherwise. */
  address: "previewAddress",
  /** The DNS records the shared entry point needs (gcp with previewDomain), [] otherwise. */
  dnsRecords: "previewDnsRecords",
} as const;

/** The outputs a preview stack exports, read by the lifecycle script (scripts/preview.ts) by name. */
export const PREVIEW_STACK_OUTPUTS = {
  url: "url",
  dropDatabaseCommand: "dropDatabaseCommand",
} as const;

/**
 * What the parent's config says its previews look like (the preview* keys). A schema, not
 * only a type: the preview checks what it reads from the parent's state before using it.
 */
export const previewSettingsSchema = z.object({
  platform: z.enum(["minikube", "gcp"]),
  /** pr-<number>.<domain> on gcp; empty on minikube (NodePorts) or when unset. */
  domain: z.string(),
  ttlHours: z.number(),
  max: z.number(),
  webReplicas: z.number(),
  workerReplicas: z.number(),
  maxReplicas: z.number(),
});
export type PreviewSettings = z.infer<typeof previewSettingsSchema>;

/** Where a minikube parent's cluster and data stores are. */
const minikubeTargetSchema = z.object({
  platform: z.literal("minikube"),
  kubeContext: z.string(),
  /** The parent's namespace, where its PostgreSQL and Redis run. */
  namespace: z.string(),
  postgres: z.object({
    host: z.string(),
    port: z.number(),
    adminUser: z.string(),
    adminDatabase: z.string(),
    image: z.string(),
  }),
  redis: z.object({ host: z.string(), port: z.number() }),
});

/** Where a gcp parent's cluster, Cloud SQL, Memorystore and shared Gateway are. */
const gcpTargetSchema = z.object({
  platform: z.literal("gcp"),
  project: z.string(),
  region: z.string(),
  clusterName: z.string(),
  /** The control plane's DNS endpoint; the kubeconfig is rebuilt from it (no credentials travel). */
  dnsEndpoint: z.string(),
  namespace: z.string(),
  workloadPool: z.string(),
  cloudSql: z.object({ instance: z.string(), connectionName: z.string(), adminUser: z.string() }),
  redis: z.object({ host: z.string(), port: z.number() }),
  /** The Google service account the app's pods act as (Cloud SQL client); each preview binds its own KSA to it. */
  appServiceAccount: z.string(),
  network: z.object({ privateServiceCidr: z.string(), subnetCidr: z.string() }),
  /** The shared Gateway previews attach their HTTPRoute to; absent without previewDomain. */
  gateway: z.object({ name: z.string(), namespace: z.string(), listener: z.string() }).optional(),
});

export const previewTargetSchema = z.discriminatedUnion("platform", [minikubeTargetSchema, gcpTargetSchema]);
export type MinikubePreviewTarget = z.infer<typeof minikubeTargetSchema>;
export type GcpPreviewTarget = z.infer<typeof gcpTargetSchema>;
export type PreviewTarget = z.infer<typeof previewTargetSchema>;

/** One DNS record to create in the previewDomain's zone. */
export interface PreviewDnsRecord {
  name: string;
  type: string;
  data: string;
}

/** The label that marks a namespace as a preview of a parent stack (NetworkPolicies and the Gateway select it). */
export const PREVIEW_OF_LABEL = "django-k8s.dev/preview-of";

/** A preview's stack name: pr-<pull request number>. */
export const PREVIEW_STACK = /^pr-([1-9]\d{0,8})$/;

/**
 * Redis databases 1-15 go to previews (0 is the parent's): the pull request's number modulo
 * 15, so the index is known before anything is created and stays the same on every push.
 */
export function previewRedisDb(number: number): number {
  return ((number - 1) % 15) + 1;
}

/** The preview's own names, derived from its number in one place. */
export function previewNames(number: number) {
  const stack = `pr-${number}`;
  return {
    stack,
    namespace: stack,
    /** PostgreSQL identifiers: no '-', so no quoting anywhere. */
    database: `pr_${number}`,
    user: `pr_${number}`,
    redisDb: previewRedisDb(number),
  };
}
