/**
 * The NetworkPolicies, evaluated: each workload reaches exactly what it needs. A connection
 * counts as allowed when the source's egress and the destination's ingress both allow it.
 */
import { describe, expect, it } from "vitest";
import type { ProgramRun } from "../../synth/recording";
import { manifests } from "../../synth/render";
import { connectionAllowed, type Endpoint } from "../support/networkPolicy";
import { programRun } from "./runs";

const ns = "django";
const app = (component: string): Endpoint => ({
  namespace: ns,
  labels: { "app.kubernetes.io/name": "django", "app.kubernetes.io/component": component },
});
const pod = (name: string, component: string): Endpoint => ({
  namespace: ns,
  labels: { "app.kubernetes.io/name": name, "app.kubernetes.io/component": component },
});
const dns: Endpoint = { namespace: "kube-system", labels: { "k8s-app": "kube-dns" } };
const keda: Endpoint = { namespace: "keda", labels: { app: "keda-operator" } };
const internet = (ip = "203.0.113.7"): Endpoint => ({ ip });

const policiesOf = (run: ProgramRun) => manifests(run).filter((o) => o.kind === "NetworkPolicy");

describe("minikube", () => {
  // The load generator's configuration, so its pod's policies are evaluated too.
  const policies = policiesOf(
    programRun("minikube", { "django-k8s:loadGenerator": "true", "django-k8s:loadGeneratorRate": "50" }),
  );
  const allowed = (from: Endpoint, to: Endpoint, port: number, protocol: "TCP" | "UDP" = "TCP") =>
    connectionAllowed(policies, from, to, port, protocol);

  it("denies by default and lets every pod resolve names", () => {
    expect(policies.find((p) => p.metadata.name === "default-deny")?.spec.policyTypes).toEqual([
      "Ingress",
      "Egress",
    ]);
    for (const who of [
      app("web"),
      app("worker"),
      pod("postgres", "database"),
      pod("load-generator", "load-generator"),
    ]) {
      expect(allowed(who, dns, 53, "UDP")).toBe(true);
      expect(allowed(who, internet(), 443)).toBe(false);
    }
  });

  it("opens web to anyone, and the data stores only to the pods that use them", () => {
    expect(allowed(internet(), app("web"), 8000)).toBe(true);
    expect(allowed(pod("load-generator", "load-generator"), app("web"), 8000)).toBe(true);
    for (const role of ["web", "worker", "beat", "migrate"]) {
      expect(allowed(app(role), pod("postgres", "database"), 5432), role).toBe(true);
      expect(allowed(app(role), pod("redis", "broker"), 6379), role).toBe(true);
    }
    expect(allowed(app("flower"), pod("redis", "broker"), 6379)).toBe(true);
    expect(allowed(app("flower"), pod("postgres", "database"), 5432)).toBe(false);
    expect(allowed(keda, pod("redis", "broker"), 6379)).toBe(true);
  });

  it("closes everything else", () => {
    expect(allowed(internet(), pod("postgres", "database"), 5432)).toBe(false);
    expect(allowed(internet(), pod("redis", "broker"), 6379)).toBe(false);
    expect(allowed(pod("load-generator", "load-generator"), pod("postgres", "database"), 5432)).toBe(false);
    expect(allowed(pod("load-generator", "load-generator"), pod("redis", "broker"), 6379)).toBe(false);
    expect(allowed(pod("postgres", "database"), pod("redis", "broker"), 6379)).toBe(false);
    expect(allowed(app("web"), app("worker"), 8000)).toBe(false);
    expect(allowed(internet(), app("web"), 5432)).toBe(false);
  });

  it("lets a browser on the host reach Flower through its NodePort", () => {
    expect(allowed(internet("192.168.49.1"), app("flower"), 5555)).toBe(true);
  });
});

describe("gcp", () => {
  const policies = policiesOf(programRun("dev"));
  const allowed = (from: Endpoint, to: Endpoint, port: number) => connectionAllowed(policies, from, to, port);
  const cloudSql = internet("10.30.0.3");
  const memorystore = internet("10.30.1.4");

  it("lets the proxy reach Cloud SQL, and the app Memorystore, in the private service range", () => {
    for (const role of ["web", "worker", "beat", "migrate"]) {
      expect(allowed(app(role), cloudSql, 3307), role).toBe(true);
      expect(allowed(app(role), memorystore, 6378), role).toBe(true);
    }
    expect(allowed(app("flower"), memorystore, 6378)).toBe(true);
    expect(allowed(app("flower"), cloudSql, 3307)).toBe(false);
    expect(allowed(app("collectstatic"), cloudSql, 3307)).toBe(false);
  });

  it("lets the proxy and collectstatic reach Google APIs (on the Private Google Access range only) and the metadata server, also through the node IP", () => {
    for (const role of ["web", "migrate", "collectstatic"]) {
      expect(allowed(app(role), internet("199.36.153.9"), 443), role).toBe(true);
      // Any other public address is closed, Google's public API addresses included.
      expect(allowed(app(role), internet("142.250.74.10"), 443), role).toBe(false);
      expect(allowed(app(role), internet("169.254.169.254"), 988), role).toBe(true);
      expect(allowed(app(role), internet("10.10.0.5"), 988), role).toBe(true);
    }
    expect(allowed(app("flower"), internet("199.36.153.9"), 443)).toBe(false);
    expect(allowed(app("web"), internet("10.10.0.5"), 22)).toBe(false);
  });

  it("keeps Flower private: no ingress at all (port-forward is the only way in)", () => {
    expect(allowed(internet(), app("flower"), 5555)).toBe(false);
    expect(allowed(app("web"), app("flower"), 5555)).toBe(false);
  });
});
