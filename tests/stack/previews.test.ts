/**
 * Preview stacks under mocks (docs/previews.md): each preview's database, user, namespace and
 * route on its parent's servers, the parent's one shared Gateway and wildcard certificate, and
 * two previews (pr-12 and pr-13) that share nothing holding data. The previews' StackReference
 * is answered from the parent's synthesized outputs (synth/harness.ts).
 */
import { describe, expect, it } from "vitest";
import { SECRETS_READ } from "../../components/k8s/djangoApp/appContract";
import type { ProgramRun } from "../../synth/recording";
import { manifests } from "../../synth/render";
import { DEV_WITH_PREVIEWS, previewOf } from "./configurations";
import { byName, manifest, programRun } from "./runs";

const preview = (stack: string, parent: string): ProgramRun =>
  programRun(stack, previewOf(parent), 1, parent === "dev" ? DEV_WITH_PREVIEWS : {});
const inputsOf = (run: ProgramRun, type: string, name: string) => byName(run, type, name).inputs as any;
/** A Secret's data in clear (held in memory only), by its logical name. */
const secretData = (run: ProgramRun, name: string) =>
  (byName(run, "kubernetes:core/v1:Secret", name).unmaskedInputs as any).stringData;
/** Every Secret's name and namespace, and every value a preview's data lives under. */
function dataHolders(run: ProgramRun) {
  const secrets = manifests(run)
    .filter((m) => m.kind === "Secret")
    .map((m) => `${m.metadata.namespace}/${m.metadata.name}`);
  const passwords = run.resources
    .filter((r) => r.type === "random:index/randomPassword:RandomPassword")
    .map((r) => r.urn);
  return { secrets, passwords };
}

describe("the dev stack with previewDomain", () => {
  const parent = () => programRun("dev", DEV_WITH_PREVIEWS);

  it("creates one shared Gateway on a reserved address, HTTPS only, routes from its previews only", () => {
    const gateways = manifests(parent()).filter((m) => m.kind === "Gateway");
    expect(gateways).toHaveLength(1);
    const gateway = gateways[0]!;
    expect(gateway.spec.gatewayClassName).toBe("gke-l7-global-external-managed");
    expect(gateway.spec.addresses).toEqual([{ type: "NamedAddress", value: "preview-ip" }]);
    expect(gateway.spec.listeners).toEqual([
      expect.objectContaining({
        protocol: "HTTPS",
        port: 443,
        allowedRoutes: expect.objectContaining({
          namespaces: { from: "Selector", selector: { matchLabels: { "django-k8s.dev/preview-of": "dev" } } },
        }),
      }),
    ]);
    expect(gateway.metadata.annotations["networking.gke.io/certmap"]).toBe("preview-certs");
  });

  it("holds one DNS-authorized wildcard certificate in a certificate map, and no per-preview one", () => {
    const certificates = parent().resources.filter(
      (r) => r.type === "gcp:certificatemanager/certificate:Certificate",
    );
    expect(certificates).toHaveLength(1);
    expect((certificates[0]!.inputs as any).managed).toEqual({
      domains: ["*.preview.example.com"],
      dnsAuthorizations: ["preview-dns-auth-id"],
    });
    expect(
      inputsOf(
        parent(),
        "gcp:certificatemanager/certificateMapEntry:CertificateMapEntry",
        "preview-wildcard-entry",
      ),
    ).toMatchObject({ hostname: "*.preview.example.com", certificates: ["preview-wildcard-id"] });
    expect(inputsOf(parent(), "gcp:container/cluster:Cluster", "django").gatewayApiConfig).toEqual({
      channel: "CHANNEL_STANDARD",
    });
  });

  it("exports the address, the DNS records and the admin secrets previews read, secrets as secrets", () => {
    const { outputs } = parent();
    expect(outputs.previewAddress!.value).toMatch(/^34\.120\.0\.\d+$/);
    expect(outputs.previewDnsRecords!.value).toEqual([
      expect.objectContaining({ name: "_acme-challenge.preview.example.com.", type: "CNAME" }),
      { name: "*.preview.example.com.", type: "A", data: outputs.previewAddress!.value },
    ]);
    expect(outputs.previewDatabaseAdminPassword!.secret).toBe(true);
    expect(outputs.previewRedisAuth!.secret).toBe(true);
    expect(outputs.previewTarget!.secret).toBe(false);
  });

  it("without previewDomain has no Gateway and no certificate (the committed dev stack)", () => {
    const plain = programRun("dev");
    expect(manifests(plain).filter((m) => m.kind === "Gateway")).toEqual([]);
    expect(plain.resources.filter((r) => r.type.startsWith("gcp:certificatemanager/"))).toEqual([]);
  });
});

describe("a preview whose config leaves the platform at its default", () => {
  it("runs on its parent's: a preview of dev creates its Cloud SQL database and route", () => {
    const run = programRun(
      "pr-15",
      { "django-k8s:previewParent": "dev", "django-k8s:platform": "minikube", ...previewOf("dev") },
      1,
      DEV_WITH_PREVIEWS,
    );
    expect(inputsOf(run, "gcp:sql/database:Database", "database").name).toBe("pr_15");
    expect(run.outputs.url!.value).toBe("https://pr-15.preview.example.com");
  });
});

describe("a GCP preview of a parent without previewDomain", () => {
  it("stops before creating anything, saying which key to set on the parent", () => {
    expect(() => programRun("pr-14", previewOf("dev"))).toThrow(
      /parent stack dev has no shared preview Gateway: set django-k8s:previewDomain on dev and update it/,
    );
  });
});

describe.each(["pr-12", "pr-13"])("GCP preview %s of dev", (stack) => {
  const run = () => preview(stack, "dev");
  const number = stack.slice(3);

  it("gets its own Cloud SQL database and user on the parent's instance, with a generated secret password", () => {
    expect(inputsOf(run(), "gcp:sql/database:Database", "database")).toMatchObject({
      instance: "postgres",
      name: `pr_${number}`,
      project: "my-django-dev",
    });
    const user = inputsOf(run(), "gcp:sql/user:User", "database-user");
    expect(user).toMatchObject({ instance: "postgres", name: `pr_${number}`, password: "[secret]" });
    // The database goes before its owner on destroy.
    expect(byName(run(), "gcp:sql/database:Database", "database").dependencies).toContain(
      byName(run(), "gcp:sql/user:User", "database-user").urn,
    );
  });

  it("gets its own restricted namespace with the default-deny baseline, marked as dev's preview", () => {
    const namespace = manifest(run(), "Namespace", stack);
    expect(namespace.metadata.labels).toMatchObject({
      "pod-security.kubernetes.io/enforce": "restricted",
      "django-k8s.dev/preview-of": "dev",
    });
    const deny = manifest(run(), "NetworkPolicy", "default-deny");
    expect(deny.metadata.namespace).toBe(stack);
    expect(deny.spec).toEqual({ podSelector: {}, policyTypes: ["Ingress", "Egress"] });
  });

  it("routes pr-<number>.<previewDomain> to its web Service through the shared Gateway", () => {
    const route = manifest(run(), "HTTPRoute", stack);
    expect(route.spec).toEqual({
      parentRefs: [{ name: "previews", namespace: "django", sectionName: "https" }],
      hostnames: [`${stack}.preview.example.com`],
      rules: [{ backendRefs: [{ name: "web", port: 80 }] }],
    });
    expect(run().outputs.url!.value).toBe(`https://${stack}.preview.example.com`);
    expect(inputsOf(run(), "kubernetes:core/v1:ConfigMap", "django-settings").data.DJANGO_ALLOWED_HOSTS).toBe(
      `${stack}.preview.example.com`,
    );
    // No load balancer or certificate of its own.
    expect(run().resources.filter((r) => /GlobalAddress|certificatemanager|Ingress$/.test(r.type))).toEqual(
      [],
    );
  });

  it("is small: the parent's preview sizes, autoscaling capped, no load generator", () => {
    for (const role of ["web", "celery-worker"]) {
      const hpa = manifests(run()).find(
        (m) => m.kind === "HorizontalPodAutoscaler" && m.metadata.name === role,
      );
      expect(hpa?.spec, role).toMatchObject({ minReplicas: 1, maxReplicas: 2 });
    }
    expect(run().resources.some((r) => /load-generator/.test(r.name))).toBe(false);
  });

  it("gives the seed Job exactly the secrets its contract reads, as the migration's", () => {
    const seed = manifests(run()).find((m) => m.kind === "Job" && m.metadata.name.startsWith("seed-"));
    const keys = seed?.spec.template.spec.volumes
      .filter((volume: any) => volume.secret)
      .flatMap((volume: any) => volume.secret.items.map((item: any) => item.key));
    expect([...keys].sort()).toEqual([...SECRETS_READ.seed].sort());
    expect(SECRETS_READ.seed).toEqual(SECRETS_READ.migrate);
  });

  it("migrates its own database, then runs the seed Job", () => {
    const seed = manifests(run()).find((m) => m.kind === "Job" && m.metadata.name.startsWith("seed-"));
    expect(seed?.spec.template.spec.containers[0].command).toEqual(["python", "manage.py", "seed_demo"]);
    const migrate = byName(run(), "kubernetes:batch/v1:Job", "django-migrate");
    expect(byName(run(), "kubernetes:batch/v1:Job", "django-seed").dependencies).toContain(migrate.urn);
    expect(migrate.dependencies).toContain(byName(run(), "gcp:sql/database:Database", "database").urn);
    expect(manifest(run(), "Secret", "postgres-credentials").metadata.namespace).toBe(stack);
  });
});

describe.each(["pr-12", "pr-13"])("minikube preview %s", (stack) => {
  const run = () => preview(stack, "minikube");
  const number = stack.slice(3);

  it("creates its database and role with a psql Job against the parent's PostgreSQL, as the parent's admin", () => {
    const job = manifest(run(), "Job", "database-setup");
    const container = job.spec.template.spec.containers[0];
    expect(container.command[2]).toContain("CREATE DATABASE %I OWNER %I");
    expect(container.env).toEqual(
      expect.arrayContaining([
        { name: "PGHOST", value: "postgres.django.svc.cluster.local" },
        { name: "PGUSER", value: "app" },
      ]),
    );
    // The admin password arrives as a mounted Secret, never in the pod spec.
    expect(JSON.stringify(job)).not.toMatch(/MOCKSECRET/);
    expect(inputsOf(run(), "kubernetes:core/v1:Secret", "database-admin").stringData.password).toBe(
      "[secret]",
    );
    expect(secretData(run(), "postgres-credentials")).toMatchObject({
      POSTGRES_DB: `pr_${number}`,
      POSTGRES_USER: `pr_${number}`,
    });
    const migrate = byName(run(), "kubernetes:batch/v1:Job", "django-migrate");
    expect(migrate.dependencies).toContain(byName(run(), "kubernetes:batch/v1:Job", "database-setup").urn);
  });

  it("has a suspended database-drop CronJob and the command that runs it", () => {
    const drop = manifest(run(), "CronJob", "database-drop");
    expect(drop.spec.suspend).toBe(true);
    expect(drop.spec.jobTemplate.spec.template.spec.containers[0].command[2]).toContain(
      "DROP DATABASE IF EXISTS %I WITH (FORCE)",
    );
    expect(run().outputs.dropDatabaseCommand!.value).toBe(
      `kubectl --context minikube -n ${stack} create job --from=cronjob/database-drop database-drop-now && ` +
        `kubectl --context minikube -n ${stack} wait --for=condition=complete --timeout=120s job/database-drop-now`,
    );
  });

  it("is served on a NodePort, printed as its url", () => {
    const web = manifest(run(), "Service", "web");
    expect(web.spec.type).toBe("NodePort");
    const { spec } = byName(run(), "kubernetes:core/v1:Service", "django-web-svc").state as any;
    expect(run().outputs.url!.value).toBe(`http://127.0.0.1:${spec.ports[0].nodePort}`);
  });

  it("reaches only the parent's PostgreSQL and Redis pods across namespaces", () => {
    const egress = manifest(run(), "NetworkPolicy", "django-app-egress").spec.egress;
    expect(egress.map((rule: any) => rule.to[0])).toEqual([
      {
        namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "django" } },
        podSelector: {
          matchLabels: { "app.kubernetes.io/name": "postgres", "app.kubernetes.io/component": "database" },
        },
      },
      {
        namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "django" } },
        podSelector: {
          matchLabels: { "app.kubernetes.io/name": "redis", "app.kubernetes.io/component": "broker" },
        },
      },
    ]);
  });
});

describe("the minikube parent", () => {
  it("admits its previews' app pods to PostgreSQL and Redis, and no other namespace", () => {
    for (const store of ["postgres-ingress", "redis-ingress"]) {
      const from = manifest(programRun("minikube"), "NetworkPolicy", store).spec.ingress[0].from;
      expect(from, store).toContainEqual({
        namespaceSelector: { matchLabels: { "django-k8s.dev/preview-of": "minikube" } },
        podSelector: { matchLabels: { "app.kubernetes.io/name": "django" } },
      });
    }
  });
});

describe.each(["dev", "minikube"])("two previews of %s", (parent) => {
  const both = () => [preview("pr-12", parent), preview("pr-13", parent)];
  const redisUrl = (run: ProgramRun) => secretData(run, "django-secrets").REDIS_URL as string;

  it("share no namespace, database, user, Redis database or secret", () => {
    const [a, b] = both() as [ProgramRun, ProgramRun];
    expect([a, b].map((run) => run.outputs.namespace!.value)).toEqual(["pr-12", "pr-13"]);
    expect([a, b].map((run) => run.outputs.database!.value)).toEqual(["pr_12", "pr_13"]);
    expect([a, b].map((run) => secretData(run, "postgres-credentials").POSTGRES_USER)).toEqual([
      "pr_12",
      "pr_13",
    ]);
    expect([a, b].map((run) => run.outputs.redisDb!.value)).toEqual([12, 13]);
    expect(redisUrl(a)).toMatch(/\/12$/);
    expect(redisUrl(b)).toMatch(/\/13$/);
    const [holdersA, holdersB] = [a, b].map(dataHolders) as [
      ReturnType<typeof dataHolders>,
      ReturnType<typeof dataHolders>,
    ];
    expect(holdersA.secrets.filter((s) => holdersB.secrets.includes(s))).toEqual([]);
    // Each generates its own passwords and keys: resources of its own stack, none shared.
    expect(holdersA.passwords.length).toBeGreaterThanOrEqual(4);
    expect(holdersA.passwords.filter((p) => holdersB.passwords.includes(p))).toEqual([]);
  });

  it("each claim their Redis database in the parent's namespace, so a second holder of an index fails", () => {
    const claims = both().map((run) =>
      manifest(run, "ConfigMap", `preview-redis-db-${run.outputs.redisDb!.value}`),
    );
    expect(claims.map((claim) => claim.metadata.namespace)).toEqual(["django", "django"]);
    expect(claims.map((claim) => claim.data.holder)).toEqual(["pr-12", "pr-13"]);
  });

  it("never use Redis database 0, the parent's", () => {
    const parentRun = programRun(parent, parent === "dev" ? DEV_WITH_PREVIEWS : {});
    expect(redisUrl(parentRun)).toMatch(/\/0$/);
    expect(both().map((run) => run.outputs.redisDb!.value)).not.toContain(0);
  });
});
