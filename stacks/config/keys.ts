/**
 * The key table: every key the program reads, with its validator, and Pulumi.yaml's
 * declaration of it (type, default, description). Each validator carries the "what is
 * allowed" half of its error message; the key and the value given are added when the message
 * is reported (index.ts). The value types of the whole config derive from this table.
 */
import * as fs from "node:fs";
import * as ipaddr from "ipaddr.js";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { cloudSqlTierProblem, machineTypeProblem } from "../../lib/gcpMachines";
import { GCP_REGIONS } from "../../lib/gcpRegions";
import { PROJECT_FILE, projectName } from "../../lib/pulumiProject";
import { cpuMillicores, memoryBytes } from "../../lib/quantity";

/** The project's name in Pulumi.yaml: the namespace of its config keys (django-k8s:<key>). */
export const PROJECT = projectName();
export { PROJECT_FILE };

/** One `config:` entry of Pulumi.yaml. */
const keyDeclaration = z.object({
  type: z.enum(["string", "integer", "boolean"]),
  default: z.union([z.string(), z.number(), z.boolean()]),
  description: z.string(),
});
export type KeySchema = z.infer<typeof keyDeclaration>;

/** Pulumi.yaml's `config:` block: the declared keys with type, default and description. */
export function projectConfigSchema(file = PROJECT_FILE): Record<string, KeySchema> {
  const project = z
    .object({ config: z.record(z.string(), keyDeclaration).optional() })
    .parse(parseYaml(fs.readFileSync(file, "utf8")));
  return project.config ?? {};
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const HOST_ENTRY =
  /^(\*|\.?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*|\d{1,3}(\.\d{1,3}){3}|\[[0-9a-f:]+\])$/i;
const HOST_NAME = /^(?=.{1,253}$)([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
const ORIGIN = /^https?:\/\/(\*\.)?[a-z0-9.-]+(:\d+)?$/i;
const IMAGE_REF = /^[a-z0-9]+([._/:@-][a-zA-Z0-9_.-]+)*(@sha256:[a-f0-9]{64})?$/;
const ABSOLUTE_PATH = /^\/[\w./-]*$/;
const SENTRY_DSN = /^https?:\/\/[A-Za-z0-9]+(:[A-Za-z0-9]+)?@[a-z0-9.-]+(:\d+)?\/([\w.-]+\/)*\d+$/;
const STACK_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/;
const EMAIL = /^[^\s@,]+@[a-z0-9-]+(\.[a-z0-9-]+)+$/i;

const expected = (allowed: string) => ({ error: () => `expected ${allowed}` });
const text = () => z.string().trim();
const wholeNumber = (min: number, max: number) => {
  const allowed = expected(`a whole number from ${min} to ${max}`);
  return text()
    .regex(/^-?\d+$/, allowed)
    .transform(Number)
    .pipe(z.number().min(min, allowed).max(max, allowed));
};
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
/** A bound written in this file; not being a size is a mistake here, not in the config. */
const sizeBound = (quantity: string): number => {
  const bytes = memoryBytes(quantity);
  if (bytes === undefined) throw new Error(`not a memory quantity: ${quantity}`);
  return bytes;
};
const size = (min: string, max: string) => {
  const [low, high] = [sizeBound(min), sizeBound(max)];
  return text().refine(
    (v) => {
      const bytes = memoryBytes(v);
      return bytes !== undefined && bytes >= low && bytes <= high;
    },
    expected(`a size from ${min} to ${max} (e.g. 512Mi)`),
  );
};
/**
 * A comma-separated list whose every entry passes `valid`; empty is allowed (rules decide).
 * `reason` says what is wrong with a bad entry, when more can be said than "is not one".
 */
const list = (
  valid: (item: string) => boolean,
  allowed: string,
  reason?: (item: string) => string | undefined,
) =>
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
        ctx.addIssue({
          code: "custom",
          message: `expected ${allowed}; ${JSON.stringify(bad)} ${reason?.(bad) ?? "is not one"}`,
        });
    });
/** Why `value` is not an IPv4 network in CIDR form, or undefined when it is one. */
function cidrProblem(value: string): string | undefined {
  if (!ipaddr.isValidCIDR(value) || !value.includes(".")) return "not an IPv4 CIDR";
  const network = ipaddr.IPv4.networkAddressFromCIDR(value).toString();
  const bits = value.split("/")[1];
  // Google's APIs refuse a range with host bits set; say which network was probably meant.
  return network === value.split("/")[0] ? undefined : `host bits set (the network is ${network}/${bits})`;
}
const cidr = () =>
  text().superRefine((value, ctx) => {
    const problem = cidrProblem(value);
    if (problem)
      ctx.addIssue({ code: "custom", message: `expected an IPv4 CIDR such as 10.10.0.0/20; ${problem}` });
  });
const cidrList = () =>
  list(
    (item) => cidrProblem(item) === undefined,
    "IPv4 CIDRs such as 203.0.113.0/24",
    (item) => cidrProblem(item),
  );
/** A value checked against a data table; the table's function says what is wrong. */
const checkedBy = (problemOf: (value: string) => string | undefined, allowed: string) =>
  text().superRefine((value, ctx) => {
    const problem = problemOf(value);
    if (problem) ctx.addIssue({ code: "custom", message: `expected ${allowed}; ${problem}` });
  });
/** DNS names are case-insensitive: App.Example.COM is accepted and used as app.example.com. */
const hostName = (allowed: string) =>
  text()
    .toLowerCase()
    .refine((v) => v === "" || HOST_NAME.test(v), expected(`${allowed}, or empty`));
const matches = (pattern: RegExp) => (item: string) => pattern.test(item);
const optional = (pattern: RegExp, allowed: string) =>
  text().refine((v) => v === "" || pattern.test(v), expected(`${allowed}, or empty`));

const GCP_PROJECT_ID =
  "a Google Cloud project ID (6-30 lower-case letters, digits and '-', starting with a letter, not ending with '-')";

/**
 * What a missing or bad gcpProject is told on the gcp platform, where it is required: what is
 * allowed there (not "or empty", which only minikube accepts) and the command that sets it.
 */
export function gcpProjectMessage(stack: string): string {
  return `expected ${GCP_PROJECT_ID}, which the gcp platform requires; set it with: npm run pulumi -- config set ${qualified("gcpProject")} <id> --stack ${stack}`;
}

/** Every key the program reads, with its validator; each must be declared in Pulumi.yaml. */
export const KEYS = {
  platform: oneOf(["minikube", "gcp"]),
  environment: oneOf(["development", "production"]),
  kubeContext: matching(/^\S+$/, "a kubeconfig context name"),
  namespace: matching(DNS_LABEL, "a DNS label: lower-case letters, digits and '-', at most 63 characters"),
  image: optional(IMAGE_REF, "an image reference such as repo/name:tag or name@sha256:<digest>"),
  allowedHosts: list(matches(HOST_ENTRY), "host names, .domain suffixes, IP addresses or *").transform(
    (hosts) => hosts.map((host) => host.toLowerCase()),
  ),
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
  // Below visibilityTimeoutSeconds, or a running task is handed to a second worker (rules.ts).
  taskTimeLimitSeconds: wholeNumber(10, 3599),
  flowerUser: matching(/^[A-Za-z0-9_.-]{1,64}$/, "1-64 letters, digits, '_', '.' or '-' (no ':')"),
  postgresStorage: oneOf(["hostPath", "storageClass"]),
  postgresStorageSize: size("1Gi", "10Ti"),
  postgresHostPath: matching(ABSOLUTE_PATH, "an absolute directory path"),
  postgresStorageClass: optional(DNS_LABEL, "a StorageClass name"),
  postgresImage: matching(IMAGE_REF, "an image reference"),
  redisImage: matching(IMAGE_REF, "an image reference"),
  devMode: boolean(),
  devSourcePath: matching(ABSOLUTE_PATH, "an absolute directory path on the minikube node"),
  // Empty is allowed here for minikube; the gcp platform's messages are gcpProjectMessage's.
  gcpProject: optional(/^[a-z][-a-z0-9]{4,28}[a-z0-9]$/, GCP_PROJECT_ID),
  gcpRegion: z.enum(GCP_REGIONS, expected("a Google Cloud region such as europe-west1 or us-central1")),
  gcpZone: optional(/^[a-z]+-[a-z]+\d+-[a-z]$/, "a zone such as europe-west1-b"),
  clusterLocation: oneOf(["regional", "zonal"]),
  gkeReleaseChannel: oneOf(["RAPID", "REGULAR", "STABLE"]),
  nodeMachineType: checkedBy(machineTypeProblem, "a Compute Engine machine type such as e2-standard-2"),
  nodeMinCount: wholeNumber(0, 100),
  nodeMaxCount: wholeNumber(1, 100),
  spotNodes: boolean(),
  masterAuthorizedNetworks: cidrList(),
  deletionProtection: boolean(),
  cloudSqlVersion: oneOf(["POSTGRES_15", "POSTGRES_16", "POSTGRES_17"]),
  cloudSqlTier: checkedBy(cloudSqlTierProblem, "a Cloud SQL tier such as db-custom-1-3840"),
  cloudSqlDiskGb: wholeNumber(10, 65536),
  cloudSqlHighAvailability: boolean(),
  redisTier: oneOf(["BASIC", "STANDARD_HA"]),
  redisMemoryGb: wholeNumber(1, 300),
  redisVersion: oneOf(["REDIS_7_0", "REDIS_7_2"]),
  domain: hostName("a fully qualified host name such as app.example.com"),
  staticDomain: hostName("a fully qualified host name such as static.example.com"),
  // loadBalancer served Flower's basic auth over plain HTTP on an L4 load balancer: removed, and
  // named in the error so a stack file that still sets it learns why.
  flowerExposure: z.enum(["portForward"], {
    error: (issue) =>
      issue.input === "loadBalancer"
        ? "loadBalancer was removed (it served Flower's basic auth over plain HTTP); expected portForward, see docs/security.md"
        : "expected one of portForward",
  }),
  armorWafMode: oneOf(["preview", "enforce"]),
  armorRequestsPerMinute: wholeNumber(60, 100000),
  subnetCidr: cidr(),
  podsCidr: cidr(),
  servicesCidr: cidr(),
  masterCidr: cidr(),
  backupBeforeMigrate: oneOf(["auto", "true", "false"]),
  alertEmails: list(matches(EMAIL), "e-mail addresses such as oncall@example.com"),
  alertErrorRatePercent: wholeNumber(1, 100),
  alertLatencyP95Ms: wholeNumber(50, 60000),
  alertQueueBacklog: wholeNumber(1, 1000000),
  alertOldestTaskSeconds: wholeNumber(10, 86400),
  alertBeatHeartbeatSeconds: wholeNumber(60, 86400),
  alertCloudSqlCpuPercent: wholeNumber(10, 100),
  alertCloudSqlDiskPercent: wholeNumber(10, 100),
  alertCloudSqlConnections: wholeNumber(1, 10000),
  alertRedisMemoryPercent: wholeNumber(10, 100),
  sentryDsn: optional(SENTRY_DSN, "a Sentry DSN such as https://<key>@o1.ingest.sentry.io/<project id>"),
  visibilityTimeoutSeconds: wholeNumber(60, 3600),
  // Preview stacks (docs/previews.md): previewParent on the preview, the others on its parent.
  previewParent: optional(STACK_NAME, "a stack name such as dev or minikube"),
  previewDomain: hostName("a domain such as preview.example.com (previews at pr-<number>.<domain>)"),
  previewTtlHours: wholeNumber(1, 720),
  // Each live preview of a parent holds one of Redis's 15 spare databases (docs/previews.md).
  previewMax: wholeNumber(1, 15),
  previewWebReplicas: wholeNumber(1, 5),
  previewWorkerReplicas: wholeNumber(1, 5),
  previewMaxReplicas: wholeNumber(1, 10),
} satisfies Record<string, z.ZodType<unknown, string>>;

/** All keys at once: raw strings in, every value typed as its validator makes it. */
export const CONFIG_SCHEMA = z.object(KEYS);
export type ConfigKey = keyof typeof KEYS;
export type ConfigValues = z.output<typeof CONFIG_SCHEMA>;
/** The keys in table order, which is the order problems are reported in. */
export const CONFIG_KEYS = CONFIG_SCHEMA.keyof().options;

/** Keys whose values are secrets (`pulumi config set --secret`): a message never repeats the value. */
export const SECRET_KEYS: ReadonlySet<ConfigKey> = new Set<ConfigKey>(["sentryDsn"]);

/** How a key is written in messages and on the command line: django-k8s:<key>. */
export const qualified = (name: ConfigKey) => `${PROJECT}:${name}`;
