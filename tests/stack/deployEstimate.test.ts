/** The deploy-time estimate of a real stack: the critical chain of the dev stack's graph. */
import { describe, expect, it } from "vitest";
import { estimateDeployTime } from "../../synth/estimate";
import { programRun } from "./runs";

describe("deploy-time estimate", () => {
  it("for dev runs through the cluster, well below creating things one by one", () => {
    const run = programRun("dev");
    const estimate = estimateDeployTime(run.resources);
    expect(estimate.chain.map((r) => r.type)).toContain("gcp:container/cluster:Cluster");
    expect(estimate.criticalSeconds).toBeLessThan(estimate.serialSeconds / 2);
    expect(estimate.criticalSeconds).toBeLessThan(20 * 60);
  });
});
