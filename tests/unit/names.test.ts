/** One name per thing across the preview's views: the Pulumi name, and the cluster's where it differs. */
import { describe, expect, it } from "vitest";
import { describeEstimate, estimateDeployTime } from "../../synth/estimate";
import { displayName } from "../../synth/names";
import type { ProgramRun, RecordedResource } from "../../synth/recording";
import { mermaidGraph } from "../../synth/render";

const resource = (
  name: string,
  type: string,
  inputs: Record<string, unknown> = {},
  state: Record<string, unknown> = {},
  dependencies: string[] = [],
): RecordedResource => ({
  urn: `urn:${name}`,
  type,
  name,
  custom: true,
  parent: "",
  provider: "",
  dependencies: dependencies.map((d) => `urn:${d}`),
  protect: false,
  inputs,
  state,
  unmaskedInputs: inputs,
});

const JOB = "kubernetes:batch/v1:Job";
const migrate = resource("django-migrate", JOB, { kind: "Job", metadata: { name: "migrate-5e94c0ffee12" } });
const policy = resource("default-deny", "kubernetes:networking.k8s.io/v1:NetworkPolicy", {
  metadata: { name: "default-deny" },
});
// Auto-named: the name comes back in the answered state, as the provider would give it.
const settings = resource(
  "django-settings",
  "kubernetes:core/v1:ConfigMap",
  {},
  {
    metadata: { name: "django-settings-c82ced7" },
  },
);
const cluster = resource("django", "gcp:container/cluster:Cluster");

describe("names across the preview's views", () => {
  it("shows the cluster's name beside the Pulumi name where they differ", () => {
    expect(displayName(migrate)).toBe("django-migrate (Job migrate-5e94c0ffee12)");
    expect(displayName(settings)).toBe("django-settings (ConfigMap django-settings-c82ced7)");
  });

  it("shows one name where they agree, and for what is not a Kubernetes object", () => {
    expect(displayName(policy)).toBe("NetworkPolicy default-deny");
    expect(displayName(cluster)).toBe("Cluster django");
  });

  it("uses both in the estimate's chain and in the graph", () => {
    const chain = describeEstimate(
      estimateDeployTime([cluster, { ...migrate, dependencies: ["urn:django"] }]),
    );
    expect(chain.split("\n")[1]).toBe("  chain: Cluster django -> django-migrate (Job migrate-5e94c0ffee12)");
    const run: ProgramRun = { stack: "t", config: {}, resources: [cluster, migrate, policy], outputs: {} };
    const graph = mermaidGraph(run);
    expect(graph).toContain('n1["django-migrate<br/>(Job migrate-5e94c0ffee12)"]');
    expect(graph).toContain('n2["NetworkPolicy<br/>default-deny"]');
  });
});
