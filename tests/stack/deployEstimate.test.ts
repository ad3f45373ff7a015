/** The deploy-time estimate of a real stack: the critical chain of the dev stack's graph. */
import { describe, expect, it } from "vitest";
import { describeEstimate, estimateDeployTime } from "../../synth/estimate";
import { manifests } from "../../synth/render";
import { programRun } from "./runs";

describe("deploy-time estimate", () => {
  it("for dev runs through the cluster, well below creating things one by one", () => {
    const run = programRun("dev");
    const estimate = estimateDeployTime(run.resources);
    expect(estimate.chain.map((r) => r.type)).toContain("gcp:container/cluster:Cluster");
    expect(estimate.criticalSeconds).toBeLessThan(estimate.serialSeconds / 2);
    expect(estimate.criticalSeconds).toBeLessThan(20 * 60);
  });

  it("for prod names each object of its chain as its manifest does, beside the Pulumi name", () => {
    const run = programRun("prod");
    const chain = describeEstimate(estimateDeployTime(run.resources)).split("\n")[1]!;
    expect(chain).toMatch(/ -> django-migrate \(Job migrate-[0-9a-f]{12}\) -> /);
    const inCluster = [...chain.matchAll(/\((\w+) ([\w.-]+)\)/g)].map(([, kind, name]) => `${kind}/${name}`);
    expect(inCluster.length).toBeGreaterThan(1);
    const rendered = manifests(run).map((m) => `${m.kind}/${m.metadata.name}`);
    for (const object of inCluster) expect(rendered).toContain(object);
  });
});
