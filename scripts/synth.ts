/**
 * Offline preview: `npm run synth -- --stack <name> [--out <dir>] [--config django-k8s:<key>=<value> ...]`.
 * Runs the program under mocks (no Pulumi CLI, cluster, credentials or network) and writes
 * resources.json, manifests/ and graph.mmd. A bad config exits 1 with the same message
 * `pulumi up` would print.
 */
import * as path from "node:path";
import { parseArgs } from "node:util";
import { ConfigError, PROJECT } from "../stacks/config";
import { ROOT, runProgram } from "../synth/harness";
import { summary, writeSynthOutput } from "../synth/render";

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      stack: { type: "string" },
      out: { type: "string" },
      config: { type: "string", multiple: true, default: [] },
    },
  });
  if (!values.stack) {
    console.error(
      "usage: npm run synth -- --stack <name> [--out <dir>] [--config django-k8s:<key>=<value> ...]",
    );
    return 2;
  }
  const overrides: Record<string, string> = {};
  for (const pair of values.config ?? []) {
    const at = pair.indexOf("=");
    const key = at > 0 ? pair.slice(0, at) : "";
    if (!key.startsWith(`${PROJECT}:`)) {
      console.error(`--config ${pair}: expected ${PROJECT}:<key>=<value>`);
      return 2;
    }
    overrides[key] = pair.slice(at + 1);
  }
  const outDir = path.resolve(values.out ?? path.join(ROOT, "out", values.stack));
  try {
    const run = await runProgram(values.stack, overrides);
    writeSynthOutput(run, outDir);
    console.log(summary(run, path.relative(process.cwd(), outDir) || "."));
    return 0;
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      return 1;
    }
    throw error;
  }
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : error);
    process.exit(1);
  },
);
