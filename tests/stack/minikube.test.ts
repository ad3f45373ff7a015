import { describe, expect, it } from "vitest";
import { COMMANDS, DATABASE_SECRET_KEYS, ENV } from "../../components/k8s/djangoApp/appContract";
import { byName, manifest, programRun } from "./runs";

const K = {
  deployment: "kubernetes:apps/v1:Deployment",
  statefulSet: "kubernetes:apps/v1:StatefulSet",
  job: "kubernetes:batch/v1:Job",
  pvc: "kubernetes:core/v1:PersistentVolumeClaim",
  pv: "kubernetes:core/v1:PersistentVolume",
  provider: "pulumi:providers:kubernetes",
};

const run = programRun("minikube");

const podOf = (kind: string, name: string) => manifest(run, kind, name).spec.template.spec;
const appContainer = (kind: string, name: string) => podOf(kind, name).containers[0];

describe("in-cluster PostgreSQL", () => {
  it("binds its claim to a hostPath PersistentVolume reserved for it", () => {
    const pv = manifest(run, "PersistentVolume", "django-postgres-data");
    expect(pv.spec.hostPath.path).toBe("/data/django-k8s/postgres");
    expect(pv.spec.persistentVolumeReclaimPolicy).toBe("Retain");
    expect(pv.spec.claimRef).toEqual({ namespace: "django", name: "postgres-data" });
    const pvc = manifest(run, "PersistentVolumeClaim", "postgres-data");
    expect(pvc.spec).toMatchObject({ storageClassName: "", volumeName: "django-postgres-data" });
    expect(pvc.spec.resources.requests.storage).toBe("5Gi");
  });

  it("runs one database pod on that claim, reading the credentials Secret", () => {
    const sts = manifest(run, "StatefulSet", "postgres");
    expect(sts.spec.replicas).toBe(1);
    const pod = sts.spec.template.spec;
    expect(pod.volumes).toContainEqual({
      name: "data",
      persistentVolumeClaim: { claimName: "postgres-data" },
    });
    // The image's <NAME>_FILE variables point into the mounted Secret: no credential in the environment.
    expect(pod.volumes).toContainEqual({
      name: "credentials",
      secret: { secretName: "postgres-credentials", defaultMode: 0o440 },
    });
    expect(pod.containers[0].env).toContainEqual({
      name: "POSTGRES_PASSWORD_FILE",
      value: "/run/secrets/postgres/POSTGRES_PASSWORD",
    });
    expect(pod.containers[0].envFrom).toBeUndefined();
    expect(pod.containers[0].readinessProbe.exec.command.join(" ")).toContain("pg_isready");
    expect(Object.keys(manifest(run, "Secret", "postgres-credentials").stringData).sort()).toEqual(
      [...DATABASE_SECRET_KEYS].sort(),
    );
  });

  it("is reached through a Service named postgres", () => {
    expect(manifest(run, "Service", "postgres").spec.ports[0]).toMatchObject({ port: 5432 });
  });

  it("uses the cluster's StorageClass instead when asked, with no PersistentVolume", () => {
    const other = programRun("minikube", {
      "django-k8s:postgresStorage": "storageClass",
      "django-k8s:postgresStorageClass": "standard",
    });
    expect(other.resources.filter((r) => r.type === K.pv)).toHaveLength(0);
    const pvc = manifest(other, "PersistentVolumeClaim", "postgres-data");
    expect(pvc.spec.storageClassName).toBe("standard");
    expect(pvc.spec.volumeName).toBeUndefined();
    const defaultClass = programRun("minikube", { "django-k8s:postgresStorage": "storageClass" });
    expect(
      manifest(defaultClass, "PersistentVolumeClaim", "postgres-data").spec.storageClassName,
    ).toBeUndefined();
  });
});

describe("in-cluster Redis", () => {
  it("runs behind AUTH with its password in a mounted file, as Service redis", () => {
    const pod = podOf("Deployment", "redis");
    expect(pod.containers[0].command).toEqual(["redis-server", "/etc/redis/redis.conf"]);
    expect(pod.volumes.find((v: any) => v.name === "config").secret.items).toEqual([
      { key: "redis.conf", path: "redis.conf" },
      { key: "password", path: "password" },
    ]);
    expect(pod.containers[0].env).toBeUndefined();
    expect(manifest(run, "Service", "redis").spec.ports[0].port).toBe(6379);
  });
});

describe("DjangoApp", () => {
  it("puts settings in a ConfigMap and secrets in a Secret, by contract name", () => {
    const web = appContainer("Deployment", "web");
    const [configMapRef] = web.envFrom;
    expect(web.envFrom).toHaveLength(1);
    const settings = manifest(run, "ConfigMap", configMapRef.configMapRef.name);
    expect(settings.data).toMatchObject({
      [ENV.postgresHost]: "postgres",
      [ENV.postgresPort]: "5432",
      [ENV.debug]: "false",
      [ENV.https]: "false",
      [ENV.allowedHosts]: "*",
    });
    // Secrets are mounted files; <NAME>_FILE points at each key.
    const volumes = manifest(run, "Deployment", "web").spec.template.spec.volumes;
    const appSecret = volumes.find((v: any) => v.name === "app-secrets").secret.secretName;
    expect(Object.keys(manifest(run, "Secret", appSecret).stringData).sort()).toEqual(
      [ENV.secretKey, ENV.flowerBasicAuth, ENV.redisUrl, ENV.batchToken, ENV.sentryDsn].sort(),
    );
    // The database pod's own Secret: the credentials exist once.
    expect(volumes.find((v: any) => v.name === "database-secrets").secret.secretName).toBe(
      "postgres-credentials",
    );
    expect(web.env).toEqual(
      expect.arrayContaining([
        { name: "DJANGO_SECRET_KEY_FILE", value: "/run/secrets/django/DJANGO_SECRET_KEY" },
        { name: "REDIS_URL_FILE", value: "/run/secrets/django/REDIS_URL" },
        { name: "POSTGRES_PASSWORD_FILE", value: "/run/secrets/postgres/POSTGRES_PASSWORD" },
      ]),
    );
  });

  it("runs web with its command, port, probes and a NodePort Service", () => {
    const web = appContainer("Deployment", "web");
    expect(web.command).toEqual([...COMMANDS.web]);
    expect(web.ports).toEqual([
      { name: "http", containerPort: 8000 },
      { name: "metrics", containerPort: 9100 },
    ]);
    expect(web.livenessProbe.httpGet.path).toBe("/healthz");
    expect(web.readinessProbe.httpGet.path).toBe("/readyz");
    expect(web.env).toContainEqual({ name: ENV.webConcurrency, value: "2" });
    const service = manifest(run, "Service", "web");
    expect(service.spec.type).toBe("NodePort");
    expect(service.spec.ports[0]).toMatchObject({ port: 80, targetPort: 8000 });
  });

  it("runs the Celery worker with a bounded soft shutdown inside its grace period", () => {
    const pod = podOf("Deployment", "celery-worker");
    const worker = pod.containers[0];
    expect(worker.command).toEqual([...COMMANDS.worker]);
    expect(worker.env).toContainEqual({ name: "REMAP_SIGTERM", value: "SIGQUIT" });
    expect(worker.livenessProbe.exec.command).toContain("/tmp/celery-worker-heartbeat");
    const settings = manifest(run, "ConfigMap", worker.envFrom[0].configMapRef.name).data;
    expect(Number(settings[ENV.celeryShutdownTimeout])).toBeLessThan(pod.terminationGracePeriodSeconds);
  });

  it("runs exactly one beat, replaced with Recreate", () => {
    const beat = manifest(run, "Deployment", "celery-beat");
    expect(beat.spec.replicas).toBe(1);
    expect(beat.spec.strategy).toEqual({ type: "Recreate" });
    expect(beat.spec.template.spec.containers[0].command).toEqual([...COMMANDS.beat]);
  });

  it("exposes Flower to a browser behind basic auth", () => {
    const flower = appContainer("Deployment", "flower");
    expect(flower.command).toEqual([...COMMANDS.flower]);
    expect(flower.readinessProbe.httpGet).toEqual({ path: "/healthcheck", port: "http" });
    expect(manifest(run, "Service", "flower").spec).toMatchObject({
      type: "NodePort",
      ports: [{ port: 5555 }],
    });
    expect(run.outputs.flowerPassword?.secret).toBe(true);
    expect(run.outputs.flowerUser?.value).toBe("admin");
  });

  it("migrates in a Job named after the image, replaced when it failed", () => {
    const name = run.outputs.migrationJob!.value as string;
    const job = manifest(run, "Job", name);
    expect(job.metadata.annotations["pulumi.com/replaceUnready"]).toBe("true");
    expect(job.spec.template.spec.restartPolicy).toBe("Never");
    expect(job.spec.template.spec.containers[0].command).toEqual([...COMMANDS.migrate]);
  });

  it("labels the namespace to enforce the restricted profile", () => {
    expect(manifest(run, "Namespace", "django").metadata.labels["pod-security.kubernetes.io/enforce"]).toBe(
      "restricted",
    );
  });
});

describe("ordering", () => {
  const deps = (type: string, name: string) => byName(run, type, name).dependencies;

  it("starts web, worker and beat only after the migration Job", () => {
    const job = byName(run, K.job, "django-migrate").urn;
    for (const name of ["django-web", "django-worker", "django-beat"])
      expect(deps(K.deployment, name)).toContain(job);
  });
  it("puts the database on its claim, the claim on its volume, and migrations after the database", () => {
    expect(deps(K.statefulSet, "postgres-db")).toContain(byName(run, K.pvc, "postgres-claim").urn);
    expect(deps(K.pvc, "postgres-claim")).toContain(byName(run, K.pv, "postgres-volume").urn);
    const settings = byName(run, "kubernetes:core/v1:ConfigMap", "django-settings");
    expect(settings.dependencies).toContain(byName(run, K.statefulSet, "postgres-db").urn);
    expect(deps(K.job, "django-migrate")).toContain(settings.urn);
  });
  it("puts every Kubernetes object on the explicit minikube provider", () => {
    const provider = byName(run, K.provider, "minikube");
    const objects = run.resources.filter((r) => r.custom && r.type.startsWith("kubernetes:"));
    expect(objects.length).toBeGreaterThan(15);
    for (const object of objects)
      expect(object.provider.startsWith(`${provider.urn}::`), object.name).toBe(true);
    expect(provider.inputs.context).toBe("minikube");
  });
});

describe("the app image", () => {
  it("is built from app/ into the node's Docker, tagged by content, and never pulled", () => {
    const image = byName(run, "docker-build:index:Image", "app-image-build");
    expect(image.inputs).toMatchObject({ push: false, load: true });
    const tag = (image.inputs.tags as string[])[0]!;
    expect(tag).toMatch(/^django-k8s-app:[0-9a-f]{16}$/);
    expect(appContainer("Deployment", "web")).toMatchObject({ image: tag, imagePullPolicy: "Never" });
    for (const name of ["django-web", "django-worker", "django-beat", "django-migrate"]) {
      const type = name === "django-migrate" ? K.job : K.deployment;
      expect(byName(run, type, name).dependencies).toContain(image.urn);
    }
  });

  it("uses the configured image instead, building nothing", () => {
    const other = programRun("minikube", { "django-k8s:image": "ghcr.io/acme/app:1.2.3" });
    expect(other.resources.some((r) => r.type === "docker-build:index:Image")).toBe(false);
    expect(manifest(other, "Deployment", "web").spec.template.spec.containers[0]).toMatchObject({
      image: "ghcr.io/acme/app:1.2.3",
      imagePullPolicy: "IfNotPresent",
    });
  });
});

describe("the migration Job's name", () => {
  const jobName = (overrides: Record<string, string>, run = 1) =>
    programRun("minikube", overrides, run).outputs.migrationJob!.value;

  it("changes when the image changes, and only then", () => {
    const first = jobName({ "django-k8s:image": "app:1" });
    // A second, independent run of the same configuration.
    expect(jobName({ "django-k8s:image": "app:1" }, 2)).toBe(first);
    expect(jobName({ "django-k8s:image": "app:1", "django-k8s:webReplicas": "3" })).toBe(first);
    expect(jobName({ "django-k8s:image": "app:2" })).not.toBe(first);
  });
});

describe("the recorded URNs", () => {
  it("carry the parent's whole type chain, as the engine's do (the engine test matches them to its plan)", () => {
    const hpa = byName(run, "kubernetes:autoscaling/v2:HorizontalPodAutoscaler", "django-web-scaling-hpa");
    expect(hpa.urn).toBe(
      "urn:pulumi:minikube::django-k8s::django-k8s:k8s:DjangoApp$django-k8s:k8s:WorkloadScaling$kubernetes:autoscaling/v2:HorizontalPodAutoscaler::django-web-scaling-hpa",
    );
    // A child of the root stack has no stack type in its URN.
    expect(byName(run, "django-k8s:k8s:DjangoApp", "django").urn).toBe(
      "urn:pulumi:minikube::django-k8s::django-k8s:k8s:DjangoApp::django",
    );
  });
});
