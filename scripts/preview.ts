/**
 * A pull request's preview stack, through the Pulumi Automation API on this repository's program:
 *
 *   npm run preview -- up --pr <n> --parent <stack> [--config <key>=<value> ...] [--result <file>]
 *   npm run preview -- destroy --pr <n>
 *   npm run preview -- sweep [--open-prs 1,2,3] [--now <ISO time>]
 *   npm run preview -- list [--now <ISO time>]
 *   (each also takes --work-dir <dir>: the folder with Pulumi.yaml and the parents' stack files)
 *
 * `up` refuses a new preview when the parent's previewMax run already (exit 3, naming the oldest),
 * otherwise sets previewParent and runs the update (every push does: that renews the TTL) and
 * prints the url. `destroy` runs the stack's dropDatabaseCommand output first when it has one,
 * then destroys the stack and removes it. `sweep` destroys every expired preview and, given the
 * open pull requests, every one whose pull request is closed. The decisions are
 * lib/previewLifecycle.ts; this file gathers the facts and acts.
 *
 * The state backend and secrets come from the environment as for the CLI (PULUMI_BACKEND_URL,
 * PULUMI_CONFIG_PASSPHRASE or PULUMI_SECRETS_PROVIDER for a new stack's provider, e.g. gcpkms://).
 * The program runs in this process through the Automation API's inline-program server, as
 * cluster/engine.ts explains (no Node.js language host here). PREVIEW_PROGRAM=repo|standin picks
 * the program; by default the repository's, unless its Pulumi.yaml has no previewParent key yet,
 * then the stand-in cluster/preview-standin/ (the lifecycle test's, not the product).
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { type LocalWorkspace, Stack } from "@pulumi/pulumi/automation";
import { parse as parseYaml } from "yaml";
import { newTally, printTally, programWorkspace, ROOT, recorder } from "../cluster/engine";
import {
  checkCap,
  describe,
  FALLBACK_DEFAULTS,
  isExpired,
  PREVIEW_KEYS,
  type Preview,
  parsePreviewStack,
  parsePrList,
  planSweep,
  positiveInteger,
  previewFromHistory,
  previewStackName,
} from "../lib/previewLifecycle";

const COMMANDS = ["up", "destroy", "sweep", "list"] as const;
type Command = (typeof COMMANDS)[number];
const USAGE = `usage: npm run preview -- <${COMMANDS.join("|")}> [--pr <n>] [--parent <stack>] [--open-prs 1,2] [--now <ISO time>]
       [--config <key>=<value> ...] [--result <file>] [--work-dir <dir>]`;
/** Exit code of an `up` refused by the cap: the workflow reports it instead of failing. */
const REFUSED = 3;
/** Update history entries read per stack: enough to pass a run of failed pushes. */
const HISTORY_PAGE = 50;

export class UsageError extends Error {}

export interface Invocation {
  command: Command;
  pr?: number;
  parent?: string;
  openPrs?: Set<number>;
  now: Date;
  config: Record<string, string>;
  result?: string;
  workDir?: string;
}

export function parseInvocation(argv: string[]): Invocation {
  try {
    return readInvocation(argv);
  } catch (error) {
    throw error instanceof UsageError
      ? error
      : new UsageError(error instanceof Error ? error.message : String(error));
  }
}

function readInvocation(argv: string[]): Invocation {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      pr: { type: "string" },
      parent: { type: "string" },
      "open-prs": { type: "string" },
      now: { type: "string" },
      config: { type: "string", multiple: true, default: [] },
      result: { type: "string" },
      "work-dir": { type: "string" },
    },
  });
  const command = positionals[0] as Command;
  if (positionals.length !== 1 || !COMMANDS.includes(command)) {
    throw new UsageError(
      `command: got ${JSON.stringify(positionals.join(" "))}; expected one of ${COMMANDS.join(", ")}`,
    );
  }
  const pr = values.pr === undefined ? undefined : positiveInteger("--pr", values.pr);
  if ((command === "up" || command === "destroy") && pr === undefined)
    throw new UsageError(`${command} needs --pr <n>`);
  if (command === "up" && !values.parent)
    throw new UsageError("up needs --parent <stack> (the stack previewed, e.g. dev)");
  const now = values.now === undefined ? new Date() : new Date(values.now);
  if (Number.isNaN(now.getTime()))
    throw new UsageError(`--now: got ${JSON.stringify(values.now)}; expected an ISO time`);
  return {
    command,
    pr,
    parent: values.parent,
    openPrs: values["open-prs"] === undefined ? undefined : parsePrList(values["open-prs"]),
    now,
    config: parseConfigPairs(values.config ?? []),
    result: values.result,
    workDir: values["work-dir"],
  };
}

function parseConfigPairs(pairs: string[]): Record<string, string> {
  const config: Record<string, string> = {};
  for (const pair of pairs) {
    const at = pair.indexOf("=");
    if (at < 1) throw new UsageError(`--config: got ${JSON.stringify(pair)}; expected <key>=<value>`);
    config[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return config;
}

/** Which program previews run: the repository's, or the lifecycle test's stand-in. */
export function selectProgram(env: NodeJS.ProcessEnv = process.env, root = ROOT) {
  const choice = env.PREVIEW_PROGRAM || (declaresPreviews(root) ? "repo" : "standin");
  if (choice !== "repo" && choice !== "standin") {
    throw new UsageError(`PREVIEW_PROGRAM: got ${JSON.stringify(choice)}; expected repo or standin`);
  }
  const dir = choice === "repo" ? root : path.join(root, "cluster", "preview-standin");
  return { kind: choice, dir, programFile: path.join(dir, "index.ts") };
}

function declaresPreviews(root: string): boolean {
  return readYaml(path.join(root, "Pulumi.yaml"))?.config?.[PREVIEW_KEYS.parent] !== undefined;
}

interface ProjectFile {
  name?: string;
  config?: Record<string, { default?: unknown } | unknown>;
}

function readYaml(file: string): ProjectFile | undefined {
  return fs.existsSync(file) ? (parseYaml(fs.readFileSync(file, "utf8")) as ProjectFile) : undefined;
}

/**
 * A parent's preview settings: its stack file (Pulumi.<parent>.yaml in the work dir), else the
 * default Pulumi.yaml declares, else the lifecycle's own fallback.
 */
export function parentSettings(workDir: string, parent: string | undefined) {
  const project = readYaml(path.join(workDir, "Pulumi.yaml")) ?? {};
  const stackConfig = parent ? (readYaml(path.join(workDir, `Pulumi.${parent}.yaml`))?.config ?? {}) : {};
  const read = (key: string, fallback: number) => {
    const declared = project.config?.[key] as { default?: unknown } | undefined;
    const raw = stackConfig[`${project.name}:${key}`] ?? declared?.default ?? fallback;
    return positiveInteger(
      `${parent ? `Pulumi.${parent}.yaml ` : ""}${project.name}:${key}`,
      raw as string | number,
    );
  };
  return {
    ttlHours: read(PREVIEW_KEYS.ttlHours, FALLBACK_DEFAULTS.ttlHours),
    max: read(PREVIEW_KEYS.max, FALLBACK_DEFAULTS.max),
  };
}

interface Context {
  workspace: LocalWorkspace;
  workDir: string;
  project: string;
}

/** Every preview stack in the backend with the facts the decisions need. */
async function listPreviews({ workspace, workDir, project }: Context): Promise<Preview[]> {
  const previews: Preview[] = [];
  for (const summary of await workspace.listStacks()) {
    if (parsePreviewStack(summary.name) === undefined) continue;
    const stack = await Stack.select(summary.name, workspace);
    const facts = previewFromHistory(summary.name, await stack.history(HISTORY_PAGE, 1), project);
    if (facts) previews.push({ ...facts, ttlHours: parentSettings(workDir, facts.parent).ttlHours });
  }
  return previews;
}

const streamOutput = (text: string) => process.stdout.write(text);

async function up(context: Context, invocation: Invocation): Promise<number> {
  const pr = invocation.pr!;
  const parent = invocation.parent!;
  const stackName = previewStackName(pr);
  const { max } = parentSettings(context.workDir, parent);
  const ofParent = (await listPreviews(context)).filter((p) => p.parent === undefined || p.parent === parent);
  const decision = checkCap(ofParent, pr, max);
  if (!decision.allowed) {
    console.error(decision.message);
    writeResult(invocation.result, { pr, stack: stackName, deployed: false, reason: decision.message });
    return REFUSED;
  }
  console.log(
    `preview ${stackName} of ${parent}: ${decision.running} other preview(s) running, ${PREVIEW_KEYS.max} ${max}`,
  );
  const stack = await Stack.createOrSelect(stackName, context.workspace);
  const namespaced = (key: string) => (key.includes(":") ? key : `${context.project}:${key}`);
  const config = { ...invocation.config, [PREVIEW_KEYS.parent]: parent };
  await stack.setAllConfig(
    Object.fromEntries(Object.entries(config).map(([k, v]) => [namespaced(k), { value: v }])),
  );
  const tally = newTally();
  const started = Date.now();
  const result = await stack.up({
    onEvent: recorder(tally, undefined),
    onOutput: streamOutput,
    color: "never",
  });
  printTally("up", tally, (Date.now() - started) / 1000);
  const url = result.outputs.url?.value as string | undefined;
  console.log(`preview ${stackName} url: ${url ?? "(the program exports no url)"}`);
  writeResult(invocation.result, { pr, stack: stackName, deployed: true, url });
  return 0;
}

function writeResult(file: string | undefined, result: Record<string, unknown>) {
  if (file) fs.writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
}

/** Destroys one preview: its database dropped first, then its resources, then the stack itself. */
async function destroyPreview(context: Context, stackName: string): Promise<"destroyed" | "absent"> {
  const names = (await context.workspace.listStacks()).map((s) => s.name.split("/").pop());
  if (!names.includes(stackName)) return "absent";
  const stack = await Stack.select(stackName, context.workspace);
  const drop = (await stack.outputs()).dropDatabaseCommand?.value;
  if (typeof drop === "string" && drop.trim()) {
    // The command is the program's own output (a kubectl command on minikube), run as written.
    console.log(`${stackName}: dropDatabaseCommand: ${drop}`);
    const ran = spawnSync("bash", ["-c", drop], { stdio: "inherit" });
    if (ran.status !== 0) {
      throw new Error(
        `${stackName}: dropDatabaseCommand failed (exit ${ran.status}); the stack is kept so it can be retried`,
      );
    }
  }
  const tally = newTally();
  const started = Date.now();
  await stack.destroy({ onEvent: recorder(tally, undefined), onOutput: streamOutput, color: "never" });
  printTally("destroy", tally, (Date.now() - started) / 1000);
  await context.workspace.removeStack(stackName);
  console.log(`${stackName}: destroyed and removed`);
  return "destroyed";
}

async function destroy(context: Context, invocation: Invocation): Promise<number> {
  const stackName = previewStackName(invocation.pr!);
  const outcome = await destroyPreview(context, stackName);
  if (outcome === "absent") console.log(`${stackName}: no such stack, nothing to destroy`);
  return 0;
}

async function sweep(context: Context, invocation: Invocation): Promise<number> {
  const previews = await listPreviews(context);
  const plan = planSweep(previews, invocation.now, invocation.openPrs);
  let destroyed = 0;
  const failures: string[] = [];
  for (const [reason, list] of [
    ["expired", plan.expired],
    ["closed", plan.closed],
  ] as const) {
    for (const preview of list) {
      console.log(`sweep: ${reason}: ${describe(preview)}`);
      try {
        if ((await destroyPreview(context, preview.stack)) === "destroyed") destroyed++;
      } catch (error) {
        failures.push(`${preview.stack}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  }
  if (invocation.openPrs === undefined)
    console.log("sweep: no --open-prs given, so no preview is destroyed as closed");
  console.log(
    `found ${previews.length} expired ${plan.expired.length} closed ${plan.closed.length} destroyed ${destroyed}`,
  );
  for (const failure of failures) console.error(`sweep: FAILED ${failure}`);
  return failures.length === 0 ? 0 : 1;
}

async function list(context: Context, invocation: Invocation): Promise<number> {
  const previews = await listPreviews(context);
  for (const preview of previews) {
    const state = isExpired(preview, invocation.now) ? "EXPIRED" : "running";
    console.log(`${state.padEnd(8)} ${describe(preview)}, parent ${preview.parent ?? "unknown"}`);
  }
  console.log(`found ${previews.length}`);
  return 0;
}

async function main(argv: string[]): Promise<number> {
  const invocation = parseInvocation(argv);
  const program = selectProgram();
  const workDir = path.resolve(invocation.workDir ?? program.dir);
  const project = readYaml(path.join(workDir, "Pulumi.yaml"))?.name;
  if (!project) throw new UsageError(`--work-dir ${workDir}: no Pulumi.yaml with a project name`);
  console.log(
    `preview: program ${program.kind} (${path.relative(ROOT, program.programFile)}), work dir ${workDir}`,
  );
  const secretsProvider = process.env.PULUMI_SECRETS_PROVIDER || undefined;
  const workspace = await programWorkspace(workDir, program.programFile, { secretsProvider });
  const context: Context = { workspace, workDir, project };
  const run = { up, destroy, sweep, list }[invocation.command];
  return run(context, invocation);
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      const usage =
        error instanceof UsageError || (error as { code?: string }).code?.startsWith("ERR_PARSE_ARGS");
      console.error(`preview: ${error instanceof Error ? error.message : String(error)}`);
      if (usage) console.error(USAGE);
      process.exit(usage ? 2 : 1);
    },
  );
}
