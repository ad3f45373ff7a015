import * as fs from "node:fs";
import * as path from "node:path";
import { ROOT } from "../../synth/stackFiles";

/** The stack outputs a deploy job reads after `pulumi up` (steps.up.outputs.<name>), from the workflow itself. */
export function deployOutputsRead(): string[] {
  const text = fs.readFileSync(path.join(ROOT, ".github", "workflows", "deploy-stack.yml"), "utf8");
  return [...new Set([...text.matchAll(/steps\.up\.outputs\.(\w+)/g)].map((match) => match[1]!))].sort();
}
