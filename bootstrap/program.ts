/**
 * The bootstrap: created once, by a person, with their own credentials; after it, CI deploys
 * with no JSON key anywhere. A versioned GCS bucket for Pulumi state, a KMS key for stack
 * secrets, a Workload Identity pool whose provider trusts only this repository's GitHub
 * OIDC tokens, and the deployer service account those tokens may act as.
 */
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";

export interface BootstrapConfig {
  project: string;
  region: string;
  /** owner/name */
  repository: string;
}

const REPOSITORY = /^[A-Za-z0-9-]+\/[A-Za-z0-9._-]+$/;
const PROJECT_ID = /^[a-z][-a-z0-9]{4,28}[a-z0-9]$/;

/** Reads and checks the bootstrap's config; the only place it is read. */
export function loadBootstrapConfig(config = new pulumi.Config()): BootstrapConfig {
  const project = config.require("gcpProject");
  const region = config.get("gcpRegion") ?? "europe-west1";
  const repository = config.require("githubRepository");
  const problems = [
    ...(PROJECT_ID.test(project)
      ? []
      : [`django-k8s-bootstrap:gcpProject: got ${JSON.stringify(project)}; expected a project ID`]),
    ...(REPOSITORY.test(repository)
      ? []
      : [`django-k8s-bootstrap:githubRepository: got ${JSON.stringify(repository)}; expected owner/name`]),
  ];
  if (problems.length > 0) throw new Error(`Invalid configuration:\n  - ${problems.join("\n  - ")}`);
  return { project, region, repository };
}

/**
 * What the deployer may do: create and change exactly the kinds of resources the stacks hold.
 * Project IAM admin is needed to grant the nodes' and the app's roles; nothing grants Owner.
 */
export const DEPLOYER_ROLES = [
  "roles/serviceusage.serviceUsageAdmin",
  "roles/compute.networkAdmin",
  "roles/compute.loadBalancerAdmin",
  "roles/compute.securityAdmin",
  "roles/compute.instanceAdmin.v1",
  "roles/servicenetworking.networksAdmin",
  "roles/container.admin",
  "roles/cloudsql.admin",
  "roles/redis.admin",
  "roles/storage.admin",
  "roles/artifactregistry.admin",
  "roles/iam.serviceAccountAdmin",
  "roles/iam.serviceAccountUser",
  "roles/resourcemanager.projectIamAdmin",
];

const APIS = [
  "iam.googleapis.com",
  "iamcredentials.googleapis.com",
  "sts.googleapis.com",
  "cloudkms.googleapis.com",
  "storage.googleapis.com",
  "cloudresourcemanager.googleapis.com",
  "serviceusage.googleapis.com",
];

export function bootstrap(config: BootstrapConfig) {
  const { project, region, repository } = config;
  const apis = APIS.map(
    (service) =>
      new gcp.projects.Service(service.split(".")[0]!, { project, service, disableOnDestroy: false }),
  );
  const afterApis = { dependsOn: apis };

  const stateBucket = new gcp.storage.Bucket(
    "pulumi-state",
    {
      project,
      name: `${project}-pulumi-state`,
      location: region,
      uniformBucketLevelAccess: true,
      publicAccessPrevention: "enforced",
      versioning: { enabled: true },
      // Old state versions are the undo history; keep 90 days of them.
      lifecycleRules: [
        { action: { type: "Delete" }, condition: { daysSinceNoncurrentTime: 90, withState: "ARCHIVED" } },
      ],
    },
    { ...afterApis, protect: true },
  );
  const keyRing = new gcp.kms.KeyRing("pulumi", { project, name: "pulumi", location: "global" }, afterApis);
  const key = new gcp.kms.CryptoKey(
    "state",
    { name: "state", keyRing: keyRing.id, purpose: "ENCRYPT_DECRYPT", rotationPeriod: `${90 * 86400}s` },
    { protect: true },
  );

  const pool = new gcp.iam.WorkloadIdentityPool(
    "github",
    { project, workloadIdentityPoolId: "github", displayName: "GitHub Actions" },
    afterApis,
  );
  const provider = new gcp.iam.WorkloadIdentityPoolProvider("github-actions", {
    project,
    workloadIdentityPoolId: pool.workloadIdentityPoolId,
    workloadIdentityPoolProviderId: "github-actions",
    oidc: { issuerUri: "https://token.actions.githubusercontent.com" },
    attributeMapping: {
      "google.subject": "assertion.sub",
      "attribute.repository": "assertion.repository",
      "attribute.ref": "assertion.ref",
      "attribute.event_name": "assertion.event_name",
    },
    // Tokens from any other repository are refused outright.
    attributeCondition: `assertion.repository == "${repository}"`,
  });

  const deployer = new gcp.serviceaccount.Account(
    "pulumi-deployer",
    { project, accountId: "pulumi-deployer", displayName: "Pulumi deployer (GitHub Actions)" },
    afterApis,
  );
  for (const role of DEPLOYER_ROLES) {
    new gcp.projects.IAMMember(`deployer-${role.split("/")[1]!.replace(/\./g, "-")}`, {
      project,
      role,
      member: deployer.member,
    });
  }
  new gcp.storage.BucketIAMMember("deployer-state", {
    bucket: stateBucket.name,
    role: "roles/storage.objectAdmin",
    member: deployer.member,
  });
  new gcp.kms.CryptoKeyIAMMember("deployer-state-key", {
    cryptoKeyId: key.id,
    role: "roles/cloudkms.cryptoKeyEncrypterDecrypter",
    member: deployer.member,
  });
  new gcp.serviceaccount.IAMMember("deployer-github", {
    serviceAccountId: deployer.name,
    role: "roles/iam.workloadIdentityUser",
    member: pulumi.interpolate`principalSet://iam.googleapis.com/${pool.name}/attribute.repository/${repository}`,
  });

  return {
    stateBackend: pulumi.interpolate`gs://${stateBucket.name}`,
    secretsProvider: pulumi.interpolate`gcpkms://${key.id}`,
    workloadIdentityProvider: provider.name,
    deployerServiceAccount: deployer.email,
  };
}
