/**
 * Observability as the stacks render it: the PodMonitorings select pods that expose the port
 * they scrape, only the managed collector may reach that port and nothing publishes it; Cloud
 * Monitoring's channels, uptime check, alert policies and dashboard come from config; and the
 * policy pack requires them in prod. (That the alerts' metric names are ones the app exports is
 * app/tests/test_metrics.py's part: it runs the app for real.)
 */
import { describe, expect, it } from "vitest";
import { alertRules } from "../../components/gcp/alertRules";
import {
  APP_NAME,
  ENV,
  LIVENESS_PATH,
  METRICS_PORT,
  METRICS_PORT_NAME,
  METRICS_ROLES,
} from "../../components/k8s/djangoApp/appContract";
import { GMP_NAMESPACE } from "../../components/k8s/ManagedPrometheus";
import { monitoringProblems } from "../../policy/monitoring";
import type { ProgramRun } from "../../synth/recording";
import { manifests } from "../../synth/render";
import { connectionAllowed, type Endpoint } from "../support/networkPolicy";
import { configError } from "../support/stackConfig";
import { programRun } from "./runs";

type Manifest = Record<string, any>;

const matches = (selector: Record<string, string>, labels: Record<string, string> = {}) =>
  Object.entries(selector).every(([key, value]) => labels[key] === value);

/** Why a PodMonitoring would scrape nothing: no pod selected, or a selected pod without its port. */
function scrapeProblems(objects: Manifest[]): string[] {
  const deployments = objects.filter((o) => o.kind === "Deployment");
  const problems: string[] = [];
  for (const monitor of objects.filter((o) => o.kind === "PodMonitoring")) {
    const name = monitor.metadata.name;
    const selected = deployments.filter((d) =>
      matches(monitor.spec.selector.matchLabels, d.spec.template.metadata.labels),
    );
    if (selected.length === 0) problems.push(`${name} selects no pod`);
    for (const deployment of selected) {
      const ports = deployment.spec.template.spec.containers.flatMap((c: Manifest) => c.ports ?? []);
      for (const endpoint of monitor.spec.endpoints) {
        if (!ports.some((p: Manifest) => p.name === endpoint.port))
          problems.push(
            `${name} scrapes port ${endpoint.port}, which ${deployment.metadata.name}'s pods do not expose`,
          );
      }
    }
  }
  return problems;
}

/** Services (and so Ingresses, which route to Services) that lead to the metrics port. */
function servicesExposingMetrics(objects: Manifest[]): string[] {
  return objects
    .filter((o) => o.kind === "Service")
    .filter((s) =>
      (s.spec.ports ?? []).some(
        (p: Manifest) =>
          p.targetPort === METRICS_PORT_NAME || p.targetPort === METRICS_PORT || p.port === METRICS_PORT,
      ),
    )
    .map((s) => s.metadata.name);
}

const gcpRuns: [string, ProgramRun][] = [
  ["dev", programRun("dev")],
  ["prod", programRun("prod")],
];

describe.each(gcpRuns)("%s: Managed Prometheus", (_stack, run) => {
  const objects = manifests(run);
  const monitors = objects.filter((o) => o.kind === "PodMonitoring");

  it("has one PodMonitoring per role that serves metrics, each selecting pods that expose its port", () => {
    expect(monitors.map((m) => m.spec.selector.matchLabels["app.kubernetes.io/component"]).sort()).toEqual(
      [...METRICS_ROLES].sort(),
    );
    expect(monitors.every((m) => m.spec.endpoints[0].path === "/metrics")).toBe(true);
    expect(scrapeProblems(objects)).toEqual([]);
  });

  it("lets only the managed collector reach the metrics port, and no Service publishes it", () => {
    const admitting = objects.filter(
      (o) =>
        o.kind === "NetworkPolicy" &&
        (o.spec.ingress ?? []).some((rule: Manifest) =>
          (rule.ports ?? []).some((p: Manifest) => p.port === METRICS_PORT),
        ),
    );
    expect(admitting).toHaveLength(1);
    const policy = admitting[0]!; // one, as just checked
    expect(policy.spec.podSelector.matchExpressions[0].values.sort()).toEqual([...METRICS_ROLES].sort());
    expect(policy.spec.ingress).toHaveLength(1);
    for (const peer of policy.spec.ingress[0].from)
      expect(peer.namespaceSelector.matchLabels["kubernetes.io/metadata.name"]).toBe(GMP_NAMESPACE);
    expect(servicesExposingMetrics(objects)).toEqual([]);
  });
});

describe("the scrape check itself", () => {
  const objects = manifests(programRun("prod"));

  it("fails on a PodMonitoring whose port the pods do not name, or whose selector matches no pod", () => {
    const renamedPort = objects.map((o) =>
      o.kind === "PodMonitoring" && o.metadata.name === `${APP_NAME}-worker`
        ? { ...o, spec: { ...o.spec, endpoints: [{ ...o.spec.endpoints[0], port: "prometheus" }] } }
        : o,
    );
    expect(scrapeProblems(renamedPort)).toEqual([
      `${APP_NAME}-worker scrapes port prometheus, which celery-worker's pods do not expose`,
    ]);
    const wrongRole = objects.map((o) =>
      o.kind === "PodMonitoring" && o.metadata.name === `${APP_NAME}-beat`
        ? {
            ...o,
            spec: {
              ...o.spec,
              selector: {
                matchLabels: {
                  "app.kubernetes.io/name": APP_NAME,
                  "app.kubernetes.io/component": "scheduler",
                },
              },
            },
          }
        : o,
    );
    expect(scrapeProblems(wrongRole)).toEqual([`${APP_NAME}-beat selects no pod`]);
  });
});

describe("minikube: metrics for a port-forward", () => {
  const objects = manifests(programRun("minikube"));

  it("web, worker and beat serve metrics on their named port; gunicorn and the pool sum their processes", () => {
    for (const role of METRICS_ROLES) {
      const pod = objects.find(
        (o) =>
          o.kind === "Deployment" && o.spec.template.metadata.labels["app.kubernetes.io/component"] === role,
      )!.spec.template.spec;
      const app = pod.containers[0];
      expect(app.ports, role).toContainEqual({ name: METRICS_PORT_NAME, containerPort: METRICS_PORT });
      const env = Object.fromEntries(app.env.map((e: Manifest) => [e.name, e.value]));
      expect(env.METRICS_PORT, role).toBe(String(METRICS_PORT));
      // Only where several processes write figures; under /tmp, the pod's one writable path.
      expect(env.PROMETHEUS_MULTIPROC_DIR, role).toBe(role === "beat" ? undefined : "/tmp/prometheus");
    }
    expect(servicesExposingMetrics(objects)).toEqual([]);
    expect(objects.some((o) => o.kind === "PodMonitoring")).toBe(false);
  });
});

describe("prod: Cloud Monitoring from config", () => {
  const run = programRun("prod");
  const of = (type: string) => run.resources.filter((r) => r.type === type);
  const inputs = (r: { unmaskedInputs: Record<string, unknown> }) => r.unmaskedInputs as Record<string, any>;

  it("notifies the configured addresses on every alert, one policy per rule", () => {
    const channels = of("gcp:monitoring/notificationChannel:NotificationChannel");
    expect(channels.map((c) => inputs(c).labels.email_address)).toEqual(["oncall@example.com"]);
    const alerts = of("gcp:monitoring/alertPolicy:AlertPolicy");
    expect(alerts).toHaveLength(alertRules("django", {} as never).length);
    for (const alert of alerts) {
      expect(inputs(alert).notificationChannels, inputs(alert).displayName).toHaveLength(1);
      expect(inputs(alert).documentation.content.length).toBeGreaterThan(40);
    }
  });

  it("checks the public liveness path over HTTPS, and thresholds come from the config's defaults", () => {
    const [uptime] = of("gcp:monitoring/uptimeCheckConfig:UptimeCheckConfig");
    expect(inputs(uptime!).httpCheck).toMatchObject({ path: LIVENESS_PATH, port: 443, useSsl: true });
    expect(inputs(uptime!).monitoredResource.labels.host).toBe("app.example.com");
    const titles = of("gcp:monitoring/alertPolicy:AlertPolicy").map((a) => inputs(a).displayName);
    expect(titles).toContain("More than 5% of responses are 5xx");
    expect(titles).toContain("A task has waited more than 300 s");
  });

  it("has one dashboard with the alerts' signals", () => {
    const [dashboard] = of("gcp:monitoring/dashboard:Dashboard");
    const tiles = JSON.parse(inputs(dashboard!).dashboardJson).mosaicLayout.tiles;
    expect(tiles.length).toBeGreaterThanOrEqual(12);
  });

  it("threshold overrides reach the alert policies", () => {
    const tuned = programRun("prod", { "django-k8s:alertOldestTaskSeconds": "90" });
    const queries = tuned.resources
      .filter((r) => r.type === "gcp:monitoring/alertPolicy:AlertPolicy")
      .map((r) => inputs(r).conditions[0].conditionPrometheusQueryLanguage?.query ?? "");
    expect(
      queries.some((q) => q.includes("celery_queue_oldest_task_age_seconds") && q.endsWith("> 90")),
    ).toBe(true);
  });
});

describe("policy monitoring-required", () => {
  const prod = programRun("prod").resources.map((r) => ({ type: r.type, props: r.unmaskedInputs as any }));
  const required = { requireMonitoring: true };

  it("passes prod as configured, and any stack where it is not required", () => {
    expect(monitoringProblems(prod, required)).toEqual([]);
    const dev = programRun("dev").resources.map((r) => ({ type: r.type, props: r.unmaskedInputs as any }));
    expect(monitoringProblems(dev, {})).toEqual([]);
  });

  it("fails prod without a channel, without the uptime check, or missing an alert", () => {
    const without = (predicate: (r: { type: string; props: any }) => boolean) =>
      monitoringProblems(
        prod.filter((r) => !predicate(r)),
        required,
      );
    expect(without((r) => r.type.includes("notificationChannel"))).toContain(
      "no notification channel: set django-k8s:alertEmails (docs/observability.md)",
    );
    expect(without((r) => r.type.includes("uptimeCheckConfig"))).toEqual([
      "no uptime check on the site's liveness path",
    ]);
    expect(without((r) => String(r.props.displayName).startsWith("No Celery worker"))).toEqual([
      "no alert policy for no worker",
    ]);
  });
});

const DSN = "https://abc123@o1.ingest.sentry.io/42";

describe("Sentry: only when sentryDsn is set", () => {
  const appSecret = (run: ProgramRun) =>
    run.resources.find(
      (r) =>
        r.type === "kubernetes:core/v1:Secret" &&
        (r.unmaskedInputs as any).stringData?.[ENV.sentryDsn] !== undefined,
    )!;
  const settings = (run: ProgramRun) =>
    manifests(run).find((o) => o.kind === "ConfigMap" && o.data?.[ENV.allowedHosts] !== undefined)!.data;
  const fileEnv = (run: ProgramRun, deployment: string) =>
    manifests(run)
      .find((o) => o.kind === "Deployment" && o.metadata.name === deployment)!
      .spec.template.spec.containers[0].env.map((e: Manifest) => e.name);

  it("off by default: an empty DSN file, no release or environment", () => {
    const run = programRun("prod");
    expect((appSecret(run).unmaskedInputs as any).stringData[ENV.sentryDsn]).toBe("");
    expect(settings(run)[ENV.sentryRelease]).toBeUndefined();
  });

  it("on: the DSN a secret in the app Secret, mounted in web, worker and beat only; release the image digest, environment the stack", () => {
    const run = programRun("prod", { "django-k8s:sentryDsn": DSN });
    const secret = appSecret(run);
    expect((secret.unmaskedInputs as any).stringData[ENV.sentryDsn]).toBe(DSN);
    expect(JSON.stringify(secret.inputs)).not.toContain(DSN);
    expect(settings(run)[ENV.sentryEnvironment]).toBe("prod");
    expect(settings(run)[ENV.sentryRelease]).toMatch(/@sha256:[0-9a-f]{64}$/);
    for (const deployment of ["web", "celery-worker", "celery-beat"])
      expect(fileEnv(run, deployment), deployment).toContain(`${ENV.sentryDsn}_FILE`);
    expect(fileEnv(run, "flower")).not.toContain(`${ENV.sentryDsn}_FILE`);
  });

  it("on: its clients, and only they, may reach public addresses on 443 (the DSN's host); off: none may", () => {
    const policies = (run: ProgramRun) => manifests(run).filter((o) => o.kind === "NetworkPolicy");
    const pod = (component: string): Endpoint => ({
      namespace: "django",
      labels: { "app.kubernetes.io/name": "django", "app.kubernetes.io/component": component },
    });
    const sentryIngest: Endpoint = { ip: "34.120.195.249" };
    const on = policies(programRun("prod", { "django-k8s:sentryDsn": DSN }));
    const off = policies(programRun("prod"));
    for (const role of ["web", "worker", "beat"]) {
      expect(connectionAllowed(on, pod(role), sentryIngest, 443), role).toBe(true);
      expect(connectionAllowed(off, pod(role), sentryIngest, 443), role).toBe(false);
      expect(connectionAllowed(on, pod(role), { ip: "10.1.2.3" }, 443), `${role} to a private address`).toBe(
        false,
      );
    }
    expect(connectionAllowed(on, pod("flower"), sentryIngest, 443)).toBe(false);
  });

  it("a malformed DSN is refused without repeating it", () => {
    const error = configError("prod", { "django-k8s:sentryDsn": "https://secret-value-xyz" });
    expect(error?.problems).toEqual([
      "django-k8s:sentryDsn: got [secret]; expected a Sentry DSN such as https://<key>@o1.ingest.sentry.io/<project id>, or empty",
    ]);
  });
});
