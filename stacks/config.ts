/**
 * The only place that reads Pulumi config. It applies Pulumi.yaml's defaults itself (the
 * CLI does, mocks do not, so both paths behave alike), validates every key and the rules
 * between keys, and returns one typed StackConfig. A bad value throws before any resource
 * is registered, naming the key, the value given and what is allowed.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import * as ipaddr from "ipaddr.js";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { cpuMillicores, memoryBytes } from "../lib/quantity";

export const PROJECT = "django-k8s";
export const PROJECT_FILE = path.join(__dirname, "..", "Pulumi.yaml");

type Scalar = string | number | boolean;
interface KeySchema {
  type: "string" | "integer" | "boolean";
  default: Scalar;
  description: string;
}

/** Pulumi.yaml's `config:` block: the declared keys with type, default and description. */
export function projectConfigSchema(file = PROJECT_FILE): Record<string, KeySchema> {
  const project = parseYaml(fs.readFileSync(file, "utf8")) as { config?: Record<string, KeySchema> };
  return project.config ?? {};
}

import type { PostgresStorage } from "../components/k8s/InClusterPostgres";
import type { CpuScaling, QueueScaling } from "../components/k8s/scaling";
import { GCP_REGIONS } from "../lib/gcpRegions";

export interface ResourceSizes {
  cpuRequest: string;
  cpuLimit: string;
  memory: string;
}

interface CommonConfig {
  stack: string;
  namespace: string;
  /** An existing image; undefined means build app/. */
  image?: string;
  django: { allowedHosts: string[]; csrfTrustedOrigins: string[]; https: boolean };
  web: { replicas: number; resources: ResourceSizes; scaling: CpuScaling };
  worker: {
    replicas: number;
    resources: ResourceSizes;
    shutdownSeconds: number;
    taskTimeLimitSeconds: number;
    scaling: CpuScaling | QueueScaling;
  };
  flower: { user: string };
  /** Requests per second, or undefined when the load generator is off. */
  loadGenerator?: { rate: number };
}

export interface MinikubeConfig {
  kubeContext: string;
  /** Hot reload from the host's app/, mounted on the node at sourcePath; undefined when off. */
  dev?: { sourcePath: string };
  postgres: {
    storage: PostgresStorage;
    size: string;
    hostPath: string;
    storageClass?: string;
    image: string;
  };
  redis: { image: string };
}

export interface GcpConfig {
  project: string;
  region: string;
  /** The cluster's location: the region, or one zone of it for a zonal cluster. */
  clusterLocation: string;
  regional: boolean;
  releaseChannel: "RAPID" | "REGULAR" | "STABLE";
  nodes: { machineType: string; minPerZone: number; maxPerZone: number; spot: boolean };
  masterAuthorizedNetworks: string[];
  deletionProtection: boolean;
  cloudSql: { version: string; tier: string; diskGb: number; highAvailability: boolean };
  redis: { tier: "BASIC" | "STANDARD_HA"; memoryGb: number; version: string };
  domain?: string;
  staticDomain?: string;
  flower: { exposure: "portForward" | "loadBalancer"; sourceRanges: string[] };
  network: { subnetCidr: string; podsCidr: string; servicesCidr: string; masterCidr: string };
}

export type StackConfig = CommonConfig &
  ({ platform: "minikube"; minikube: MinikubeConfig } | { platform: "gcp"; gcp: GcpConfig });

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(
      `Invalid configuration (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n` +
        problems.map((p) => `  - ${p}`).join("\n"),
    );
    this.name = "ConfigError";
  }
}

/** Raw values by key, as strings the way the CLI hands them over. */
export type RawConfig = (key: string) => string | undefined;

const fromPulumi: RawConfig = (key) => new pulumi.Config(PROJECT).get(key);

// Redis redelivers an unacknowledged task after this long (the app's CELERY_VISIBILITY_TIMEOUT
// default); a task allowed to run longer would be run twice.
const REDIS_VISIBILITY_TIMEOUT_SECONDS = 3600;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const HOST_ENTRY =
  /^(\*|\.?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*|\d{1,3}(\.\d{1,3}){3}|\[[0-9a-f:]+\])$/i;
const HOST_NAME = /^(?=.{1,253}$)([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
const ORIGIN = /^https?:\/\/(\*\.)?[a-z0-9.-]+(:\d+)?$/i;
const IMAGE_REF = /^[a-z0-9]+([._/:@-][a-zA-Z0-9_.-]+)*(@sha256:[a-f0-9]{64})?$/;

// Per-key validators. Each carries the "what is allowed" half of its error message; the key
// and the value given are added when the message is reported.
const expected = (allowed: string) => ({ error: () => `expected ${allowed}` });
const text = () => z.string().trim();
const wholeNumber = (min: number, max: number) =>
  text()
    .regex(/^-?\d+$/, expected(`a whole number from ${min} to ${max}`))
    .transform(Number)
    .pipe(
      z
        .number()
        .min(min, expected(`a whole number from ${min} to ${max}`))
        .max(max, expected(`a whole number from ${min} to ${max}`)),
    );
const boolean = () => z.enum(["true", "false"], expected("true or false")).transform((v) => v === "true");
const oneOf = <const T extends readonly [string, ...string[]]>(values: T) =>
  z.enum(values, expected(`one of ${values.join(", ")}`));
const matching = (pattern: RegExp, allowed: string) => text().regex(pattern, expected(allowed));
const cpu = (maxCores = 16) =>
  text().refine(
    (v) => {
      const m = cpuMillicores(v);
      return m !== undefined && m >= 10 && m <= maxCores * 1000;
    },
    expected(`a CPU quantity from 10m to ${maxCores} (e.g. 250m, 1)`),
  );
const size = (min: string, max: string) =>
  text().refine(
    (v) => {
      const bytes = memoryBytes(v);
      return bytes !== undefined && bytes >= memoryBytes(min)! && bytes <= memoryBytes(max)!;
    },
    expected(`a size from ${min} to ${max} (e.g. 512Mi)`),
  );
/** A comma-separated list whose every entry passes `valid`; empty is allowed (rules decide). */
const list = (valid: (item: string) => boolean, allowed: string) =>
  text()
    .transform((v) =>
      v
        .split(",")
        .map((item) => item.trim())
        .filter(Boolean),
    )
    .superRefine((items, ctx) => {
      const bad = items.find((item) => !valid(item));
      if (bad !== undefined)
        ctx.addIssue({ code: "custom", message: `expected ${allowed}; ${JSON.stringify(bad)} is not one` });
    });
const isCidr = (value: string) => ipaddr.isValidCIDR(value) && value.includes(".");
const cidr = () => text().refine(isCidr, expected("an IPv4 CIDR such as 10.10.0.0/20"));
const matches = (pattern: RegExp) => (item: string) => pattern.test(item);
const optional = (pattern: RegExp, allowed: string) =>
  text().refine((v) => v === "" || pattern.test(v), expected(`${allowed}, or empty`));

/** Every key the program reads, with its validator; each must be declared in Pulumi.yaml. */
const KEYS = {
  platform: oneOf(["minikube", "gcp"]),
  kubeContext: matching(/^\S+$/, "a kubeconfig context name"),
  namespace: matching(DNS_LABEL, "a DNS label: lower-case letters, digits and '-', at most 63 characters"),
  image: optional(IMAGE_REF, "an image reference such as repo/name:tag or name@sha256:<digest>"),
  allowedHosts: list(matches(HOST_ENTRY), "host names, .domain suffixes, IP addresses or *"),
  csrfTrustedOrigins: list(matches(ORIGIN), "origins such as https://app.example.com"),
  https: boolean(),
  webReplicas: wholeNumber(1, 50),
  webMaxReplicas: wholeNumber(1, 100),
  webCpuTarget: wholeNumber(10, 95),
  webMinAvailable: wholeNumber(0, 100),
  webCpuRequest: cpu(),
  webCpuLimit: cpu(),
  webMemory: size("128Mi", "64Gi"),
  workerReplicas: wholeNumber(1, 50),
  workerMaxReplicas: wholeNumber(1, 100),
  workerAutoscaling: oneOf(["cpu", "queue"]),
  workerCpuTarget: wholeNumber(10, 95),
  workerQueueLength: wholeNumber(1, 10000),
  workerMinAvailable: wholeNumber(0, 100),
  loadGenerator: boolean(),
  loadGeneratorRate: wholeNumber(1, 2000),
  workerCpuRequest: cpu(),
  workerCpuLimit: cpu(),
  workerMemory: size("128Mi", "64Gi"),
  workerShutdownSeconds: wholeNumber(5, 3600),
  taskTimeLimitSeconds: wholeNumber(10, REDIS_VISIBILITY_TIMEOUT_SECONDS - 600),
  flowerUser: matching(/^[A-Za-z0-9_.-]{1,64}$/, "1-64 letters, digits, '_', '.' or '-' (no ':')"),
  postgresStorage: oneOf(["hostPath", "storageClass"]),
  postgresStorageSize: size("1Gi", "10Ti"),
  postgresHostPath: matching(/^\/[\w./-]*$/, "an absolute directory path"),
  postgresStorageClass: optional(DNS_LABEL, "a StorageClass name"),
  postgresImage: matching(IMAGE_REF, "an image reference"),
  redisImage: matching(IMAGE_REF, "an image reference"),
  devMode: boolean(),
  devSourcePath: matching(/^\/[\w./-]*$/, "an absolute directory path on the minikube node"),
  gcpProject: optional(
    /^[a-z][-a-z0-9]{4,28}[a-z0-9]$/,
    "a Google Cloud project ID (6-30 lower-case letters, digits, '-')",
  ),
  gcpRegion: z.enum(GCP_REGIONS, expected("a Google Cloud region such as europe-west1 or us-central1")),
  gcpZone: optional(/^[a-z]+-[a-z]+\d+-[a-z]$/, "a zone such as europe-west1-b"),
  clusterLocation: oneOf(["regional", "zonal"]),
  gkeReleaseChannel: oneOf(["RAPID", "REGULAR", "STABLE"]),
  nodeMachineType: matching(
    /^[a-z][a-z0-9]*-[a-z0-9-]+$/,
    "a Compute Engine machine type such as e2-standard-2",
  ),
  nodeMinCount: wholeNumber(0, 100),
  nodeMaxCount: wholeNumber(1, 100),
  spotNodes: boolean(),
  masterAuthorizedNetworks: list(isCidr, "IPv4 CIDRs"),
  deletionProtection: boolean(),
  cloudSqlVersion: oneOf(["POSTGRES_15", "POSTGRES_16", "POSTGRES_17"]),
  cloudSqlTier: matching(
    /^db-(custom-\d+-\d+|g1-small|f1-micro|perf-optimized-N-\d+)$/,
    "a Cloud SQL tier such as db-custom-1-3840",
  ),
  cloudSqlDiskGb: wholeNumber(10, 65536),
  cloudSqlHighAvailability: boolean(),
  redisTier: oneOf(["BASIC", "STANDARD_HA"]),
  redisMemoryGb: wholeNumber(1, 300),
  redisVersion: oneOf(["REDIS_7_0", "REDIS_7_2"]),
  domain: optional(HOST_NAME, "a fully qualified host name such as app.example.com"),
  staticDomain: optional(HOST_NAME, "a fully qualified host name such as static.example.com"),
  flowerExposure: oneOf(["portForward", "loadBalancer"]),
  flowerSourceRanges: list(isCidr, "IPv4 CIDRs"),
  subnetCidr: cidr(),
  podsCidr: cidr(),
  servicesCidr: cidr(),
  masterCidr: cidr(),
} satisfies Record<string, z.ZodType<unknown, string>>;

type Values = { [K in keyof typeof KEYS]: z.output<(typeof KEYS)[K]> };

export function loadConfig(
  raw: RawConfig = fromPulumi,
  stack = pulumi.getStack(),
  schema: Record<string, KeySchema> = projectConfigSchema(),
): StackConfig {
  const problems: string[] = [];
  const key = (name: string) => `${PROJECT}:${name}`;
  const values: Partial<Values> = {};
  for (const [name, validator] of Object.entries(KEYS)) {
    const declared = schema[name];
    if (!declared) throw new Error(`config key ${name} is read but not declared in Pulumi.yaml`);
    const given = raw(name) ?? String(declared.default);
    const result = validator.safeParse(given);
    if (result.success) (values as Record<string, unknown>)[name] = result.data;
    else problems.push(`${key(name)}: got ${JSON.stringify(given)}; ${result.error.issues[0]!.message}`);
  }
  const v = values as Values;

  // Rules between keys, checked where both values are themselves valid.
  for (const role of ["web", "worker"] as const) {
    const request = v[`${role}CpuRequest`];
    const limit = v[`${role}CpuLimit`];
    if (request && limit && cpuMillicores(request)! > cpuMillicores(limit)!) {
      problems.push(
        `${key(`${role}CpuRequest`)}: got ${request}, more than ${key(`${role}CpuLimit`)} (${limit}); ` +
          "a request must not exceed its limit",
      );
    }
  }
  for (const role of ["web", "worker"] as const) {
    const min = v[`${role}Replicas`];
    const max = v[`${role}MaxReplicas`];
    const minAvailable = v[`${role}MinAvailable`];
    if (min !== undefined && max !== undefined && min > max) {
      problems.push(
        `${key(`${role}Replicas`)}: got ${min}, more than ${key(`${role}MaxReplicas`)} (${max}); ` +
          "the autoscaler's minimum must not exceed its maximum",
      );
    }
    // A budget that keeps every pod of the minimum would forbid evicting any: a node drain
    // would hang until someone deleted the budget.
    if (min !== undefined && minAvailable !== undefined && minAvailable > 0 && minAvailable >= min) {
      problems.push(
        `${key(`${role}MinAvailable`)}: got ${minAvailable}, not below ${key(`${role}Replicas`)} (${min}); ` +
          "at the minimum replica count that PodDisruptionBudget would block every node drain",
      );
    }
  }
  if (v.postgresStorageClass && v.postgresStorage && v.postgresStorage !== "storageClass") {
    problems.push(
      `${key("postgresStorageClass")}: set to ${JSON.stringify(v.postgresStorageClass)} while ${key("postgresStorage")} ` +
        `is ${v.postgresStorage}; it is only used with postgresStorage=storageClass`,
    );
  }
  if (v.platform === "gcp") problems.push(...gcpRules(v, stack));
  if (v.platform === "minikube" && v.allowedHosts?.length === 0) {
    problems.push(
      `${key("allowedHosts")}: is empty; the minikube stack needs at least one host name (its Pulumi.minikube.yaml sets *)`,
    );
  }
  if (problems.length > 0) throw new ConfigError(problems);

  const common: CommonConfig = {
    stack,
    namespace: v.namespace,
    image: v.image || undefined,
    django: { allowedHosts: v.allowedHosts, csrfTrustedOrigins: v.csrfTrustedOrigins, https: v.https },
    web: {
      replicas: v.webReplicas,
      resources: { cpuRequest: v.webCpuRequest, cpuLimit: v.webCpuLimit, memory: v.webMemory },
      scaling: {
        mode: "cpu",
        maxReplicas: v.webMaxReplicas,
        cpuTarget: v.webCpuTarget,
        minAvailable: v.webMinAvailable,
      },
    },
    worker: {
      replicas: v.workerReplicas,
      resources: { cpuRequest: v.workerCpuRequest, cpuLimit: v.workerCpuLimit, memory: v.workerMemory },
      shutdownSeconds: v.workerShutdownSeconds,
      taskTimeLimitSeconds: v.taskTimeLimitSeconds,
      scaling:
        v.workerAutoscaling === "queue"
          ? {
              mode: "queue",
              maxReplicas: v.workerMaxReplicas,
              queueLength: v.workerQueueLength,
              minAvailable: v.workerMinAvailable,
            }
          : {
              mode: "cpu",
              maxReplicas: v.workerMaxReplicas,
              cpuTarget: v.workerCpuTarget,
              minAvailable: v.workerMinAvailable,
            },
    },
    flower: { user: v.flowerUser },
    loadGenerator: v.loadGenerator ? { rate: v.loadGeneratorRate } : undefined,
  };
  if (v.platform === "gcp") return { ...common, platform: "gcp", gcp: gcpConfig(v) };
  return {
    ...common,
    platform: "minikube",
    minikube: {
      kubeContext: v.kubeContext,
      dev: v.devMode ? { sourcePath: v.devSourcePath } : undefined,
      postgres: {
        storage: v.postgresStorage,
        size: v.postgresStorageSize,
        hostPath: v.postgresHostPath,
        storageClass: v.postgresStorageClass || undefined,
        image: v.postgresImage,
      },
      redis: { image: v.redisImage },
    },
  };
}

function gcpConfig(v: Values): GcpConfig {
  const regional = v.clusterLocation === "regional";
  return {
    project: v.gcpProject,
    region: v.gcpRegion,
    clusterLocation: regional ? v.gcpRegion : v.gcpZone || `${v.gcpRegion}-b`,
    regional,
    releaseChannel: v.gkeReleaseChannel,
    nodes: {
      machineType: v.nodeMachineType,
      minPerZone: v.nodeMinCount,
      maxPerZone: v.nodeMaxCount,
      spot: v.spotNodes,
    },
    masterAuthorizedNetworks: v.masterAuthorizedNetworks,
    deletionProtection: v.deletionProtection,
    cloudSql: {
      version: v.cloudSqlVersion,
      tier: v.cloudSqlTier,
      diskGb: v.cloudSqlDiskGb,
      highAvailability: v.cloudSqlHighAvailability,
    },
    redis: { tier: v.redisTier, memoryGb: v.redisMemoryGb, version: v.redisVersion },
    domain: v.domain || undefined,
    staticDomain: v.staticDomain || undefined,
    flower: { exposure: v.flowerExposure, sourceRanges: v.flowerSourceRanges },
    network: {
      subnetCidr: v.subnetCidr,
      podsCidr: v.podsCidr,
      servicesCidr: v.servicesCidr,
      masterCidr: v.masterCidr,
    },
  };
}

/** Rules that only hold on the gcp platform, checked where the values are themselves valid. */
function gcpRules(v: Partial<Values>, stack: string): string[] {
  const problems: string[] = [];
  const key = (name: string) => `${PROJECT}:${name}`;
  if (v.devMode) {
    problems.push(
      `${key("devMode")}: got true on the gcp platform; devMode (hot reload from a host mount) is for minikube only`,
    );
  }
  if (!v.gcpProject)
    problems.push(`${key("gcpProject")}: is empty; the gcp platform needs the Google Cloud project ID`);
  if (v.masterAuthorizedNetworks?.length === 0) {
    problems.push(
      `${key("masterAuthorizedNetworks")}: is empty; expected the CIDRs allowed to reach the GKE control plane ` +
        "(your office or CI egress, e.g. 203.0.113.0/24)",
    );
  }
  if (v.nodeMinCount !== undefined && v.nodeMaxCount !== undefined && v.nodeMinCount > v.nodeMaxCount) {
    problems.push(
      `${key("nodeMinCount")}: got ${v.nodeMinCount}, more than ${key("nodeMaxCount")} (${v.nodeMaxCount}); ` +
        "the autoscaler's minimum must not exceed its maximum",
    );
  }
  if (v.gcpZone && v.gcpRegion && !v.gcpZone.startsWith(`${v.gcpRegion}-`)) {
    problems.push(
      `${key("gcpZone")}: got ${JSON.stringify(v.gcpZone)}; expected a zone of ${key("gcpRegion")} (${v.gcpRegion})`,
    );
  }
  if (v.flowerExposure === "loadBalancer" && v.flowerSourceRanges?.length === 0) {
    problems.push(
      `${key("flowerSourceRanges")}: is empty while ${key("flowerExposure")} is loadBalancer; ` +
        "expected the CIDRs allowed to reach Flower (it is never open to the world)",
    );
  }
  const ranges = (["subnetCidr", "podsCidr", "servicesCidr", "masterCidr"] as const).filter(
    (name) => v[name],
  );
  for (let i = 0; i < ranges.length; i++) {
    for (const other of ranges.slice(i + 1)) {
      if (cidrsOverlap(v[ranges[i]!]!, v[other]!)) {
        problems.push(
          `${key(other)}: ${v[other]} overlaps ${key(ranges[i]!)} (${v[ranges[i]!]}); the ranges must be disjoint`,
        );
      }
    }
  }
  if (v.masterCidr && !v.masterCidr.endsWith("/28")) {
    problems.push(
      `${key("masterCidr")}: got ${JSON.stringify(v.masterCidr)}; GKE requires a /28 for the control plane`,
    );
  }
  // Production runs highly available and protected; a prod stack that is not is refused.
  if (stack === "prod") {
    const required: [keyof Values, unknown, string][] = [
      ["clusterLocation", "regional", "a regional cluster"],
      ["cloudSqlHighAvailability", true, "REGIONAL Cloud SQL"],
      ["redisTier", "STANDARD_HA", "Memorystore STANDARD_HA"],
      ["deletionProtection", true, "deletion protection"],
      ["spotNodes", false, "on-demand nodes"],
    ];
    for (const [name, value, what] of required) {
      if (v[name] !== undefined && v[name] !== value) {
        problems.push(
          `${key(name)}: got ${JSON.stringify(v[name])} on the prod stack; prod requires ${what} (${name}=${value})`,
        );
      }
    }
  }
  return problems;
}

export function cidrsOverlap(a: string, b: string): boolean {
  const [netA, bitsA] = ipaddr.parseCIDR(a);
  const [netB, bitsB] = ipaddr.parseCIDR(b);
  return netA.match(netB, bitsB) || netB.match(netA, bitsA);
}
