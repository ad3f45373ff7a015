/**
 * Every Kubernetes object of every stack (and of each config switch) validates against the
 * Kubernetes schema, meets the restricted profile, and carries no secret in plain text.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { podSpecOf, restrictedViolations } from "../../lib/podSecurity";
import { mockSecretValue } from "../../synth/mockState";
import type { ProgramRun } from "../../synth/recording";
import { manifests, writeSynthOutput } from "../../synth/render";
import { availableStacks } from "../../synth/stackFiles";
import { DEV_WITH_PREVIEWS, PREVIEW_CONFIGURATIONS } from "./configurations";
import { programRun } from "./runs";

// Every stack as configured, plus the switches that change which objects exist.
const VARIANTS: [string, Record<string, string>][] = [
  ...availableStacks().map((stack): [string, Record<string, string>] => [stack, {}]),
  ["minikube", { "django-k8s:postgresStorage": "storageClass" }],
  ["minikube", { "django-k8s:image": "ghcr.io/acme/app:1.2.3" }],
  ["minikube", { "django-k8s:devMode": "true" }],
  ["minikube", { "django-k8s:loadGenerator": "true", "django-k8s:workerAutoscaling": "queue" }],
  ["prod", { "django-k8s:loadGenerator": "true", "django-k8s:workerAutoscaling": "queue" }],
];
const runs: [string, ProgramRun][] = [
  ...VARIANTS.map(([stack, overrides]): [string, ProgramRun] => [
    `${stack} ${JSON.stringify(overrides)}`,
    programRun(stack, overrides),
  ]),
  ["dev with previews", programRun("dev", DEV_WITH_PREVIEWS)],
  // Each preview of each parent (previews.test.ts reads what is theirs).
  ...PREVIEW_CONFIGURATIONS.map(({ stack, overrides, parentOverrides }): [string, ProgramRun] => [
    `${stack} ${JSON.stringify(overrides)}`,
    programRun(stack, overrides, 1, parentOverrides),
  ]),
];

// GKE's and KEDA's custom resources: not in the Kubernetes schema; their shape is asserted in
// gcp.test.ts, autoscaling.test.ts and observability.test.ts.
const GKE_CUSTOM_GROUPS = [
  "cloud.google.com/",
  "networking.gke.io/",
  "keda.sh/",
  "monitoring.googleapis.com/",
  // The Gateway API's (GKE installs it): the previews' Gateway and HTTPRoutes, asserted in previews.test.ts.
  "gateway.networking.k8s.io/",
];
const isGkeCustomResource = (object: Record<string, any>) =>
  GKE_CUSTOM_GROUPS.some((group) => object.apiVersion.startsWith(group));

async function modelFor(apiVersion: string, kind: string) {
  const module = await import(`kubernetes-models/${apiVersion}`);
  const Model = module[kind];
  if (!Model) throw new Error(`kubernetes-models has no ${apiVersion} ${kind}`);
  return Model;
}

describe("rendered Kubernetes objects", () => {
  it("cover every stack", () => {
    expect(availableStacks()).toContain("minikube");
    expect(runs.length).toBe(VARIANTS.length + 1 + PREVIEW_CONFIGURATIONS.length);
  });

  it("validate against the Kubernetes schema", async () => {
    let checked = 0;
    for (const [label, run] of runs) {
      for (const object of manifests(run)) {
        if (isGkeCustomResource(object)) continue;
        const Model = await modelFor(object.apiVersion, object.kind);
        expect(
          () => new Model(object).validate(),
          `${label} ${object.kind}/${object.metadata.name}`,
        ).not.toThrow();
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(70);
  });

  it("the validator does reject a malformed object", async () => {
    const Model = await modelFor("apps/v1", "Deployment");
    const broken = {
      metadata: { name: "x" },
      spec: {
        selector: {},
        template: { spec: { containers: [{ name: "a", ports: [{ containerPort: "http" }] }] } },
      },
    };
    expect(() => new Model(broken).validate()).toThrow(/containerPort/);
  });

  it("meet Pod Security Standards restricted, with no hostPath volume in any pod", () => {
    let pods = 0;
    for (const [label, run] of runs) {
      for (const object of manifests(run)) {
        if (!podSpecOf(object)) continue;
        pods++;
        expect(restrictedViolations(object), label).toEqual([]);
      }
    }
    expect(pods).toBeGreaterThanOrEqual(6 * runs.length);
  });

  it("give every long-running server a liveness probe", () => {
    // Jobs run to completion; the load generator is a client whose only failure mode is
    // exiting, which the kubelet already restarts (its image has no shell to probe with).
    for (const [label, run] of runs) {
      for (const object of manifests(run)) {
        const pod = podSpecOf(object);
        if (!pod || ["Job", "CronJob"].includes(object.kind) || object.metadata.name === "load-generator")
          continue;
        for (const container of pod.containers) {
          expect(container.livenessProbe, `${label} ${object.metadata.name}`).toBeDefined();
        }
      }
    }
  });

  it("give no pod a secret through its environment: Secrets are mounted files", () => {
    for (const [label, run] of runs) {
      for (const object of manifests(run)) {
        const pod = podSpecOf(object);
        if (!pod) continue;
        for (const container of [...(pod.initContainers ?? []), ...pod.containers]) {
          const where = `${label} ${object.metadata.name}/${container.name}`;
          expect(
            (container.envFrom ?? []).filter((source: any) => source.secretRef),
            where,
          ).toEqual([]);
          expect(
            (container.env ?? []).filter((variable: any) => variable.valueFrom?.secretKeyRef),
            where,
          ).toEqual([]);
        }
      }
    }
  });

  it("label everything with app.kubernetes.io/*", () => {
    for (const [, run] of runs) {
      for (const object of manifests(run)) {
        expect(
          object.metadata.labels?.["app.kubernetes.io/part-of"],
          `${object.kind}/${object.metadata.name}`,
        ).toBe("django-k8s");
      }
    }
  });
});

describe("secrets", () => {
  it("never appear in plain text in resources.json or the manifests", () => {
    for (const [label, run] of runs) {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "synth-"));
      writeSynthOutput(run, dir);
      const files = [
        path.join(dir, "resources.json"),
        ...fs.readdirSync(path.join(dir, "manifests")).map((f) => path.join(dir, "manifests", f)),
      ];
      const passwords = run.resources.filter((r) => r.type === "random:index/randomPassword:RandomPassword");
      expect(passwords.length).toBeGreaterThanOrEqual(3);
      for (const file of files) {
        const text = fs.readFileSync(file, "utf8");
        expect(text, `${label} ${file}`).not.toMatch(/MOCKSECRET/);
        for (const password of passwords) expect(text).not.toContain(mockSecretValue(password.name));
      }
    }
  });

  it("are marked secret in the stack outputs", () => {
    for (const [, run] of runs) {
      expect(run.outputs.flowerPassword).toMatchObject({
        secret: true,
        value: mockSecretValue("django-flower-password"),
      });
      for (const [key, output] of Object.entries(run.outputs)) {
        if (!output.secret) expect(JSON.stringify(output.value), key).not.toMatch(/MOCKSECRET/);
      }
    }
  });
});
