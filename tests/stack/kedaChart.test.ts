/**
 * KEDA's chart as the scanners see it: the extras renders' Helm Release rendered by helm template
 * (synth/charts.ts) into the operator, metrics server, webhooks, their RBAC and CRDs, with the
 * values the Release sets, the images pinned or listed as unpinned with the reason, and every
 * scanner skip on an object that exists. helm is built by cluster/tools.sh (cached after the
 * first build; scripts/test-all.sh builds it in its scan step, before these tests).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import {
  KEDA_CHART,
  KEDA_NAMESPACE,
  KEDA_SCANNER_SKIPS,
  KEDA_UNPINNED_IMAGES,
  KEDA_VALUES,
} from "../../components/k8s/kedaChart";
import { podSpecOf, restrictedViolations } from "../../lib/podSecurity";
import { chartReleases, helmBinary, objectId, renderChartsInto, renderRelease } from "../../synth/charts";
import { resourceEntries } from "../../synth/render";
import { QUEUE_SCALING_AND_LOAD } from "./configurations";
import { programRun } from "./runs";

const KUBERNETES_VERSION = "1.33.0";
const DIGEST = /^[^@\s]+@sha256:[a-f0-9]{64}$/;
const DEPLOYMENTS = ["keda-admission-webhooks", "keda-operator", "keda-operator-metrics-apiserver"];

let helm: string;
beforeAll(() => {
  helm = helmBinary();
}, 1_800_000); // a cold build of helm from its Go module, once per machine

describe.each(["minikube", "prod"])("%s extras render", (stack) => {
  const release = () => {
    const releases = chartReleases(resourceEntries(programRun(stack, QUEUE_SCALING_AND_LOAD)));
    expect(releases).toHaveLength(1);
    return releases[0]!;
  };
  let cache: Record<string, any>[] | undefined;
  const rendered = () => {
    cache ??= renderRelease(release(), helm, KUBERNETES_VERSION);
    return cache;
  };
  const ofKind = (objects: Record<string, any>[], kind: string) =>
    objects
      .filter((o) => o.kind === kind)
      .map((o) => o.metadata.name)
      .sort();

  it("renders the vendored chart with the Release's own values", () => {
    expect(release()).toEqual({
      name: "keda",
      chart: KEDA_CHART.path,
      namespace: KEDA_NAMESPACE,
      values: KEDA_VALUES,
    });
    const all = rendered();
    expect(ofKind(all, "Deployment")).toEqual(DEPLOYMENTS);
    expect(ofKind(all, "ClusterRole")).toEqual(
      expect.arrayContaining(["keda-operator", "keda-operator-external-metrics-reader"]),
    );
    expect(ofKind(all, "ValidatingWebhookConfiguration")).toEqual(["keda-admission"]);
    expect(ofKind(all, "APIService")).toEqual(["v1beta1.external.metrics.k8s.io"]);
    expect(ofKind(all, "CustomResourceDefinition")).toContain("scaledobjects.keda.sh");
    // Everything namespaced is in KEDA's namespace, but the binding that lets the metrics server
    // read the API server's authentication config, which Kubernetes keeps in kube-system.
    const elsewhere = all.filter((o) => ![undefined, KEDA_NAMESPACE].includes(o.metadata.namespace));
    expect(elsewhere.map((o) => `${o.metadata.namespace}/${objectId(o)}`)).toEqual([
      "kube-system/RoleBinding/keda-operator-auth-reader",
    ]);
  });

  it("runs every pod as UID 65532 within the restricted profile, with the resources set", () => {
    const deployments = rendered().filter((o) => o.kind === "Deployment");
    const component: Record<string, keyof typeof KEDA_VALUES.resources> = {
      "keda-operator": "operator",
      "keda-operator-metrics-apiserver": "metricServer",
      "keda-admission-webhooks": "webhooks",
    };
    for (const deployment of deployments) {
      const pod = podSpecOf(deployment)!;
      const name = deployment.metadata.name as string;
      expect(pod.securityContext, name).toMatchObject({
        runAsUser: 65532,
        runAsGroup: 65532,
        runAsNonRoot: true,
      });
      expect(pod.securityContext, name).toMatchObject(KEDA_VALUES.podSecurityContext[component[name]!]);
      expect(pod.containers[0].resources, name).toEqual(KEDA_VALUES.resources[component[name]!]);
      expect(restrictedViolations(deployment)).toEqual([]);
    }
  });

  it("pins every image by digest or lists it as unpinned with the reason, and lists no other", () => {
    const images = rendered()
      .flatMap((o) => [...(podSpecOf(o)?.initContainers ?? []), ...(podSpecOf(o)?.containers ?? [])])
      .map((c) => c.image as string);
    expect(images).toHaveLength(DEPLOYMENTS.length);
    const unpinned = images.filter((image) => !DIGEST.test(image));
    expect(unpinned.sort()).toEqual(Object.keys(KEDA_UNPINNED_IMAGES).sort());
  });

  it("carries each scanner skip, with its reason, on objects that exist", () => {
    const objects = rendered();
    for (const skip of KEDA_SCANNER_SKIPS) {
      expect(skip.reason.length, skip.check).toBeGreaterThan(30);
      for (const id of skip.objects) {
        const object = objects.find((o) => objectId(o) === id);
        expect(object, `${skip.check} on ${id}`).toBeDefined();
        expect(Object.values(object!.metadata.annotations ?? {})).toContain(`${skip.check}=${skip.reason}`);
      }
    }
  });
});

describe("renderChartsInto", () => {
  it("writes the chart's objects beside a render's manifests as helm.*.yaml, and nothing for a render without a Release", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "charts-"));
    const write = (name: string, stack: string, overrides = {}) => {
      const out = path.join(dir, name);
      fs.mkdirSync(path.join(out, "manifests"), { recursive: true });
      const entries = resourceEntries(programRun(stack, overrides));
      fs.writeFileSync(path.join(out, "resources.json"), JSON.stringify(entries));
      return out;
    };
    const extras = write("extras", "prod", QUEUE_SCALING_AND_LOAD);
    const files = renderChartsInto(extras, KUBERNETES_VERSION, () => helm).map((f) => path.basename(f));
    expect(files).toContain("helm.keda.keda.deployment.keda-operator.yaml");
    expect(files).toContain("helm.keda.clusterrole.keda-operator.yaml");
    expect(fs.readdirSync(path.join(extras, "manifests")).sort()).toEqual([...files].sort());
    const plain = write("plain", "prod");
    expect(renderChartsInto(plain, KUBERNETES_VERSION, () => "/no/helm/needed")).toEqual([]);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
