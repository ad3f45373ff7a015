/** The bootstrap project (bootstrap/) under the same recording mocks as the stacks. */
import { beforeAll, describe, expect, it } from "vitest";
import {
  bootstrap,
  DEPLOYER_ROLES,
  grantableRoles,
  loadBootstrapConfig,
  PREVIEW_DATABASE_PERMISSIONS,
  PREVIEW_DEPLOYER_ROLES,
  PREVIEWER_ROLES,
  PROJECT_IAM_ADMIN,
  parseStackProjects,
} from "../../bootstrap/program";
import { runWithMocks } from "../../synth/mockRuntime";
import type { ProgramRun } from "../../synth/recording";

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

  const POOL =
    "principal://iam.googleapis.com/projects/123456789/locations/global/workloadIdentityPools/github";
  /** Who may act as a service account, by the account's email. */
  const impersonators = (email: string) =>
    of("gcp:serviceaccount/iAMMember:IAMMember")
      .filter((r) => String(r.inputs.serviceAccountId).endsWith(`/${email}`))
      .map((r) => {
        expect(r.inputs.role).toBe("roles/iam.workloadIdentityUser");
        return r.inputs.member as string;
      })
      .sort();
  /** Project and resource roles granted to a service account, by its email. */
  const grants = (email: string) => {
    const member = `serviceAccount:${email}`;
    const project = of("gcp:projects/iAMMember:IAMMember").filter((r) => r.inputs.member === member);
    const state = of("gcp:storage/bucketIAMMember:BucketIAMMember").filter((r) => r.inputs.member === member);
    const key = of("gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember").filter((r) => r.inputs.member === member);
    return {
      project: project.map((r) => r.inputs.role as string).sort(),
      state: state.map((r) => r.inputs.role as string),
      key: key.map((r) => r.inputs.role as string),
    };
  };
  const deployer = (env: string) => `pulumi-deployer-${env}@my-django-prod.iam.gserviceaccount.com`;
  const PREVIEWER = "pulumi-previewer@my-django-prod.iam.gserviceaccount.com";

  it("trusts GitHub's OIDC tokens from this repository only", () => {
    const provider = one("gcp:iam/workloadIdentityPoolProvider:WorkloadIdentityPoolProvider");
    expect(provider.oidc.issuerUri).toBe("https://token.actions.githubusercontent.com");
    expect(provider.attributeCondition).toBe('assertion.repository == "acme/django-k8s"');
    expect(provider.attributeMapping["google.subject"]).toBe("assertion.sub");
  });

  it("lets only jobs in each GitHub environment act as that environment's deployer", () => {
    for (const env of ["dev", "prod"]) {
      expect(impersonators(deployer(env))).toEqual([
        `${POOL}/subject/repo:acme/django-k8s:environment:${env}`,
      ]);
    }
    // No binding to the whole repository: a branch's own workflow cannot deploy.
    for (const r of of("gcp:serviceaccount/iAMMember:IAMMember"))
      expect(r.inputs.member).not.toContain("principalSet://");
  });

  it("gives each deployer the roles the stacks need, never Owner or Editor, IAM admin only under a condition", () => {
    for (const env of ["dev", "prod"]) {
      const { project, state, key } = grants(deployer(env));
      expect(project).toEqual([...DEPLOYER_ROLES, PROJECT_IAM_ADMIN].sort());
      expect(project).not.toContain("roles/owner");
      expect(project).not.toContain("roles/editor");
      expect(state).toEqual(["roles/storage.objectAdmin"]);
      expect(key).toEqual(["roles/cloudkms.cryptoKeyEncrypterDecrypter"]);
      const admin = of("gcp:projects/iAMMember:IAMMember").filter(
        (r) => r.inputs.member === `serviceAccount:${deployer(env)}` && r.inputs.role === PROJECT_IAM_ADMIN,
      );
      expect(admin).toHaveLength(1);
      // Unconditional project IAM admin would let it grant itself Owner.
      expect((admin[0]!.inputs.condition as { expression: string }).expression).toBe(
        `api.getAttribute('iam.googleapis.com/modifiedGrantsByRole', []).hasOnly([${grantableRoles(
          "my-django-prod",
        )
          .map((r) => `'${r}'`)
          .join(", ")}])`,
      );
      expect(grantableRoles("p")).not.toContain("roles/owner");
    }
    expect(result.outputs.deployerServiceAccounts?.value).toEqual({
      dev: deployer("dev"),
      prod: deployer("prod"),
    });
  });

  it("supports one project per stack: each deployer holds roles only in its environment's project", async () => {
    const two = await run({
      ...CONFIG,
      "django-k8s-bootstrap:stackProjects": "dev=my-django-dev,prod=my-django-prod",
    });
    const projectGrants = two.resources.filter((r) => r.type === "gcp:projects/iAMMember:IAMMember");
    const projectsOf = (email: string) => [
      ...new Set(
        projectGrants
          .filter((r) => r.inputs.member === `serviceAccount:${email}`)
          .map((r) => r.inputs.project),
      ),
    ];
    expect(projectsOf(deployer("dev"))).toEqual(["my-django-dev"]);
    expect(projectsOf(deployer("prod"))).toEqual(["my-django-prod"]);
    // The previewer reads both; state, key and identity pool stay in the bootstrap's project.
    expect(projectsOf("pulumi-previewer@my-django-prod.iam.gserviceaccount.com").sort()).toEqual([
      "my-django-dev",
      "my-django-prod",
    ]);
    const devAdmin = projectGrants.find(
      (r) => r.inputs.member === `serviceAccount:${deployer("dev")}` && r.inputs.role === PROJECT_IAM_ADMIN,
    );
    expect(devAdmin).toBeDefined();
    expect((devAdmin!.inputs.condition as { expression: string }).expression).toContain(
      "'projects/my-django-dev/roles/",
    );
  });

  it("refuses a stackProjects entry it cannot read, naming the key", async () => {
    await expect(
      run({ ...CONFIG, "django-k8s-bootstrap:stackProjects": "staging=my-django-stg" }),
    ).rejects.toThrow(
      /django-k8s-bootstrap:stackProjects: got "staging=my-django-stg"; expected <environment>=<project ID> with environment one of dev, prod/,
    );
    expect(parseStackProjects("dev=X", "p").problems).toEqual([
      'django-k8s-bootstrap:stackProjects: got "dev=X"; expected a project ID after "dev="',
    ]);
    expect(parseStackProjects(" prod = my-django-prod ", "my-django-ci").projects).toEqual({
      dev: "my-django-ci",
      prod: "my-django-prod",
    });
  });

  it("gives pull requests a previewer that can read but not change anything", () => {
    expect(impersonators(PREVIEWER)).toEqual([`${POOL}/subject/repo:acme/django-k8s:pull_request`]);
    const { project, state, key } = grants(PREVIEWER);
    expect(project).toEqual([...PREVIEWER_ROLES].sort());
    for (const role of project) expect(role).toMatch(/viewer$/);
    expect(state).toEqual(["roles/storage.objectViewer"]);
    expect(key).toEqual(["roles/cloudkms.cryptoKeyDecrypter"]);
    expect(result.outputs.previewerServiceAccount?.value).toBe(PREVIEWER);
  });

  const PREVIEW_DEPLOYER = "pulumi-preview-deployer@my-django-prod.iam.gserviceaccount.com";

  it("lets only jobs in the GitHub environment `preview` act as the preview deployer", () => {
    expect(impersonators(PREVIEW_DEPLOYER)).toEqual([
      `${POOL}/subject/repo:acme/django-k8s:environment:preview`,
    ]);
    expect(result.outputs.previewDeployerServiceAccount?.value).toBe(PREVIEW_DEPLOYER);
  });

  it("gives the preview deployer a namespace's worth of the cluster, an image push and databases, nothing more", () => {
    const { project, key } = grants(PREVIEW_DEPLOYER);
    const custom = "projects/my-django-prod/roles/djangoK8sPreviewDatabases";
    expect(project).toEqual([...PREVIEW_DEPLOYER_ROLES, custom].sort());
    for (const role of project) expect(role).not.toMatch(/admin|owner|editor/i);
    expect(key).toEqual(["roles/cloudkms.cryptoKeyEncrypterDecrypter"]);
    const role = of("gcp:projects/iAMCustomRole:IAMCustomRole").find(
      (r) => r.inputs.roleId === "djangoK8sPreviewDatabases",
    )!;
    expect(role.inputs.project).toBe("my-django-prod");
    expect(role.inputs.permissions).toEqual(PREVIEW_DATABASE_PERMISSIONS);
    // Its own databases and users; never an instance's settings, its deletion or a new instance.
    for (const permission of PREVIEW_DATABASE_PERMISSIONS)
      expect(permission).toMatch(/^cloudsql\.(databases\.\w+|users\.\w+|instances\.get)$/);
  });

  it("lets the preview deployer read all state but write only the preview stacks'", () => {
    const state = of("gcp:storage/bucketIAMMember:BucketIAMMember").filter(
      (r) => r.inputs.member === `serviceAccount:${PREVIEW_DEPLOYER}`,
    );
    const byRole = Object.fromEntries(state.map((r) => [r.inputs.role as string, r.inputs.condition]));
    expect(Object.keys(byRole).sort()).toEqual(["roles/storage.objectAdmin", "roles/storage.objectViewer"]);
    expect(byRole["roles/storage.objectViewer"]).toBeUndefined();
    const objects = "projects/_/buckets/my-django-prod-pulumi-state/objects/.pulumi";
    expect((byRole["roles/storage.objectAdmin"] as { expression: string }).expression).toBe(
      [
        `resource.name.startsWith("${objects}/stacks/django-k8s/pr-")`,
        `resource.name.startsWith("${objects}/history/django-k8s/pr-")`,
        `resource.name.startsWith("${objects}/backups/django-k8s/pr-")`,
        `resource.name.startsWith("${objects}/locks/organization/django-k8s/pr-")`,
      ].join(" || "),
    );
  });

  it("gives the preview deployer roles in the dev project only", async () => {
    const two = await run({
      ...CONFIG,
      "django-k8s-bootstrap:stackProjects": "dev=my-django-dev,prod=my-django-prod",
    });
    const projects = two.resources
      .filter(
        (r) =>
          r.inputs.member === `serviceAccount:${PREVIEW_DEPLOYER}` ||
          r.inputs.roleId === "djangoK8sPreviewDatabases",
      )
      .filter((r) => r.type.startsWith("gcp:projects/"))
      .map((r) => r.inputs.project);
    expect(projects.length).toBeGreaterThan(0);
    expect(new Set(projects)).toEqual(new Set(["my-django-dev"]));
  });

  it("refuses a repository that is not owner/name, naming the key", async () => {
    await expect(
      run({ ...CONFIG, "django-k8s-bootstrap:githubRepository": "https://github.com/acme" }),
    ).rejects.toThrow(
      /django-k8s-bootstrap:githubRepository: got "https:\/\/github.com\/acme"; expected owner\/name/,
    );
  });
});
