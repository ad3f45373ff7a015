/**
 * What the config module catches that a newcomer gets wrong: typos in key names, values that
 * Google's APIs would refuse minutes into `pulumi up`, and the production rules following the
 * environment rather than the stack's name.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig, PROJECT_FILE, type StackConfig } from "../../stacks/config";
import { stackConfig } from "../../synth/stackFiles";

const prodValues = stackConfig("prod");
const devValues = stackConfig("dev");

function problems(values: Record<string, string>, stack = "test"): string[] {
  try {
    loadConfig(values, stack);
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
}
const gcp = (config: StackConfig) => {
  if (config.platform !== "gcp") throw new Error("expected a gcp stack");
  return config.gcp;
};

describe("unknown keys", () => {
  it("are refused with the nearest known key as a suggestion", () => {
    expect(problems({ ...devValues, "django-k8s:webReplcas": "3" })).toEqual([
      "django-k8s:webReplcas: unknown key; did you mean django-k8s:webReplicas?",
    ]);
    expect(problems({ ...devValues, "django-k8s:WorkerReplicas": "3" })[0]).toContain(
      "did you mean django-k8s:workerReplicas?",
    );
  });

  it("are refused without a guess when nothing is close", () => {
    expect(problems({ ...devValues, "django-k8s:nosuchkey": "1" })).toEqual([
      "django-k8s:nosuchkey: unknown key; see docs/configuration.md for the keys",
    ]);
  });

  it("leave other namespaces (providers' settings) alone", () => {
    expect(problems({ ...devValues, "gcp:project": "x", "kubernetes:context": "y" })).toEqual([]);
  });

  it("include a bare key in a stack file, which the CLI puts in the project's namespace", () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "stackfile-"));
    // The bare keys' namespace is the project's name in the checkout's Pulumi.yaml (synth/stackFiles.ts).
    fs.copyFileSync(PROJECT_FILE, path.join(root, "Pulumi.yaml"));
    fs.writeFileSync(path.join(root, "Pulumi.local.yaml"), "config:\n  workerReplicas: 3\n  webReplcas: 2\n");
    const values = stackConfig("local", root);
    expect(values).toEqual({ "django-k8s:workerReplicas": "3", "django-k8s:webReplcas": "2" });
    expect(problems({ ...stackConfig("minikube"), ...values })).toEqual([
      "django-k8s:webReplcas: unknown key; did you mean django-k8s:webReplicas?",
    ]);
  });
});

describe("values Google would refuse, caught offline", () => {
  it.each([
    ["subnetCidr", "10.10.0.5/20", "host bits set (the network is 10.10.0.0/20)"],
    [
      "masterAuthorizedNetworks",
      "203.0.113.7/24",
      '"203.0.113.7/24" host bits set (the network is 203.0.113.0/24)',
    ],
    [
      "gcpZone",
      "europe-west1-z",
      "expected a zone of django-k8s:gcpRegion (europe-west1): europe-west1-b, europe-west1-c, europe-west1-d",
    ],
    ["gcpZone", "europe-west1-a", "europe-west1-b, europe-west1-c, europe-west1-d"],
    [
      "nodeMachineType",
      "e2-banana",
      "expected a Compute Engine machine type such as e2-standard-2; e2 has the shapes standard, highmem, highcpu",
    ],
    ["nodeMachineType", "e2-standard-3", "e2-standard comes in 2, 4, 8, 16, 32 vCPUs"],
    ["nodeMachineType", "t2a-standard-4", "known families: e2, n1, n2"],
    [
      "nodeMachineType",
      "e2-custom-4-1024",
      "e2-custom needs a multiple of 256 MiB between 0.5 and 8 GiB per vCPU",
    ],
    ["cloudSqlTier", "db-custom-1-100", "memory for 1 vCPU: a multiple of 256 MiB from 3840 to 6656"],
    ["cloudSqlTier", "db-custom-3-11520", "1 vCPU or an even number from 2 to 96"],
    ["cloudSqlTier", "db-perf-optimized-N-8", "need the Enterprise Plus edition"],
  ])("%s=%s is refused, saying why", (key, value, why) => {
    const found = problems({ ...devValues, [`django-k8s:${key}`]: value }).filter((p) =>
      p.startsWith(`django-k8s:${key}:`),
    );
    expect(found).toHaveLength(1);
    expect(found[0]).toContain(`got ${JSON.stringify(value)}`);
    expect(found[0]).toContain(why);
  });

  it.each([
    ["gcpZone", "us-central1-f", "us-central1"],
    ["nodeMachineType", "n2-custom-4-16384", "europe-west1"],
    ["nodeMachineType", "c3-standard-22", "europe-west1"],
    ["cloudSqlTier", "db-custom-2-7680", "europe-west1"],
    // A small tier's 50 connections hold fewer replicas (the connection budget, configRules.test.ts).
    [
      "cloudSqlTier",
      "db-g1-small",
      "europe-west1",
      { "django-k8s:webMaxReplicas": "2", "django-k8s:workerMaxReplicas": "2" },
    ],
  ])("%s=%s is accepted", (key, value, region, extra: Record<string, string> = {}) => {
    expect(
      problems({ ...devValues, ...extra, "django-k8s:gcpRegion": region, [`django-k8s:${key}`]: value }),
    ).toEqual([]);
  });

  it("reports an invalid project ID once, as invalid, not as empty", () => {
    const found = problems({ ...devValues, "django-k8s:gcpProject": "My_Project" }, "dev");
    expect(found).toEqual([
      "django-k8s:gcpProject: got \"My_Project\"; expected a Google Cloud project ID (6-30 lower-case letters, digits and '-', starting with a letter, not ending with '-'), which the gcp platform requires; set it with: npm run pulumi -- config set django-k8s:gcpProject <id> --stack dev",
    ]);
  });

  it("says on the gcp platform that the project is required, and how to set it", () => {
    expect(problems({ ...devValues, "django-k8s:gcpProject": "" }, "staging")).toEqual([
      "django-k8s:gcpProject: is empty; expected a Google Cloud project ID (6-30 lower-case letters, digits and '-', starting with a letter, not ending with '-'), which the gcp platform requires; set it with: npm run pulumi -- config set django-k8s:gcpProject <id> --stack staging",
    ]);
  });

  it("allows an empty project ID where it is not used (minikube), and says so", () => {
    const minikube = stackConfig("minikube");
    expect(problems({ ...minikube, "django-k8s:gcpProject": "" })).toEqual([]);
    expect(problems({ ...minikube, "django-k8s:gcpProject": "My_Project" })).toEqual([
      "django-k8s:gcpProject: got \"My_Project\"; expected a Google Cloud project ID (6-30 lower-case letters, digits and '-', starting with a letter, not ending with '-'), or empty",
    ]);
  });

  it("refuses one host name for the app and the static files, naming both keys", () => {
    const same = { "django-k8s:domain": "app.example.com", "django-k8s:staticDomain": "App.Example.com" };
    expect(problems({ ...prodValues, ...same }, "prod")).toEqual([
      'django-k8s:staticDomain: got "app.example.com", the same as django-k8s:domain; the static files need a host name of their own (such as static.example.com beside app.example.com): each of the two gets its own load balancer and certificate',
    ]);
    expect(
      problems({ ...prodValues, ...same, "django-k8s:staticDomain": "static.example.com" }, "prod"),
    ).toEqual([]);
  });

  it("accepts upper-case host names and uses them in lower case", () => {
    const config = loadConfig(
      {
        ...prodValues,
        "django-k8s:domain": "App.Example.COM",
        "django-k8s:staticDomain": "Static.Example.com",
        "django-k8s:allowedHosts": "Admin.Example.COM",
      },
      "prod",
    );
    expect(gcp(config).domain).toBe("app.example.com");
    expect(gcp(config).staticDomain).toBe("static.example.com");
    expect(config.django.allowedHosts).toEqual(["admin.example.com"]);
  });
});

describe("the production environment", () => {
  it("applies its rules to a stack of any name", () => {
    expect(problems({ ...prodValues, "django-k8s:cloudSqlHighAvailability": "false" }, "prod-eu")).toEqual([
      "django-k8s:cloudSqlHighAvailability: got false in the production django-k8s:environment; production requires REGIONAL Cloud SQL (cloudSqlHighAvailability=true)",
    ]);
    const devAsProduction = problems({ ...devValues, "django-k8s:environment": "production" }, "dev");
    expect(devAsProduction.map((p) => p.split(":")[1])).toEqual([
      "clusterLocation",
      "cloudSqlHighAvailability",
      "redisTier",
      "deletionProtection",
      "spotNodes",
    ]);
  });

  it("does not apply to a development stack named prod", () => {
    expect(
      problems(
        { ...prodValues, "django-k8s:environment": "development", "django-k8s:spotNodes": "true" },
        "prod",
      ),
    ).toEqual([]);
  });

  it("refuses a control plane open to every address, which development allows", () => {
    const open = { "django-k8s:masterAuthorizedNetworks": "0.0.0.0/0" };
    expect(problems({ ...prodValues, ...open })[0]).toMatch(
      /^django-k8s:masterAuthorizedNetworks: got "0.0.0.0\/0" in the production .*does not open the control plane/,
    );
    expect(problems({ ...devValues, ...open })).toEqual([]);
  });

  it("runs on gcp only", () => {
    expect(problems({ ...stackConfig("minikube"), "django-k8s:environment": "production" })).toEqual([
      'django-k8s:platform: got "minikube" in the production django-k8s:environment; production runs on the gcp platform',
    ]);
  });
});
