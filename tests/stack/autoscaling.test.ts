/** Autoscaling on every stack and switch: HPAs, KEDA, PDBs that never block a drain, the load generator. */
import { describe, expect, it } from "vitest";
import { KEDA_CHART, KEDA_VALUES } from "../../components/k8s/kedaChart";
import { cloudInit, FORTIO_IMAGE, loadStreams } from "../../components/loadgen/fortio";
import { restrictedViolations } from "../../lib/podSecurity";
import type { ProgramRun } from "../../synth/recording";
import { manifests } from "../../synth/render";
import { availableStacks } from "../../synth/stackFiles";
import { manifest, programRun } from "./runs";

const objects = (run: ProgramRun, kind: string) => manifests(run).filter((o) => o.kind === kind);

describe.each(availableStacks())("%s stack", (stack) => {
  it("autoscales web and worker on CPU by default, never beat", () => {
    const run = programRun(stack);
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

  it("has disruption budgets for web and worker that never block a drain", () => {
    const run = programRun(stack);
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

  it("scales the worker on the Celery queue through KEDA when asked", () => {
    const run = programRun(stack, {
      "django-k8s:workerAutoscaling": "queue",
      "django-k8s:workerQueueLength": "25",
    });
    const release = run.resources.find((r) => r.type === "kubernetes:helm.sh/v3:Release")!;
    // The vendored chart, with the values the scanned render uses (kedaChart.test.ts).
    expect(release.inputs).toMatchObject({ chart: KEDA_CHART.path, namespace: "keda", values: KEDA_VALUES });
    expect(release.inputs.repositoryOpts).toBeUndefined();
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

  it("adds the load generator only when switched on", () => {
    const off = programRun(stack);
    expect(off.resources.some((r) => /LoadGenerator/.test(r.type))).toBe(false);
    expect(off.outputs.watchAutoscaling?.value).toContain(`kubectl -n django get hpa -w`);
    // The hint is typed into the user's own shell: on minikube only the wrapper reaches the stack.
    const pulumi = (args: string) =>
      stack === "minikube" ? `npm run pulumi -- ${args}` : `pulumi ${args} --stack ${stack}`;
    expect((off.outputs.watchAutoscaling!.value as string[])[0]).toBe(
      `${pulumi("config set django-k8s:loadGenerator true")} && ${pulumi("up")}   # start the load`,
    );
    const on = programRun(stack, {
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
      // It carries the batch token, so the whole user-data is a secret; its text comes from cloudInit.
      expect(inputs.metadata["user-data"]).toBe("[secret]");
      const userData = cloudInit(String(on.outputs.appUrl?.value), 50, "the-token");
      expect(userData).toContain("token=the-token");
      expect(userData).toContain(`${FORTIO_IMAGE} load -qps 50`);
      expect(userData).toContain(String(on.outputs.appUrl?.value));
      expect(userData).toContain("api/batch");
      const ingress = on.resources.find((r) => r.type === "kubernetes:networking.k8s.io/v1:Ingress")!;
      expect(vm.dependencies).toContain(ingress.urn);
    }
  });
});

describe("spread", () => {
  it("spreads web over nodes everywhere and over zones on a regional cluster", () => {
    const keys = (stack: string) =>
      manifest(programRun(stack), "Deployment", "web").spec.template.spec.topologySpreadConstraints.map(
        (c: any) => `${c.topologyKey}/${c.whenUnsatisfiable}`,
      );
    expect(keys("minikube")).toEqual(["kubernetes.io/hostname/ScheduleAnyway"]);
    expect(keys("dev")).toEqual(["kubernetes.io/hostname/ScheduleAnyway"]);
    expect(keys("prod")).toEqual([
      "kubernetes.io/hostname/ScheduleAnyway",
      "topology.kubernetes.io/zone/ScheduleAnyway",
    ]);
  });
});
