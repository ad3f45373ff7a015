import * as fs from "node:fs";
import * as path from "node:path";
import { type ProgramRun, type RecordedResource, ROOT, runProgram } from "../synth/harness";
import { manifests } from "../synth/render";

/** Every stack that has a Pulumi.<stack>.yaml: tests walk them all, so a new stack is covered. */
export function allStacks(): string[] {
  return fs
    .readdirSync(ROOT)
    .map((file) => /^Pulumi\.(.+)\.yaml$/.exec(file)?.[1])
    .filter((stack): stack is string => Boolean(stack));
}

export const synth = (stack: string, overrides: Record<string, string> = {}) => runProgram(stack, overrides);

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

export const appDir = path.join(ROOT, "app");
