/**
 * `npm run pr-report` between two real refs: a temporary clone of this repository gets two
 * commits (the dev stack's node machine type, maximum node count, Cloud SQL tier and HA; the
 * minikube load generator switched on) and the report is made between its HEAD~2 and HEAD. The
 * figures that change are checked against a hand calculation from data/gcp-prices.json.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { COMMENT_MARKER, GITHUB_COMMENT_LIMIT } from "../../lib/report/render";
import { ROOT } from "../../synth/stackFiles";

let tmp: string;
let comment: string;
let report: string;
let status: number | null;

function inClone(repo: string, ...args: string[]) {
  const run = spawnSync("git", ["-c", "user.name=test", "-c", "user.email=test@local", ...args], {
    cwd: repo,
    encoding: "utf8",
  });
  if (run.status !== 0) throw new Error(`git ${args.join(" ")}: ${run.stderr}`);
}

function edit(file: string, replacements: [string | RegExp, string][]) {
  let text = fs.readFileSync(file, "utf8");
  for (const [from, to] of replacements) {
    const next = text.replace(from, to);
    if (next === text) throw new Error(`${file}: ${from} not found`);
    text = next;
  }
  fs.writeFileSync(file, text);
}

describe("pr-report between two fixture commits", () => {
  beforeAll(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "pr-report-test-"));
    const repo = path.join(tmp, "repo");
    inClone(tmp, "clone", "--quiet", ROOT, repo);
    edit(path.join(repo, "Pulumi.dev.yaml"), [
      [
        "django-k8s:nodeMaxCount: 3",
        "django-k8s:nodeMaxCount: 5\n  django-k8s:nodeMachineType: e2-standard-4\n  django-k8s:previewMax: 3",
      ],
      ["django-k8s:cloudSqlTier: db-custom-1-3840", "django-k8s:cloudSqlTier: db-custom-2-7680"],
      ["django-k8s:cloudSqlHighAvailability: false", "django-k8s:cloudSqlHighAvailability: true"],
    ]);
    inClone(repo, "commit", "--quiet", "-am", "dev: e2-standard-4 nodes up to 5, Cloud SQL 2 vCPU with HA");
    fs.appendFileSync(path.join(repo, "Pulumi.minikube.yaml"), "  django-k8s:loadGenerator: true\n");
    inClone(repo, "commit", "--quiet", "-am", "minikube: the load generator");
    fs.writeFileSync(
      path.join(tmp, "plan.md"),
      "1. `shop.0002_code`: **unsafe**: adds shop.code NOT NULL without a default\n",
    );
    fs.writeFileSync(path.join(tmp, "preview.json"), JSON.stringify({ pr: 7, fork: true }));
    const out = path.join(tmp, "out");
    const run = spawnSync(
      path.join(ROOT, "node_modules", ".bin", "tsx"),
      [
        path.join(ROOT, "scripts", "pr-report.ts"),
        "--base",
        "HEAD~2",
        "--head",
        "HEAD",
        "--out",
        out,
        "--migrations",
        path.join(tmp, "plan.md"),
        "--preview",
        path.join(tmp, "preview.json"),
        "--check",
      ],
      { cwd: repo, encoding: "utf8" },
    );
    status = run.status;
    if (run.status !== 0) throw new Error(`pr-report exited ${run.status}: ${run.stderr}`);
    comment = fs.readFileSync(path.join(out, "comment.md"), "utf8");
    report = fs.readFileSync(path.join(out, "report.md"), "utf8");
  }, 600_000);

  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it("writes one comment under GitHub's limit, found by its marker, that passes --check", () => {
    expect(status).toBe(0);
    expect(comment.startsWith(`${COMMENT_MARKER}\n`)).toBe(true);
    expect(comment.length).toBeLessThan(GITHUB_COMMENT_LIMIT);
  });

  it("prices the dev change as computed by hand", () => {
    // Nodes (e2 Spot, europe-west1, + 50 GB pd-balanced at $0.10): e2-standard-2 2 × 0.01162 + 8 × 0.001558
    // = $0.035704/h → $31.06392 a node; e2-standard-4 4 × 0.01162 + 16 × 0.001558 = $0.071408/h → $57.12784.
    // Cloud SQL: db-custom-1-3840 zonal $52.7115 (see tests/unit/cost.test.ts); db-custom-2-7680 HA
    // 2 × 0.0826 + 7.5 × 0.014 = $0.2702/h × 730 = $197.246, + 20 GB × $0.34 = $204.046.
    // Cloud NAT at the high end: 5 nodes instead of 3, 2 × $0.0014 × 730 = $2.044 more.
    // Low: (57.12784 − 31.06392) + (204.046 − 52.7115) = +$177.39842;
    // high: (5 × 57.12784 − 3 × 31.06392) + 151.3345 + 2.044 = +$345.82594.
    const devRow = comment.split("\n").find((line) => line.startsWith("| **dev** |"))!;
    expect(devRow.split(" | ")[3]).toBe("+$177.40 to +$345.83");
    expect(report).toMatch(/\| GKE nodes e2-standard-4 \(Spot\) \| 1–5 nodes, [^|]+\| \$57\.13–\$285\.64 \|/);
    expect(report).toMatch(/\| Cloud SQL db-custom-2-7680 HA \| [^|]+\| \$204\.05 \|/);
    // The report also has the base's lines: 1-3 nodes at $31.06392, Cloud SQL zonal $52.7115.
    expect(report).toMatch(/\| GKE nodes e2-standard-2 \(Spot\) \| 1–3 nodes, [^|]+\| \$31\.06–\$93\.19 \|/);
    expect(report).toMatch(/\| Cloud SQL db-custom-1-3840 \| [^|]+\| \$52\.71 \|/);
    // dev's Cloud SQL rates in europe-west1 (HA at the head, zonal at the base) are inferred and
    // its Memorystore rate from memory: the comment says so (data/gcp-prices.json's notRead).
    expect(comment).toContain(
      "> - dev: inferred: `sql.vcpu.ha`, `sql.memory.ha`, `sql.ssd.ha`, `sql.vcpu`, `sql.memory`, `sql.ssd` in europe-west1; from memory: `redis.basic.m1` in europe-west1",
    );
    const minikubeRow = comment.split("\n").find((line) => line.startsWith("| **minikube** |"))!;
    expect(minikubeRow.split(" | ")[3]).toBe("$0.00");
  });

  it("lists the changed fields of the dev stack and the minikube load generator's new objects", () => {
    expect(comment).toContain('- `nodeConfig.machineType`: "e2-standard-2" → "e2-standard-4"');
    expect(comment).toContain("- `autoscaling.maxNodeCount`: 3 → 5");
    expect(comment).toContain('- `settings.availabilityType`: "ZONAL" → "REGIONAL"');
    expect(comment).toContain('- `settings.tier`: "db-custom-1-3840" → "db-custom-2-7680"');
    expect(comment).toMatch(/- \*\*Deployment\*\*\n(\s+- .*\n)*\s+- added `django\/load-generator`/);
    // Nothing else in dev changes: no digest, hash suffix or path noise.
    expect(comment).toMatch(/<summary>dev: \+0 −0 ~2<\/summary>/);
  });

  it("carries the previews' cost, the fork's missing preview, the migration plan and the policy result", () => {
    // The cap is dev's previewMax at the head (3, set by the fixture); the preview is pr-1 of dev as
    // the head renders it, priced on the head's nodes (e2-standard-4 Spot, not the base's e2-standard-2).
    const [one, all] = /one preview \$([\d.]+)\/month; all 3 at the cap \$([\d.]+)\/month/
      .exec(comment)!
      .slice(1)
      .map(Number);
    expect(one).toBeGreaterThan(0);
    expect(all).toBeCloseTo(3 * one!, 1);
    expect(comment).toMatch(
      /pr-1 of dev as the head renders it \([^)]*web ×1[^)]*\), [^)]*e2-standard-4 Spot nodes/,
    );
    expect(comment).toContain("no preview for pull requests from forks (no credentials)");
    expect(comment).toContain("`shop.0002_code`: **unsafe**");
    expect(comment).toContain("- **dev**: 8 policies over");
    expect(comment).not.toContain("violations");
    expect(report).toContain("### Prices and their sources");
  });
});

describe("pr-report's arguments", () => {
  const report = (...args: string[]) =>
    spawnSync(
      path.join(ROOT, "node_modules", ".bin", "tsx"),
      [path.join(ROOT, "scripts", "pr-report.ts"), ...args],
      {
        cwd: ROOT,
        encoding: "utf8",
      },
    );
  it("refuses a ref that is not a commit, a missing ref and a missing file with exit 2 and one line", () => {
    const nope = report("--base", "no-such-ref", "--head", "HEAD");
    expect(nope.status).toBe(2);
    expect(nope.stderr).toContain("pr-report: 'no-such-ref' is not a commit in");
    expect(report("--base", "HEAD").stderr).toContain("pr-report: --base and --head are required");
    const file = report("--base", "HEAD", "--head", "HEAD", "--migrations", "no-plan.md");
    expect([file.status, file.stderr.split("\n")[0]]).toEqual([
      2,
      "pr-report: --migrations no-plan.md: no such file",
    ]);
    expect(report("--base", "HEAD", "--head", "HEAD", "--preview-max", "0").stderr).toContain(
      "--preview-max 0: a whole number of previews, 1 or more",
    );
  });
});
