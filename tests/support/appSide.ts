/**
 * The app's side of the contract, by running the app (tests/support/app_side.py with the app's
 * Python): the environment names it reads while it starts, and the paths, files and defaults its
 * probes and drain use. Run once per worker and shared.
 */
import { execFileSync } from "node:child_process";
import * as path from "node:path";
import { ROOT } from "../../synth/stackFiles";

export interface AppSide {
  /** Every environment name the app looked up (a `<NAME>_FILE` lookup counts as NAME). */
  read: string[];
  livenessPath: string;
  readinessPath: string;
  workerHeartbeatFile: string;
  beatHeartbeatFile: string;
  drainPauseSeconds: number;
  gracefulTimeoutSeconds: number;
  bind: string;
  celeryMain: string;
  metricsPortName: string;
  batchTokenName: string;
}

/** What the app needs to start at all, plus a Sentry DSN so the Sentry settings are read too. */
const STARTUP_ENV = {
  DJANGO_SECRET_KEY: "contract-test",
  POSTGRES_HOST: "db",
  POSTGRES_DB: "app",
  POSTGRES_USER: "app",
  POSTGRES_PASSWORD: "secret",
  REDIS_URL: "redis://redis:6379/0",
  SENTRY_DSN: "https://key@o1.ingest.sentry.io/1",
};

let cached: AppSide | undefined;
export function appSide(): AppSide {
  cached ??= JSON.parse(
    execFileSync(
      path.join(ROOT, ".venv", "bin", "python"),
      [path.join(ROOT, "tests", "support", "app_side.py"), JSON.stringify(STARTUP_ENV)],
      { cwd: path.join(ROOT, "app"), env: { PATH: "/usr/bin:/bin", HOME: "/nonexistent" }, encoding: "utf8" },
    ),
  ) as AppSide;
  return cached;
}
