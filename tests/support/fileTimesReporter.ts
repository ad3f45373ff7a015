/**
 * A vitest reporter for scripts/test-timing.ts: writes each test file's time (prepare, import
 * and collect, setup, run: what vitest's own Duration line adds up) and outcome to the JSON
 * file named by TEST_TIMING_OUT.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { Reporter, TestModule } from "vitest/node";

export interface FileTime {
  file: string;
  project: string;
  seconds: number;
  tests: number;
  passed: boolean;
}

export default class FileTimesReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    const out = process.env.TEST_TIMING_OUT;
    if (!out) return;
    const times: FileTime[] = testModules.map((module) => {
      const d = module.diagnostic();
      return {
        file: path.relative(process.cwd(), module.moduleId),
        project: module.project.name,
        seconds: (d.prepareDuration + d.collectDuration + d.setupDuration + d.duration) / 1000,
        tests: [...module.children.allTests()].length,
        passed: module.ok(),
      };
    });
    fs.writeFileSync(out, JSON.stringify(times, null, 2));
  }
}
