/** The app's non-secret settings (the ConfigMap), by contract name. Pure. */
import * as pulumi from "@pulumi/pulumi";
import { ENV } from "./appContract";
import type { AppBackends } from "./backends";

export const REDIS_CA_MOUNT = "/etc/redis-tls";

export interface DjangoSettings {
  allowedHosts: pulumi.Input<string>[];
  csrfTrustedOrigins: pulumi.Input<string>[];
  https: boolean;
  debug?: boolean;
  /** GCP: the project, for the trace field of the app's JSON logs (app/config/logs.py). */
  googleCloudProject?: string;
}

export function settingsData(
  backends: AppBackends,
  django: DjangoSettings,
  worker: { taskTimeLimitSeconds: number; visibilityTimeoutSeconds: number; shutdownSeconds: number },
): Record<string, pulumi.Input<string>> {
  const joined = (items: pulumi.Input<string>[]) => pulumi.all(items).apply((values) => values.join(","));
  const data: Record<string, pulumi.Input<string>> = {
    [ENV.debug]: String(django.debug ?? false),
    [ENV.allowedHosts]: joined(django.allowedHosts),
    [ENV.csrfTrustedOrigins]: joined(django.csrfTrustedOrigins),
    [ENV.https]: String(django.https),
    [ENV.postgresHost]: backends.database.host,
    [ENV.postgresPort]: pulumi.output(backends.database.port).apply(String),
    // Every role reads both: the worker runs tasks, and every sender checks countdowns (app/config/celery.py).
    [ENV.celeryTaskTimeLimit]: String(worker.taskTimeLimitSeconds),
    [ENV.celeryVisibilityTimeout]: String(worker.visibilityTimeoutSeconds),
    [ENV.celeryShutdownTimeout]: String(worker.shutdownSeconds),
  };
  if (django.googleCloudProject) data[ENV.googleCloudProject] = django.googleCloudProject;
  if (backends.redisTls) {
    data[ENV.redisCaCert] = `${REDIS_CA_MOUNT}/ca.pem`;
    data[ENV.redisTlsCheckHostname] = String(backends.redisTls.checkHostname);
  }
  if (backends.staticFiles.kind === "bucket") {
    data[ENV.staticBucket] = backends.staticFiles.bucket;
    data[ENV.staticUrl] = backends.staticFiles.publicUrl;
  }
  return data;
}
