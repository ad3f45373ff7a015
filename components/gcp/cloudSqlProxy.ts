/**
 * The Cloud SQL Auth Proxy as a native sidecar: it starts before the app (the app's first
 * connection finds it listening), stops after it, and reaches the instance's private IP with
 * IAM-authorized, TLS-encrypted connections. Django connects to 127.0.0.1:5432 in plain text.
 */
import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";

/** Google's repository of the proxy image. */
export const CLOUD_SQL_PROXY_REPOSITORY = "gcr.io/cloud-sql-connectors/cloud-sql-proxy";
/**
 * Pinned by digest, the release readable beside it. Digest as pinned by several public
 * repositories (docs/security.md, "Pinned images").
 */
export const CLOUD_SQL_PROXY_IMAGE = `${CLOUD_SQL_PROXY_REPOSITORY}:2.18.2@sha256:fc224915ef435afeb5b2a9421260a0d31986d5c8b7c7f5783c7f5d5885700cd2`;
export const PROXY_PORT = 5432;
/** Where the proxy reaches the instance's private IP. */
export const CLOUD_SQL_PROXY_SERVER_PORT = 3307;
const HEALTH_PORT = 9090;

export function cloudSqlProxySidecar(
  connectionName: pulumi.Input<string>,
): k8s.types.input.core.v1.Container {
  return {
    name: "cloud-sql-proxy",
    image: CLOUD_SQL_PROXY_IMAGE,
    args: [
      "--private-ip",
      "--structured-logs",
      `--port=${PROXY_PORT}`,
      "--health-check",
      "--http-address=0.0.0.0",
      `--http-port=${HEALTH_PORT}`,
      // Keep serving while the app drains its connections after SIGTERM.
      "--max-sigterm-delay=30s",
      "--exit-zero-on-sigterm",
      connectionName,
    ],
    ports: [{ name: "proxy-health", containerPort: HEALTH_PORT }],
    startupProbe: {
      httpGet: { path: "/startup", port: HEALTH_PORT },
      periodSeconds: 1,
      failureThreshold: 60,
    },
    livenessProbe: {
      httpGet: { path: "/liveness", port: HEALTH_PORT },
      periodSeconds: 10,
      failureThreshold: 3,
    },
    resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "500m", memory: "128Mi" } },
  };
}
