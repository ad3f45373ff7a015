/** The pull-request report's pure parts: the manifest diff and the comment's size cut. */
import { describe, expect, it } from "vitest";
import { loadPrices, priceAge } from "../../lib/cost";
import { diffResources, normalise } from "../../lib/report/diff";
import { checkPolicies } from "../../lib/report/policy";
import {
  COMMENT_MARKER,
  fitComment,
  GITHUB_COMMENT_LIMIT,
  movedLine,
  renderReport,
} from "../../lib/report/render";
import { previewEnvironment } from "../../lib/report/sections";

const deployment = (name: string, image: string, replicas = 1) => ({
  type: "kubernetes:apps/v1:Deployment",
  name,
  inputs: {
    metadata: { name, namespace: "django" },
    spec: { replicas, template: { spec: { containers: [{ name: "app", image }] } } },
  },
});
const digest = (c: string) => `europe-west1-docker.pkg.dev/p/r/app@sha256:${c.repeat(64)}`;

describe("diffResources", () => {
  it("reports a new Kubernetes object as added under its kind, and a changed field with both values", () => {
    const before = [deployment("web", digest("a"))];
    const after = [
      deployment("web", digest("b"), 2),
      {
        type: "kubernetes:core/v1:ConfigMap",
        name: "extra",
        inputs: { metadata: { name: "extra", namespace: "django" } },
      },
    ];
    expect(diffResources(before, after)).toEqual([
      { kind: "ConfigMap", name: "django/extra", status: "added", fields: [] },
      {
        kind: "Deployment",
        name: "django/web",
        status: "changed",
        fields: [{ path: "spec.replicas", before: "1", after: "2" }],
      },
    ]);
  });

  it("does not report build noise: image digests, hash suffixes, content-hash tags, the checkout's path", () => {
    const job = (hash: string, root: string) => ({
      type: "kubernetes:batch/v1:Job",
      name: `migrate-${hash}`,
      inputs: {
        metadata: { name: `migrate-${hash}`, namespace: "django" },
        spec: {
          template: {
            spec: {
              containers: [
                {
                  image: `app:${hash}0000`,
                  envFrom: [{ configMapRef: { name: `django-settings-${hash.slice(0, 7)}` } }],
                },
              ],
            },
          },
        },
        context: `${root}/app`,
      },
    });
    expect(
      diffResources([job("44ce4382559a", "/tmp/a")], [job("0123456789ab", "/tmp/b")], {
        before: "/tmp/a",
        after: "/tmp/b",
      }),
    ).toEqual([]);
    // Real names are left alone: a word that is not a hash keeps its suffix.
    expect(normalise("web-ingress cafe-default django-secrets")).toBe(
      "web-ingress cafe-default django-secrets",
    );
  });

  it("reports a removed cloud resource by its short kind", () => {
    const sql = { type: "gcp:sql/databaseInstance:DatabaseInstance", name: "postgres", inputs: {} };
    expect(diffResources([sql], [])).toEqual([
      { kind: "sql.DatabaseInstance", name: "postgres", status: "removed", fields: [] },
    ]);
  });
});

describe("the comment's size", () => {
  it("keeps the summary, drops what does not fit with a line saying where it is", () => {
    const huge = "x".repeat(GITHUB_COMMENT_LIMIT);
    const comment = fitComment("summary", [
      ["the manifest diff", huge],
      ["the migration plan", "plan"],
    ]);
    expect(comment.length).toBeLessThan(GITHUB_COMMENT_LIMIT);
    expect(comment).toBe(`summary\n\nplan\n\n${movedLine("the manifest diff")}\n`);
    expect(comment).toContain("it is in the job summary and the `pr-report` artifact");
  });

  it("renders a report whose diff is far over the limit into a comment under it, the full diff in report.md", () => {
    const many = Array.from({ length: 3000 }, (_, i) => deployment(`web-${i}`, digest("a")));
    const changed = many.map((d) => ({
      ...d,
      inputs: { ...d.inputs, spec: { ...d.inputs.spec, replicas: 3 } },
    }));
    const { comment, report } = renderReport({
      base: "main",
      head: "feature",
      stacks: [
        {
          stack: "dev",
          changes: diffResources(many, changed),
          before: { resources: 3000 },
          after: { resources: 3000 },
        },
      ],
      prices: loadPrices(),
      today: new Date(),
      previewCost: { previewMax: 5, basis: "", unknown: ["no dev stack at the head"] },
    });
    expect(report.length).toBeGreaterThan(GITHUB_COMMENT_LIMIT);
    expect(comment.length).toBeLessThan(GITHUB_COMMENT_LIMIT);
    expect(comment.startsWith(COMMENT_MARKER)).toBe(true);
    expect(comment).toContain(movedLine("the manifest diff"));
    expect(comment).toContain("### Migration plan");
    expect(report).toContain("changed `django/web-2999`");
  });
});

describe("the policy pack over recorded resources", () => {
  it("reports a violation with the policy and resource named, and passes the same resource once fixed", () => {
    const instance = (availabilityType: string) => ({
      type: "gcp:sql/databaseInstance:DatabaseInstance",
      name: "postgres",
      inputs: {
        settings: {
          availabilityType,
          ipConfiguration: { ipv4Enabled: false, privateNetwork: "vpc", sslMode: "ENCRYPTED_ONLY" },
          backupConfiguration: { enabled: true, pointInTimeRecoveryEnabled: true },
        },
      },
    });
    const config = { "cloud-sql-private-backed-up": { requireHighAvailability: true } };
    const zonal = checkPolicies([instance("ZONAL")], config);
    expect(zonal.violations).toHaveLength(1);
    expect(zonal.violations[0]).toMatch(/^cloud-sql-private-backed-up on postgres: /);
    expect(checkPolicies([instance("REGIONAL")], config).violations).toEqual([]);
  });
});

describe("the preview environment line", () => {
  it("says a fork gets no preview, and gives a preview's URL and smoke result", () => {
    expect(previewEnvironment({ pr: 7, fork: true })).toContain(
      "no preview for pull requests from forks (no credentials)",
    );
    expect(
      previewEnvironment({
        pr: 7,
        stack: "pr-7",
        url: "https://pr-7.preview.example.com",
        smoke: "failed",
        reason: "readyz 503",
      }),
    ).toBe(
      "**Preview environment** `pr-7`: https://pr-7.preview.example.com, smoke check failed (readyz 503).",
    );
    expect(previewEnvironment(undefined)).toContain("add the `preview` label");
  });
});

describe("the scanners' summary", () => {
  it("is carried as given, or the comment says none was given", () => {
    const input = {
      base: "main",
      head: "feature",
      stacks: [],
      prices: loadPrices(),
      today: new Date(),
      previewCost: { previewMax: 5, basis: "", unknown: [] },
    };
    expect(renderReport({ ...input, scan: "scanners: no failed check\n" }).comment).toContain(
      "**Scanners** (scripts/scan.sh):\n\n```\nscanners: no failed check\n```",
    );
    expect(renderReport(input).comment).toContain("Scanners: no summary given (`--scan`).");
    // The migration plan's own heading is not repeated under the report's.
    const plan = renderReport({
      ...input,
      migrations: "### Migration plan\n\nThis pull request adds no migration.\n",
    });
    expect(plan.comment).toContain("### Migration plan\n\nThis pull request adds no migration.");
    expect(plan.comment.match(/Migration plan/g)).toHaveLength(1);
  });
});

describe("the prices' date", () => {
  it("is printed, with a warning once it is more than 90 days old", () => {
    const prices = loadPrices();
    const oldest = priceAge(prices, new Date()).oldest;
    const input = {
      base: "main",
      head: "feature",
      stacks: [],
      prices,
      previewCost: { previewMax: 5, basis: "", unknown: [] },
    };
    const day = (offset: number) => new Date(Date.parse(`${oldest}T00:00:00Z`) + offset * 86_400_000);
    const fresh = renderReport({ ...input, today: day(10) }).comment;
    expect(fresh).toContain(`list prices read ${oldest}`);
    expect(fresh).not.toContain("[!WARNING]");
    expect(renderReport({ ...input, today: day(120) }).comment).toContain(
      `> [!WARNING]\n> Prices were read ${oldest}, 120 days ago (more than 90)`,
    );
  });
});

describe("a stack that fails to render", () => {
  it("says so in its row and in its diff, instead of showing a cost", () => {
    const { comment } = renderReport({
      base: "main",
      head: "feature",
      stacks: [
        {
          stack: "dev",
          before: { resources: 110 },
          after: { resources: 0, error: "nodeMaxCount: 0 is below nodeMinCount (1)" },
          changes: [],
        },
      ],
      prices: loadPrices(),
      today: new Date(),
      previewCost: { previewMax: 5, basis: "", unknown: ["no dev stack at the head"] },
    });
    expect(comment).toContain("| **dev** | n/a | synth failed | n/a |");
    expect(comment).toContain("synth failed: nodeMaxCount: 0 is below nodeMinCount (1)");
    expect(comment).toContain("**Previews**: not priced (no dev stack at the head).");
  });
});
