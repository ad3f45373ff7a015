import { describe, expect, it } from "vitest";
import {
  APP_DIR,
  APP_SECRETS_DIR,
  DATABASE_SECRET_KEYS,
  DATABASE_SECRETS_DIR,
  ENV,
} from "../../components/k8s/djangoApp/appContract";
import { settingsData } from "../../components/k8s/djangoApp/appSettings";
import { type AppVolumes, appVolumes } from "../../components/k8s/djangoApp/appVolumes";

const SECRETS = { appSecretName: "app-secret", databaseSecretName: "postgres-credentials" };

/** The volume mounted at the directory that holds `file`, or undefined. */
function volumeHolding(result: AppVolumes, file: string) {
  const mount = result.volumeMounts.find((m) => file.startsWith(`${m.mountPath}/`));
  return mount && result.volumes.find((v) => v.name === mount.name);
}

describe("app volumes and secret files", () => {
  it("mounts the keys web reads from the app and database Secrets read-only, readable by owner and group only", () => {
    const result = appVolumes(SECRETS, "web");
    const items = (keys: readonly string[]) => keys.map((key) => ({ key, path: key }));
    expect(result.volumes).toEqual([
      {
        name: "app-secrets",
        secret: {
          secretName: "app-secret",
          defaultMode: 0o440,
          items: items([ENV.secretKey, ENV.redisUrl, ENV.batchToken, ENV.sentryDsn]),
        },
      },
      {
        name: "database-secrets",
        secret: {
          secretName: "postgres-credentials",
          defaultMode: 0o440,
          items: items(DATABASE_SECRET_KEYS),
        },
      },
    ]);
    expect(result.volumeMounts).toEqual([
      { name: "app-secrets", mountPath: APP_SECRETS_DIR, readOnly: true },
      { name: "database-secrets", mountPath: DATABASE_SECRETS_DIR, readOnly: true },
    ]);
  });

  it("points every <NAME>_FILE at that key inside the Secret it comes from", () => {
    const result = appVolumes(SECRETS, "web");
    const files = Object.fromEntries(result.env.map((e) => [e.name, e.value as string]));
    expect(Object.keys(files).sort()).toEqual(
      [ENV.secretKey, ENV.redisUrl, ENV.batchToken, ENV.sentryDsn, ...DATABASE_SECRET_KEYS]
        .map((key) => `${key}_FILE`)
        .sort(),
    );
    for (const key of [ENV.secretKey, ENV.redisUrl]) {
      expect(files[`${key}_FILE`]).toBe(`${APP_SECRETS_DIR}/${key}`);
      expect(volumeHolding(result, files[`${key}_FILE`]!)).toMatchObject({
        secret: { secretName: "app-secret" },
      });
    }
    for (const key of DATABASE_SECRET_KEYS) {
      expect(files[`${key}_FILE`]).toBe(`${DATABASE_SECRETS_DIR}/${key}`);
      expect(volumeHolding(result, files[`${key}_FILE`]!)).toMatchObject({
        secret: { secretName: "postgres-credentials" },
      });
    }
  });

  it("never puts a secret's value in the environment", () => {
    for (const part of ["web", "flower", "collectstatic"] as const) {
      const names = appVolumes(SECRETS, part).env.map((e) => e.name);
      for (const key of [
        ENV.secretKey,
        ENV.redisUrl,
        ENV.flowerBasicAuth,
        ENV.batchToken,
        ...DATABASE_SECRET_KEYS,
      ]) {
        expect(names).not.toContain(key);
      }
    }
  });

  it("mounts the Redis CA where the settings' REDIS_CA_CERT points, only with TLS", () => {
    const settings = settingsData(
      {
        database: { host: "127.0.0.1", port: 5432, credentialsSecretName: "postgres-credentials" },
        redisUrl: "rediss://:password@10.0.0.3:6378/0",
        redisTls: { caCert: "PEM", checkHostname: false },
        staticFiles: { kind: "app" },
        network: { database: [], redis: [] },
      },
      { allowedHosts: [], csrfTrustedOrigins: [], https: true },
      { taskTimeLimitSeconds: 60, visibilityTimeoutSeconds: 600, shutdownSeconds: 30 },
    );
    const caFile = settings[ENV.redisCaCert] as string;
    const withTls = appVolumes({ ...SECRETS, redisCaConfigMapName: "redis-ca" }, "web");
    expect(volumeHolding(withTls, caFile)).toEqual({ name: "redis-ca", configMap: { name: "redis-ca" } });
    expect(caFile.endsWith("/ca.pem")).toBe(true); // the ConfigMap's key
    expect(volumeHolding(appVolumes(SECRETS, "web"), caFile)).toBeUndefined();
  });

  it("dev mode mounts the working copy read-only over the image's code", () => {
    const dev = appVolumes({ ...SECRETS, sourceClaimName: "django-src" }, "web");
    expect(dev.volumes).toContainEqual({
      name: "source",
      persistentVolumeClaim: { claimName: "django-src", readOnly: true },
    });
    expect(dev.volumeMounts).toContainEqual({ name: "source", mountPath: APP_DIR, readOnly: true });
    expect(appVolumes(SECRETS, "web").volumes.map((v) => v.name)).not.toContain("source");
  });

  it("gives Flower the broker and its own credentials only: no database, no secret key", () => {
    const flower = appVolumes(SECRETS, "flower");
    expect(flower.volumes).toEqual([
      {
        name: "app-secrets",
        secret: {
          secretName: "app-secret",
          defaultMode: 0o440,
          items: [ENV.redisUrl, ENV.flowerBasicAuth].map((key) => ({ key, path: key })),
        },
      },
    ]);
    expect(flower.env).toEqual([
      { name: `${ENV.redisUrl}_FILE`, value: `${APP_SECRETS_DIR}/${ENV.redisUrl}` },
      { name: ENV.needsDatabase, value: "false" },
      { name: ENV.needsSecretKey, value: "false" },
    ]);
  });

  it("gives collectstatic no database secret, and says so to the settings", () => {
    const collect = appVolumes(SECRETS, "collectstatic");
    expect(collect.volumes.map((v) => v.name)).toEqual(["app-secrets"]);
    expect(collect.env).toContainEqual({ name: ENV.needsDatabase, value: "false" });
    expect(collect.env.map((e) => e.name)).not.toContain(ENV.needsSecretKey);
  });

  it("gives every volume exactly one mount, all read-only", () => {
    const all = appVolumes({ ...SECRETS, redisCaConfigMapName: "ca", sourceClaimName: "src" }, "web");
    expect(all.volumeMounts.map((m) => m.name)).toEqual(all.volumes.map((v) => v.name));
    expect(new Set(all.volumes.map((v) => v.name)).size).toBe(all.volumes.length);
    expect(all.volumeMounts.every((m) => m.readOnly === true)).toBe(true);
  });
});
