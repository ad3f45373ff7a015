/**
 * Both sides of the app contract: every environment variable the program sets is read by the
 * app when it runs, every command the pods run exists in the image, and the fixed paths and ids
 * the app uses are the program's.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import {
  APP_SECRETS_DIR,
  APP_UID,
  BEAT_HEARTBEAT_FILE,
  COMMANDS,
  ENV,
  FLOWER_HEALTH_PATH,
  LIVENESS_PATH,
  READINESS_PATH,
  WEB_DRAIN,
  WEB_PORT,
  WORKER_HEARTBEAT_FILE,
} from "../../components/k8s/djangoApp/appContract";
import { ROOT } from "../../synth/stackFiles";
import { type AppSide, appSide } from "../support/appSide";

const appDir = path.join(ROOT, "app");
const read = (file: string) => fs.readFileSync(path.join(appDir, file), "utf8");

/** The Dockerfile's instructions, by name: each instruction's arguments, in order. */
function dockerfile(): Record<string, string[]> {
  const instructions: Record<string, string[]> = {};
  for (const line of read("Dockerfile").replace(/\\\n/g, " ").split("\n")) {
    const match = /^([A-Z]+)\s+(.*)$/.exec(line.trim());
    if (!match) continue;
    const list = instructions[match[1]!] ?? [];
    list.push(match[2]!.trim());
    instructions[match[1]!] = list;
  }
  return instructions;
}

describe("the app contract", () => {
  // Both sides from one table: every name and value below is the program's (appContract.ts),
  // and the app's side is what the app does when it runs (tests/support/app_side.py).
  const app = beforeAllApp();

  it.each(Object.values(ENV))("the app reads %s", (name) => {
    expect([...app().read, app().metricsPortName]).toContain(name);
  });

  it("Flower's command names its config file (a missing default one is skipped silently), which reads its basic auth from the mounted Secret", () => {
    const conf = COMMANDS.flower.find((arg) => arg.startsWith("--conf="))?.slice("--conf=".length);
    expect(conf, "flower's command names its config file").toBeDefined();
    // Relative to the image's working directory, which is where the app's files are copied.
    expect(dockerfile().WORKDIR?.at(-1)).toBe("/app");
    const config = read(path.normalize(conf ?? ""));
    expect(config).toContain(`"${APP_SECRETS_DIR}"`);
    expect(config).toContain(`"${ENV.flowerBasicAuth}"`);
    expect(read("requirements.txt")).toMatch(/^flower==/m);
  });

  it("the image runs as the UID the pods are given, with the settings module the pods rely on", () => {
    const instructions = dockerfile();
    expect(instructions.USER?.at(-1)).toBe(`${APP_UID}:${APP_UID}`);
    // The pods set no DJANGO_SETTINGS_MODULE: the image does (wiring.test.ts assumes the same).
    expect(instructions.ENV?.join(" ")).toMatch(/\bDJANGO_SETTINGS_MODULE=config\.settings\b/);
  });

  it("every role's entry point is the app's", () => {
    expect(COMMANDS.web[1]).toBe("config.wsgi:application");
    expect(fs.existsSync(path.join(appDir, "config", "wsgi.py"))).toBe(true);
    expect(app().bind).toBe(`0.0.0.0:${WEB_PORT}`);
    expect(fs.existsSync(path.join(appDir, "manage.py"))).toBe(true);
    for (const role of ["worker", "beat", "flower"] as const)
      expect(COMMANDS[role].slice(0, 3)).toEqual(["celery", "-A", app().celeryMain]);
  });

  it("web's drain on stop has the app's own defaults (drain.py's pause, gunicorn's graceful timeout)", () => {
    expect(app().drainPauseSeconds).toBe(WEB_DRAIN.preStopPauseSeconds);
    expect(app().gracefulTimeoutSeconds).toBe(WEB_DRAIN.gracefulTimeoutSeconds);
    expect(app().read).toContain(ENV.gunicornGracefulTimeout);
  });

  it("the probes use the app's paths and heartbeat files", () => {
    expect(app().livenessPath).toBe(LIVENESS_PATH);
    expect(app().readinessPath).toBe(READINESS_PATH);
    expect(app().workerHeartbeatFile).toBe(WORKER_HEARTBEAT_FILE);
    expect(app().beatHeartbeatFile).toBe(BEAT_HEARTBEAT_FILE);
    expect(app().batchTokenName).toBe(ENV.batchToken);
    expect(FLOWER_HEALTH_PATH).toBe("/healthcheck");
  });
});

/** The app's side, run once before the file's tests. */
function beforeAllApp(): () => AppSide {
  let side: AppSide | undefined;
  beforeAll(() => {
    side = appSide();
  });
  return () => side!;
}
