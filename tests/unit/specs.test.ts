import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { contextHash } from "../../components/image/contextHash";
import { appPodSpec, asNativeSidecar } from "../../components/k8s/djangoApp/appPod";
import { runOnceJobName } from "../../components/k8s/specs/jobNames";
import { selectorLabels, standardLabels } from "../../components/k8s/specs/labels";
import { resources } from "../../components/k8s/specs/resources";
import { isolatedPod, restrictedContainerSecurityContext } from "../../components/k8s/specs/security";
import { scratchVolumes } from "../../components/k8s/specs/volumes";
import { restrictedViolations } from "../../lib/podSecurity";
import { cpuMillicores, memoryBytes, wholeCpus } from "../../lib/quantity";

describe("quantities", () => {
  it("parses CPU and memory", () => {
    expect(cpuMillicores("250m")).toBe(250);
    expect(cpuMillicores("1.5")).toBe(1500);
    expect(cpuMillicores("fast")).toBeUndefined();
    expect(memoryBytes("512Mi")).toBe(512 * 2 ** 20);
    expect(memoryBytes("1G")).toBe(1e9);
    expect(memoryBytes("lots")).toBeUndefined();
  });
  it("derives whole CPUs from a limit, at least one", () => {
    expect(wholeCpus("500m")).toBe(1);
    expect(wholeCpus("2")).toBe(2);
    expect(wholeCpus("2500m")).toBe(3);
  });
});

describe("runOnceJobName", () => {
  const migrationJobName = (image: string, command: string[]) => runOnceJobName("migrate", image, command);
  const command = ["python", "manage.py", "migrate", "--noinput"];
  it("is stable for the same image and command", () => {
    expect(migrationJobName("app:1", command)).toBe(migrationJobName("app:1", command));
  });
  it("changes with the image or the command", () => {
    expect(migrationJobName("app:1", command)).not.toBe(migrationJobName("app:2", command));
    expect(migrationJobName("app:1", command)).not.toBe(migrationJobName("app:1", [...command, "demo"]));
  });
  it("is a valid Job name", () => {
    expect(migrationJobName("registry/app@sha256:abc", command)).toMatch(/^migrate-[0-9a-f]{12}$/);
  });
});

describe("shared specs", () => {
  it("labels with the standard keys and selects on the stable subset", () => {
    expect(standardLabels("django", "web")).toMatchObject({
      "app.kubernetes.io/name": "django",
      "app.kubernetes.io/component": "web",
      "app.kubernetes.io/managed-by": "pulumi",
    });
    expect(Object.keys(selectorLabels("django", "web"))).toEqual([
      "app.kubernetes.io/name",
      "app.kubernetes.io/component",
    ]);
  });
  it("isolates every pod: no API token, no service links, restricted identity", () => {
    expect(isolatedPod(70, 70)).toEqual({
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      securityContext: {
        runAsNonRoot: true,
        runAsUser: 70,
        runAsGroup: 70,
        fsGroup: 70,
        seccompProfile: { type: "RuntimeDefault" },
      },
    });
  });
  it("sets memory request equal to the limit", () => {
    expect(resources({ cpuRequest: "100m", cpuLimit: "1", memory: "256Mi" })).toEqual({
      requests: { cpu: "100m", memory: "256Mi" },
      limits: { cpu: "1", memory: "256Mi" },
    });
  });
  it("builds scratch volumes and their mounts together", () => {
    const scratch = scratchVolumes([{ name: "tmp", mountPath: "/tmp", sizeLimit: "64Mi", memory: true }]);
    expect(scratch.volumes).toEqual([{ name: "tmp", emptyDir: { sizeLimit: "64Mi", medium: "Memory" } }]);
    expect(scratch.volumeMounts).toEqual([{ name: "tmp", mountPath: "/tmp" }]);
  });
  it("turns a sidecar into a native, hardened one", () => {
    const sidecar = asNativeSidecar({
      name: "proxy",
      image: "proxy:1",
      securityContext: { privileged: true },
    });
    expect(sidecar.restartPolicy).toBe("Always");
    expect(sidecar.securityContext).toEqual(restrictedContainerSecurityContext());
  });
});

describe("restrictedViolations", () => {
  const pod = appPodSpec({
    image: "app:1",
    imagePullPolicy: "IfNotPresent",
    command: ["gunicorn"],
    envFrom: [],
    resources: { cpuRequest: "100m", cpuLimit: "1", memory: "256Mi" },
    serviceAccountName: "django",
  });
  const deployment = (spec: unknown) => ({
    kind: "Deployment",
    metadata: { name: "x" },
    spec: { template: { spec } },
  });

  it("accepts the shared app pod spec", () => {
    expect(restrictedViolations(deployment(pod))).toEqual([]);
  });
  it("flags each rule a pod breaks", () => {
    const bad = structuredClone(pod) as any;
    bad.volumes.push({ name: "host", hostPath: { path: "/" } });
    bad.hostNetwork = true;
    bad.containers[0].securityContext = { privileged: true };
    delete bad.containers[0].resources.limits;
    bad.securityContext = {};
    const problems = restrictedViolations(deployment(bad)).join("\n");
    for (const expected of [
      "volume host is of type hostPath",
      "hostNetwork is on",
      "privileged",
      "allowPrivilegeEscalation is not false",
      "capabilities do not drop ALL",
      "runAsNonRoot is not true",
      "no non-zero runAsUser",
      "seccompProfile is not RuntimeDefault",
      "root filesystem is writable",
      "no cpu limit",
    ]) {
      expect(problems).toContain(expected);
    }
  });
});

describe("contextHash", () => {
  const makeContext = () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ctx-"));
    fs.writeFileSync(path.join(dir, "Dockerfile"), "FROM scratch\n");
    fs.writeFileSync(path.join(dir, ".dockerignore"), "tests\n");
    fs.mkdirSync(path.join(dir, "tests"));
    fs.writeFileSync(path.join(dir, "app.py"), "print(1)\n");
    fs.writeFileSync(path.join(dir, "tests", "test_app.py"), "assert True\n");
    return dir;
  };
  it("changes when a file in the context changes", () => {
    const dir = makeContext();
    const before = contextHash(dir);
    fs.writeFileSync(path.join(dir, "app.py"), "print(2)\n");
    expect(contextHash(dir)).not.toBe(before);
  });
  it("ignores what .dockerignore leaves out of the image", () => {
    const dir = makeContext();
    const before = contextHash(dir);
    fs.writeFileSync(path.join(dir, "tests", "test_app.py"), "assert False\n");
    expect(contextHash(dir)).toBe(before);
  });
});
