/**
 * The pull-request report: `npm run pr-report -- --base <ref> --head <ref> [--out <dir>]
 * [--preview preview-result.json] [--migrations plan.md] [--scan scan-summary] [--preview-max N] [--check]`.
 * Exports each ref of the repository in the current directory into a temporary directory (git
 * archive, node_modules linked from the checkout running the report), renders every stack there
 * with that ref's own `npm run synth`, and writes comment.md (the sticky comment, under GitHub's
 * limit) and report.md (everything) to --out (default out/pr-report). --check exits 1 when the
 * head fails to render or breaks a policy.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { parse as parseYaml } from "yaml";
import {
  type CostResource,
  loadPrices,
  monthlyCost,
  podsFromManifests,
  previewMonthlyCost,
  regionOf,
} from "../lib/cost";
import { projectName } from "../lib/pulumiProject";
import { diffResources } from "../lib/report/diff";
import { checkPolicies, policyConfigFor } from "../lib/report/policy";
import { renderReport } from "../lib/report/render";
import type { PreviewCostInput, PreviewResult, StackReport, StackSide } from "../lib/report/sections";
import { ROOT, stackConfig } from "../synth/stackFiles";

const STACKS = ["minikube", "dev", "prod"];
/** The parent stack previews run in on GCP (issue 23 A), whose nodes price a preview. */
const PREVIEW_PARENT = "dev";
const USAGE =
  "usage: npm run pr-report -- --base <ref> --head <ref> [--out <dir>] [--preview preview-result.json] " +
  "[--migrations plan.md] [--scan scan-summary] [--preview-max N] [--check]";

class UsageError extends Error {}

function options(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    options: {
      base: { type: "string" },
      head: { type: "string" },
      out: { type: "string" },
      preview: { type: "string" },
      migrations: { type: "string" },
      scan: { type: "string" },
      "preview-max": { type: "string" },
      check: { type: "boolean", default: false },
    },
  });
  if (!values.base || !values.head) throw new UsageError("--base and --head are required");
  const previewMax = values["preview-max"] === undefined ? undefined : Number(values["preview-max"]);
  if (previewMax !== undefined && (!Number.isInteger(previewMax) || previewMax < 1))
    throw new UsageError(`--preview-max ${values["preview-max"]}: a whole number of previews, 1 or more`);
  for (const key of ["preview", "migrations", "scan"] as const)
    if (values[key] && !fs.existsSync(values[key]!))
      throw new UsageError(`--${key} ${values[key]}: no such file`);
  return {
    ...values,
    base: values.base,
    head: values.head,
    previewMax,
    out: path.resolve(values.out ?? path.join("out", "pr-report")),
  };
}

/** The repository the refs belong to: where the report runs (its code and node_modules are ROOT's). */
const REPO = process.cwd();
const git = (...args: string[]) => spawnSync("git", args, { cwd: REPO, encoding: "utf8" });

/** `ref` as a short commit id; a UsageError naming it when it is not a commit. */
function commitOf(ref: string): string {
  const result = git("rev-parse", "--verify", "--short", `${ref}^{commit}`);
  if (result.status !== 0) throw new UsageError(`'${ref}' is not a commit in ${REPO}`);
  return result.stdout.trim();
}

/** The ref's tree in `dir`, with this checkout's node_modules (the lockfile's packages) linked in. */
function exportRef(ref: string, dir: string) {
  fs.mkdirSync(dir, { recursive: true });
  const archive = spawnSync("sh", ["-c", 'git archive --format=tar "$1" | tar -x -C "$2"', "sh", ref, dir], {
    cwd: REPO,
    encoding: "utf8",
  });
  if (archive.status !== 0) throw new Error(`git archive ${ref}: ${archive.stderr}`);
  fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(dir, "node_modules"));
}

interface Rendered {
  side: StackSide;
  resources: CostResource[];
}

/** One stack rendered by the ref's own synth; a failure is the side's error, not the report's. */
function render(dir: string, stack: string, prices: ReturnType<typeof loadPrices>): Rendered | undefined {
  if (!fs.existsSync(path.join(dir, `Pulumi.${stack}.yaml`))) return undefined;
  const out = path.join(dir, "out", stack);
  const tsx = path.join(ROOT, "node_modules", ".bin", "tsx");
  const run = spawnSync(tsx, ["scripts/synth.ts", "--stack", stack, "--out", out], {
    cwd: dir,
    encoding: "utf8",
  });
  if (run.status !== 0) {
    const error = (run.stderr || run.stdout).trim().split("\n").slice(-3).join(" ");
    return { side: { resources: 0, error: error || `exit ${run.status}` }, resources: [] };
  }
  const resources = JSON.parse(fs.readFileSync(path.join(out, "resources.json"), "utf8")) as CostResource[];
  const summary = fs.readFileSync(path.join(out, "summary.md"), "utf8");
  const estimate = /estimated first pulumi up: ([\d.]+ min)/.exec(summary)?.[1];
  return { side: { resources: resources.length, estimate, cost: monthlyCost(resources, prices) }, resources };
}

/**
 * The preview a pull request of the head would get: `pr-1` of the parent rendered by the head's own
 * synth (the program's preview sizes, not a guess). The image and the entry point's domain are
 * placeholders: neither changes what a preview's pods request.
 */
function renderPreview(dir: string): { resources?: CostResource[]; error?: string } {
  const out = path.join(dir, "out", "pr-1");
  const tsx = path.join(ROOT, "node_modules", ".bin", "tsx");
  const placeholderImage = `europe-docker.pkg.dev/preview/django-k8s/app@sha256:${"0".repeat(64)}`;
  const run = spawnSync(
    tsx,
    [
      "scripts/synth.ts",
      "--stack",
      "pr-1",
      "--out",
      out,
      "--config",
      `previewParent=${PREVIEW_PARENT}`,
    ].concat([
      "--config",
      `image=${placeholderImage}`,
      "--parent-config",
      "previewDomain=preview.example.com",
    ]),
    { cwd: dir, encoding: "utf8" },
  );
  if (run.status !== 0)
    return {
      error: `pr-1 of ${PREVIEW_PARENT} fails to render at the head: ${(run.stderr || run.stdout).trim().split("\n").slice(-1)[0]}`,
    };
  return { resources: JSON.parse(fs.readFileSync(path.join(out, "resources.json"), "utf8")) };
}

/** The parent's previewMax at the head: its stack file's value, else the schema's default. */
function parentPreviewMax(dir: string): number {
  const project = projectName(dir);
  const set = stackConfig(PREVIEW_PARENT, dir)[`${project}:previewMax`];
  const schema = parseYaml(fs.readFileSync(path.join(dir, "Pulumi.yaml"), "utf8")) as {
    config?: Record<string, { default?: unknown }>;
  };
  return Number(
    set ?? schema.config?.[`${project}:previewMax`]?.default ?? schema.config?.previewMax?.default,
  );
}

/** One preview's pods (as the head renders pr-1), their requests priced on the parent's nodes. */
function previewCost(
  headDir: string,
  parent: CostResource[] | undefined,
  previewMaxOverride: number | undefined,
  prices: ReturnType<typeof loadPrices>,
): PreviewCostInput {
  const pool = parent?.find((r) => r.type === "gcp:container/nodePool:NodePool");
  const previewMax = previewMaxOverride ?? (pool ? parentPreviewMax(headDir) : 0);
  if (!parent || !pool) return { previewMax, basis: "", unknown: [`no ${PREVIEW_PARENT} stack at the head`] };
  const preview = renderPreview(headDir);
  if (!preview.resources) return { previewMax, basis: "", unknown: [preview.error ?? "no preview render"] };
  const manifests = preview.resources
    .filter((r) => r.type === "kubernetes:apps/v1:Deployment")
    .map((r) => ({ ...r.inputs, kind: "Deployment" }));
  const [machineType, spot] = [
    String(pool.inputs.nodeConfig?.machineType),
    Boolean(pool.inputs.nodeConfig?.spot),
  ];
  const pods = podsFromManifests(manifests);
  const cost = previewMonthlyCost({ pods, machineType, spot, region: regionOf(pool.inputs) ?? "" }, prices);
  const sizes = pods.map((p) => `${p.role} ×${p.replicas}`).join(", ");
  const basis = `pr-1 of ${PREVIEW_PARENT} as the head renders it (${sizes}), its pods' requests priced on ${PREVIEW_PARENT}'s ${machineType}${spot ? " Spot" : ""} nodes`;
  return { onePreview: cost.monthly, previewMax, basis, unknown: cost.unknown };
}

function readJson(file: string): PreviewResult {
  try {
    return JSON.parse(fs.readFileSync(file, "utf8")) as PreviewResult;
  } catch (error) {
    throw new UsageError(`--preview ${file}: not JSON (${(error as Error).message})`);
  }
}

async function main(): Promise<number> {
  const args = options(process.argv.slice(2));
  const [base, head] = [commitOf(args.base), commitOf(args.head)];
  const prices = loadPrices();
  const preview = args.preview ? readJson(args.preview) : undefined;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "pr-report-"));
  try {
    const [baseDir, headDir] = [path.join(tmp, "base"), path.join(tmp, "head")];
    exportRef(base, baseDir);
    exportRef(head, headDir);
    const stacks: StackReport[] = [];
    let parent: CostResource[] | undefined;
    for (const stack of STACKS) {
      process.stderr.write(`pr-report: rendering ${stack} at ${base} and ${head}\n`);
      const [before, after] = [render(baseDir, stack, prices), render(headDir, stack, prices)];
      if (stack === PREVIEW_PARENT && after && !after.side.error) parent = after.resources;
      stacks.push({
        stack,
        before: before?.side,
        after: after?.side,
        changes: diffResources(before?.resources ?? [], after?.resources ?? [], {
          before: baseDir,
          after: headDir,
        }),
        policy:
          after && !after.side.error
            ? checkPolicies(after.resources as any, policyConfigFor(stack, headDir))
            : undefined,
      });
    }
    const { comment, report } = renderReport({
      base: `${args.base} (${base})`,
      head: `${args.head} (${head})`,
      stacks,
      prices,
      today: new Date(),
      previewCost: previewCost(headDir, parent, args.previewMax, prices),
      preview,
      migrations: args.migrations ? fs.readFileSync(args.migrations, "utf8") : undefined,
      scan: args.scan ? fs.readFileSync(args.scan, "utf8") : undefined,
    });
    fs.mkdirSync(args.out, { recursive: true });
    fs.writeFileSync(path.join(args.out, "comment.md"), comment);
    fs.writeFileSync(path.join(args.out, "report.md"), report);
    console.log(
      `pr-report: ${path.join(args.out, "comment.md")} (${comment.length} characters), report.md (${report.length})`,
    );
    const broken = stacks.filter((s) => s.after?.error || s.policy?.violations.length);
    if (args.check && broken.length) {
      console.error(
        `pr-report: the head fails to render or breaks a policy in ${broken.map((s) => s.stack).join(", ")}`,
      );
      return 1;
    }
    return 0;
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (error) => {
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")) {
      console.error(`pr-report: ${error.message}\n${USAGE}`);
      process.exit(2);
    }
    console.error(error instanceof Error ? (error.stack ?? error.message) : error);
    process.exit(1);
  },
);
