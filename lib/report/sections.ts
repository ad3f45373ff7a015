/**
 * The report's sections as Markdown: cost per stack, the manifest diff, previews, the migration
 * plan, policy and scanners, and the price table's sources. Each takes `full`: the report shows
 * everything, the comment caps the long lists and points to the report for the rest.
 */
import type { MonthlyCost, NotReadFigure, PriceTable } from "../cost";
import type { ResourceChange } from "./diff";
import { costCell, details, difference, range, table, usd } from "./format";
import type { PolicyResult } from "./policy";

export interface StackSide {
  cost?: MonthlyCost;
  estimate?: string;
  resources: number;
  /** Synth failed on this side: its message. */
  error?: string;
}

export interface StackReport {
  stack: string;
  before?: StackSide;
  after?: StackSide;
  changes: ResourceChange[];
  policy?: PolicyResult;
}

export interface PreviewResult {
  pr?: number;
  stack?: string;
  url?: string;
  smoke?: "passed" | "failed" | "skipped";
  reason?: string;
  fork?: boolean;
}

export interface PreviewCostInput {
  onePreview?: number;
  previewMax: number;
  basis: string;
  unknown: string[];
}

const counts = (changes: ResourceChange[]) => {
  const n = (status: string) => changes.filter((c) => c.status === status).length;
  return `+${n("added")} −${n("removed")} ~${n("changed")}`;
};

const sideState = (side: StackSide | undefined) =>
  side ? (side.error ? "synth failed" : undefined) : "absent";

/** The summary table: one row per stack. */
export function summaryTable(stacks: StackReport[]): string {
  const rows = stacks.map((s) => [
    `**${s.stack}**`,
    sideState(s.before) ?? costCell(s.before?.cost),
    sideState(s.after) ?? costCell(s.after?.cost),
    difference(s.before?.cost, s.after?.cost),
    counts(s.changes),
    `${s.before?.estimate ?? "n/a"} → ${s.after?.estimate ?? "n/a"}`,
    s.policy ? (s.policy.violations.length ? `${s.policy.violations.length} violations` : "passed") : "n/a",
  ]);
  return table(
    [
      "stack",
      "monthly cost before",
      "after",
      "difference",
      "resources",
      "first `pulumi up` (longest chain)",
      "policy pack",
    ],
    rows,
  );
}

export function previewCostLine(input: PreviewCostInput): string {
  if (input.onePreview === undefined)
    return `**Previews**: not priced (${input.unknown.join("; ") || "no parent stack"}).`;
  return (
    `**Previews**: one preview ${usd(input.onePreview)}/month; all ${input.previewMax} at the cap ` +
    `${usd(input.onePreview * input.previewMax)}/month (${input.basis}).`
  );
}

export function previewEnvironment(result: PreviewResult | undefined): string {
  if (!result) return "**Preview environment**: none (add the `preview` label to deploy one).";
  if (result.fork)
    return "**Preview environment**: no preview for pull requests from forks (no credentials).";
  const smoke = result.smoke
    ? `smoke check ${result.smoke}${result.reason ? ` (${result.reason})` : ""}`
    : "no smoke check";
  return `**Preview environment** \`${result.stack ?? `pr-${result.pr}`}\`: ${result.url ?? "no URL"}, ${smoke}.`;
}

/** Price age and what could not be priced, as warnings under the summary. */
export function priceNotes(
  prices: PriceTable,
  age: { oldest: string; days: number; stale: boolean },
  stacks: StackReport[],
): string[] {
  const notes = [
    age.stale
      ? `> [!WARNING]\n> Prices were read ${age.oldest}, ${age.days} days ago (more than 90): re-read them into data/gcp-prices.json.`
      : `Prices: ${prices.currency} list prices read ${age.oldest} (data/gcp-prices.json), ${prices.hoursPerMonth} hours a month; usage-priced items are not in the totals.`,
  ];
  const unknown = stacks.flatMap((s) => (s.after?.cost?.unknown ?? []).map((u) => `${s.stack}: ${u}`));
  if (unknown.length)
    notes.push(
      `> [!WARNING]\n> Not priced (the totals leave them out):\n${unknown.map((u) => `> - ${u}`).join("\n")}`,
    );
  // Both refs': a figure only the base used still moves the difference.
  const notRead = stacks.flatMap((s) => {
    const figures = [...(s.after?.cost?.notRead ?? []), ...(s.before?.cost?.notRead ?? [])].filter(
      (f, i, all) => all.findIndex((g) => g.id === f.id && g.region === f.region) === i,
    );
    return figures.length ? [`${s.stack}: ${describeNotRead(figures)}`] : [];
  });
  if (notRead.length)
    notes.push(
      `> [!NOTE]\n> Priced with figures no page showed (docs/pull-requests.md, "Where each price comes from"):\n${notRead.map((u) => `> - ${u}`).join("\n")}`,
    );
  return notes;
}

/** "inferred: sql.vcpu.ha, sql.ssd.ha in europe-west1; from memory: redis.basic.m1 in europe-west1" */
function describeNotRead(figures: NotReadFigure[]): string {
  const groups = new Map<string, string[]>();
  for (const f of figures) {
    const key = `${f.how}\u0000${f.region ?? ""}`;
    groups.set(key, [...(groups.get(key) ?? []), `\`${f.id}\``]);
  }
  return [...groups]
    .map(([key, ids]) => {
      const [how, region] = key.split("\u0000");
      return `${how}: ${ids.join(", ")}${region ? ` in ${region}` : ""}`;
    })
    .join("; ");
}

function changeLines(change: ResourceChange, full: boolean): string {
  if (change.status !== "changed") return `  - ${change.status} \`${change.name}\``;
  const cap = full ? change.fields.length : 8;
  const fields = change.fields
    .slice(0, cap)
    .map((f) => `    - \`${f.path}\`: ${f.before ?? "(none)"} → ${f.after ?? "(none)"}`);
  if (change.fields.length > cap)
    fields.push(`    - and ${change.fields.length - cap} more fields (in the report)`);
  return [`  - changed \`${change.name}\``, ...fields].join("\n");
}

/** The manifest diff of one stack, grouped by kind. */
export function stackDiff(report: StackReport, full: boolean): string {
  if (report.before?.error || report.after?.error)
    return [report.before?.error, report.after?.error]
      .filter(Boolean)
      .map((e) => `synth failed: ${e}`)
      .join("\n\n");
  if (!report.changes.length) return "No resource changes.";
  const kinds = [...new Set(report.changes.map((c) => c.kind))];
  return kinds
    .map((kind) =>
      [
        `- **${kind}**`,
        ...report.changes.filter((c) => c.kind === kind).map((c) => changeLines(c, full)),
      ].join("\n"),
    )
    .join("\n");
}

export function diffSection(stacks: StackReport[], full: boolean): string {
  return [
    "### Manifest diff",
    ...stacks.map((s) => details(`${s.stack}: ${counts(s.changes)}`, stackDiff(s, full))),
  ].join("\n\n");
}

/** Each stack's priced lines at the head; the report adds the base's, to compare line by line. */
export function costSection(stacks: StackReport[], full: boolean): string {
  const body = (cost: MonthlyCost | undefined) =>
    cost?.lines.length
      ? table(
          ["item", "how", "per month"],
          cost.lines.map((l) => [l.item, l.detail, range(l.low, l.high)]),
        )
      : "Nothing priced (no cloud resources).";
  const both = (s: StackReport) =>
    full
      ? `At the head:\n\n${body(s.after?.cost)}\n\nAt the base:\n\n${body(s.before?.cost)}`
      : body(s.after?.cost);
  return [
    "### Cost per stack",
    ...stacks.map((s) => details(`${s.stack}: ${costCell(s.after?.cost)} at the head`, both(s))),
  ].join("\n\n");
}

export function policySection(stacks: StackReport[], scan: string | undefined): string {
  const lines = stacks.map((s) =>
    !s.policy
      ? `- **${s.stack}**: not checked (no head render)`
      : `- **${s.stack}**: ${s.policy.policies} policies over ${s.policy.resources} resources, ${
          s.policy.violations.length
            ? `${s.policy.violations.length} violations:\n${s.policy.violations.map((v) => `  - ${v}`).join("\n")}`
            : "no violation"
        }`,
  );
  const scanBlock = scan
    ? `\n\n**Scanners** (scripts/scan.sh):\n\n\`\`\`\n${scan.trim()}\n\`\`\``
    : "\n\nScanners: no summary given (`--scan`).";
  return `### Policy pack and scanners (head)\n\n${lines.join("\n")}${scanBlock}`;
}

/** scripts/migration-plan.py's Markdown under the report's own heading (its own one dropped). */
export function migrationSection(markdown: string | undefined): string {
  const body = markdown
    ?.trim()
    .replace(/^#+ Migration plan\s*\n/i, "")
    .trim();
  return `### Migration plan\n\n${body || "No migration plan given (`--migrations`)."}`;
}

/** Every price the report used, with its page, read date and note: the report only. */
export function sourcesSection(prices: PriceTable): string {
  const rows = Object.entries(prices.prices).map(([id, p]) => [
    `\`${id}\``,
    p.description,
    p.flat !== undefined
      ? `$${p.flat}`
      : Object.entries(p.regions ?? {})
          .map(([r, v]) => `${r} $${v}`)
          .join(", "),
    p.unit,
    `${p.source} (read ${p.read})${p.note ? `; ${p.note}` : ""}`,
  ]);
  const usage = prices.usagePriced.map((u) => [
    u.item,
    u.price,
    u.assumption,
    `${u.source} (read ${u.read})${u.note ? `; ${u.note}` : ""}`,
  ]);
  return [
    "### Prices and their sources",
    table(["id", "what", "price", "per", "source"], rows),
    "Usage-priced, not in the totals:",
    table(["item", "price", "assumption", "source"], usage),
  ].join("\n\n");
}
