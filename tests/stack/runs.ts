/**
 * The synthesized runs globalSetup.ts made, and small readers over them. Test files get runs
 * from here, never by running the program themselves.
 */
import { inject } from "vitest";
import type { ProgramRun, RecordedResource } from "../../synth/recording";
import { manifests } from "../../synth/render";
import { configurationKey, type Overrides } from "./configurations";

/**
 * The shared run of `stack` with `overrides`; `run` 2 is the second, independent run of it;
 * a preview's parent was synthesized with `parentOverrides`.
 */
export function programRun(
  stack: string,
  overrides: Overrides = {},
  run = 1,
  parentOverrides: Overrides = {},
): ProgramRun {
  const key = configurationKey(stack, overrides, run, parentOverrides);
  const found = inject("programRuns")[key];
  if (!found)
    throw new Error(`${key} is not synthesized: add it to CONFIGURATIONS in tests/stack/configurations.ts`);
  if ("failure" in found) {
    const config = Object.entries(overrides).map(([k, v]) => ` --config ${k}=${JSON.stringify(v)}`);
    throw new Error(
      `the program failed for ${key}: ${found.failure}\n(npm run synth -- --stack ${stack}${config.join("")} shows where)`,
    );
  }
  return found;
}

export function byName(run: ProgramRun, type: string, name: string): RecordedResource {
  const found = run.resources.find((r) => r.type === type && r.name === name);
  if (!found)
    throw new Error(`no ${type} named ${name} among ${run.resources.map((r) => r.name).join(", ")}`);
  return found;
}

export function manifest(run: ProgramRun, kind: string, name: string): Record<string, any> {
  const found = manifests(run).find((m) => m.kind === kind && m.metadata.name === name);
  if (!found)
    throw new Error(
      `no ${kind}/${name} among ${manifests(run)
        .map((m) => `${m.kind}/${m.metadata.name}`)
        .join(", ")}`,
    );
  return found;
}
