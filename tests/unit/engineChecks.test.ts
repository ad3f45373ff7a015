import { describe, expect, it } from "vitest";
import {
  changes,
  expectedChanges,
  migrateFirst,
  planTable,
  policyPacksRun,
  readSteps,
  warnings,
} from "../../cluster/engineChecks";

const urn = (type: string, name: string) => `urn:pulumi:minikube::django-k8s::${type}::${name}`;
const JOB = "kubernetes:batch/v1:Job";
const DEPLOYMENT = "kubernetes:apps/v1:Deployment";
const SECRET = "kubernetes:core/v1:Secret";

/** Engine events as the Automation API writes them: a sequence and one kind of event each. */
function events(...steps: [string, "pre" | "done", string, string][]): string {
  return steps
    .map(([op, phase, type, name], sequence) => {
      const metadata = { op, urn: urn(type, name), type };
      return JSON.stringify(
        phase === "pre"
          ? { sequence, resourcePreEvent: { metadata } }
          : { sequence, resOutputsEvent: { metadata } },
      );
    })
    .join("\n");
}

describe("the engine test's checks", () => {
  it("count a replacement's three steps as one replace, and leave out unchanged resources and the stack", () => {
    const steps = readSteps(
      events(
        ["same", "pre", "pulumi:pulumi:Stack", "django-k8s-minikube"],
        ["create-replacement", "pre", JOB, "django-migrate"],
        ["replace", "pre", JOB, "django-migrate"],
        ["delete-replaced", "pre", JOB, "django-migrate"],
        ["same", "pre", SECRET, "app-settings"],
        ["update", "pre", DEPLOYMENT, "django-web"],
      ),
    );
    expect([...changes(steps).values()]).toEqual([
      { op: "replace", type: JOB },
      { op: "update", type: DEPLOYMENT },
    ]);
    expect(planTable(steps)).toEqual([
      "creates: 0",
      "updates: 1 (Deployment 1)",
      "replaces: 1 (Job 1)",
      "deletes: 0",
    ]);
  });

  it("pass a rollout that starts after the migration Job's outputs, judge only the Deployments that depend on it", () => {
    const dependsOnJob = (deployment: string) => ({
      urn: urn(DEPLOYMENT, deployment),
      type: DEPLOYMENT,
      inputs: {},
      dependencies: [urn(JOB, "django-migrate")],
    });
    const rendered = [
      dependsOnJob("django-web"),
      dependsOnJob("django-worker"),
      { urn: urn(DEPLOYMENT, "django-flower"), type: DEPLOYMENT, inputs: {}, dependencies: [] },
    ];
    const ordered = readSteps(
      events(
        ["update", "pre", DEPLOYMENT, "django-flower"],
        ["create-replacement", "pre", JOB, "django-migrate"],
        ["create-replacement", "done", JOB, "django-migrate"],
        ["update", "pre", DEPLOYMENT, "django-web"],
      ),
    );
    expect(migrateFirst(ordered, rendered)).toEqual({
      ok: true,
      detail:
        "Job django-migrate done at event 2; 1 Deployments that depend on it rolled after (events 3); not depending on it: django-flower",
    });
    const early = readSteps(
      events(
        ["update", "pre", DEPLOYMENT, "django-worker"],
        ["create-replacement", "pre", JOB, "django-migrate"],
        ["create-replacement", "done", JOB, "django-migrate"],
      ),
    );
    expect(migrateFirst(early, rendered)).toEqual({
      ok: false,
      detail: "rolled before the Job completed: django-worker",
    });
    expect(migrateFirst(ordered, []).ok).toBe(false);
  });

  it("expect a change exactly where two offline renders' inputs differ, custom resources only", () => {
    const before = [
      { urn: urn(DEPLOYMENT, "django-web"), type: DEPLOYMENT, inputs: { spec: { replicas: 1 } } },
      { urn: urn(SECRET, "app-settings"), type: SECRET, inputs: { data: "[secret]" } },
      { urn: urn("django-k8s:k8s:DjangoApp", "django"), type: "django-k8s:k8s:DjangoApp", inputs: { a: 1 } },
      { urn: urn(JOB, "gone"), type: JOB, inputs: {} },
    ];
    const after = [
      { urn: urn(DEPLOYMENT, "django-web"), type: DEPLOYMENT, inputs: { spec: { replicas: 2 } } },
      { urn: urn(SECRET, "app-settings"), type: SECRET, inputs: { data: "[secret]" } },
      { urn: urn("django-k8s:k8s:DjangoApp", "django"), type: "django-k8s:k8s:DjangoApp", inputs: { a: 2 } },
    ];
    expect([...expectedChanges(before, after)]).toEqual([urn(DEPLOYMENT, "django-web"), urn(JOB, "gone")]);
  });

  it("count the warnings a result keeps, apart from the await logic's progress notes and the tools' own", () => {
    const diagnostic = (message: string, ephemeral?: boolean) =>
      JSON.stringify({ sequence: 1, diagnosticEvent: { severity: "warning", message, ephemeral } });
    const jsonl = [
      diagnostic("[MinimumReplicasUnavailable] Deployment does not have minimum availability.", true),
      diagnostic(
        "resource plugin kubernetes is expected to have version >=4.34.2, but has 4.25.0; the wrong version may be on your path, or this may be a bug in the plugin",
      ),
      diagnostic(
        "using pulumi-analyzer-policy-nodejs from $PATH at /x/cluster/pulumi-analyzer-policy-nodejs",
      ),
      diagnostic("Undefined value (webNodePort) will not show as a stack output."),
      JSON.stringify({ sequence: 2, diagnosticEvent: { severity: "info", message: "fine" } }),
    ].join("\n");
    const found = warnings(jsonl);
    expect(found.fromTools).toHaveLength(2);
    expect(found.other).toEqual(["Undefined value (webNodePort) will not show as a stack output."]);
  });

  it("read the policy packs the engine ran from its summary", () => {
    const summary = (packs: Record<string, string>) =>
      JSON.stringify({ sequence: 9, summaryEvent: { PolicyPacks: packs } });
    expect(policyPacksRun(summary({ "django-k8s|local|/repo/policy": "0.1.0" }))).toEqual([
      "django-k8s|local|/repo/policy 0.1.0",
    ]);
    expect(policyPacksRun(summary({}))).toEqual([]);
  });
});
