/**
 * What one part of the app mounts, and the `<NAME>_FILE` variables that point the app at the
 * mounted secrets: secrets reach it only as read-only files, never as environment values, and
 * each part gets exactly the secrets the app contract says it reads (SECRETS_READ), nothing
 * more. Pure, so it is tested without mocks.
 */
import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import {
  APP_DIR,
  APP_SECRET_KEYS,
  APP_SECRETS_DIR,
  type AppPart,
  DATABASE_SECRET_KEYS,
  DATABASE_SECRETS_DIR,
  ENV,
  reads,
  type SecretName,
  secretFileEnv,
} from "./appContract";
import { REDIS_CA_MOUNT } from "./appSettings";

export interface AppVolumeSources {
  /** The app's own Secret (APP_SECRET_KEYS: secret key, Redis URL, Flower's credentials, batch token). */
  appSecretName: pulumi.Input<string>;
  /** The database credentials Secret (PostgresCredentials). */
  databaseSecretName: pulumi.Input<string>;
  /** The ConfigMap holding the Redis server's CA as ca.pem, when Redis speaks TLS. */
  redisCaConfigMapName?: pulumi.Input<string>;
  /** Dev mode: the claim on the host's working copy, mounted over the image's code. */
  sourceClaimName?: pulumi.Input<string>;
}

export interface AppVolumes {
  volumes: k8s.types.input.core.v1.Volume[];
  volumeMounts: k8s.types.input.core.v1.VolumeMount[];
  /** The `<NAME>_FILE` variables of the secrets mounted, and what the part goes without. */
  env: k8s.types.input.core.v1.EnvVar[];
}

// Owner and group may read; the pods' fsGroup is the app's group, nobody else gets in.
const SECRET_FILE_MODE = 0o440;
/** Flower reads its credentials from the directory itself: a FLOWER_* variable would be a Flower option. */
const READ_FROM_DIRECTORY: readonly SecretName[] = [ENV.flowerBasicAuth];

export function appVolumes(sources: AppVolumeSources, part: AppPart): AppVolumes {
  const appKeys = APP_SECRET_KEYS.filter((key) => reads(part, key));
  const databaseKeys = DATABASE_SECRET_KEYS.filter((key) => reads(part, key));
  const mounted = [
    ...secretVolume("app-secrets", sources.appSecretName, appKeys, APP_SECRETS_DIR),
    ...secretVolume("database-secrets", sources.databaseSecretName, databaseKeys, DATABASE_SECRETS_DIR),
    ...(sources.redisCaConfigMapName === undefined
      ? []
      : [
          {
            volume: { name: "redis-ca", configMap: { name: sources.redisCaConfigMapName } },
            mountPath: REDIS_CA_MOUNT,
          },
        ]),
    ...(sources.sourceClaimName === undefined
      ? []
      : [
          {
            volume: {
              name: "source",
              persistentVolumeClaim: { claimName: sources.sourceClaimName, readOnly: true },
            },
            mountPath: APP_DIR,
          },
        ]),
  ];
  return {
    volumes: mounted.map(({ volume }) => volume),
    volumeMounts: mounted.map(({ volume, mountPath }) => ({ name: volume.name, mountPath, readOnly: true })),
    env: [
      ...secretFileEnv(
        APP_SECRETS_DIR,
        appKeys.filter((key) => !READ_FROM_DIRECTORY.includes(key)),
      ),
      ...secretFileEnv(DATABASE_SECRETS_DIR, databaseKeys),
      // Without them the settings would stop start-up, as they must where they are needed.
      ...(databaseKeys.length === 0 ? [{ name: ENV.needsDatabase, value: "false" }] : []),
      ...(reads(part, ENV.secretKey) ? [] : [{ name: ENV.needsSecretKey, value: "false" }]),
    ],
  };
}

/** One Secret projected with only `keys` (none: no volume at all). */
function secretVolume(
  name: string,
  secretName: pulumi.Input<string>,
  keys: readonly string[],
  mountPath: string,
) {
  if (keys.length === 0) return [];
  return [
    {
      volume: {
        name,
        secret: {
          secretName,
          defaultMode: SECRET_FILE_MODE,
          items: keys.map((key) => ({ key, path: key })),
        },
      },
      mountPath,
    },
  ];
}
