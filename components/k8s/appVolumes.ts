/**
 * What every pod of the app mounts, and the `<NAME>_FILE` variables that point the app at the
 * mounted secrets: secrets reach it only as read-only files, never as environment values.
 * Pure, so it is tested without mocks.
 */
import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import {
  APP_DIR,
  APP_SECRETS_DIR,
  DATABASE_SECRET_KEYS,
  DATABASE_SECRETS_DIR,
  ENV,
  secretFileEnv,
} from "./appContract";
import { REDIS_CA_MOUNT } from "./appSettings";

export interface AppVolumeSources {
  /** The app's own Secret (secret key, Redis URL, Flower's credentials). */
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
  /** The `<NAME>_FILE` variables, one per secret the app reads from the app and database Secrets. */
  env: k8s.types.input.core.v1.EnvVar[];
}

// Owner and group may read; the pods' fsGroup is the app's group, nobody else gets in.
const SECRET_FILE_MODE = 0o440;
/** The app Secret's keys that the app reads through `_FILE` (Flower reads its own from the directory). */
const APP_SECRET_FILE_KEYS = [ENV.secretKey, ENV.redisUrl] as const;

export function appVolumes(sources: AppVolumeSources): AppVolumes {
  const mounted = [
    {
      volume: {
        name: "app-secrets",
        secret: { secretName: sources.appSecretName, defaultMode: SECRET_FILE_MODE },
      },
      mountPath: APP_SECRETS_DIR,
    },
    {
      volume: {
        name: "database-secrets",
        secret: { secretName: sources.databaseSecretName, defaultMode: SECRET_FILE_MODE },
      },
      mountPath: DATABASE_SECRETS_DIR,
    },
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
      ...secretFileEnv(APP_SECRETS_DIR, APP_SECRET_FILE_KEYS),
      ...secretFileEnv(DATABASE_SECRETS_DIR, DATABASE_SECRET_KEYS),
    ],
  };
}
