/** The policy pack's supply-chain checks (issue 16): each fails on a weakened resource. */
import { describe, expect, it } from "vitest";
import { named, violations } from "../support/policyCheck";

const HARDENED = {
  privateClusterConfig: { enablePrivateNodes: true },
  workloadIdentityConfig: { workloadPool: "p.svc.id.goog" },
  enableShieldedNodes: true,
  nodeConfig: {
    shieldedInstanceConfig: { enableSecureBoot: true },
    workloadMetadataConfig: { mode: "GKE_METADATA" },
  },
  binaryAuthorization: { evaluationMode: "PROJECT_SINGLETON_POLICY_ENFORCE" },
  databaseEncryption: { state: "ENCRYPTED", keyName: "projects/p/locations/r/keyRings/k/cryptoKeys/c" },
};
const CLUSTER = "gcp:container/cluster:Cluster";

describe("policy pack: supply chain", () => {
  it("passes a cluster with Binary Authorization enforced and KMS-encrypted Secrets", () => {
    expect(violations(named("gke-hardened"), CLUSTER, HARDENED)).toEqual([]);
  });

  it("fails a cluster without Binary Authorization", () => {
    expect(
      violations(named("gke-hardened"), CLUSTER, {
        ...HARDENED,
        binaryAuthorization: { evaluationMode: "DISABLED" },
      }),
    ).toEqual(["subject: does not enforce Binary Authorization"]);
  });

  it("fails a cluster whose Secrets are not encrypted with a KMS key", () => {
    expect(
      violations(named("gke-hardened"), CLUSTER, { ...HARDENED, databaseEncryption: { state: "DECRYPTED" } }),
    ).toEqual(["subject: keeps Secrets in etcd without a Cloud KMS key (databaseEncryption)"]);
  });

  it("fails a registry with vulnerability scanning disabled", () => {
    const registry = named("registry-scanned");
    const type = "gcp:artifactregistry/repository:Repository";
    expect(
      violations(registry, type, { vulnerabilityScanningConfig: { enablementConfig: "INHERITED" } }),
    ).toEqual([]);
    expect(
      violations(registry, type, { vulnerabilityScanningConfig: { enablementConfig: "DISABLED" } }),
    ).toEqual(["subject: has vulnerability scanning disabled"]);
  });
});
