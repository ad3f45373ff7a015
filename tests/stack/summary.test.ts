/** The preview's summary of a real stack: every kind counted, the cloud apart from Kubernetes. */
import { describe, expect, it } from "vitest";
import { kindGroups, summary, summaryMarkdown } from "../../synth/summary";
import { programRun } from "./runs";

describe("the offline preview's summary", () => {
  const run = programRun("dev");
  const groups = kindGroups(run);
  const group = (title: string) => groups.find((g) => g.title === title)?.kinds ?? [];
  const alertPolicies = run.resources.filter((r) => r.type === "gcp:monitoring/alertPolicy:AlertPolicy");

  it("for dev lists the cloud kinds with their counts, apart from the Kubernetes objects", () => {
    expect(groups.map((g) => g.title)).toEqual([
      "Kubernetes objects",
      "Google Cloud resources",
      "other resources",
      "components",
    ]);
    expect(alertPolicies.length).toBeGreaterThan(1);
    expect(group("Google Cloud resources")).toEqual(
      expect.arrayContaining([
        [1, "container.Cluster (GKE)"],
        [1, "sql.DatabaseInstance (Cloud SQL)"],
        [1, "redis.Instance (Memorystore)"],
        [1, "storage.Bucket (Cloud Storage)"],
        [alertPolicies.length, "monitoring.AlertPolicy"],
      ]),
    );
    expect(group("Kubernetes objects")).toEqual(expect.arrayContaining([[4, "Deployment"]]));
    expect(group("Kubernetes objects").every(([, kind]) => /^[A-Z][A-Za-z]+$/.test(kind))).toBe(true);
  });

  it("counts every resource once", () => {
    expect(groups.reduce((sum, g) => sum + g.total, 0)).toBe(run.resources.length);
    for (const g of groups) expect(g.kinds.reduce((sum, [count]) => sum + count, 0)).toBe(g.total);
  });

  it("prints every group and writes the same counts to summary.md", () => {
    const text = summary(run, "out/dev");
    const cloud = groups.find((g) => g.title === "Google Cloud resources")!;
    expect(text).toContain(`\n  Google Cloud resources (${cloud.total}):\n`);
    expect(text).toMatch(/^ {4}.*\b1 container\.Cluster \(GKE\),/m);
    expect(text).toContain(`${alertPolicies.length} monitoring.AlertPolicy`);
    const markdown = summaryMarkdown(run);
    expect(markdown).toContain(`## Google Cloud resources (${cloud.total})`);
    expect(markdown).toContain("| 1 | sql.DatabaseInstance (Cloud SQL) |");
    expect(markdown).toContain(`| ${alertPolicies.length} | monitoring.AlertPolicy |`);
  });
});
