/**
 * The repository's stacks as files: which stacks exist and the config each one sets. Plain file
 * reading, apart from the harness and the config module, so that the many tests that only need
 * ROOT or the list of stacks load nothing else (and `vitest related` on a config rule's module
 * does not pick them).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parse as parseYaml } from "yaml";
import { projectName } from "../lib/pulumiProject";
// Imports nothing itself: this file stays light.
import { PREVIEW_STACK } from "../stacks/previewContract";

export const ROOT = path.join(__dirname, "..");

/**
 * The config a preview of `parent` is given (docs/previews.md): the parent's name and
 * platform; everything else comes from the parent's outputs.
 */
export function previewStackConfig(parent: string, root = ROOT): Record<string, string> {
  const project = projectName(root);
  const platform = stackConfig(parent, root)[`${project}:platform`] ?? "minikube";
  return { [`${project}:previewParent`]: parent, [`${project}:platform`]: platform };
}

/** Every stack that has a Pulumi.<stack>.yaml. */
export function availableStacks(root = ROOT): string[] {
  return fs
    .readdirSync(root)
    .map((file) => /^Pulumi\.(.+)\.yaml$/.exec(file)?.[1])
    .filter((stack): stack is string => Boolean(stack))
    .sort();
}

/**
 * Pulumi.<stack>.yaml's values, as the strings the CLI would hand the program: a key without a
 * namespace is the project's own (`workerReplicas: 3` means `django-k8s:workerReplicas`).
 */
export function stackConfig(stack: string, root = ROOT): Record<string, string> {
  const file = path.join(root, `Pulumi.${stack}.yaml`);
  // A preview stack (pr-<number>) has no file: the lifecycle script sets its few keys.
  if (!fs.existsSync(file) && PREVIEW_STACK.test(stack)) return {};
  if (!fs.existsSync(file)) throw new Error(`no stack file ${file}`);
  const parsed = (parseYaml(fs.readFileSync(file, "utf8")) ?? {}) as { config?: Record<string, unknown> };
  // The namespace the CLI gives a bare key: the name in this checkout's Pulumi.yaml.
  const project = projectName(root);
  return Object.fromEntries(
    Object.entries(parsed.config ?? {}).map(([key, value]) => [
      key.includes(":") ? key : `${project}:${key}`,
      typeof value === "string" ? value : JSON.stringify(value),
    ]),
  );
}
