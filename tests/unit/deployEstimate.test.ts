import { describe, expect, it } from "vitest";
import { CREATION_SECONDS, DEFAULT_SECONDS, estimateDeployTime, JOB_SECONDS } from "../../synth/estimate";
import type { RecordedResource } from "../../synth/recording";

const resource = (
  name: string,
  type: string,
  dependencies: string[] = [],
  parent = "",
  custom = true,
): RecordedResource => ({
  urn: `urn:${name}`,
  type,
  name,
  custom,
  parent,
  provider: "",
  dependencies: dependencies.map((d) => `urn:${d}`),
  protect: false,
  inputs: {},
  state: {},
  unmaskedInputs: {},
});

describe("deploy-time estimate", () => {
  it("is the longest chain, with independent resources in parallel", () => {
    const sql = "gcp:sql/databaseInstance:DatabaseInstance";
    const cluster = "gcp:container/cluster:Cluster";
    const estimate = estimateDeployTime([
      resource("cluster", cluster),
      resource("db", sql),
      resource("job", "kubernetes:batch/v1:Job", ["db"]),
    ]);
    const [c, d, j] = [cluster, sql, "kubernetes:batch/v1:Job"].map((t) => CREATION_SECONDS[t]!.seconds);
    expect(estimate.criticalSeconds).toBe(Math.max(c!, d! + j!));
    expect(estimate.serialSeconds).toBe(c! + d! + j!);
    expect(estimate.chain.map((r) => r.name)).toEqual(d! + j! > c! ? ["db", "job"] : ["cluster"]);
  });

  it("waits for every resource inside a component it depends on", () => {
    const estimate = estimateDeployTime([
      resource("comp", "django-k8s:gcp:Thing", [], "", false),
      resource("inner", "gcp:redis/instance:Instance", [], "urn:comp"),
      resource("after", "kubernetes:apps/v1:Deployment", ["comp"]),
    ]);
    expect(estimate.chain.map((r) => r.name)).toEqual(["inner", "after"]);
  });

  it("weighs the pre-migration backup Job as a backup, and the migration waits for it", () => {
    const job = "kubernetes:batch/v1:Job";
    const labelled = (name: string, component: string, dependencies: string[] = []) => ({
      ...resource(name, job, dependencies),
      inputs: { metadata: { labels: { "app.kubernetes.io/component": component } } },
    });
    const estimate = estimateDeployTime([
      labelled("backup", "backup"),
      labelled("migrate", "migrate", ["backup"]),
    ]);
    expect(JOB_SECONDS.backup!.seconds).toBeGreaterThan(CREATION_SECONDS[job]!.seconds);
    expect(estimate.criticalSeconds).toBe(JOB_SECONDS.backup!.seconds + CREATION_SECONDS[job]!.seconds);
    expect(estimate.chain.map((r) => r.name)).toEqual(["backup", "migrate"]);
  });

  it("gives every typical time a public source", () => {
    for (const [type, typical] of [...Object.entries(CREATION_SECONDS), ...Object.entries(JOB_SECONDS)]) {
      expect(typical.source, type).toMatch(/^https:\/\//);
      expect(typical.seconds).toBeGreaterThan(DEFAULT_SECONDS);
    }
  });
});
