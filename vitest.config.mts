import * as fs from "node:fs";
import { availableParallelism } from "node:os";
import * as path from "node:path";
import { defineConfig } from "vitest/config";

/** Every test file: what a change to the program reruns in watch mode. */
const allTestFiles = (dir = "tests"): string[] =>
  fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) =>
      entry.isDirectory()
        ? allTestFiles(path.join(dir, entry.name))
        : entry.name.endsWith(".test.ts")
          ? [path.join(dir, entry.name)]
          : [],
    );

/**
 * Three projects, by what a test needs:
 * - unit: pure functions and single components under mocks, each file importing only what it tests;
 * - repo: the repository's own files and tools (README, workflows, scripts, the policy pack runner);
 * - stack: the whole program. globalSetup runs it once per configuration and every file reads
 *   those runs, so no file runs the program itself and `vitest related <module>` picks the files
 *   that import the module, not every file that reads a run (`vitest run --project stack`
 *   re-checks the whole program).
 */
export default defineConfig({
  test: {
    // No test file leaves state in a module for the next one, so files share a worker's module
    // cache: @pulumi/pulumi and the components load once per worker, not once per file.
    isolate: false,
    // vitest's default leaves a core to its main process (one worker on two cores); these files
    // mostly wait on child processes (the synth CLI, the app, the policy runner), so every core
    // gets a worker.
    maxWorkers: availableParallelism(),
    // The stack files read the program's runs, not its modules, so watch mode cannot see that a
    // change to the program concerns them: any change to it reruns every file (globalSetup
    // makes fresh runs first). `vitest related` is unaffected and stays precise.
    watchTriggerPatterns: [
      {
        pattern:
          /\/(stacks|components|lib)\/.+\.ts$|\/synth\/(harness|mockRuntime|mockState)\.ts$|\/Pulumi[^/]*\.yaml$/,
        testsToRun: () => allTestFiles(),
      },
    ],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    projects: [
      { extends: true, test: { name: "unit", include: ["tests/unit/**/*.test.ts"] } },
      { extends: true, test: { name: "repo", include: ["tests/repo/**/*.test.ts"] } },
      {
        extends: true,
        test: {
          name: "stack",
          include: ["tests/stack/**/*.test.ts"],
          globalSetup: ["tests/stack/globalSetup.ts"],
        },
      },
    ],
  },
});
