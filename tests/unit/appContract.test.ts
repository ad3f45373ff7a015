/**
 * Both sides of the app contract: every environment variable the program sets is read by the
 * app, every command the pods run exists in the image, and the fixed paths and ids agree.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import {
  APP_SECRETS_DIR,
  APP_UID,
  BEAT_HEARTBEAT_FILE,
  COMMANDS,
  ENV,
  FLOWER_HEALTH_PATH,
  LIVENESS_PATH,
  READINESS_PATH,
  WEB_PORT,
  WORKER_HEARTBEAT_FILE,
} from "../../components/k8s/djangoApp/appContract";
import { ROOT } from "../../synth/stackFiles";

const appDir = path.join(ROOT, "app");

const read = (file: string) => fs.readFileSync(path.join(appDir, file), "utf8");
function pythonSources(dir = appDir): string {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((e) => !["tests", "bench", "staticfiles", "__pycache__"].includes(e.name))
    .map((e) =>
      e.isDirectory()
        ? pythonSources(path.join(dir, e.name))
        : e.name.endsWith(".py")
          ? fs.readFileSync(path.join(dir, e.name), "utf8")
          : "",
    )
    .join("\n");
}

describe("the app contract", () => {
  const sources = pythonSources();

  it.each(Object.values(ENV))("the app reads %s", (name) => {
    expect(sources).toMatch(new RegExp(`["']${name}["']`));
  });

  it("Flower reads its basic auth from the mounted Secret (app/flowerconfig.py)", () => {
    const config = read("flowerconfig.py");
    expect(config).toContain(`"${APP_SECRETS_DIR}"`);
    expect(config).toContain(`"${ENV.flowerBasicAuth}"`);
    expect(read("requirements.txt")).toMatch(/^flower==/m);
  });

  it("the image runs as the UID the pods are given, with the settings module the pods rely on", () => {
    expect(read("Dockerfile")).toContain(`USER ${APP_UID}:${APP_UID}`);
    // The pods set no DJANGO_SETTINGS_MODULE: the image does (wiring.test.ts assumes the same).
    expect(read("Dockerfile")).toContain("DJANGO_SETTINGS_MODULE=config.settings");
  });

  it("every role's entry point exists", () => {
    expect(COMMANDS.web[1]).toBe("config.wsgi:application");
    expect(fs.existsSync(path.join(appDir, "config", "wsgi.py"))).toBe(true);
    expect(read("gunicorn.conf.py")).toContain("os.environ.get('PORT', '8000')");
    expect(WEB_PORT).toBe(8000);
    expect(fs.existsSync(path.join(appDir, "manage.py"))).toBe(true);
    for (const role of ["worker", "beat", "flower"] as const) {
      expect(COMMANDS[role].slice(0, 3)).toEqual(["celery", "-A", "config"]);
    }
    expect(read("config/celery.py")).toContain('Celery("config"');
  });

  it("the probes use the app's paths and heartbeat files", () => {
    const health = read("config/health.py");
    expect(health).toContain(`LIVENESS_PATH = "${LIVENESS_PATH}"`);
    expect(health).toContain(`READINESS_PATH = "${READINESS_PATH}"`);
    const heartbeat = read("heartbeat.py");
    expect(heartbeat).toContain(`"${WORKER_HEARTBEAT_FILE}"`);
    expect(heartbeat).toContain(`"${BEAT_HEARTBEAT_FILE}"`);
    expect(FLOWER_HEALTH_PATH).toBe("/healthcheck");
  });
});
