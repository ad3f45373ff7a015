/**
 * The rules a stack's config must follow, checked the way the program meets them: the stack's
 * Pulumi.<stack>.yaml plus the override, through the config module, which stops the program
 * with a ConfigError naming the key before anything is created.
 */
import { describe, expect, it } from "vitest";
import { ConfigError } from "../../stacks/config";
import { configError } from "../support/stackConfig";

describe("autoscaling config", () => {
  const problems = (overrides: Record<string, string>) => configError("minikube", overrides)?.problems ?? [];

  it.each([
    [
      "web min above max",
      { "django-k8s:webReplicas": "5", "django-k8s:webMaxReplicas": "3" },
      /^django-k8s:webReplicas: got 5, more than django-k8s:webMaxReplicas/,
    ],
    [
      "worker min above max",
      { "django-k8s:workerReplicas": "4", "django-k8s:workerMaxReplicas": "2" },
      /^django-k8s:workerReplicas: got 4/,
    ],
    [
      "a rate of zero",
      { "django-k8s:loadGeneratorRate": "0" },
      /^django-k8s:loadGeneratorRate: got "0"; expected a whole number from 1 to 2000/,
    ],
    ["a negative rate", { "django-k8s:loadGeneratorRate": "-5" }, /^django-k8s:loadGeneratorRate: got "-5"/],
    [
      "a PDB that would block a drain",
      { "django-k8s:webMinAvailable": "1" },
      /^django-k8s:webMinAvailable: got 1, not below django-k8s:webReplicas \(1\); .* block every node drain/,
    ],
    [
      "an unknown worker scaling mode",
      { "django-k8s:workerAutoscaling": "memory" },
      /^django-k8s:workerAutoscaling: got "memory"; expected one of cpu, queue/,
    ],
  ])("rejects %s, naming the key", (_, overrides, message) => {
    const found = problems(overrides);
    expect(
      found.some((p) => message.test(p)),
      found.join("\n"),
    ).toBe(true);
  });
});

describe("dev mode on GCP", () => {
  it.each(["dev", "prod"])("is refused on the %s stack, naming devMode", (stack) => {
    const error = configError(stack, { "django-k8s:devMode": "true" });
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems.join("\n")).toMatch(
      /^django-k8s:devMode: got true on the gcp platform/m,
    );
  });
});

describe("gcp config", () => {
  const bad: [string, Record<string, string>, string, RegExp][] = [
    [
      "an unknown region",
      { "django-k8s:gcpRegion": "mars-north1" },
      "gcpRegion",
      /expected a Google Cloud region/,
    ],
    [
      "prod without HA",
      { "django-k8s:cloudSqlHighAvailability": "false" },
      "cloudSqlHighAvailability",
      /production requires REGIONAL Cloud SQL/,
    ],
    [
      "prod on a zonal cluster",
      { "django-k8s:clusterLocation": "zonal" },
      "clusterLocation",
      /production requires a regional cluster/,
    ],
    [
      "node pool min > max",
      { "django-k8s:nodeMinCount": "6" },
      "nodeMinCount",
      /more than django-k8s:nodeMaxCount/,
    ],
    [
      "a domain that is not a host name",
      { "django-k8s:domain": "https://app" },
      "domain",
      /expected a fully qualified host name/,
    ],
    [
      "no authorized networks",
      { "django-k8s:masterAuthorizedNetworks": "" },
      "masterAuthorizedNetworks",
      /is empty/,
    ],
    [
      "Flower on a plain-HTTP load balancer (removed)",
      { "django-k8s:flowerExposure": "loadBalancer" },
      "flowerExposure",
      /loadBalancer was removed \(it served Flower's basic auth over plain HTTP\)/,
    ],
    [
      "overlapping ranges",
      { "django-k8s:servicesCidr": "10.20.0.0/20" },
      "servicesCidr",
      /overlaps django-k8s:podsCidr/,
    ],
    [
      "no project",
      { "django-k8s:gcpProject": "" },
      "gcpProject",
      /^django-k8s:gcpProject: is empty; expected a Google Cloud project ID .*, which the gcp platform requires; set it with: npm run pulumi -- config set django-k8s:gcpProject <id> --stack prod$/,
    ],
    [
      "a zone outside the region",
      { "django-k8s:gcpZone": "us-east1-b" },
      "gcpZone",
      /expected a zone of django-k8s:gcpRegion/,
    ],
  ];
  it.each(bad)("rejects %s, naming the key", (_, overrides, key, message) => {
    const error = configError("prod", overrides);
    expect(error).toBeInstanceOf(ConfigError);
    const problem = (error as ConfigError).problems.find((p) => p.startsWith(`django-k8s:${key}:`));
    expect(problem, (error as ConfigError).problems.join("\n")).toMatch(message);
  });
});
