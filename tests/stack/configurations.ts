/**
 * Every stack configuration the whole-stack tests read. globalSetup.ts runs the program once
 * for each, before any test, and every test file reads the same runs (programRun in runs.ts):
 * the program runs once per configuration per suite, not once per file. A test that needs a
 * new switch adds its configuration here.
 */
import { availableStacks } from "../../synth/stackFiles";

export type Overrides = Record<string, string>;

export interface Configuration {
  stack: string;
  /** Config on top of Pulumi.<stack>.yaml, keys written `django-k8s:<key>`. */
  overrides: Overrides;
  /**
   * How many independent runs to make (default 1): 2 where a test proves that two runs of the
   * same configuration agree.
   */
  runs?: number;
  /** For a preview (pr-<number>): the config on top of its parent's file when the parent is synthesized first. */
  parentOverrides?: Overrides;
}

const DIGEST_IMAGE = `europe-docker.pkg.dev/p/r/app@sha256:${"b".repeat(64)}`;
/** The dev stack as the parent of previews: their shared Gateway and wildcard certificate. */
export const DEV_WITH_PREVIEWS: Overrides = { "django-k8s:previewDomain": "preview.example.com" };
/** A preview's own config, as the lifecycle sets it (the parent's platform comes with it, synth/stackFiles.ts). */
export const previewOf = (parent: string): Overrides => ({
  "django-k8s:previewParent": parent,
  ...(parent === "dev" ? { "django-k8s:image": DIGEST_IMAGE } : {}),
});
/** The previews the tests read: two side by side on each parent. */
export const PREVIEW_CONFIGURATIONS: Configuration[] = ["dev", "minikube"].flatMap((parent) =>
  ["pr-12", "pr-13"].map((stack) => ({
    stack,
    overrides: previewOf(parent),
    parentOverrides: parent === "dev" ? DEV_WITH_PREVIEWS : {},
  })),
);

export const QUEUE_SCALING_AND_LOAD: Overrides = {
  "django-k8s:loadGenerator": "true",
  "django-k8s:workerAutoscaling": "queue",
};

/** The dev stack switched to the production environment, with what production requires. */
export const DEV_AS_PRODUCTION: Overrides = {
  "django-k8s:environment": "production",
  "django-k8s:clusterLocation": "regional",
  "django-k8s:spotNodes": "false",
  "django-k8s:cloudSqlHighAvailability": "true",
  "django-k8s:redisTier": "STANDARD_HA",
  "django-k8s:deletionProtection": "true",
};

export const CONFIGURATIONS: Configuration[] = [
  ...availableStacks().flatMap((stack): Configuration[] => [
    // Each stack as committed.
    { stack, overrides: {} },
    // The worker scaled on the Celery queue through KEDA.
    {
      stack,
      overrides: { "django-k8s:workerAutoscaling": "queue", "django-k8s:workerQueueLength": "25" },
    },
    // The load generator switched on.
    { stack, overrides: { "django-k8s:loadGenerator": "true", "django-k8s:loadGeneratorRate": "50" } },
  ]),
  { stack: "minikube", overrides: { "django-k8s:devMode": "true" } },
  { stack: "minikube", overrides: { "django-k8s:postgresStorage": "storageClass" } },
  {
    stack: "minikube",
    overrides: {
      "django-k8s:postgresStorage": "storageClass",
      "django-k8s:postgresStorageClass": "standard",
    },
  },
  { stack: "minikube", overrides: { "django-k8s:image": "ghcr.io/acme/app:1.2.3" } },
  { stack: "minikube", overrides: QUEUE_SCALING_AND_LOAD },
  { stack: "prod", overrides: QUEUE_SCALING_AND_LOAD },
  // The migration Job's name: a function of the image only.
  { stack: "minikube", overrides: { "django-k8s:image": "app:1" }, runs: 2 },
  { stack: "minikube", overrides: { "django-k8s:image": "app:1", "django-k8s:webReplicas": "3" } },
  { stack: "minikube", overrides: { "django-k8s:image": "app:2" } },
  { stack: "dev", overrides: { "django-k8s:image": DIGEST_IMAGE } },
  { stack: "dev", overrides: DEV_WITH_PREVIEWS },
  ...PREVIEW_CONFIGURATIONS,
  // A preview of dev whose platform is left at its default (minikube), as the lifecycle leaves it:
  // it runs on its parent's.
  {
    stack: "pr-15",
    overrides: { "django-k8s:previewParent": "dev", "django-k8s:platform": "minikube", ...previewOf("dev") },
    parentOverrides: DEV_WITH_PREVIEWS,
  },
  // A preview of dev as committed (no previewDomain, so no Gateway): refused before anything is created.
  { stack: "pr-14", overrides: previewOf("dev") },
  // A production stack under another name: the production rules follow the environment.
  { stack: "dev", overrides: DEV_AS_PRODUCTION },
  // An alert threshold set in config reaches its alert policy (observability.test.ts).
  { stack: "prod", overrides: { "django-k8s:alertOldestTaskSeconds": "90" } },
  // Sentry on: its DSN mounted as a secret file (observability.test.ts).
  { stack: "prod", overrides: { "django-k8s:sentryDsn": "https://abc123@o1.ingest.sentry.io/42" } },
];

/** The name a run is provided under: its stack, its overrides in key order, and which run it is. */
export function configurationKey(
  stack: string,
  overrides: Overrides = {},
  run = 1,
  parentOverrides: Overrides = {},
): string {
  const sorted = (values: Overrides) =>
    JSON.stringify(Object.fromEntries(Object.entries(values).sort(([a], [b]) => a.localeCompare(b))));
  const parent = Object.keys(parentOverrides).length > 0 ? ` parent ${sorted(parentOverrides)}` : "";
  return `${stack} ${sorted(overrides)}${parent}${run > 1 ? ` (run ${run})` : ""}`;
}
