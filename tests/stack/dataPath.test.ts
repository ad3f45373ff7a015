/**
 * Issue 14's program side, read from the synthesized stacks: beat reaches PostgreSQL (its
 * advisory lock) on both platforms, the timeouts reach every pod, web's drain is what the load
 * balancer's health check is sized by, and each Redis runs with the app's settings.
 */
import { describe, expect, it } from "vitest";
import {
  DATABASE_SECRETS_DIR,
  ENV,
  WEB_DRAIN,
  webDrainProblems,
  webGraceSeconds,
} from "../../components/k8s/djangoApp/appContract";
import { DATABASE_CLIENT_ROLES } from "../../components/k8s/djangoApp/appRoles";
import { redisServerSettings } from "../../lib/redisServer";
import type { ProgramRun } from "../../synth/recording";
import { manifests } from "../../synth/render";
import { connectionAllowed, type Endpoint } from "../support/networkPolicy";
import { manifest, programRun } from "./runs";

const pod = (run: ProgramRun, deployment: string) =>
  manifest(run, "Deployment", deployment).spec.template.spec;
const settingsOf = (run: ProgramRun, deployment: string) =>
  manifest(run, "ConfigMap", pod(run, deployment).containers[0].envFrom[0].configMapRef.name).data;
const app = (component: string): Endpoint => ({
  namespace: "django",
  labels: { "app.kubernetes.io/name": "django", "app.kubernetes.io/component": component },
});

describe.each(["minikube", "dev", "prod"])(
  "%s: beat's PostgreSQL connection (its advisory lock)",
  (stack) => {
    const run = () => programRun(stack);

    it("is a database client: the credentials mounted as files, the host in its settings", () => {
      expect(DATABASE_CLIENT_ROLES).toContain("beat");
      const beat = pod(run(), "celery-beat");
      const env = beat.containers[0].env as { name: string; value: string }[];
      expect(env).toContainEqual({
        name: `${ENV.postgresPassword}_FILE`,
        value: `${DATABASE_SECRETS_DIR}/${ENV.postgresPassword}`,
      });
      const mount = beat.containers[0].volumeMounts.find((m: any) => m.mountPath === DATABASE_SECRETS_DIR);
      const volume = beat.volumes.find((v: any) => v.name === mount?.name);
      expect(volume.secret.items.map((i: any) => i.key)).toContain(ENV.postgresPassword);
      expect(settingsOf(run(), "celery-beat")[ENV.postgresHost]).toBeTruthy();
      // One beat, the old one gone before the new one starts.
      const beatDeployment = manifest(run(), "Deployment", "celery-beat");
      expect(beatDeployment.spec.replicas).toBe(1);
      expect(beatDeployment.spec.strategy).toEqual({ type: "Recreate" });
    });

    if (stack === "minikube") {
      it("may open a connection to the postgres pod, as the NetworkPolicies evaluate", () => {
        const policies = manifests(run()).filter((o) => o.kind === "NetworkPolicy");
        const postgres: Endpoint = {
          namespace: "django",
          labels: { "app.kubernetes.io/name": "postgres", "app.kubernetes.io/component": "database" },
        };
        expect(connectionAllowed(policies, app("beat"), postgres, 5432, "TCP")).toBe(true);
        expect(connectionAllowed(policies, app("flower"), postgres, 5432, "TCP")).toBe(false);
      });
    } else {
      it("goes through its own Cloud SQL Auth Proxy sidecar", () => {
        const beat = pod(run(), "celery-beat");
        expect(beat.initContainers?.map((c: any) => c.name)).toEqual(["cloud-sql-proxy"]);
        expect(settingsOf(run(), "celery-beat")[ENV.postgresHost]).toBe("127.0.0.1");
      });
    }
  },
);

describe.each(["minikube", "prod"])("%s: the Celery timeouts", (stack) => {
  it("reach every role through the shared settings, the time limit below the visibility timeout", () => {
    const run = programRun(stack);
    for (const deployment of ["web", "celery-worker", "celery-beat", "flower"]) {
      const settings = settingsOf(run, deployment);
      expect(settings[ENV.celeryVisibilityTimeout], deployment).toBe("600");
      expect(Number(settings[ENV.celeryTaskTimeLimit])).toBeLessThan(
        Number(settings[ENV.celeryVisibilityTimeout]),
      );
    }
  });
});

describe.each(["minikube", "dev", "prod"])("%s: web's drain", (stack) => {
  it("pauses in preStop for longer than any health check needs, inside the grace period", () => {
    const web = pod(programRun(stack), "web");
    expect(web.containers[0].lifecycle.preStop.exec.command).toEqual([
      "python",
      "/app/config/drain.py",
      String(WEB_DRAIN.preStopPauseSeconds),
    ]);
    expect(web.terminationGracePeriodSeconds).toBe(webGraceSeconds());
    expect(web.volumes.find((v: any) => v.name === "tmp")).toHaveProperty("emptyDir");
    const probe = web.containers[0].readinessProbe;
    expect(probe.periodSeconds * probe.failureThreshold).toBeLessThan(WEB_DRAIN.preStopPauseSeconds);
  });

  if (stack !== "minikube") {
    it("sizes the load balancer's health check and connection draining by the pause", () => {
      const spec = manifest(programRun(stack), "BackendConfig", "web").spec;
      expect(webDrainProblems()).toEqual([]);
      expect(spec.healthCheck.requestPath).toBe("/readyz");
      expect(spec.healthCheck.checkIntervalSec * spec.healthCheck.unhealthyThreshold).toBeLessThan(
        WEB_DRAIN.preStopPauseSeconds,
      );
      expect(spec.healthCheck.timeoutSec).toBeLessThanOrEqual(spec.healthCheck.checkIntervalSec);
      expect(spec.connectionDraining.drainingTimeoutSec).toBeLessThanOrEqual(WEB_DRAIN.preStopPauseSeconds);
    });
  }
});

describe("Redis", () => {
  it("minikube: the server's data on a ReadWriteOnce claim, recreated, never two pods", () => {
    const run = programRun("minikube");
    const redis = manifest(run, "Deployment", "redis");
    expect(redis.spec.strategy).toEqual({ type: "Recreate" });
    const spec = redis.spec.template.spec;
    const claim = spec.volumes.find((v: any) => v.name === "data").persistentVolumeClaim.claimName;
    expect(manifest(run, "PersistentVolumeClaim", claim).spec.accessModes).toEqual(["ReadWriteOnce"]);
    expect(spec.containers[0].volumeMounts).toContainEqual({ name: "data", mountPath: "/data" });
  });

  it.each(["dev", "prod"])(
    "%s: Memorystore evicts only keys with a TTL (the cache), as the app's file says",
    (stack) => {
      const instance = programRun(stack).resources.find((r) => r.type === "gcp:redis/instance:Instance")!;
      const configs = (instance.inputs as { redisConfigs: Record<string, string> }).redisConfigs;
      expect(configs).toEqual(redisServerSettings().everywhere);
      expect(configs["maxmemory-policy"]).toBe("volatile-lru");
    },
  );

  it("prod: Memorystore keeps RDB snapshots", () => {
    const instance = programRun("prod").resources.find((r) => r.type === "gcp:redis/instance:Instance")!;
    expect((instance.inputs as any).persistenceConfig).toMatchObject({ persistenceMode: "RDB" });
  });
});
