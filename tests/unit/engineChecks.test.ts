import { describe, expect, it } from "vitest";
import { changes, expectedChanges, migrateFirst, planTable, readSteps } from "../../cluster/engineChecks";

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

  it("pass a rollout that starts after the migration Job's outputs, and name the Deployment that did not wait", () => {
    const ordered = readSteps(
      events(
        ["create-replacement", "pre", JOB, "django-migrate"],
        ["create-replacement", "done", JOB, "django-migrate"],
        ["update", "pre", DEPLOYMENT, "django-web"],
      ),
    );
    expect(migrateFirst(ordered).ok).toBe(true);
    const early = readSteps(
      events(
        ["update", "pre", DEPLOYMENT, "django-worker"],
        ["create-replacement", "pre", JOB, "django-migrate"],
        ["create-replacement", "done", JOB, "django-migrate"],
      ),
    );
    expect(migrateFirst(early)).toEqual({
      ok: false,
      detail: "rolled before the Job completed: django-worker",
    });
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
});
