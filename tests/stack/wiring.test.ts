/**
 * Both sides of the contract, for real: the web container's environment exactly as the
 * minikube stack renders it (ConfigMap, Secrets and env resolved), with the Service host names
 * pointed at this machine, runs the app's migrate and a readiness check against a real
 * PostgreSQL and a Redis that requires the program's generated password. A renamed variable,
 * secret key, port or Service name on either side makes it fail.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ProgramRun, RecordedResource } from "../../synth/recording";
import { manifests } from "../../synth/render";
import { ROOT } from "../../synth/stackFiles";
import { programRun } from "./runs";

const PYTHON = path.join(ROOT, ".venv", "bin", "python");
const APP = path.join(ROOT, "app");
const PG = {
  host: process.env.POSTGRES_HOST ?? "127.0.0.1",
  port: process.env.POSTGRES_PORT ?? "5432",
  admin: "postgres",
};

const byStateName = (run: ProgramRun, type: string, name: string): RecordedResource => {
  const found = run.resources.find((r) => r.type === type && (r.state.metadata as any)?.name === name);
  if (!found)
    throw new Error(`no ${type} named ${name}: the pod refers to an object the program does not create`);
  return found;
};

/**
 * The environment the web container gets, as the kubelet would assemble it, with each mounted
 * secret written under `secretsRoot` and its `<NAME>_FILE` pointing there.
 */
function webEnvironment(run: ProgramRun, secretsRoot: string): Record<string, string> {
  const web = run.resources.find(
    (r) => r.type === "kubernetes:apps/v1:Deployment" && r.name === "django-web",
  )!;
  const pod = (web.unmaskedInputs as any).spec.template.spec;
  const container = pod.containers[0];
  const env: Record<string, string> = {};
  for (const source of container.envFrom ?? []) {
    expect(source.secretRef, "no Secret reaches the environment").toBeUndefined();
    Object.assign(
      env,
      (byStateName(run, "kubernetes:core/v1:ConfigMap", source.configMapRef.name).unmaskedInputs as any).data,
    );
  }
  const mountedSecrets = new Map<string, Record<string, string>>();
  for (const mount of container.volumeMounts) {
    const volume = pod.volumes.find((v: any) => v.name === mount.name);
    if (volume?.secret) {
      const secret = byStateName(run, "kubernetes:core/v1:Secret", volume.secret.secretName);
      mountedSecrets.set(mount.mountPath, (secret.unmaskedInputs as any).stringData);
    }
  }
  for (const variable of container.env ?? []) {
    expect(
      variable.valueFrom?.secretKeyRef,
      `${variable.name} comes from a file, not a secretKeyRef`,
    ).toBeUndefined();
    if (!variable.name.endsWith("_FILE")) {
      env[variable.name] = variable.value;
      continue;
    }
    // <NAME>_FILE=/run/secrets/x/KEY: the key must exist in the Secret mounted at /run/secrets/x.
    const directory = path.dirname(variable.value);
    const key = path.basename(variable.value);
    const data = mountedSecrets.get(directory);
    expect(data, `${variable.name} points into ${directory}, where no Secret is mounted`).toBeDefined();
    expect(Object.keys(data!), `${variable.name}: the Secret has no key ${key}`).toContain(key);
    const file = path.join(secretsRoot, directory, key);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, data![key]!);
    env[variable.name] = file;
  }
  return env;
}

/** A variable's value, from itself or from its file. */
const settingValue = (env: Record<string, string>, name: string) =>
  env[name] ?? (env[`${name}_FILE`] ? fs.readFileSync(env[`${name}_FILE`]!, "utf8") : undefined);

/** Sets a variable the way the pod has it: rewrites its mounted file, or its value. */
function replaceSetting(env: Record<string, string>, name: string, value: string) {
  if (env[`${name}_FILE`]) fs.writeFileSync(env[`${name}_FILE`]!, value);
  else env[name] = value;
}

/** Resolves once 127.0.0.1:port accepts connections; fails if the server exits or 10 s pass. */
async function untilAccepting(port: number, server: ChildProcess): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (server.exitCode !== null) throw new Error(`redis-server exited with ${server.exitCode}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, "127.0.0.1", () => {
        socket.destroy();
        resolve(true);
      });
      socket.on("error", () => resolve(false));
      socket.setTimeout(500, () => {
        socket.destroy();
        resolve(false);
      });
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`redis-server is not accepting connections on 127.0.0.1:${port} after 10 s`);
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, "127.0.0.1", () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

const psql = (sql: string) =>
  spawnSync(
    "psql",
    ["-h", PG.host, "-p", PG.port, "-U", PG.admin, "-d", "postgres", "-v", "ON_ERROR_STOP=1", "-c", sql],
    {
      encoding: "utf8",
    },
  );

function runApp(args: string[], env: Record<string, string>) {
  return spawnSync(PYTHON, args, {
    cwd: APP,
    // DJANGO_SETTINGS_MODULE comes from the image (app/Dockerfile's ENV), the rest from the pod.
    env: {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "/tmp",
      DJANGO_SETTINGS_MODULE: "config.settings",
      ...env,
    },
    encoding: "utf8",
    timeout: 120_000,
  });
}

const READINESS = [
  "-c",
  "import json, django; django.setup(); from config.health import readiness; print(json.dumps(readiness()))",
];

describe("wiring between the program and the app", () => {
  let env: Record<string, string>;
  let redis: ChildProcess;
  /** This run's PostgreSQL role and database: a name no other run or user has. */
  const runName = `wiring_${randomBytes(5).toString("hex")}`;
  let roleCreated = false;

  beforeAll(async () => {
    expect(fs.existsSync(PYTHON), "the app's venv is missing: run bash scripts/test-all.sh").toBe(true);
    const run = programRun("minikube");
    const program = webEnvironment(run, fs.mkdtempSync(path.join(os.tmpdir(), "wiring-")));
    const services = Object.fromEntries(
      manifests(run)
        .filter((m) => m.kind === "Service")
        .map((m) => [m.metadata.name, m.spec.ports[0].port as number]),
    );

    // PostgreSQL: the Service the settings name, on its port, with the Secret's credentials.
    expect(Object.keys(services), "POSTGRES_HOST names a Service").toContain(program.POSTGRES_HOST);
    expect(Number(program.POSTGRES_PORT), "POSTGRES_PORT is the Service's port").toBe(
      services[program.POSTGRES_HOST!],
    );
    const [user, db, password] = ["POSTGRES_USER", "POSTGRES_DB", "POSTGRES_PASSWORD"].map((name) =>
      settingValue(program, name),
    );
    expect(
      user && db && password,
      "the credentials Secret carries POSTGRES_USER, POSTGRES_DB, POSTGRES_PASSWORD",
    ).toBeTruthy();
    // The role and database get this run's own name instead of the Secret's (`app` would be
    // someone's database on a shared server, and another run's): created here, dropped in
    // afterAll, nothing else touched. The program's generated password is kept.
    const created = psql(`CREATE ROLE "${runName}" LOGIN PASSWORD '${password}'`);
    expect(created.status, created.stderr).toBe(0);
    roleCreated = true;
    expect(psql(`CREATE DATABASE "${runName}" OWNER "${runName}"`).status).toBe(0);

    // Redis: the Service in REDIS_URL, on its port, demanding the generated password.
    const url = new URL(settingValue(program, "REDIS_URL")!);
    expect(Object.keys(services), "REDIS_URL names a Service").toContain(url.hostname);
    expect(Number(url.port), "REDIS_URL uses the Service's port").toBe(services[url.hostname]);
    const redisPort = await freePort();
    redis = spawn(
      "redis-server",
      [
        "--port",
        String(redisPort),
        "--bind",
        "127.0.0.1",
        "--save",
        "",
        "--appendonly",
        "no",
        "--requirepass",
        decodeURIComponent(url.password),
      ],
      { stdio: "ignore" },
    );
    await untilAccepting(redisPort, redis);

    env = { ...program, POSTGRES_HOST: PG.host, POSTGRES_PORT: PG.port };
    replaceSetting(env, "POSTGRES_USER", runName);
    replaceSetting(env, "POSTGRES_DB", runName);
    url.hostname = "127.0.0.1";
    url.port = String(redisPort);
    // Rewrite the mounted file, as a different Service address would be.
    fs.writeFileSync(env.REDIS_URL_FILE!, url.toString());
  }, 60_000);

  afterAll(() => {
    redis?.kill();
    if (roleCreated) {
      psql(`DROP DATABASE IF EXISTS "${runName}" WITH (FORCE)`);
      psql(`DROP ROLE IF EXISTS "${runName}"`);
    }
  });

  it("migrates and reports ready with the program's environment", () => {
    const migrate = runApp(["manage.py", "migrate", "--noinput"], env);
    expect(migrate.status, migrate.stderr).toBe(0);
    expect(migrate.stdout).toContain("Applying demo.0001_initial... OK");
    const ready = runApp(READINESS, env);
    expect(ready.status, ready.stderr).toBe(0);
    expect(JSON.parse(ready.stdout.trim().split("\n").at(-1)!)).toEqual([200, { status: "ok" }]);
  });

  it.each([
    ["REDIS_URL_FILE", "REDIS_URL_PATH", "REDIS_URL"],
    ["POSTGRES_HOST", "POSTGRESQL_HOST", "POSTGRES_HOST"],
    ["POSTGRES_PASSWORD_FILE", "POSTGRES_PASS_FILE", "POSTGRES_PASSWORD"],
    ["DJANGO_SECRET_KEY_FILE", "SECRET_KEY_FILE", "DJANGO_SECRET_KEY"],
  ])("fails when %s is renamed (to %s)", (name, renamed, reported) => {
    const { [name]: value, ...rest } = env;
    const result = runApp(READINESS, { ...rest, [renamed]: value! });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain(reported);
  });

  it("is not ready when the password does not match the server's", () => {
    const wrong = new URL(settingValue(env, "REDIS_URL")!);
    wrong.password = "not-the-generated-one";
    const { REDIS_URL_FILE: _, ...rest } = env;
    const result = runApp(READINESS, { ...rest, REDIS_URL: wrong.toString() });
    expect(JSON.parse(result.stdout.trim().split("\n").at(-1)!)[0]).toBe(503);
  });
});
