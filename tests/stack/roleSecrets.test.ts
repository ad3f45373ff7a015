/**
 * Least privilege for secrets: each part of the app mounts exactly the secrets the app contract
 * says it reads (SECRETS_READ), on every stack; and the app really starts with exactly those
 * (Django's settings, run with the pod's own environment and files), while leaving out any
 * one of them that the settings read stops it.
 */
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import {
  APP_SECRET_KEYS,
  DATABASE_SECRET_KEYS,
  ENV,
  SECRETS_READ,
} from "../../components/k8s/djangoApp/appContract";
import { APP_COMPONENTS, type AppComponent } from "../../components/k8s/djangoApp/appRoles";
import type { ProgramRun } from "../../synth/recording";
import { manifests } from "../../synth/render";
import { ROOT } from "../../synth/stackFiles";
import { programRun } from "./runs";

type Manifest = Record<string, any>;

/** Every pod of the app (Deployments and Jobs), by its component label. */
function appPods(run: ProgramRun): Map<AppComponent, Manifest> {
  const pods = new Map<AppComponent, Manifest>();
  for (const m of manifests(run)) {
    if (!["Deployment", "Job"].includes(m.kind)) continue;
    const labels = m.spec.template.metadata.labels;
    const part = labels["app.kubernetes.io/component"];
    // Parts of the app image; other Jobs (the pre-migration backup) run no Django settings.
    if (labels["app.kubernetes.io/name"] !== "django" || !APP_COMPONENTS.includes(part)) continue;
    pods.set(part, m.spec.template.spec);
  }
  return pods;
}

/** The Secret keys a pod mounts, with the directory each lands in. */
function mountedSecrets(pod: Manifest): { key: string; file: string }[] {
  const container = pod.containers.find((c: Manifest) => c.name === "app");
  return pod.volumes
    .filter((v: Manifest) => v.secret)
    .flatMap((v: Manifest) => {
      const mount = container.volumeMounts.find((m: Manifest) => m.name === v.name);
      if (!mount) return [];
      // Without items every key of the Secret would land in the directory: not allowed here.
      expect(v.secret.items, `${v.name} projects only the keys it names`).toBeDefined();
      return v.secret.items.map((item: Manifest) => ({
        key: item.key,
        file: `${mount.mountPath}/${item.path}`,
      }));
    });
}

const sorted = (keys: readonly string[]) => [...keys].sort();

describe.each(["minikube", "dev", "prod"])("%s stack", (stack) => {
  it("mounts each part exactly the secrets its contract reads", () => {
    const pods = appPods(programRun(stack));
    const expected =
      // seed runs on previews only (previews.test.ts checks its secrets).
      APP_COMPONENTS.filter((c) => c !== "seed" && (stack !== "minikube" || c !== "collectstatic"));
    expect(sorted([...pods.keys()])).toEqual(sorted(expected));
    for (const [part, pod] of pods) {
      expect(sorted(mountedSecrets(pod).map((s) => s.key)), part).toEqual(sorted(SECRETS_READ[part]));
    }
  });

  it("hands the batch token to the operator as a secret output only", () => {
    expect(programRun(stack).outputs.batchToken?.secret).toBe(true);
  });

  it("keeps the database credentials and the secret key out of Flower, and the database out of collectstatic", () => {
    const pods = appPods(programRun(stack));
    const flower = mountedSecrets(pods.get("flower")!).map((s) => s.key);
    for (const key of [...DATABASE_SECRET_KEYS, ENV.secretKey, ENV.batchToken])
      expect(flower).not.toContain(key);
    const collect = pods.get("collectstatic");
    if (collect)
      for (const key of DATABASE_SECRET_KEYS)
        expect(mountedSecrets(collect).map((s) => s.key)).not.toContain(key);
    // Only web is given the batch token.
    for (const [part, pod] of pods) {
      expect(
        mountedSecrets(pod).some((s) => s.key === ENV.batchToken),
        part,
      ).toBe(part === "web");
    }
  });
});

/** Placeholder values the settings accept: nothing is connected to while they load. */
const VALUES: Record<string, string> = {
  [ENV.secretKey]: "k".repeat(50),
  [ENV.redisUrl]: "redis://127.0.0.1:1/0",
  [ENV.flowerBasicAuth]: "flower:password",
  [ENV.batchToken]: "token",
  [ENV.sentryDsn]: "", // off unless sentryDsn is set: an empty file
  [ENV.postgresDb]: "app",
  [ENV.postgresUser]: "app",
  [ENV.postgresPassword]: "password",
};
/** Read by the app outside its settings: Flower's file (flowerconfig.py), the token per request. */
const NOT_READ_AT_START: readonly string[] = [ENV.flowerBasicAuth, ENV.batchToken];
const PYTHON = path.join(ROOT, ".venv", "bin", "python");

/**
 * Loads Django's settings (and Celery's configuration) the way `part`'s container would:
 * its environment, its ConfigMap and its secret files, except `without`. The error, or "".
 * Each in its own directory and process, so the tests below run side by side.
 */
async function startSettings(run: ProgramRun, part: AppComponent, without?: string): Promise<string> {
  const pod = appPods(run).get(part)!;
  const container = pod.containers.find((c: Manifest) => c.name === "app");
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `secrets-${part}-`));
  try {
    const relocated = (file: string) => path.join(dir, file);
    for (const { key, file } of mountedSecrets(pod)) {
      if (key === without) continue;
      fs.mkdirSync(path.dirname(relocated(file)), { recursive: true });
      fs.writeFileSync(relocated(file), VALUES[key]!);
    }
    const configMaps = container.envFrom.map((e: Manifest) => e.configMapRef.name);
    const settings = manifests(run)
      .filter((m) => m.kind === "ConfigMap" && configMaps.includes(m.metadata.name))
      .reduce((all, m) => Object.assign(all, m.data), {} as Record<string, string>);
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? "",
      ...settings,
      DJANGO_SETTINGS_MODULE: "config.settings",
    };
    for (const { name, value } of container.env)
      env[name] = name.endsWith("_FILE") ? relocated(value) : value;
    await promisify(execFile)(
      PYTHON,
      ["-c", "import django; django.setup(); from config.celery import app; app.conf.broker_url"],
      { cwd: path.join(ROOT, "app"), env },
    );
    return "";
  } catch (error) {
    const stderr = String((error as { stderr?: string }).stderr ?? error);
    return stderr.trim().split("\n").at(-1) ?? stderr;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe("the load generator holds the batch token", () => {
  it("posts the payload file mounted from its own Secret, which carries web's token", () => {
    const run = programRun("minikube", {
      "django-k8s:loadGenerator": "true",
      "django-k8s:loadGeneratorRate": "50",
    });
    const pod = manifests(run).find((m) => m.kind === "Deployment" && m.metadata.name === "load-generator")!
      .spec.template.spec;
    const batch = pod.containers.find((c: Manifest) => c.name === "batch");
    expect(batch.args).toContain("-payload-file");
    const file: string = batch.args[batch.args.indexOf("-payload-file") + 1];
    const mount = batch.volumeMounts.find((m: Manifest) => file.startsWith(`${m.mountPath}/`));
    const volume = pod.volumes.find((v: Manifest) => v.name === mount.name);
    expect(volume.secret.items).toEqual([{ key: path.basename(file), path: path.basename(file) }]);
    // The pages stream gets no secret at all; the token is never an argument or a variable.
    expect(pod.containers.find((c: Manifest) => c.name === "pages").volumeMounts).toBeUndefined();
    expect(JSON.stringify(pod.containers)).not.toMatch(/token=/);
    const secret = manifests(run).find(
      (m) => m.kind === "Secret" && m.metadata.name === volume.secret.secretName,
    )!;
    expect(Object.keys(secret.stringData)).toEqual([path.basename(file)]);
  });
});

describe.concurrent("the app reads what its contract says", () => {
  const run = () => programRun("minikube");

  it.each(APP_COMPONENTS.filter((c) => c !== "collectstatic" && c !== "seed"))(
    "%s starts with exactly its secrets",
    async (part) => {
      expect(await startSettings(run(), part)).toBe("");
    },
  );

  it("Flower's settings load with no database credentials and no secret key", async () => {
    expect(SECRETS_READ.flower).not.toContain(ENV.secretKey);
    expect(await startSettings(run(), "flower")).toBe("");
  });

  it.each(SECRETS_READ.web.filter((key) => !NOT_READ_AT_START.includes(key)))(
    "web does not start without %s",
    async (key) => {
      expect(await startSettings(run(), "web", key)).toContain(key);
    },
  );

  it("every key of the app's Secret is read by some part", () => {
    for (const key of APP_SECRET_KEYS) {
      expect(
        Object.values(SECRETS_READ).some((keys) => (keys as readonly string[]).includes(key)),
        key,
      ).toBe(true);
    }
  });
});
