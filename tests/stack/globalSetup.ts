/**
 * Runs the program under mocks once for each configuration in configurations.ts and hands the
 * runs to every whole-stack test file through vitest's provide/inject: the program runs once
 * per configuration per suite, not once per file. The runs are made in child processes
 * (synthesizeChild.ts), two taking jobs from one queue on two cores, so a failing program
 * cannot take down the test runner; they travel to the test workers in memory: the inputs with
 * secrets in clear (unmaskedInputs) are never written to disk.
 */
import { type ChildProcess, fork } from "node:child_process";
import { availableParallelism } from "node:os";
import * as path from "node:path";
import type { TestProject } from "vitest/node";
import type { ProgramRun } from "../../synth/recording";
import { CONFIGURATIONS, configurationKey, type Overrides } from "./configurations";

/** A run, or why the program failed for that configuration (reported by the tests that read it). */
export type SharedRun = ProgramRun | { failure: string };

declare module "vitest" {
  export interface ProvidedContext {
    programRuns: Record<string, SharedRun>;
  }
}

export interface Job {
  key: string;
  stack: string;
  overrides: Overrides;
  parentOverrides?: Overrides;
}
export type ChildResult = { key: string; run: ProgramRun } | { key: string; failure: string };

const CHILD = path.join(__dirname, "synthesizeChild.ts");

function startChild(): ChildProcess {
  return fork(CHILD, [], {
    execArgv: ["--import", "tsx"],
    serialization: "advanced",
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
}

/** Sends `job` to `child`; resolves with its answer, or a failure when the child exits first. */
function runIn(child: ChildProcess, job: Job): Promise<SharedRun> {
  return new Promise((resolve) => {
    const onMessage = (result: ChildResult) => {
      if (result.key !== job.key) return;
      child.off("exit", onExit);
      child.off("message", onMessage);
      resolve("run" in result ? result.run : { failure: result.failure });
    };
    const onExit = (code: number | null) => {
      child.off("message", onMessage);
      resolve({ failure: `the synthesizing process exited with ${code}` });
    };
    child.on("message", onMessage);
    child.once("exit", onExit);
    child.send(job);
  });
}

/** Takes jobs from the shared queue until it is empty, in a child it replaces after a failure. */
async function synthesizer(queue: Job[], runs: Record<string, SharedRun>): Promise<void> {
  let child: ChildProcess | undefined;
  for (let job = queue.shift(); job; job = queue.shift()) {
    child ??= startChild();
    runs[job.key] = await runIn(child, job);
    if ("failure" in runs[job.key]!) {
      child.kill();
      child = undefined;
    }
  }
  child?.disconnect();
}

async function synthesizeAll(): Promise<Record<string, SharedRun>> {
  const jobs = CONFIGURATIONS.flatMap(({ stack, overrides, runs: count = 1, parentOverrides }) =>
    Array.from({ length: count }, (_, i) => ({
      key: configurationKey(stack, overrides, i + 1, parentOverrides),
      stack,
      overrides,
      parentOverrides,
    })),
  );
  const count = jobs.length;
  const started = Date.now();
  const children = Math.max(1, Math.min(2, availableParallelism()));
  const runs: Record<string, SharedRun> = {};
  await Promise.all(Array.from({ length: children }, () => synthesizer(jobs, runs)));
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  console.log(`stack: ${count} program runs in ${children} processes, ${seconds} s`);
  return runs;
}

export default async function synthesizeEveryConfiguration(project: TestProject): Promise<void> {
  project.provide("programRuns", await synthesizeAll());
  // In watch mode the program may have changed since: fresh runs before stack files run again.
  project.onTestsRerun(async (specifications) => {
    if (specifications.some((specification) => specification.project.name === project.name))
      project.provide("programRuns", await synthesizeAll());
  });
}
