/**
 * The only place that reads Pulumi config. It applies Pulumi.yaml's defaults itself (the
 * CLI does, mocks do not, so both paths behave alike), validates every key and the rules
 * between keys, and returns one typed StackConfig. A bad value throws before any resource
 * is registered, naming the key, the value given and what is allowed.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
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

export interface ResourceSizes {
  cpuRequest: string;
  cpuLimit: string;
  memory: string;
}

export interface StackConfig {
  stack: string;
  platform: "minikube";
  kubeContext: string;
  namespace: string;
  /** An existing image; undefined means build app/. */
  image?: string;
  django: { allowedHosts: string[]; csrfTrustedOrigins: string[]; https: boolean };
  web: { replicas: number; resources: ResourceSizes };
  worker: {
    replicas: number;
    resources: ResourceSizes;
    shutdownSeconds: number;
    taskTimeLimitSeconds: number;
  };
  flower: { user: string };
  postgres: {
    storage: PostgresStorage;
    size: string;
    hostPath: string;
    storageClass?: string;
    image: string;
  };
  redis: { image: string };
}

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
const list = (pattern: RegExp, allowed: string, atLeastOne: boolean) =>
  text()
    .transform((v) =>
      v
        .split(",")
        .map((item) => item.trim())
        .filter(Boolean),
    )
    .superRefine((items, ctx) => {
      const bad = items.filter((item) => !pattern.test(item));
      if (bad.length > 0)
        ctx.addIssue({
          code: "custom",
          message: `expected ${allowed}; ${JSON.stringify(bad[0])} is not one`,
        });
      else if (atLeastOne && items.length === 0)
        ctx.addIssue({ code: "custom", message: `expected at least one of ${allowed}` });
    });
const optional = (pattern: RegExp, allowed: string) =>
  text().refine((v) => v === "" || pattern.test(v), expected(`${allowed}, or empty`));

/** Every key the program reads, with its validator; each must be declared in Pulumi.yaml. */
const KEYS = {
  platform: oneOf(["minikube"]),
  kubeContext: matching(/^\S+$/, "a kubeconfig context name"),
  namespace: matching(DNS_LABEL, "a DNS label: lower-case letters, digits and '-', at most 63 characters"),
  image: optional(IMAGE_REF, "an image reference such as repo/name:tag or name@sha256:<digest>"),
  allowedHosts: list(HOST_ENTRY, "host names, .domain suffixes, IP addresses or *", true),
  csrfTrustedOrigins: list(ORIGIN, "origins such as https://app.example.com", false),
  https: boolean(),
  webReplicas: wholeNumber(1, 50),
  webCpuRequest: cpu(),
  webCpuLimit: cpu(),
  webMemory: size("128Mi", "64Gi"),
  workerReplicas: wholeNumber(1, 50),
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
  if (v.postgresStorageClass && v.postgresStorage && v.postgresStorage !== "storageClass") {
    problems.push(
      `${key("postgresStorageClass")}: set to ${JSON.stringify(v.postgresStorageClass)} while ${key("postgresStorage")} ` +
        `is ${v.postgresStorage}; it is only used with postgresStorage=storageClass`,
    );
  }
  if (problems.length > 0) throw new ConfigError(problems);

  return {
    stack,
    platform: v.platform,
    kubeContext: v.kubeContext,
    namespace: v.namespace,
    image: v.image || undefined,
    django: { allowedHosts: v.allowedHosts, csrfTrustedOrigins: v.csrfTrustedOrigins, https: v.https },
    web: {
      replicas: v.webReplicas,
      resources: { cpuRequest: v.webCpuRequest, cpuLimit: v.webCpuLimit, memory: v.webMemory },
    },
    worker: {
      replicas: v.workerReplicas,
      resources: { cpuRequest: v.workerCpuRequest, cpuLimit: v.workerCpuLimit, memory: v.workerMemory },
      shutdownSeconds: v.workerShutdownSeconds,
      taskTimeLimitSeconds: v.taskTimeLimitSeconds,
    },
    flower: { user: v.flowerUser },
    postgres: {
      storage: v.postgresStorage,
      size: v.postgresStorageSize,
      hostPath: v.postgresHostPath,
      storageClass: v.postgresStorageClass || undefined,
      image: v.postgresImage,
    },
    redis: { image: v.redisImage },
  };
}
