import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig, PROJECT, projectConfigSchema } from "../../stacks/config";

/** Values by bare key, handed over the way the CLI does: in the project's namespace. */
const qualify = (values: Record<string, string>) =>
  Object.fromEntries(Object.entries(values).map(([key, value]) => [`${PROJECT}:${key}`, value]));
const load = (values: Record<string, string>) => loadConfig(qualify(values), "test");

function problemsOf(values: Record<string, string>): string[] {
  try {
    load(values);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error("expected a ConfigError");
}

describe("config", () => {
  it("declares every key in Pulumi.yaml with a type, a default and a description", () => {
    const schema = projectConfigSchema();
    expect(Object.keys(schema).length).toBeGreaterThan(15);
    for (const [key, entry] of Object.entries(schema)) {
      expect(["string", "integer", "boolean"], key).toContain(entry.type);
      expect(entry.default, key).not.toBeUndefined();
      expect(entry.description.length, key).toBeGreaterThan(10);
    }
  });

  it("applies Pulumi.yaml's defaults when nothing is set, as the CLI would", () => {
    const config = load({ allowedHosts: "app.example.com" });
    const schema = projectConfigSchema();
    expect(config.namespace).toBe(schema.namespace!.default);
    expect(config.web.replicas).toBe(schema.webReplicas!.default);
    expect(config.web.resources.cpuLimit).toBe(schema.webCpuLimit!.default);
    expect(config.django.https).toBe(true);
    expect(config.platform === "minikube" && config.minikube.postgres.storage).toBe("hostPath");
    expect(config.image).toBeUndefined();
  });

  it("parses set values into the typed config", () => {
    const config = load({
      allowedHosts: "app.example.com, .example.org",
      csrfTrustedOrigins: "https://app.example.com",
      https: "false",
      webReplicas: "3",
      postgresStorage: "storageClass",
      postgresStorageClass: "fast-ssd",
      image: `registry.example.com/team/app@sha256:${"a".repeat(64)}`,
    });
    expect(config.django.allowedHosts).toEqual(["app.example.com", ".example.org"]);
    expect(config.django.https).toBe(false);
    expect(config.web.replicas).toBe(3);
    expect(config.platform === "minikube" && config.minikube.postgres).toMatchObject({
      storage: "storageClass",
      storageClass: "fast-ssd",
    });
    expect(config.image).toMatch(/@sha256:/);
  });

  const valid = { allowedHosts: "app.example.com" };
  const badCases: [string, Record<string, string>, string, RegExp][] = [
    [
      "replicas below range",
      { webReplicas: "0" },
      "webReplicas",
      /got "0"; expected a whole number from 1 to 50/,
    ],
    ["replicas not a number", { workerReplicas: "two" }, "workerReplicas", /got "two"/],
    ["unknown platform", { platform: "aws" }, "platform", /got "aws"; expected one of minikube/],
    ["bad namespace", { namespace: "My_App" }, "namespace", /got "My_App"; expected a DNS label/],
    ["not a boolean", { https: "yes" }, "https", /got "yes"; expected true or false/],
    ["CPU not a quantity", { webCpuLimit: "fast" }, "webCpuLimit", /got "fast"; expected a CPU quantity/],
    [
      "impossible memory",
      { workerMemory: "0Mi" },
      "workerMemory",
      /got "0Mi"; expected a size from 128Mi to 64Gi/,
    ],
    [
      "request above limit",
      { webCpuRequest: "2", webCpuLimit: "1" },
      "webCpuRequest",
      /more than django-k8s:webCpuLimit/,
    ],
    [
      "empty allowed hosts",
      { allowedHosts: "" },
      "allowedHosts",
      /is empty; the minikube stack needs at least one host name/,
    ],
    ["bad allowed host", { allowedHosts: "http://x.com" }, "allowedHosts", /"http:\/\/x.com" is not one/],
    [
      "bad CSRF origin",
      { csrfTrustedOrigins: "app.example.com" },
      "csrfTrustedOrigins",
      /expected origins such as https:\/\/app.example.com; "app.example.com" is not one/,
    ],
    [
      "unknown storage mode",
      { postgresStorage: "nfs" },
      "postgresStorage",
      /expected one of hostPath, storageClass/,
    ],
    [
      "class without storageClass mode",
      { postgresStorageClass: "fast" },
      "postgresStorageClass",
      /only used with postgresStorage=storageClass/,
    ],
    [
      "relative host path",
      { postgresHostPath: "data/pg" },
      "postgresHostPath",
      /expected an absolute directory path/,
    ],
    [
      "task limit not below the visibility timeout",
      { taskTimeLimitSeconds: "600", visibilityTimeoutSeconds: "600" },
      "taskTimeLimitSeconds",
      /got 600, not less than django-k8s:visibilityTimeoutSeconds \(600\); .*lower the time limit below 600/,
    ],
    [
      "visibility timeout beyond an hour",
      { visibilityTimeoutSeconds: "7200" },
      "visibilityTimeoutSeconds",
      /got "7200"; expected a whole number from 60 to 3600/,
    ],
    ["shutdown too short", { workerShutdownSeconds: "1" }, "workerShutdownSeconds", /from 5 to 3600/],
    ["flower user with a colon", { flowerUser: "a:b" }, "flowerUser", /no ':'/],
    ["bad image", { image: "Not An Image" }, "image", /expected an image reference/],
    ["volume too small", { postgresStorageSize: "10Mi" }, "postgresStorageSize", /from 1Gi to 10Ti/],
  ];
  it.each(badCases)("rejects %s, naming the key", (_, values, key, message) => {
    const problems = problemsOf({ ...valid, ...values });
    const problem = problems.find((p) => p.startsWith(`django-k8s:${key}:`));
    expect(problem, problems.join("\n")).toBeDefined();
    expect(problem).toMatch(message);
  });

  it("reports every problem at once", () => {
    const problems = problemsOf({ webReplicas: "0", https: "maybe", allowedHosts: "" });
    expect(problems).toHaveLength(3);
    expect(() => load({ webReplicas: "0" })).toThrow(/Invalid configuration \(2 problems\)/);
  });

  it("refuses to read a key that Pulumi.yaml does not declare", () => {
    // Pulumi.yaml is the one source of defaults: reading an undeclared key is a program bug.
    const { webReplicas: _, ...withoutOne } = projectConfigSchema();
    expect(() => loadConfig(qualify(valid), "test", withoutOne)).toThrow(
      "config key webReplicas is read but not declared in Pulumi.yaml",
    );
  });
});
