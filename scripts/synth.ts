/**
 * Offline preview: `npm run synth -- --stack <name> [--out <dir>] [--config [django-k8s:]<key>=<value> ...]`.
 * Runs the program under mocks (no Pulumi CLI, cluster, credentials or network) and writes
 * resources.json, manifests/, graph.mmd and summary.md. A bad config exits 1 with the same message
 * `pulumi up` would print; bad arguments exit 2 with one line and the usage.
 */
import * as path from "node:path";
import { parseArgs } from "node:util";
import { nearestName } from "../lib/nearest";
import { projectName } from "../lib/pulumiProject";
import { PREVIEW_STACK } from "../stacks/previewContract";
import { availableStacks, ROOT } from "../synth/stackFiles";

// The program (Pulumi, the providers, the config rules) loads only once the arguments check
// out, so --help and a mistyped option answer at once.
const PROJECT = projectName();

const USAGE = `usage: npm run synth -- --stack <name> [--out <dir>] [--config [${PROJECT}:]<key>=<value> ...]
       npm run synth -- --stack pr-<number> --config previewParent=<parent> [--parent-config <key>=<value> ...]

Runs the Pulumi program offline under mocks and writes resources.json, manifests/,
graph.mmd and summary.md (default out/<stack>/). A key without a namespace belongs to ${PROJECT}, as with
\`pulumi config set\`. Values that only a real deployment decides (addresses, node ports,
bucket names, digests) are marked as mock values in the summary.

A preview stack (pr-<number>, docs/previews.md) needs no file: its parent is synthesized first
(with --parent-config on top of the parent's file) and its StackReference reads the parent's outputs.`;

class UsageError extends Error {}

interface Invocation {
  stack: string;
  outDir: string;
  overrides: Record<string, string>;
  parentOverrides: Record<string, string>;
}

function parseOptions(argv: string[]) {
  return parseArgs({
    args: argv,
    options: {
      stack: { type: "string", short: "s" },
      out: { type: "string" },
      config: { type: "string", short: "c", multiple: true, default: [] },
      "parent-config": { type: "string", multiple: true, default: [] },
      help: { type: "boolean", short: "h" },
    },
    // Positionals are refused below, with a message that says what was probably meant.
    allowPositionals: true,
    tokens: true,
  });
}

/** The command line, or undefined for --help. Throws UsageError with one line. */
function parseInvocation(argv: string[]): Invocation | undefined {
  let parsed: ReturnType<typeof parseOptions>;
  try {
    parsed = parseOptions(argv);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values, tokens } = parsed;
  if (values.help) return undefined;
  tokens.forEach((token, i) => {
    if (token.kind !== "positional") return;
    // `--config key value`, as `pulumi config set` takes it: say what synth takes instead.
    const previous = tokens[i - 1];
    if (previous?.kind === "option" && previous.name === "config" && !previous.value?.includes("="))
      throw new UsageError(
        `--config ${previous.value} ${token.value}: synth takes one <key>=<value> argument per --config, ` +
          `as in --config ${previous.value}=${token.value}`,
      );
    throw new UsageError(`unexpected argument '${token.value}'`);
  });
  const stacks = availableStacks();
  if (!values.stack) throw new UsageError(`--stack is required (stacks: ${stacks.join(", ")})`);
  if (!stacks.includes(values.stack) && !PREVIEW_STACK.test(values.stack)) {
    const near = nearestName(values.stack, stacks);
    throw new UsageError(
      `no stack "${values.stack}": there is no Pulumi.${values.stack}.yaml` +
        `${near ? `; did you mean ${near}?` : ""} (stacks: ${stacks.join(", ")})`,
    );
  }
  return {
    stack: values.stack,
    outDir: path.resolve(values.out ?? path.join(ROOT, "out", values.stack)),
    overrides: configPairs("--config", values.config ?? []),
    parentOverrides: configPairs("--parent-config", values["parent-config"] ?? []),
  };
}

/** `[<namespace>:]<key>=<value>` arguments as config; as the CLI does, a bare key is the project's own. */
function configPairs(option: string, pairs: string[]): Record<string, string> {
  const config: Record<string, string> = {};
  for (const pair of pairs) {
    const at = pair.indexOf("=");
    if (at <= 0) throw new UsageError(`${option} ${pair}: expected [${PROJECT}:]<key>=<value>`);
    const key = pair.slice(0, at);
    config[key.includes(":") ? key : `${PROJECT}:${key}`] = pair.slice(at + 1);
  }
  return config;
}

async function main(): Promise<number> {
  let invocation: Invocation | undefined;
  try {
    invocation = parseInvocation(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`synth: ${error.message}\n\n${USAGE}`);
    return 2;
  }
  if (!invocation) {
    console.log(USAGE);
    return 0;
  }
  const { stack, outDir, overrides, parentOverrides } = invocation;
  try {
    const [{ runProgram }, { writeSynthOutput }, { summary }] = await Promise.all([
      import("../synth/harness"),
      import("../synth/render"),
      import("../synth/summary"),
    ]);
    const run = await runProgram(stack, overrides, progress(stack), parentOverrides);
    process.stderr.write(progressDone);
    writeSynthOutput(run, outDir);
    console.log(summary(run, path.relative(process.cwd(), outDir) || "."));
    return 0;
  } catch (error) {
    process.stderr.write(progressDone);
    const { ConfigError } = await import("../stacks/config");
    if (error instanceof ConfigError) {
      console.error(error.message);
      return 1;
    }
    throw error;
  }
}

// A live count on a terminal, so the first seconds are not silent; nothing in a pipe or log.
const interactive = Boolean(process.stderr.isTTY);
const progressDone = interactive ? "\r\x1b[K" : "";
function progress(stack: string): ((registered: number) => void) | undefined {
  process.stderr.write(`stack ${stack}: running the program under mocks...${interactive ? "" : "\n"}`);
  if (!interactive) return undefined;
  return (registered) =>
    process.stderr.write(
      `\r\x1b[Kstack ${stack}: running the program under mocks, ${registered} resources registered`,
    );
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : error);
    process.exit(1);
  },
);
