/**
 * One Pulumi engine operation on a local stack, for the engine test (scripts/test-engine.sh).
 *
 *   tsx cluster/engine.ts <preview|up|destroy> --stack <name> --work-dir <dir>
 *       [--events <file.jsonl>] [--expect-no-changes] [--policy-pack <dir>] [--diff] [--program <file>]
 *
 * Why not `pulumi up` with `runtime: nodejs`: the CLI starts a Node.js program through the
 * language host pulumi-language-nodejs, a Go module of its own that the Go module proxy does
 * not serve at any version (tools/README.md), so it cannot be built here. The Pulumi SDK's
 * Automation API hosts the language runtime itself (its inline-program server, the same
 * @pulumi/pulumi runtime the language host would start) and runs the real CLI with
 * `--client`: the engine, the providers, the plan, the state and the policy pack are the same.
 * The program is index.ts itself, required as the language host would load it.
 *
 * The work dir holds Pulumi.yaml and Pulumi.<stack>.yaml (copies: a test's config changes never
 * touch the repository's files). Backend, passphrase and PULUMI_HOME come from the environment.
 * Every engine event goes to --events as one JSON line; a summary is printed at the end.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import {
  type EngineEvent,
  LocalWorkspace,
  type LocalWorkspaceOptions,
  type OpType,
  Stack,
} from "@pulumi/pulumi/automation";

/** The repository: the program resolves its files (app/, config/) from here, as under the CLI. */
export const ROOT = path.resolve(__dirname, "..");
const OPERATIONS = ["preview", "up", "destroy"] as const;
type Operation = (typeof OPERATIONS)[number];

function usage(message: string): never {
  console.error(`engine: ${message}`);
  console.error(
    "usage: tsx cluster/engine.ts <preview|up|destroy> --stack <name> --work-dir <dir> [--events <file>] [--expect-no-changes] [--policy-pack <dir>] [--diff] [--program <file>]",
  );
  process.exit(2);
}

function readArgs() {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      stack: { type: "string" },
      "work-dir": { type: "string" },
      events: { type: "string" },
      "expect-no-changes": { type: "boolean", default: false },
      "policy-pack": { type: "string" },
      diff: { type: "boolean", default: false },
      // Another program than index.ts: the preview lifecycle test's stand-in.
      program: { type: "string" },
    },
  });
  const operation = positionals[0];
  if (!OPERATIONS.includes(operation as Operation)) {
    usage(`unknown operation '${operation ?? ""}'; allowed: ${OPERATIONS.join(", ")}`);
  }
  if (!values.stack) usage("--stack is required");
  if (!values["work-dir"] || !fs.existsSync(path.join(values["work-dir"], "Pulumi.yaml"))) {
    usage(`--work-dir '${values["work-dir"] ?? ""}' must be a folder with a Pulumi.yaml`);
  }
  return {
    operation: operation as Operation,
    stack: values.stack,
    workDir: path.resolve(values["work-dir"]),
    events: values.events,
    expectNoChanges: values["expect-no-changes"] ?? false,
    policyPacks: values["policy-pack"] ? [path.resolve(values["policy-pack"])] : undefined,
    diff: values.diff ?? false,
    programFile: values.program ? path.resolve(values.program) : undefined,
  };
}

/** What the engine did, counted from its own events. */
export interface Tally {
  steps: Map<string, { op: OpType; type: string }>;
  warnings: string[];
  policyViolations: string[];
  summary?: Record<string, number>;
  durationSeconds?: number;
}

export function newTally(): Tally {
  return { steps: new Map(), warnings: [], policyViolations: [] };
}

export function recorder(tally: Tally, eventsFile: number | undefined) {
  return (event: EngineEvent) => {
    if (eventsFile !== undefined) fs.writeSync(eventsFile, `${JSON.stringify(event)}\n`);
    const step = event.resourcePreEvent?.metadata;
    if (step && step.op !== "same") tally.steps.set(step.urn, { op: step.op, type: step.type });
    const diagnostic = event.diagnosticEvent;
    // Ephemeral ones are the await logic's progress notes, not warnings of the result.
    if (diagnostic?.severity === "warning" && !diagnostic.ephemeral)
      tally.warnings.push(diagnostic.message.trim());
    const policy = event.policyEvent;
    if (policy) tally.policyViolations.push(`${policy.policyName}: ${policy.message.trim()}`);
    if (event.summaryEvent) {
      tally.summary = event.summaryEvent.resourceChanges as Record<string, number>;
      tally.durationSeconds = event.summaryEvent.durationSeconds;
    }
  };
}

export function printTally(operation: string, tally: Tally, seconds: number) {
  const byOp = new Map<string, Map<string, number>>();
  for (const { op, type } of tally.steps.values()) {
    const kinds = byOp.get(op) ?? new Map<string, number>();
    kinds.set(type, (kinds.get(type) ?? 0) + 1);
    byOp.set(op, kinds);
  }
  const counts = Object.entries(tally.summary ?? {})
    .map(([op, n]) => `${op}=${n}`)
    .join(" ");
  console.log(`engine ${operation}: ${counts || "no summary"} in ${seconds.toFixed(1)} s`);
  for (const [op, kinds] of [...byOp.entries()].sort()) {
    const list = [...kinds.entries()].sort().map(([type, n]) => `${type} ${n}`);
    console.log(`  ${op}: ${list.join(", ")}`);
  }
  console.log(`  warnings: ${tally.warnings.length}`);
  for (const warning of tally.warnings) console.log(`    ${warning.split("\n")[0]}`);
  console.log(`  policy violations: ${tally.policyViolations.length}`);
  for (const violation of tally.policyViolations) console.log(`    ${violation.split("\n")[0]}`);
}

/** The end of the CLI's own output, ending in a newline so the tally starts a line of its own. */
export function writeTail(output: string) {
  const tail = output.slice(-4000);
  process.stdout.write(tail.endsWith("\n") ? tail : `${tail}\n`);
}

/**
 * A workspace whose program is `programFile` (index.ts by default) loaded in this process, exactly
 * as the language host loads it: `export =` the stack's outputs. The process moves to the
 * repository's root, where the program resolves its files (app/, config/) as under the CLI.
 */
export async function programWorkspace(
  workDir: string,
  programFile = path.join(ROOT, "index.ts"),
  options: Omit<LocalWorkspaceOptions, "workDir" | "program"> = {},
): Promise<LocalWorkspace> {
  process.chdir(ROOT);
  return LocalWorkspace.create({ ...options, workDir, program: async () => require(programFile) });
}

async function main() {
  const args = readArgs();
  const workspace = await programWorkspace(args.workDir, args.programFile);
  const stack = await Stack.createOrSelect(args.stack, workspace);
  const tally = newTally();
  const eventsFile = args.events ? fs.openSync(args.events, "a") : undefined;
  const onEvent = recorder(tally, eventsFile);
  const started = Date.now();
  const common = { onEvent, color: "never" as const, diff: args.diff };
  let failed: unknown;
  try {
    if (args.operation === "preview") {
      const result = await stack.preview({
        ...common,
        expectNoChanges: args.expectNoChanges,
        policyPacks: args.policyPacks,
      });
      writeTail(result.stdout);
    } else if (args.operation === "up") {
      const result = await stack.up({
        ...common,
        expectNoChanges: args.expectNoChanges,
        policyPacks: args.policyPacks,
      });
      writeTail(result.stdout);
    } else {
      const result = await stack.destroy({ onEvent, color: "never" });
      writeTail(result.stdout);
    }
  } catch (error) {
    failed = error;
  } finally {
    if (eventsFile !== undefined) fs.closeSync(eventsFile);
  }
  printTally(args.operation, tally, (Date.now() - started) / 1000);
  if (failed) {
    console.error(
      `engine ${args.operation} failed: ${failed instanceof Error ? failed.message : String(failed)}`,
    );
    process.exit(1);
  }
}

// scripts/preview.ts imports the pieces above; only `tsx cluster/engine.ts` runs an operation.
if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(`engine: ${error instanceof Error ? error.stack : String(error)}`);
    process.exit(1);
  });
}
