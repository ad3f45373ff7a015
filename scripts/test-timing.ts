/**
 * How fast the TypeScript tests answer, against issue 12's targets: the whole suite's wall
 * time (target <= 30 s on 2 cores), the slowest file, one unit file on its own (<= 5 s), and
 * the files `vitest related` picks for a few pure modules (only the files importing them).
 * Prints the machine's cores and load average too: on a busy machine every figure stretches.
 *
 *   npx tsx scripts/test-timing.ts [--skip-suite]
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { FileTime } from "../tests/support/fileTimesReporter";

const ROOT = path.join(__dirname, "..");
const VITEST = path.join(ROOT, "node_modules", ".bin", "vitest");
const REPORTER = "./tests/support/fileTimesReporter.ts";
const UNIT_FILE = "tests/unit/specs.test.ts";
const PURE_MODULES = ["components/k8s/specs/probes.ts", "lib/quantity.ts", "components/k8s/specs/scaling.ts"];
const TARGET = { suiteSeconds: 30, unitFileSeconds: 5 };

const load = () =>
  os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(" ");

/** CPU seconds used by this process's finished children (Linux: /proc/self/stat cutime + cstime). */
function childCpuSeconds(): number | undefined {
  try {
    const fields = fs.readFileSync("/proc/self/stat", "utf8").split(") ")[1]!.split(" ");
    // After "pid (comm) ": state is field 3, cutime field 16, cstime field 17.
    return (Number(fields[13]) + Number(fields[14])) / 100;
  } catch {
    return undefined;
  }
}

/** Runs vitest with the timing reporter; returns wall seconds, child CPU seconds and file times. */
interface VitestRun {
  wall: number;
  cpu?: number;
  files: FileTime[];
  status: number | null;
  /** The stack project's globalSetup line: how many program runs took how long. */
  programRuns?: string;
}

function vitest(args: string[]): VitestRun {
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "test-timing-")), "files.json");
  const cpuBefore = childCpuSeconds();
  const started = process.hrtime.bigint();
  const result = spawnSync(VITEST, [...args, "--reporter=dot", `--reporter=${REPORTER}`], {
    cwd: ROOT,
    env: { ...process.env, TEST_TIMING_OUT: out },
    encoding: "utf8",
  });
  const wall = Number(process.hrtime.bigint() - started) / 1e9;
  const cpuAfter = childCpuSeconds();
  const files: FileTime[] = fs.existsSync(out) ? JSON.parse(fs.readFileSync(out, "utf8")) : [];
  if (result.status !== 0) {
    const failed = files.filter((f) => !f.passed).map((f) => f.file);
    const why = failed.length
      ? `failed: ${failed.join(" ")}`
      : result.stderr.trim().split("\n").slice(-5).join("\n");
    console.log(`  (vitest ${args.join(" ")} exited ${result.status}; ${why})`);
  }
  return {
    wall,
    cpu: cpuBefore === undefined || cpuAfter === undefined ? undefined : cpuAfter - cpuBefore,
    files,
    status: result.status,
    programRuns: /stack: (\d+ program runs in .*)$/m.exec(result.stdout)?.[1],
  };
}

const verdict = (ok: boolean) => (ok ? "target met" : "TARGET MISSED");
const s = (seconds: number) => `${seconds.toFixed(1)} s`;

function main(): number {
  let ok = true;
  console.log(`machine: ${os.availableParallelism()} cores (nproc), load average ${load()} at start`);

  if (!process.argv.includes("--skip-suite")) {
    const suite = vitest(["run"]);
    const tests = suite.files.reduce((n, f) => n + f.tests, 0);
    const failed = suite.files.filter((f) => !f.passed).map((f) => f.file);
    console.log(
      `whole suite: ${s(suite.wall)} wall${suite.cpu === undefined ? "" : `, ${s(suite.cpu)} CPU`}, ` +
        `${suite.files.length} files, ${tests} tests${failed.length ? `, FAILED: ${failed.join(" ")}` : ""} ` +
        `(target <= ${TARGET.suiteSeconds} s on 2 cores: ${verdict(suite.wall <= TARGET.suiteSeconds)})`,
    );
    ok &&= suite.wall <= TARGET.suiteSeconds && suite.status === 0;
    if (suite.programRuns) console.log(`  before any stack file: ${suite.programRuns} (globalSetup)`);
    const byTime = [...suite.files].sort((a, b) => b.seconds - a.seconds);
    const slowest = byTime[0];
    if (slowest) console.log(`slowest file: ${slowest.file} (${slowest.project}) ${s(slowest.seconds)}`);
    for (const project of ["unit", "repo", "stack"]) {
      const files = byTime.filter((f) => f.project === project);
      if (files.length)
        console.log(
          `  ${project.padEnd(5)} ${files.length} files, slowest ${files[0]!.file} ${s(files[0]!.seconds)}`,
        );
    }
  }

  const unit = vitest(["run", UNIT_FILE]);
  console.log(
    `one unit file: ${UNIT_FILE} ${s(unit.wall)} wall, vitest start included ` +
      `(target <= ${TARGET.unitFileSeconds} s: ${verdict(unit.wall <= TARGET.unitFileSeconds)})`,
  );
  ok &&= unit.wall <= TARGET.unitFileSeconds && unit.status === 0;

  for (const module of PURE_MODULES) {
    const related = vitest(["related", module, "--run", "--passWithNoTests"]);
    const files = related.files.map((f) => f.file).sort();
    console.log(`vitest related ${module}: ${files.length} files in ${s(related.wall)}: ${files.join(" ")}`);
    ok &&= related.status === 0;
  }
  console.log(`load average ${load()} at the end`);
  return ok ? 0 : 1;
}

process.exitCode = main();
