/**
 * Security round two (issue 16) in the synthesized stacks: Cloud Armor on both public entries,
 * image scanning and Binary Authorization, KMS-encrypted Secrets, Cloud SQL's log level,
 * Private Google Access DNS, and every image pinned by digest.
 */
import { describe, expect, it } from "vitest";
import { WAF_RULE_SETS } from "../../components/gcp/CloudArmor";
import { DATABASE_FLAGS } from "../../components/gcp/CloudSqlPostgres";
import { SECRETS_KEY_ROTATION } from "../../components/gcp/GkeCluster";
import { PRIVATE_GOOGLE_APIS_CIDR } from "../../components/gcp/Network";
import { APIS } from "../../components/gcp/ProjectApis";
import type { ProgramRun, RecordedResource } from "../../synth/recording";
import { manifests } from "../../synth/render";
import { availableStacks } from "../../synth/stackFiles";
import { manifest, programRun } from "./runs";

const T = {
  api: "gcp:projects/service:Service",
  cluster: "gcp:container/cluster:Cluster",
  key: "gcp:kms/cryptoKey:CryptoKey",
  keyGrant: "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember",
  admission: "gcp:binaryauthorization/policy:Policy",
  repo: "gcp:artifactregistry/repository:Repository",
  armor: "gcp:compute/securityPolicy:SecurityPolicy",
  backendBucket: "gcp:compute/backendBucket:BackendBucket",
  sql: "gcp:sql/databaseInstance:DatabaseInstance",
  zone: "gcp:dns/managedZone:ManagedZone",
  record: "gcp:dns/recordSet:RecordSet",
  natAddress: "gcp:compute/address:Address",
  nat: "gcp:compute/routerNat:RouterNat",
  provider: "pulumi:providers:kubernetes",
};

const all = (run: ProgramRun, type: string) => run.resources.filter((r) => r.type === type);
function one(run: ProgramRun, type: string, where: (r: RecordedResource) => boolean = () => true) {
  const found = all(run, type).filter(where);
  if (found.length !== 1) throw new Error(`expected one ${type}, found ${found.length}`);
  return found[0]!;
}
const inputs = (r: RecordedResource) => r.inputs as Record<string, any>;

/** Binary Authorization's matching: a trailing `*` matches anything but `/`, `**` anything. */
function admitted(image: string, pattern: string): boolean {
  if (pattern.endsWith("**")) return image.startsWith(pattern.slice(0, -2));
  if (pattern.endsWith("*")) {
    const prefix = pattern.slice(0, -1);
    return image.startsWith(prefix) && !image.slice(prefix.length).includes("/");
  }
  return image === pattern;
}

function images(run: ProgramRun): string[] {
  return manifests(run).flatMap((m) => {
    const pod = m.spec?.template?.spec ?? m.spec?.jobTemplate?.spec?.template?.spec;
    if (!pod) return [];
    return [...(pod.initContainers ?? []), ...pod.containers].map((c: { image: string }) => c.image);
  });
}

const DIGEST = /^[^@\s]+:[\w.-]+@sha256:[a-f0-9]{64}$/;

describe.each(["dev", "prod"] as const)("%s stack", (stack) => {
  const run = () => programRun(stack);
  const loaded = () =>
    programRun(stack, { "django-k8s:loadGenerator": "true", "django-k8s:loadGeneratorRate": "50" });

  it("puts Cloud Armor's WAF rules and a per-client rate limit in front of web", () => {
    const policy = one(run(), T.armor, (r) => inputs(r).type === "CLOUD_ARMOR");
    const rules = inputs(policy).rules as any[];
    const expressions = rules.map((r) => r.match.expr?.expression).filter(Boolean);
    for (const set of WAF_RULE_SETS) expect(expressions.join("\n")).toContain(`'${set}'`);
    // enforce by default: a match is refused, not only logged.
    expect(
      rules.filter((r) => r.match.expr).every((r) => r.action === "deny(403)" && r.preview === false),
    ).toBe(true);
    const throttle = rules.find((r) => r.action === "throttle");
    expect(throttle.rateLimitOptions).toMatchObject({
      enforceOnKey: "IP",
      exceedAction: "deny(429)",
      rateLimitThreshold: { count: 600, intervalSec: 60 },
    });
    // The web backend uses it.
    expect(manifest(run(), "BackendConfig", "web").spec.securityPolicy.name).toBe(
      inputs(policy).name ?? policy.name,
    );
  });

  it("puts an edge policy on the static files' backend bucket", () => {
    const edge = one(run(), T.armor, (r) => inputs(r).type === "CLOUD_ARMOR_EDGE");
    expect(inputs(one(run(), T.backendBucket)).edgeSecurityPolicy).toContain(edge.name);
  });

  it("lets the load generator, leaving through Cloud NAT's reserved address, past every Armor rule", () => {
    const address = inputs(one(loaded(), T.natAddress));
    expect(inputs(one(loaded(), T.nat))).toMatchObject({ natIpAllocateOption: "MANUAL_ONLY" });
    const rules = inputs(one(loaded(), T.armor, (r) => inputs(r).type === "CLOUD_ARMOR")).rules as any[];
    const first = [...rules].sort((a, b) => a.priority - b.priority)[0];
    expect(first.action).toBe("allow");
    expect(first.match.config.srcIpRanges).toEqual([expect.stringMatching(/^35\.187\.0\.\d+\/32$/)]);
    expect(address).toBeDefined();
    // Without a load generator nobody is trusted.
    const unloaded = inputs(one(run(), T.armor, (r) => inputs(r).type === "CLOUD_ARMOR")).rules as any[];
    expect(unloaded.find((r) => r.priority === first.priority).match.config.srcIpRanges).toEqual([
      "192.0.2.0/32",
    ]);
  });

  it("scans pushed images for vulnerabilities", () => {
    expect(Object.values(APIS)).toContain("containerscanning.googleapis.com");
    const repo = one(run(), T.repo);
    expect(inputs(repo).vulnerabilityScanningConfig).toEqual({ enablementConfig: "INHERITED" });
    const scanning = one(run(), T.api, (r) => inputs(r).service === "containerscanning.googleapis.com");
    expect(repo.dependencies).toContain(scanning.urn);
  });

  it("enforces Binary Authorization: default deny, Google's system images, every rendered image admitted", () => {
    expect(inputs(one(run(), T.cluster)).binaryAuthorization).toEqual({
      evaluationMode: "PROJECT_SINGLETON_POLICY_ENFORCE",
    });
    const policy = inputs(one(run(), T.admission));
    expect(policy.defaultAdmissionRule).toEqual({
      evaluationMode: "ALWAYS_DENY",
      enforcementMode: "ENFORCED_BLOCK_AND_AUDIT_LOG",
    });
    expect(policy.globalPolicyEvaluationMode).toBe("ENABLE");
    const patterns = (policy.admissionWhitelistPatterns as { namePattern: string }[]).map(
      (p) => p.namePattern,
    );
    // The app only by digest from the project's own registry.
    expect(patterns[0]).toMatch(
      /^europe-west1-docker\.pkg\.dev\/my-django-[a-z]+\/django-k8s\/app@sha256:\*$/,
    );
    expect(
      admitted(`europe-west1-docker.pkg.dev/my-django-${stack}/django-k8s/app:latest`, patterns[0]!),
    ).toBe(false);
    for (const image of images(run())) {
      expect(
        patterns.some((p) => admitted(image, p)),
        `${image} is admitted`,
      ).toBe(true);
    }
    // In-cluster objects are created only once the policy is in place.
    const admission = one(run(), T.admission);
    const provider = run().resources.find((r) => r.type === T.provider && r.name === "django-k8s");
    expect(provider?.dependencies).toContain(admission.urn);
  });

  it("encrypts Secrets in etcd with its own rotated KMS key that GKE's service agent may use", () => {
    const key = one(run(), T.key);
    expect(inputs(key).rotationPeriod).toBe(SECRETS_KEY_ROTATION);
    // KMS never deletes a ring: a random suffix lets a destroyed stack come back, or a second share the project.
    expect(inputs(one(run(), "gcp:kms/keyRing:KeyRing")).name).toMatch(/^django-secrets-[0-9a-f]{6}$/);
    const cluster = one(run(), T.cluster);
    expect(inputs(cluster).databaseEncryption).toEqual({
      state: "ENCRYPTED",
      keyName: `projects/my-django-${stack}/locations/europe-west1/keyRings/${inputs(one(run(), "gcp:kms/keyRing:KeyRing")).name}/cryptoKeys/${inputs(key).name}`,
    });
    const grant = one(run(), T.keyGrant);
    expect(inputs(grant)).toMatchObject({
      role: "roles/cloudkms.cryptoKeyEncrypterDecrypter",
      member: expect.stringMatching(
        /^serviceAccount:service-\d+@container-engine-robot\.iam\.gserviceaccount\.com$/,
      ),
    });
    expect(cluster.dependencies).toContain(grant.urn);
  });

  it("logs Cloud SQL's warnings (CIS: log_min_messages at warning)", () => {
    expect(DATABASE_FLAGS.log_min_messages).toBe("warning");
    const flags = inputs(one(run(), T.sql)).settings.databaseFlags as { name: string; value: string }[];
    expect(flags).toContainEqual({ name: "log_min_messages", value: "warning" });
  });

  it("resolves every googleapis.com name to the Private Google Access range the pods' egress is limited to", () => {
    expect(PRIVATE_GOOGLE_APIS_CIDR).toBe("199.36.153.8/30");
    expect(inputs(one(run(), T.zone))).toMatchObject({ dnsName: "googleapis.com.", visibility: "private" });
    const records = all(run(), T.record).map((r) => inputs(r));
    expect(records).toContainEqual(
      expect.objectContaining({
        name: "private.googleapis.com.",
        type: "A",
        rrdatas: ["199.36.153.8", "199.36.153.9", "199.36.153.10", "199.36.153.11"],
      }),
    );
    expect(records).toContainEqual(
      expect.objectContaining({
        name: "*.googleapis.com.",
        type: "CNAME",
        rrdatas: ["private.googleapis.com."],
      }),
    );
  });
});

describe.each(availableStacks())("%s stack images", (stack) => {
  it("pins every third-party image by digest with its release readable beside it", () => {
    const run = programRun(stack, {
      "django-k8s:loadGenerator": "true",
      "django-k8s:loadGeneratorRate": "50",
    });
    const thirdParty = images(run).filter((image) => !/\/app[:@]|django-k8s-app:/.test(image));
    expect(thirdParty.length).toBeGreaterThan(0);
    for (const image of thirdParty) expect(image, image).toMatch(DIGEST);
  });
});
