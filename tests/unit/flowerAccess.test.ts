import { describe, expect, it } from "vitest";
import { FLOWER_PORT } from "../../components/k8s/djangoApp/appContract";
import { flowerIngressRules } from "../../components/k8s/djangoApp/appNetwork";

describe("who may reach Flower (allowFrom)", () => {
  it("anywhere: one rule with no `from`, which admits every source, on Flower's port only", () => {
    expect(flowerIngressRules("anywhere")).toEqual([{ ports: [{ port: FLOWER_PORT, protocol: "TCP" }] }]);
  });

  it("CIDRs: each one admitted, and nothing else", () => {
    const port = [{ port: FLOWER_PORT, protocol: "TCP" }];
    expect(flowerIngressRules(["203.0.113.0/24", "198.51.100.7/32"])).toEqual([
      { from: [{ ipBlock: { cidr: "203.0.113.0/24" } }], ports: port },
      { from: [{ ipBlock: { cidr: "198.51.100.7/32" } }], ports: port },
    ]);
  });

  it("no CIDRs: no rule at all, so the policy admits no one (not everyone)", () => {
    expect(flowerIngressRules([])).toEqual([]);
  });
});
