/**
 * Runs the program under mocks once for each configuration in configurations.ts and hands the
 * runs to every whole-stack test file through vitest's provide/inject: the program runs once
 * per configuration per suite, not once per file. The runs are made in child processes
 * (synthesizeChild.ts), two at a time on two cores, so a failing program cannot take down the
 * test runner, and travel to the test workers in memory: the inputs with secrets in clear
 * (unmaskedInputs) are never written to disk.
 */
import { fork } from "node:child_process";
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

interface Job {
  key: string;
  stack: string;
  overrides: Overrides;
}
export interface ChildRequest {
  configurations: Job[];
}
export type ChildResult = { key: string; run: ProgramRun } | { key: string; failure: string };

const CHILD = path.join(__dirname, "synthesizeChild.ts");

/** Runs `jobs` in one child after another until every job has a run or a failure. */
async function synthesize(jobs: Job[], runs: Record<string, SharedRun>): Promise<void> {
  let pending = jobs.filter((job) => !runs[job.key]);
  while (pending.length > 0) {
    const child = fork(CHILD, [], {
      execArgv: ["--import", "tsx"],
      serialization: "advanced",
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    child.on("message", (result: ChildResult) => {
      runs[result.key] = "run" in result ? result.run : { failure: result.failure };
    });
    const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
    child.send({ configurations: pending } satisfies ChildRequest);
    const code = await exited;
    const before = pending.length;
    pending = pending.filter((job) => !runs[job.key]);
    if (pending.length === before) {
      // The child died before finishing the first job: report that, and go on with the rest.
      runs[pending[0]!.key] = { failure: `the synthesizing process exited with ${code}` };
      pending = pending.slice(1);
    }
  }
}

export default async function synthesizeEveryConfiguration(project: TestProject): Promise<void> {
  const jobs = CONFIGURATIONS.flatMap(({ stack, overrides, runs: count = 1 }) =>
    Array.from({ length: count }, (_, i) => ({
      key: configurationKey(stack, overrides, i + 1),
      stack,
      overrides,
    })),
  );
  const children = Math.max(1, Math.min(2, availableParallelism()));
  const runs: Record<string, SharedRun> = {};
  await Promise.all(
    Array.from({ length: children }, (_, c) =>
      synthesize(
        jobs.filter((_, i) => i % children === c),
        runs,
      ),
    ),
  );
  project.provide("programRuns", runs);
}
