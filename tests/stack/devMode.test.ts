import { describe, expect, it } from "vitest";
import { DEV_COMMANDS, ENV } from "../../components/k8s/djangoApp/appContract";
import { restrictedViolations } from "../../lib/podSecurity";
import type { ProgramRun } from "../../synth/recording";
import { manifests } from "../../synth/render";
import { manifest, programRun } from "./runs";

const dev = programRun("minikube", { "django-k8s:devMode": "true" });
const pod = (run: ProgramRun, name: string) => manifest(run, "Deployment", name).spec.template.spec;

describe("dev mode on minikube", () => {
  it("runs Django's autoreloading server and a worker that restarts on changes", () => {
    expect(pod(dev, "web").containers[0].command).toEqual([...DEV_COMMANDS.web]);
    const worker = pod(dev, "celery-worker").containers[0];
    expect(worker.command).toEqual([
      "watchfiles",
      "--filter",
      "python",
      "celery -A config worker --loglevel=INFO",
      "/app",
    ]);
    expect(worker.env).toContainEqual({ name: "WATCHFILES_FORCE_POLLING", value: "true" });
  });

  it("mounts the host's app/ read-only from a claim on a PersistentVolume, never a hostPath in a pod", () => {
    const pv = manifest(dev, "PersistentVolume", "django-django-src");
    expect(pv.spec.hostPath.path).toBe("/mnt/django-src");
    expect(pv.spec.claimRef).toEqual({ namespace: "django", name: "django-src" });
    expect(manifest(dev, "PersistentVolumeClaim", "django-src").spec.volumeName).toBe("django-django-src");
    const migrate = manifests(dev).find((o) => o.kind === "Job")!.spec.template.spec;
    for (const spec of [pod(dev, "web"), pod(dev, "celery-worker"), pod(dev, "celery-beat"), migrate]) {
      expect(spec.volumes).toContainEqual({
        name: "source",
        persistentVolumeClaim: { claimName: "django-src", readOnly: true },
      });
      expect(spec.containers[0].volumeMounts).toContainEqual({
        name: "source",
        mountPath: "/app",
        readOnly: true,
      });
    }
  });

  it("keeps the restricted profile on every pod", () => {
    for (const object of manifests(dev)) expect(restrictedViolations(object)).toEqual([]);
  });

  it("turns DEBUG on only in dev mode, and still migrates in a Job", () => {
    const settingsOf = (run: ProgramRun) =>
      manifest(run, "ConfigMap", pod(run, "web").containers[0].envFrom[0].configMapRef.name).data;
    expect(settingsOf(dev)[ENV.debug]).toBe("true");
    const normal = programRun("minikube");
    expect(settingsOf(normal)[ENV.debug]).toBe("false");
    expect(pod(normal, "web").containers[0].command).toEqual(["gunicorn", "config.wsgi:application"]);
    expect(normal.resources.some((r) => r.type === "django-k8s:k8s:DevSource")).toBe(false);
    expect(
      manifests(dev)
        .filter((o) => o.kind === "Job")
        .map((j) => j.spec.template.spec.containers[0].command),
    ).toEqual([["python", "manage.py", "migrate", "--noinput"]]);
    expect(dev.outputs.migrationJob!.value).not.toBe(normal.outputs.migrationJob!.value);
  });
});
