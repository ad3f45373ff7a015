/**
 * The project's name as Pulumi.yaml declares it: the namespace of its config keys
 * (django-k8s:<key>) and of a bare key in a stack file. Read here only (file and YAML, nothing
 * else loaded), so the config module, the stack files and synth's argument check agree.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parse as parseYaml } from "yaml";

export const PROJECT_FILE = path.join(__dirname, "..", "Pulumi.yaml");

export function projectName(root = path.dirname(PROJECT_FILE)): string {
  const parsed = parseYaml(fs.readFileSync(path.join(root, "Pulumi.yaml"), "utf8")) as { name?: unknown };
  if (typeof parsed?.name !== "string") throw new Error(`${root}/Pulumi.yaml declares no project name`);
  return parsed.name;
}
