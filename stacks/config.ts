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

export function loadConfig(
  raw: RawConfig = fromPulumi,
  stack = pulumi.getStack(),
  schema: Record<string, KeySchema> = projectConfigSchema(),
): StackConfig {
  const problems: string[] = [];
  const key = (name: string) => `${PROJECT}:${name}`;

  const declared = (name: string): KeySchema => {
    const entry = schema[name];
    if (!entry) throw new Error(`config key ${name} is read but not declared in Pulumi.yaml`);
    return entry;
  };
  const str = (name: string): string => {
    const value = raw(name);
    return value === undefined ? String(declared(name).default) : value.trim();
  };
  const int = (name: string, min: number, max: number): number => {
    const text = raw(name) ?? String(declared(name).default);
    const value = Number(text);
    if (!/^-?\d+$/.test(text.trim()) || value < min || value > max) {
      problems.push(
        `${key(name)}: got ${JSON.stringify(text)}; expected a whole number from ${min} to ${max}`,
      );
      return min;
    }
    return value;
  };
  const bool = (name: string): boolean => {
    const text = (raw(name) ?? String(declared(name).default)).trim();
    if (text !== "true" && text !== "false") {
      problems.push(`${key(name)}: got ${JSON.stringify(text)}; expected true or false`);
      return false;
    }
    return text === "true";
  };
  const oneOf = <T extends string>(name: string, allowed: readonly T[]): T => {
    const value = str(name);
    if (!(allowed as readonly string[]).includes(value)) {
      problems.push(`${key(name)}: got ${JSON.stringify(value)}; expected one of ${allowed.join(", ")}`);
      return allowed[0]!;
    }
    return value as T;
  };
  const matching = (name: string, pattern: RegExp, allowed: string): string => {
    const value = str(name);
    if (!pattern.test(value))
      problems.push(`${key(name)}: got ${JSON.stringify(value)}; expected ${allowed}`);
    return value;
  };
  const cpu = (name: string, maxMillicores = 16_000): string => {
    const value = str(name);
    const millicores = cpuMillicores(value);
    if (millicores === undefined || millicores < 10 || millicores > maxMillicores) {
      problems.push(
        `${key(name)}: got ${JSON.stringify(value)}; expected a CPU quantity from 10m to ${maxMillicores / 1000} (e.g. 250m, 1)`,
      );
    }
    return value;
  };
  const memory = (name: string, min = "64Mi", max = "64Gi"): string => {
    const value = str(name);
    const bytes = memoryBytes(value);
    if (bytes === undefined || bytes < memoryBytes(min)! || bytes > memoryBytes(max)!) {
      problems.push(
        `${key(name)}: got ${JSON.stringify(value)}; expected a size from ${min} to ${max} (e.g. 512Mi)`,
      );
    }
    return value;
  };
  const list = (name: string, pattern: RegExp, allowed: string): string[] => {
    const items = str(name)
      .split(",")
      .map((item) => item.trim())
      .filter(Boolean);
    for (const item of items) {
      if (!pattern.test(item)) {
        problems.push(`${key(name)}: entry ${JSON.stringify(item)} is not valid; expected ${allowed}`);
      }
    }
    return items;
  };
  const sizes = (role: "web" | "worker"): ResourceSizes => {
    const resources = {
      cpuRequest: cpu(`${role}CpuRequest`),
      cpuLimit: cpu(`${role}CpuLimit`),
      memory: memory(`${role}Memory`, "128Mi"),
    };
    const request = cpuMillicores(resources.cpuRequest);
    const limit = cpuMillicores(resources.cpuLimit);
    if (request !== undefined && limit !== undefined && request > limit) {
      problems.push(
        `${key(`${role}CpuRequest`)}: got ${resources.cpuRequest}, more than ${key(`${role}CpuLimit`)} ` +
          `(${resources.cpuLimit}); a request must not exceed its limit`,
      );
    }
    return resources;
  };

  const platform = oneOf("platform", ["minikube"] as const);
  const image = str("image");
  if (image && !IMAGE_REF.test(image)) {
    problems.push(
      `${key("image")}: got ${JSON.stringify(image)}; expected an image reference such as repo/name:tag or name@sha256:<digest>`,
    );
  }
  const allowedHosts = list("allowedHosts", HOST_ENTRY, "a host name, .domain suffix, IP address or *");
  if (allowedHosts.length === 0) {
    problems.push(
      `${key("allowedHosts")}: is empty; expected at least one host name (Django refuses every request otherwise)`,
    );
  }
  const postgresStorage = oneOf("postgresStorage", ["hostPath", "storageClass"] as const);
  const postgresHostPath = str("postgresHostPath");
  if (postgresStorage === "hostPath" && !/^\/[\w./-]*$/.test(postgresHostPath)) {
    problems.push(
      `${key("postgresHostPath")}: got ${JSON.stringify(postgresHostPath)}; expected an absolute directory path`,
    );
  }
  const postgresStorageClass = str("postgresStorageClass");
  if (postgresStorageClass && postgresStorage !== "storageClass") {
    problems.push(
      `${key("postgresStorageClass")}: set to ${JSON.stringify(postgresStorageClass)} while ${key("postgresStorage")} is ` +
        `${postgresStorage}; it is only used with postgresStorage=storageClass`,
    );
  }
  if (postgresStorageClass && !DNS_LABEL.test(postgresStorageClass)) {
    problems.push(
      `${key("postgresStorageClass")}: got ${JSON.stringify(postgresStorageClass)}; expected a StorageClass name`,
    );
  }
  const taskTimeLimitSeconds = int("taskTimeLimitSeconds", 10, REDIS_VISIBILITY_TIMEOUT_SECONDS - 600);

  const config: StackConfig = {
    stack,
    platform,
    kubeContext: matching("kubeContext", /^\S+$/, "a kubeconfig context name"),
    namespace: matching(
      "namespace",
      DNS_LABEL,
      "a DNS label: lower-case letters, digits and '-', at most 63 characters",
    ),
    image: image || undefined,
    django: {
      allowedHosts,
      csrfTrustedOrigins: list("csrfTrustedOrigins", ORIGIN, "an origin such as https://app.example.com"),
      https: bool("https"),
    },
    web: { replicas: int("webReplicas", 1, 50), resources: sizes("web") },
    worker: {
      replicas: int("workerReplicas", 1, 50),
      resources: sizes("worker"),
      shutdownSeconds: int("workerShutdownSeconds", 5, 3600),
      taskTimeLimitSeconds,
    },
    flower: {
      user: matching(
        "flowerUser",
        /^[A-Za-z0-9_.-]{1,64}$/,
        "1-64 letters, digits, '_', '.' or '-' (no ':')",
      ),
    },
    postgres: {
      storage: postgresStorage,
      size: memory("postgresStorageSize", "1Gi", "10Ti"),
      hostPath: postgresHostPath,
      storageClass: postgresStorageClass || undefined,
      image: matching("postgresImage", IMAGE_REF, "an image reference"),
    },
    redis: { image: matching("redisImage", IMAGE_REF, "an image reference") },
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}
