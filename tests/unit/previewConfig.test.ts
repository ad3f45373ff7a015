/**
 * The rules of preview stacks (stacks/config/previewRules.ts): a preview is named pr-<number>,
 * names its parent, and may set only the few keys that are its own; a parent's preview keys
 * are checked where they are set. Each refusal names the key.
 */
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig, projectConfigSchema } from "../../stacks/config";
import { previewRedisDb } from "../../stacks/previewContract";
import { previewStackConfig } from "../../synth/stackFiles";
import { configError, loadStackConfig } from "../support/stackConfig";

const IMAGE = `europe-docker.pkg.dev/p/r/app@sha256:${"c".repeat(64)}`;
/** A preview's config as the lifecycle gives it; a gcp preview also names its image. */
const of = (parent: string, more: Record<string, string> = {}) => ({
  ...previewStackConfig(parent),
  ...(parent === "dev" ? { "django-k8s:image": IMAGE } : {}),
  ...more,
});
const problems = (stack: string, overrides: Record<string, string>) =>
  configError(stack, overrides)?.problems ?? [];

function problemsOf(load: () => unknown): string[] {
  try {
    load();
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
}

describe("a preview stack's config", () => {
  it.each(["dev", "minikube"])(
    "of %s is valid with only previewParent and the parent's platform",
    (parent) => {
      const config = loadStackConfig("pr-12", of(parent));
      expect(config.previewOf).toEqual({ parent, number: 12 });
      expect(config.platform).toBe(parent === "dev" ? "gcp" : "minikube");
    },
  );

  it("is valid with every key at Pulumi.yaml's default, as the CLI hands them to the program", () => {
    const defaults = Object.fromEntries(
      Object.entries(projectConfigSchema()).map(([name, declared]) => [
        `django-k8s:${name}`,
        String(declared.default),
      ]),
    );
    expect(problemsOf(() => loadConfig({ ...defaults, ...of("minikube") }, "pr-12"))).toEqual([]);
    // A key set to something else is still refused.
    expect(
      problemsOf(() => loadConfig({ ...defaults, ...of("minikube"), "django-k8s:previewMax": "3" }, "pr-12")),
    ).toEqual([expect.stringMatching(/^django-k8s:previewMax: set on preview stack pr-12/)]);
  });

  it("accepts the keys that are its own (the image, the app's tuning)", () => {
    const config = loadStackConfig(
      "pr-7",
      of("minikube", { "django-k8s:image": "app:pr-7", "django-k8s:webMemory": "256Mi" }),
    );
    expect(config.image).toBe("app:pr-7");
  });

  it("on gcp needs an image: the parent's Binary Authorization admits only its registry's digests", () => {
    expect(problems("pr-12", { ...previewStackConfig("dev") })).toEqual([
      expect.stringMatching(/^django-k8s:image: is empty on gcp preview pr-12; .* set django-k8s:image$/),
    ]);
  });

  it("must be named pr-<number>", () => {
    // A stack without a file of its own, as a renamed preview would be.
    expect(() => loadConfig(of("dev"), "staging")).toThrow(ConfigError);
    expect(problemsOf(() => loadConfig(of("dev"), "staging"))).toEqual([
      expect.stringMatching(
        /^django-k8s:previewParent: set to "dev" on stack staging; a preview stack must be named pr-<pull request number>/,
      ),
    ]);
  });

  it("names a parent that is neither a preview nor itself", () => {
    expect(problems("pr-3", of("minikube", { "django-k8s:previewParent": "pr-2" }))).toEqual([
      expect.stringMatching(/^django-k8s:previewParent: got "pr-2"; expected the stack previews reuse/),
    ]);
  });

  it("is refused when named like a preview without a parent", () => {
    expect(problems("pr-4", { "django-k8s:platform": "minikube", "django-k8s:allowedHosts": "*" })).toEqual([
      expect.stringMatching(/^django-k8s:previewParent: is empty on stack pr-4, named like a preview/),
    ]);
  });

  it.each([
    ["django-k8s:cloudSqlTier", "db-custom-2-7680", /a preview uses its parent's \(dev\)/],
    ["django-k8s:webReplicas", "3", /a preview's size is its parent's previewWebReplicas/],
    ["django-k8s:loadGenerator", "true", /previews run no load generator/],
    ["django-k8s:previewMax", "9", /it is a setting of the parent's previews: set it on dev/],
    ["django-k8s:namespace", "other", /a preview's namespace is its stack name/],
  ])("refuses %s, which is the parent's, naming the key", (name, value, reason) => {
    const found = problems("pr-12", of("dev", { [name]: value }));
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(new RegExp(`^${name}: set on preview stack pr-12; `));
    expect(found[0]).toMatch(reason);
    expect(found[0]).toMatch(
      /A preview may set only django-k8s:platform, django-k8s:previewParent, django-k8s:image/,
    );
  });

  it("does not ask a gcp preview for the parent's project or control-plane networks", () => {
    // Those rules hold the parent; a preview reads its project from the parent's outputs.
    expect(problems("pr-12", of("dev"))).toEqual([]);
  });
});

describe("a parent's preview keys", () => {
  it("reads the sizes, TTL and cap with their defaults", () => {
    expect(loadStackConfig("dev").previews).toEqual({
      domain: undefined,
      ttlHours: 72,
      max: 5,
      webReplicas: 1,
      workerReplicas: 1,
      maxReplicas: 2,
    });
  });

  it.each([
    [
      { "django-k8s:previewMax": "16" },
      /^django-k8s:previewMax: got "16"; expected a whole number from 1 to 15/,
    ],
    [
      { "django-k8s:previewTtlHours": "0" },
      /^django-k8s:previewTtlHours: got "0"; expected a whole number from 1 to 720/,
    ],
    [
      { "django-k8s:previewWebReplicas": "3" },
      /^django-k8s:previewWebReplicas: got 3, more than django-k8s:previewMaxReplicas \(2\)/,
    ],
    [
      { "django-k8s:previewDomain": "not a domain" },
      /^django-k8s:previewDomain: got "not a domain"; expected a domain/,
    ],
  ])("refuses %j, naming the key", (overrides, message) => {
    const found = problems("dev", overrides);
    expect(
      found.some((p) => message.test(p)),
      found.join("\n"),
    ).toBe(true);
  });

  it("refuses previewDomain on minikube, whose previews are NodePorts", () => {
    expect(problems("minikube", { "django-k8s:previewDomain": "preview.example.com" })).toEqual([
      expect.stringMatching(/^django-k8s:previewDomain: got "preview.example.com" on the minikube platform/),
    ]);
  });
});

describe("a preview's Redis database", () => {
  it("is 1-15, never the parent's 0, the same for a number on every push", () => {
    expect([1, 12, 13, 15, 16, 30, 31].map(previewRedisDb)).toEqual([1, 12, 13, 15, 1, 15, 1]);
  });
});
