/** The CrossGuard policies, called directly: a resource with a property weakened fails. */
import { describe, expect, it } from "vitest";
import { named, violations } from "../support/policyCheck";

describe("policy pack", () => {
  const sql = {
    settings: {
      ipConfiguration: { ipv4Enabled: false, sslMode: "ENCRYPTED_ONLY" },
      backupConfiguration: { enabled: true, pointInTimeRecoveryEnabled: true },
      availabilityType: "ZONAL",
    },
  };
  it.each([
    [
      "a public IP",
      {
        ...sql,
        settings: { ...sql.settings, ipConfiguration: { ipv4Enabled: true, sslMode: "ENCRYPTED_ONLY" } },
      },
      /public IP/,
    ],
    [
      "no backups",
      { ...sql, settings: { ...sql.settings, backupConfiguration: { enabled: false } } },
      /no backups/,
    ],
    [
      "no PITR",
      { ...sql, settings: { ...sql.settings, backupConfiguration: { enabled: true } } },
      /point-in-time/,
    ],
    [
      "TLS not required",
      { ...sql, settings: { ...sql.settings, ipConfiguration: { ipv4Enabled: false } } },
      /TLS/,
    ],
  ])("rejects Cloud SQL with %s", (_, props, message) => {
    expect(
      violations(
        named("cloud-sql-private-backed-up"),
        "gcp:sql/databaseInstance:DatabaseInstance",
        props,
      ).join(),
    ).toMatch(message);
  });

  it("requires REGIONAL Cloud SQL only where configured (prod)", () => {
    const policy = named("cloud-sql-private-backed-up");
    expect(violations(policy, "gcp:sql/databaseInstance:DatabaseInstance", sql)).toEqual([]);
    expect(
      violations(policy, "gcp:sql/databaseInstance:DatabaseInstance", sql, {
        requireHighAvailability: true,
      }).join(),
    ).toMatch(/REGIONAL/);
  });

  it("rejects Redis without AUTH or TLS, and buckets without uniform access", () => {
    const redis = named("memorystore-auth-tls");
    expect(
      violations(redis, "gcp:redis/instance:Instance", {
        authEnabled: false,
        transitEncryptionMode: "SERVER_AUTHENTICATION",
      }),
    ).toEqual(["subject: has AUTH off"]);
    expect(
      violations(redis, "gcp:redis/instance:Instance", {
        authEnabled: true,
        transitEncryptionMode: "DISABLED",
      }),
    ).toEqual(["subject: does not encrypt in transit"]);
    expect(
      violations(named("bucket-uniform-access"), "gcp:storage/bucket:Bucket", {
        uniformBucketLevelAccess: false,
      }),
    ).toHaveLength(1);
  });

  it("rejects a GKE cluster with public nodes, no Workload Identity or no secure boot", () => {
    const gke = named("gke-hardened");
    const problems = violations(gke, "gcp:container/cluster:Cluster", {
      privateClusterConfig: { enablePrivateNodes: false },
      nodeConfig: {},
    }).join("\n");
    for (const expected of ["public nodes", "no Workload Identity", "no shielded nodes", "secure boot"])
      expect(problems).toContain(expected);
    expect(
      violations(gke, "gcp:container/nodePool:NodePool", {
        cluster: "c",
        nodeConfig: { workloadMetadataConfig: { mode: "GKE_METADATA" } },
      }),
    ).toEqual(["subject: nodes boot without secure boot"]);
  });

  it("rejects a container without limits, probes or the restricted context", () => {
    const deployment = {
      kind: "Deployment",
      metadata: { name: "x" },
      spec: { template: { spec: { containers: [{ name: "app", image: "app:1" }] } } },
    };
    const problems = violations(
      named("containers-restricted"),
      "kubernetes:apps/v1:Deployment",
      deployment,
    ).join("\n");
    for (const expected of ["no cpu limit", "allowPrivilegeEscalation", "runAsNonRoot", "no liveness probe"])
      expect(problems).toContain(expected);
  });

  it("rejects the app image by tag where digests are required", () => {
    const job = {
      kind: "Job",
      metadata: { name: "m" },
      spec: { template: { spec: { containers: [{ name: "app", image: "repo/app:1.0" }] } } },
    };
    const policy = named("images-by-digest");
    expect(violations(policy, "kubernetes:batch/v1:Job", job)).toEqual([]);
    expect(violations(policy, "kubernetes:batch/v1:Job", job, { requireImageDigests: true }).join()).toMatch(
      /repo\/app:1.0, not a digest/,
    );
  });
});
