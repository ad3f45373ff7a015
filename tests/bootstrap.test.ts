/** The bootstrap project (bootstrap/) under the same recording mocks as the stacks. */
import { beforeAll, describe, expect, it } from "vitest";
import { bootstrap, DEPLOYER_ROLES, loadBootstrapConfig } from "../bootstrap/program";
import { type ProgramRun, runWithMocks } from "../synth/harness";

const CONFIG = {
  "django-k8s-bootstrap:gcpProject": "my-django-prod",
  "django-k8s-bootstrap:githubRepository": "acme/django-k8s",
};
const run = (config: Record<string, string>) =>
  runWithMocks("django-k8s-bootstrap", "bootstrap", config, async () => bootstrap(loadBootstrapConfig()));

let result: ProgramRun;
beforeAll(async () => {
  result = await run(CONFIG);
});
const of = (type: string) => result.resources.filter((r) => r.type === type);
const one = (type: string) => of(type)[0]!.inputs as Record<string, any>;

describe("bootstrap", () => {
  it("keeps state in a versioned, uniform, private bucket that is protected", () => {
    expect(one("gcp:storage/bucket:Bucket")).toMatchObject({
      name: "my-django-prod-pulumi-state",
      uniformBucketLevelAccess: true,
      publicAccessPrevention: "enforced",
      versioning: { enabled: true },
    });
    expect(result.outputs.stateBackend?.value).toBe("gs://my-django-prod-pulumi-state");
  });

  it("encrypts stack secrets with a rotating KMS key", () => {
    expect(one("gcp:kms/cryptoKey:CryptoKey")).toMatchObject({
      purpose: "ENCRYPT_DECRYPT",
      rotationPeriod: "7776000s",
    });
    expect(result.outputs.secretsProvider?.value).toBe(
      "gcpkms://projects/my-django-prod/locations/global/keyRings/pulumi/cryptoKeys/state",
    );
  });

  it("trusts GitHub's OIDC tokens from this repository only", () => {
    const provider = one("gcp:iam/workloadIdentityPoolProvider:WorkloadIdentityPoolProvider");
    expect(provider.oidc.issuerUri).toBe("https://token.actions.githubusercontent.com");
    expect(provider.attributeCondition).toBe('assertion.repository == "acme/django-k8s"');
    const binding = one("gcp:serviceaccount/iAMMember:IAMMember");
    expect(binding.role).toBe("roles/iam.workloadIdentityUser");
    expect(binding.member).toBe(
      "principalSet://iam.googleapis.com/projects/123456789/locations/global/workloadIdentityPools/github/attribute.repository/acme/django-k8s",
    );
  });

  it("gives the deployer the roles the stacks need, never Owner or Editor", () => {
    const roles = of("gcp:projects/iAMMember:IAMMember").map((r) => r.inputs.role as string);
    expect(roles.sort()).toEqual([...DEPLOYER_ROLES].sort());
    expect(roles).not.toContain("roles/owner");
    expect(roles).not.toContain("roles/editor");
    expect(one("gcp:storage/bucketIAMMember:BucketIAMMember").role).toBe("roles/storage.objectAdmin");
    expect(one("gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember").role).toBe(
      "roles/cloudkms.cryptoKeyEncrypterDecrypter",
    );
    expect(result.outputs.deployerServiceAccount?.value).toBe(
      "pulumi-deployer@my-django-prod.iam.gserviceaccount.com",
    );
  });

  it("refuses a repository that is not owner/name, naming the key", async () => {
    await expect(
      run({ ...CONFIG, "django-k8s-bootstrap:githubRepository": "https://github.com/acme" }),
    ).rejects.toThrow(
      /django-k8s-bootstrap:githubRepository: got "https:\/\/github.com\/acme"; expected owner\/name/,
    );
  });
});
