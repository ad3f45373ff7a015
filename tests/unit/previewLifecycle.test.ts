/** The preview lifecycle's decisions (lib/previewLifecycle.ts): names, expiry, sweep, cap. */
import { describe, expect, it } from "vitest";
import {
  byAge,
  checkCap,
  expiryOf,
  isExpired,
  type Preview,
  parsePreviewStack,
  parsePrList,
  planSweep,
  positiveInteger,
  previewFromHistory,
  previewStackName,
} from "../../lib/previewLifecycle";

const at = (iso: string) => new Date(iso);
const preview = (pr: number, lastUpdate: string | undefined, ttlHours = 72): Preview => ({
  stack: `pr-${pr}`,
  pr,
  lastUpdate: lastUpdate === undefined ? undefined : at(lastUpdate),
  ttlHours,
});

describe("stack names", () => {
  it("names a preview pr-<number> and reads the number back", () => {
    expect(previewStackName(12)).toBe("pr-12");
    expect(parsePreviewStack("pr-12")).toBe(12);
    expect(parsePreviewStack("organization/django-k8s/pr-7")).toBe(7);
  });

  it.each(["dev", "prod", "minikube", "pr-0", "pr-012", "pr-12x", "pr-", "xpr-12", "pr--1"])(
    "does not take %s for a preview",
    (name) => expect(parsePreviewStack(name)).toBeUndefined(),
  );

  it.each([0, -3, 1.5, Number.NaN])("refuses pull request number %s", (pr) =>
    expect(() => previewStackName(pr)).toThrow(/pull request number: got .*expected a positive whole number/),
  );
});

describe("expiry", () => {
  it("is the last successful update plus the TTL, so every push renews it", () => {
    expect(expiryOf(preview(1, "2026-12-01T10:00:00Z"))).toEqual(at("2026-12-04T10:00:00Z"));
    expect(expiryOf(preview(1, "2026-12-03T09:30:00Z", 2))).toEqual(at("2026-12-03T11:30:00Z"));
  });

  it("counts the boundary as expired and a minute before as running", () => {
    const p = preview(1, "2026-12-01T10:00:00Z", 1);
    expect(isExpired(p, at("2026-12-01T10:59:00Z"))).toBe(false);
    expect(isExpired(p, at("2026-12-01T11:00:00Z"))).toBe(true);
  });

  it("takes a preview that never deployed for expired", () => {
    expect(expiryOf(preview(1, undefined))).toBeUndefined();
    expect(isExpired(preview(1, undefined), at("2000-01-01T00:00:00Z"))).toBe(true);
  });
});

describe("sweep", () => {
  const now = at("2026-12-06T12:00:00Z");
  const previews = [
    preview(3, "2026-12-06T11:00:00Z"), // fresh, open
    preview(1, "2026-12-01T00:00:00Z"), // expired (and closed)
    preview(2, "2026-12-06T10:00:00Z"), // fresh, closed
    preview(4, "2026-12-06T09:00:00Z", 1), // expired by its own short TTL
  ];

  it("destroys the expired and the closed, each counted once, oldest first", () => {
    const plan = planSweep(previews, now, new Set([3, 4]));
    expect(plan.expired.map((p) => p.stack)).toEqual(["pr-1", "pr-4"]);
    expect(plan.closed.map((p) => p.stack)).toEqual(["pr-2"]);
    expect(plan.keep.map((p) => p.stack)).toEqual(["pr-3"]);
  });

  it("destroys nothing for being closed when the open pull requests are not known", () => {
    const plan = planSweep(previews, now);
    expect(plan.closed).toEqual([]);
    expect(plan.keep.map((p) => p.stack)).toEqual(["pr-2", "pr-3"]);
  });

  it("takes an empty list for: no pull request is open", () => {
    expect(planSweep(previews, now, new Set()).keep).toEqual([]);
  });
});

describe("the cap", () => {
  const running = [
    preview(5, "2026-12-06T08:00:00Z"),
    preview(2, "2026-12-05T08:00:00Z"),
    preview(9, "2026-12-06T09:00:00Z"),
  ];

  it("allows a new preview below the cap", () => {
    expect(checkCap(running, 10, 4)).toEqual({ allowed: true, running: 3 });
  });

  it("refuses a new one at the cap, naming the running ones oldest first with last update and expiry", () => {
    const decision = checkCap(running, 10, 3);
    expect(decision.allowed).toBe(false);
    const message = (decision as { message: string }).message;
    expect(message).toContain(
      "preview for pull request #10 refused: 3 previews are running and previewMax is 3.",
    );
    const lines = message.split("\n").filter((l) => l.startsWith("  pr-"));
    expect(lines).toEqual([
      "  pr-2 (PR #2): last update 2026-12-05T08:00:00.000Z, expires 2026-12-08T08:00:00.000Z",
      "  pr-5 (PR #5): last update 2026-12-06T08:00:00.000Z, expires 2026-12-09T08:00:00.000Z",
      "  pr-9 (PR #9): last update 2026-12-06T09:00:00.000Z, expires 2026-12-09T09:00:00.000Z",
    ]);
  });

  it("always renews an existing preview, even above the cap", () => {
    expect(checkCap(running, 9, 2)).toEqual({ allowed: true, running: 2 });
  });

  it("sorts a never-deployed preview first: it is the first to go", () => {
    expect(byAge([preview(1, "2026-12-01T00:00:00Z"), preview(7, undefined)]).map((p) => p.pr)).toEqual([
      7, 1,
    ]);
  });
});

describe("facts from a stack's update history", () => {
  const history = [
    { kind: "update", result: "failed", endTime: "2026-12-06T10:00:00Z" },
    { kind: "destroy", result: "succeeded", endTime: "2026-12-05T12:00:00Z" },
    {
      kind: "update",
      result: "succeeded",
      endTime: "2026-12-05T10:00:00Z",
      config: { "django-k8s:previewParent": { value: "dev" } },
    },
    { kind: "update", result: "succeeded", endTime: "2026-12-01T10:00:00Z" },
  ];

  it("takes the last successful update (a failed push does not renew) and the parent it ran with", () => {
    expect(previewFromHistory("pr-4", history, "django-k8s")).toEqual({
      stack: "pr-4",
      pr: 4,
      parent: "dev",
      lastUpdate: at("2026-12-05T10:00:00Z"),
    });
  });

  it("knows a preview that never deployed, and its parent from a failed update", () => {
    const failed = { ...history[0]!, config: { "django-k8s:previewParent": { value: "minikube" } } };
    expect(previewFromHistory("pr-4", [failed], "django-k8s")).toEqual({
      stack: "pr-4",
      pr: 4,
      parent: "minikube",
      lastUpdate: undefined,
    });
  });

  it("ignores stacks that are not previews", () => {
    expect(previewFromHistory("dev", history, "django-k8s")).toBeUndefined();
  });
});

describe("inputs", () => {
  it("reads the open pull requests", () => {
    expect([...parsePrList("1,2, 3\n12")]).toEqual([1, 2, 3, 12]);
    expect(parsePrList("").size).toBe(0);
    expect(() => parsePrList("1,x")).toThrow('--open-prs: got "x" in "1,x"; expected pull request numbers');
  });

  it("reads a positive whole number or names the key", () => {
    expect(positiveInteger("previewMax", "5")).toBe(5);
    expect(() => positiveInteger("previewMax", "0")).toThrow('previewMax: got "0"; expected a positive');
    expect(() => positiveInteger("--pr", "abc")).toThrow('--pr: got "abc"');
  });
});
