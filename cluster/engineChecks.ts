/**
 * What the engine test asserts about a Pulumi operation, read from the engine's own events
 * (the JSON lines cluster/engine.ts writes) and, for "what should change", from two offline
 * renders of the program (synth's resources.json): the mocks say which resources' inputs a
 * config change touches, the real engine must then change exactly those.
 *
 *   tsx cluster/engineChecks.ts plan <events.jsonl>
 *   tsx cluster/engineChecks.ts all-creates <events.jsonl>
 *   tsx cluster/engineChecks.ts no-changes <events.jsonl>
 *   tsx cluster/engineChecks.ts exactly <events.jsonl> <before/resources.json> <after/resources.json>
 *   tsx cluster/engineChecks.ts migrate-first <events.jsonl> <after/resources.json>
 *   tsx cluster/engineChecks.ts replaced-only <events.jsonl> <type>
 *   tsx cluster/engineChecks.ts warnings <events.jsonl> [more events.jsonl ...]
 *   tsx cluster/engineChecks.ts policy-ran <events.jsonl> <the pack's folder>
 *
 * Each prints what it found and exits 1 when the check fails.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { ResourceEntry } from "../synth/render";

/** One step of the engine: what it did to which resource, in the engine's own order. */
export interface Step {
  op: string;
  urn: string;
  type: string;
  /** "pre" when the engine starts the step, "done" when the resource's outputs are in. */
  phase: "pre" | "done";
  sequence: number;
}

interface EventLine {
  sequence: number;
  resourcePreEvent?: { metadata: { op: string; urn: string; type: string } };
  resOutputsEvent?: { metadata: { op: string; urn: string; type: string } };
  diagnosticEvent?: { severity: string; message: string; ephemeral?: boolean };
  /** The engine spells this key with a capital P. */
  summaryEvent?: { PolicyPacks?: Record<string, string> };
}

export function readSteps(jsonl: string): Step[] {
  const steps: Step[] = [];
  for (const line of jsonl.split("\n")) {
    if (!line.trim()) continue;
    const event = JSON.parse(line) as EventLine;
    const pre = event.resourcePreEvent?.metadata;
    if (pre) steps.push({ ...pick(pre), phase: "pre", sequence: event.sequence });
    const done = event.resOutputsEvent?.metadata;
    if (done) steps.push({ ...pick(done), phase: "done", sequence: event.sequence });
  }
  return steps;
}

function pick(meta: { op: string; urn: string; type: string }) {
  return { op: meta.op, urn: meta.urn, type: meta.type };
}

/** The resource changes of an operation: one entry per resource and operation, stacks excluded. */
export function changes(steps: Step[]): Map<string, { op: string; type: string }> {
  const found = new Map<string, { op: string; type: string }>();
  for (const step of steps) {
    if (step.phase !== "pre" || step.op === "same" || step.op === "read") continue;
    if (step.type === "pulumi:pulumi:Stack") continue;
    // A replacement is several steps (create-replacement, replace, delete-replaced): one change.
    const op = step.op.includes("replace") ? "replace" : step.op;
    found.set(step.urn, { op, type: step.type });
  }
  return found;
}

/** Counts per operation and kind, for the printed plan. */
export function planTable(steps: Step[]): string[] {
  const byOp = new Map<string, Map<string, number>>();
  for (const { op, type } of changes(steps).values()) {
    const kinds = byOp.get(op) ?? new Map<string, number>();
    kinds.set(type, (kinds.get(type) ?? 0) + 1);
    byOp.set(op, kinds);
  }
  const lines: string[] = [];
  for (const op of ["create", "update", "replace", "delete"]) {
    const kinds = byOp.get(op);
    const total = kinds ? [...kinds.values()].reduce((a, b) => a + b, 0) : 0;
    const list = kinds ? [...kinds.entries()].sort().map(([kind, n]) => `${shortKind(kind)} ${n}`) : [];
    lines.push(`${op}s: ${total}${list.length ? ` (${list.join(", ")})` : ""}`);
  }
  return lines;
}

function shortKind(type: string): string {
  return type.replace(/^kubernetes:[^:]*:/, "").replace(/^random:index\/\w+:/, "");
}

/** A resource of synth's resources.json, the fields these checks read. */
type SynthResource = Pick<ResourceEntry, "urn" | "type" | "inputs"> &
  Partial<Pick<ResourceEntry, "dependencies">>;

/**
 * The custom resources whose inputs differ between two offline renders: what a config change
 * must change for real, and nothing else. Components are left out: they have no state the
 * engine changes.
 */
export function expectedChanges(before: SynthResource[], after: SynthResource[]): Set<string> {
  const old = new Map(before.map((r) => [r.urn, JSON.stringify(r.inputs)]));
  const urns = new Set<string>();
  for (const resource of after) {
    if (!isCustom(resource.type)) continue;
    if (old.get(resource.urn) !== JSON.stringify(resource.inputs)) urns.add(resource.urn);
  }
  for (const resource of before) {
    if (isCustom(resource.type) && !after.some((r) => r.urn === resource.urn)) urns.add(resource.urn);
  }
  return urns;
}

function isCustom(type: string): boolean {
  return !type.startsWith("django-k8s:") && !type.startsWith("pulumi:");
}

/**
 * The migration Job of a new image is created and complete before any Deployment starts to
 * roll: every Deployment update's start comes after the Job's outputs.
 */
/**
 * The migration Job finished before every Deployment that depends on it (per the program's own
 * dependencies, read from an offline render) started to roll. Deployments that do not depend on
 * it (Flower reads only the broker) may roll at any time; they are named, not judged.
 */
export function migrateFirst(steps: Step[], rendered: SynthResource[]): { ok: boolean; detail: string } {
  const job = steps.find(
    (s) => s.type === "kubernetes:batch/v1:Job" && s.phase === "done" && s.op !== "same",
  );
  if (!job) return { ok: false, detail: "no migration Job was created or replaced" };
  const waiting = new Set(
    rendered
      .filter((r) => r.type === "kubernetes:apps/v1:Deployment" && (r.dependencies ?? []).includes(job.urn))
      .map((r) => r.urn),
  );
  if (waiting.size === 0) return { ok: false, detail: `no Deployment depends on ${name(job.urn)}` };
  const rolls = steps.filter(
    (s) => s.type === "kubernetes:apps/v1:Deployment" && s.phase === "pre" && s.op === "update",
  );
  const waitingRolls = rolls.filter((s) => waiting.has(s.urn));
  if (waitingRolls.length === 0)
    return { ok: false, detail: "no Deployment that depends on the Job was updated" };
  const early = waitingRolls.filter((s) => s.sequence < job.sequence);
  const independent = rolls.filter((s) => !waiting.has(s.urn)).map((s) => name(s.urn));
  const aside = independent.length ? `; not depending on it: ${independent.join(", ")}` : "";
  return early.length
    ? { ok: false, detail: `rolled before the Job completed: ${early.map((s) => name(s.urn)).join(", ")}` }
    : {
        ok: true,
        detail: `Job ${name(job.urn)} done at event ${job.sequence}; ${waitingRolls.length} Deployments that depend on it rolled after (events ${waitingRolls.map((s) => s.sequence).join(", ")})${aside}`,
      };
}

/**
 * Warnings an operation left, as the CLI's summary shows them: progress notes the provider's
 * await logic sends while it waits (ephemeral: "Deployment does not have minimum availability")
 * are not warnings of the result. Two come from how the tools are built here, not from the
 * program, and are listed apart: the Kubernetes provider built at the nearest served version
 * (tools/README.md) and the policy pack's launcher on PATH (cluster/pulumi-analyzer-policy-nodejs).
 */
export function warnings(jsonl: string): { fromTools: string[]; other: string[] } {
  const fromTools: string[] = [];
  const other: string[] = [];
  for (const line of jsonl.split("\n")) {
    if (!line.trim()) continue;
    const diagnostic = (JSON.parse(line) as EventLine).diagnosticEvent;
    if (diagnostic?.severity !== "warning" || diagnostic.ephemeral) continue;
    const message = diagnostic.message.trim();
    (TOOL_WARNINGS.some((pattern) => pattern.test(message)) ? fromTools : other).push(message);
  }
  return { fromTools, other };
}

const TOOL_WARNINGS = [
  /^resource plugin \S+ is expected to have version >=\S+, but has \S+; the wrong version may be on your path/,
  /^using pulumi-analyzer-policy-nodejs from \$PATH at /,
];

/** The policy packs the engine's summary says it ran, as "<name>|<kind>|<path> <version>". */
export function policyPacksRun(jsonl: string): string[] {
  const ran: string[] = [];
  for (const line of jsonl.split("\n")) {
    if (!line.trim()) continue;
    const summary = (JSON.parse(line) as EventLine).summaryEvent;
    for (const [pack, version] of Object.entries(summary?.PolicyPacks ?? {})) ran.push(`${pack} ${version}`);
  }
  return ran;
}

function name(urn: string): string {
  return urn.slice(urn.lastIndexOf("::") + 2);
}

/** What one check is given: the engine's steps and changes, its events file, the extra arguments. */
interface CheckInput {
  steps: Step[];
  found: Map<string, { op: string; type: string }>;
  eventsFile: string;
  args: string[];
}

const readRender = (file: string) => JSON.parse(fs.readFileSync(file, "utf8")) as SynthResource[];

/** Each check of the command line: its extra arguments, and what it prints and answers (0 = passed). */
const CHECKS: Record<string, { args: string[]; run(input: CheckInput): number }> = {
  plan: {
    args: [],
    run: ({ steps }) => {
      for (const line of planTable(steps)) console.log(`  ${line}`);
      return 0;
    },
  },
  "all-creates": {
    args: [],
    run: ({ found }) => {
      const other = [...found.entries()].filter(([, c]) => c.op !== "create");
      console.log(`  ${found.size} changes, ${found.size - other.length} creates`);
      for (const [urn, c] of other) console.log(`  NOT A CREATE: ${c.op} ${name(urn)}`);
      return found.size > 0 && other.length === 0 ? 0 : 1;
    },
  },
  "no-changes": {
    args: [],
    run: ({ found }) => {
      for (const [urn, c] of found) console.log(`  UNEXPECTED: ${c.op} ${name(urn)}`);
      console.log(`  ${found.size} changes`);
      return found.size === 0 ? 0 : 1;
    },
  },
  exactly: {
    args: ["<before/resources.json>", "<after/resources.json>"],
    run: ({ found, args: [before = "", after = ""] }) => {
      const expected = expectedChanges(readRender(before), readRender(after));
      const missing = [...expected].filter((urn) => !found.has(urn));
      const extra = [...found.keys()].filter((urn) => !expected.has(urn));
      for (const [urn, c] of found)
        console.log(`  ${c.op} ${name(urn)}${expected.has(urn) ? "" : "  <- not expected"}`);
      for (const urn of missing) console.log(`  MISSING: ${name(urn)} (its inputs changed offline)`);
      console.log(`  expected ${expected.size} (from the offline renders), engine changed ${found.size}`);
      return missing.length === 0 && extra.length === 0 ? 0 : 1;
    },
  },
  "migrate-first": {
    args: ["<after/resources.json>"],
    run: ({ steps, args: [render = ""] }) => {
      const { ok, detail } = migrateFirst(steps, readRender(render));
      console.log(`  ${detail}`);
      return ok ? 0 : 1;
    },
  },
  "replaced-only": {
    args: ["<type>"],
    run: ({ found, args: [type] }) => {
      const replaced = [...found.entries()].filter(([, c]) => c.op === "replace");
      for (const [urn, c] of replaced) console.log(`  replaced: ${shortKind(c.type)} ${name(urn)}`);
      const wrong = replaced.filter(([, c]) => c.type !== type);
      return replaced.length > 0 && wrong.length === 0 ? 0 : 1;
    },
  },
  warnings: {
    args: [],
    // Every events file given: the first and the rest.
    run: ({ eventsFile, args }) => {
      const found = [eventsFile, ...args].map((file) => warnings(fs.readFileSync(file, "utf8")));
      const fromTools = [...new Set(found.flatMap((w) => w.fromTools))];
      const other = found.flatMap((w) => w.other);
      for (const message of fromTools)
        console.log(`  from the tools built here (expected): ${message.split("\n")[0]}`);
      for (const message of other) console.log(`  WARNING: ${message.split("\n")[0]}`);
      console.log(`  warnings from the program, the provider and the API server: ${other.length}`);
      return other.length === 0 ? 0 : 1;
    },
  },
  "policy-ran": {
    args: ["<the pack's folder>"],
    run: ({ eventsFile, args: [folder = ""] }) => {
      const ran = policyPacksRun(fs.readFileSync(eventsFile, "utf8"));
      console.log(`  policy packs the engine ran: ${ran.join(", ") || "none"}`);
      return ran.some((entry) => entry.includes(`|local|${path.resolve(folder)} `)) ? 0 : 1;
    },
  },
};

function main(argv: string[]): number {
  const [check = "", eventsFile, ...args] = argv;
  const known = CHECKS[check];
  if (!known || !eventsFile || args.length < known.args.length) {
    const usage = known
      ? `${check} <events.jsonl> ${known.args.join(" ")}`
      : `<${Object.keys(CHECKS).join("|")}> <events.jsonl> [...]`;
    console.error(`usage: tsx cluster/engineChecks.ts ${usage}`);
    return 2;
  }
  const steps = readSteps(fs.readFileSync(eventsFile, "utf8"));
  return known.run({ steps, found: changes(steps), eventsFile, args });
}

if (require.main === module) process.exit(main(process.argv.slice(2)));
