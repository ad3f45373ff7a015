/** Autoscaling on every stack and switch: HPAs, KEDA, PDBs that never block a drain, the load generator. */
import { describe, expect, it } from "vitest";
import { KEDA_CHART } from "../components/k8s/Keda";
import { disruptionBudgetSpec, redisConnection } from "../components/k8s/scaling";
import { FORTIO_IMAGE, loadStreams } from "../components/loadgen/fortio";
import { restrictedViolations } from "../lib/podSecurity";
import type { ConfigError } from "../stacks/config";
import type { ProgramRun } from "../synth/harness";
import { manifests } from "../synth/render";
import { allStacks, manifest, synth } from "./helpers";

const objects = (run: ProgramRun, kind: string) => manifests(run).filter((o) => o.kind === kind);

describe.each(allStacks())("%s stack", (stack) => {
  it("autoscales web and worker on CPU by default, never beat", async () => {
    const run = await synth(stack);
    const hpas = objects(run, "HorizontalPodAutoscaler");
    expect(hpas.map((h) => h.spec.scaleTargetRef.name).sort()).toEqual(["celery-worker", "web"]);
    const web = manifest(run, "HorizontalPodAutoscaler", "web").spec;
    expect(web.minReplicas).toBe(Number(run.config["django-k8s:webReplicas"] ?? 2));
    expect(web.maxReplicas).toBe(6);
    expect(web.metrics[0].resource).toEqual({
      name: "cpu",
      target: { type: "Utilization", averageUtilization: 70 },
    });
    expect(web.behavior.scaleDown.stabilizationWindowSeconds).toBe(300);
    // The autoscalers own the replica count; beat stays a singleton.
    expect(manifest(run, "Deployment", "web").spec.replicas).toBeUndefined();
    expect(manifest(run, "Deployment", "celery-worker").spec.replicas).toBeUndefined();
    expect(manifest(run, "Deployment", "celery-beat").spec.replicas).toBe(1);
    expect(objects(run, "ScaledObject")).toEqual([]);
  });

  it("has disruption budgets for web and worker that never block a drain", async () => {
    const run = await synth(stack);
    const budgets = objects(run, "PodDisruptionBudget");
    expect(budgets.map((b) => b.metadata.name).sort()).toEqual(["celery-worker", "web"]);
    for (const budget of budgets) {
      const hpa = manifest(run, "HorizontalPodAutoscaler", budget.metadata.name).spec;
      const minAvailable = budget.spec.minAvailable ?? 0;
      expect(minAvailable < hpa.minReplicas || budget.spec.maxUnavailable >= 1, budget.metadata.name).toBe(
        true,
      );
    }
  });

  it("scales the worker on the Celery queue through KEDA when asked", async () => {
    const run = await synth(stack, {
      "django-k8s:workerAutoscaling": "queue",
      "django-k8s:workerQueueLength": "25",
    });
    const release = run.resources.find((r) => r.type === "kubernetes:helm.sh/v3:Release")!;
    expect(release.inputs).toMatchObject({
      chart: "keda",
      version: KEDA_CHART.version,
      repositoryOpts: { repo: KEDA_CHART.repo },
    });
    const scaled = manifest(run, "ScaledObject", "celery-worker").spec;
    expect(scaled.triggers[0]).toMatchObject({
      type: "redis",
      metadata: { listName: "celery", listLength: "25" },
    });
    expect(objects(run, "HorizontalPodAutoscaler").map((h) => h.metadata.name)).toEqual(["web"]);
    const auth = manifest(run, "TriggerAuthentication", scaled.triggers[0].authenticationRef.name).spec
      .secretTargetRef;
    const parameters = auth.map((p: any) => p.parameter);
    expect(parameters).toContain("password");
    const tls = stack !== "minikube";
    expect(parameters.includes("ca") && parameters.includes("tls")).toBe(tls);
    expect(scaled.triggers[0].metadata.address).toBe(tls ? "10.30.1.4:6378" : "redis:6379");
    // The ScaledObject waits for KEDA's CRDs.
    const scaledResource = run.resources.find((r) => r.type === "kubernetes:keda.sh/v1alpha1:ScaledObject")!;
    expect(scaledResource.dependencies).toContain(release.urn);
  });

  it("adds the load generator only when switched on", async () => {
    const off = await synth(stack);
    expect(off.resources.some((r) => /LoadGenerator/.test(r.type))).toBe(false);
    expect(off.outputs.watchAutoscaling?.value).toContain(`kubectl -n django get hpa -w`);
    const on = await synth(stack, {
      "django-k8s:loadGenerator": "true",
      "django-k8s:loadGeneratorRate": "50",
    });
    if (stack === "minikube") {
      const deployment = manifest(on, "Deployment", "load-generator");
      const [pages, batch] = deployment.spec.template.spec.containers;
      expect(pages.image).toBe(FORTIO_IMAGE);
      expect(pages.args).toEqual(loadStreams("http://web:80/", 50)[0]!.args);
      expect(batch.args.at(-1)).toBe("http://web:80/api/batch");
      expect(restrictedViolations(deployment)).toEqual([]);
    } else {
      const vm = on.resources.find((r) => r.type === "gcp:compute/instance:Instance")!;
      const inputs = vm.inputs as any;
      expect(inputs.bootDisk.initializeParams.image).toBe("cos-cloud/cos-stable");
      expect(inputs.networkInterfaces[0].accessConfigs).toBeUndefined();
      expect(inputs.shieldedInstanceConfig.enableSecureBoot).toBe(true);
      const userData: string = inputs.metadata["user-data"];
      expect(userData).toContain(`${FORTIO_IMAGE} load -qps 50`);
      expect(userData).toContain(String(on.outputs.appUrl?.value));
      expect(userData).toContain("api/batch");
      const ingress = on.resources.find((r) => r.type === "kubernetes:networking.k8s.io/v1:Ingress")!;
      expect(vm.dependencies).toContain(ingress.urn);
    }
  });
});

describe("spread", () => {
  it("spreads web over nodes everywhere and over zones on a regional cluster", async () => {
    const keys = async (stack: string) =>
      manifest(await synth(stack), "Deployment", "web").spec.template.spec.topologySpreadConstraints.map(
        (c: any) => `${c.topologyKey}/${c.whenUnsatisfiable}`,
      );
    expect(await keys("minikube")).toEqual(["kubernetes.io/hostname/ScheduleAnyway"]);
    expect(await keys("dev")).toEqual(["kubernetes.io/hostname/ScheduleAnyway"]);
    expect(await keys("prod")).toEqual([
      "kubernetes.io/hostname/ScheduleAnyway",
      "topology.kubernetes.io/zone/ScheduleAnyway",
    ]);
  });
});

describe("autoscaling config", () => {
  const problems = async (overrides: Record<string, string>) =>
    synth("minikube", overrides).then(
      () => [] as string[],
      (e: unknown) => (e as ConfigError).problems,
    );

  it.each([
    [
      "web min above max",
      { "django-k8s:webReplicas": "5", "django-k8s:webMaxReplicas": "3" },
      /^django-k8s:webReplicas: got 5, more than django-k8s:webMaxReplicas/,
    ],
    [
      "worker min above max",
      { "django-k8s:workerReplicas": "4", "django-k8s:workerMaxReplicas": "2" },
      /^django-k8s:workerReplicas: got 4/,
    ],
    [
      "a rate of zero",
      { "django-k8s:loadGeneratorRate": "0" },
      /^django-k8s:loadGeneratorRate: got "0"; expected a whole number from 1 to 2000/,
    ],
    ["a negative rate", { "django-k8s:loadGeneratorRate": "-5" }, /^django-k8s:loadGeneratorRate: got "-5"/],
    [
      "a PDB that would block a drain",
      { "django-k8s:webMinAvailable": "1" },
      /^django-k8s:webMinAvailable: got 1, not below django-k8s:webReplicas \(1\); .* block every node drain/,
    ],
    [
      "an unknown worker scaling mode",
      { "django-k8s:workerAutoscaling": "memory" },
      /^django-k8s:workerAutoscaling: got "memory"; expected one of cpu, queue/,
    ],
  ])("rejects %s, naming the key", async (_, overrides, message) => {
    const found = await problems(overrides);
    expect(
      found.some((p) => message.test(p)),
      found.join("\n"),
    ).toBe(true);
  });

  it("refuses KEDA queue scaling without a Redis broker", () => {
    expect(() => redisConnection("amqp://guest:guest@rabbit:5672//")).toThrow(
      /workerAutoscaling=queue needs a Redis broker/,
    );
    expect(redisConnection("rediss://:p%40ss@10.0.0.3:6378/2")).toEqual({
      address: "10.0.0.3:6378",
      databaseIndex: "2",
      password: "p@ss",
      tls: true,
    });
  });

  it("budgets at most one pod down unless told otherwise", () => {
    expect(disruptionBudgetSpec({ a: "b" }, 0)).toMatchObject({ maxUnavailable: 1 });
    expect(disruptionBudgetSpec({ a: "b" }, 2)).toMatchObject({ minAvailable: 2 });
  });
});
