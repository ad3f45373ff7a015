/** synth/charts.ts without helm: which Releases are rendered, and how skips land on the objects. */
import { describe, expect, it } from "vitest";
import { chartManifestFileName, chartReleases, RELEASE_TYPE, withScannerSkips } from "../../synth/charts";
import type { ResourceEntry } from "../../synth/render";

const entry = (type: string, inputs: Record<string, unknown>): ResourceEntry => ({
  urn: `urn:pulumi:s::p::${type}::x`,
  type,
  name: "x",
  parent: "",
  provider: "",
  dependencies: [],
  protect: false,
  inputs,
});

describe("chartReleases", () => {
  it("takes every Helm Release's name, chart, namespace and values, and nothing else", () => {
    const release = {
      name: "keda",
      chart: "./vendor/charts/keda-2.17.2",
      namespace: "keda",
      values: { a: 1 },
    };
    const entries = [
      entry(RELEASE_TYPE, { ...release, atomic: true }),
      entry("kubernetes:core/v1:Namespace", {}),
    ];
    expect(chartReleases(entries)).toEqual([release]);
  });

  it("refuses a Release it could not render as installed: a repository chart, or no namespace", () => {
    const base = { name: "keda", chart: "keda", namespace: "keda" };
    expect(() =>
      chartReleases([entry(RELEASE_TYPE, { ...base, repositoryOpts: { repo: "https://x" } })]),
    ).toThrow(/chart keda comes from a repository; vendor it/);
    expect(() => chartReleases([entry(RELEASE_TYPE, { name: "r", chart: "./c" })])).toThrow(
      /chart and namespace must be set/,
    );
  });
});

describe("chartReleases' names", () => {
  it("renders a Release without a name under its resource name", () => {
    const [release] = chartReleases([entry(RELEASE_TYPE, { chart: "./c", namespace: "n" })]);
    expect(release!.name).toBe("x");
  });
});

describe("withScannerSkips", () => {
  it("annotates only the objects a skip names, numbered per object, keeping their annotations", () => {
    const objects = [
      { kind: "Deployment", metadata: { name: "a", annotations: { keep: "me" } } },
      { kind: "Deployment", metadata: { name: "b" } },
    ];
    const skips = [
      { check: "CKV_1", reason: "one", objects: ["Deployment/a"] },
      { check: "CKV_2", reason: "two", objects: ["Deployment/a"] },
    ];
    const [a, b] = withScannerSkips(objects, skips);
    expect(a!.metadata.annotations).toEqual({
      keep: "me",
      "checkov.io/skip1": "CKV_1=one",
      "checkov.io/skip2": "CKV_2=two",
    });
    expect(b).toBe(objects[1]);
    expect(objects[0]!.metadata.annotations).toEqual({ keep: "me" });
  });
});

describe("chartManifestFileName", () => {
  it("names a file after the release, the namespace when there is one, the kind and the name", () => {
    const release = { name: "keda", chart: "c", namespace: "keda", values: {} };
    const deployment = { kind: "Deployment", metadata: { name: "op", namespace: "keda" } };
    const role = { kind: "ClusterRole", metadata: { name: "op" } };
    expect(chartManifestFileName(release, deployment)).toBe("helm.keda.keda.deployment.op.yaml");
    expect(chartManifestFileName(release, role)).toBe("helm.keda.clusterrole.op.yaml");
  });
});
