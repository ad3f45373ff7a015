/**
 * The bootstrap: created once, by a person, with their own credentials; after it, CI deploys
 * with no JSON key anywhere. A versioned GCS bucket for Pulumi state, a KMS key for stack
 * secrets, a Workload Identity pool whose provider trusts only this repository's GitHub
 * OIDC tokens, and the service accounts those tokens may act as: one deployer per environment,
 * only from jobs in that GitHub environment (`dev`, `prod`: GitHub restricts them to main, prod
 * behind reviewers) and holding its roles only in that environment's project, and a read-only
 * previewer for pull requests, and a preview deployer for pull requests' preview stacks (pr-<n>,
 * only from jobs in the GitHub environment `preview`). dev and prod may live in two projects (`stackProjects`); the
 * state bucket, key and identity pool stay in the bootstrap's own project.
 */
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { NODE_ROLES } from "../components/gcp/GkeCluster";
import { grantProjectRoles, roleSuffix } from "../components/gcp/iam";
import { BACKUP_ROLE_ID } from "../components/gcp/PreMigrationBackup";
import { projectName } from "../lib/pulumiProject";

export interface BootstrapConfig {
  project: string;
  region: string;
  /** owner/name */
  repository: string;
  /** The project each environment's stack deploys to (all in `project` unless configured). */
  stackProjects: Record<Environment, string>;
}

const REPOSITORY = /^[A-Za-z0-9-]+\/[A-Za-z0-9._-]+$/;
const PROJECT_ID = /^[a-z][-a-z0-9]{4,28}[a-z0-9]$/;

/** Reads and checks the bootstrap's config; the only place it is read. */
export function loadBootstrapConfig(config = new pulumi.Config()): BootstrapConfig {
  const project = config.require("gcpProject");
  const region = config.get("gcpRegion") ?? "europe-west1";
  const repository = config.require("githubRepository");
  const stackProjects = parseStackProjects(config.get("stackProjects") ?? "", project);
  const problems = [
    ...stackProjects.problems,
    ...(PROJECT_ID.test(project)
      ? []
      : [`django-k8s-bootstrap:gcpProject: got ${JSON.stringify(project)}; expected a project ID`]),
    ...(REPOSITORY.test(repository)
      ? []
      : [`django-k8s-bootstrap:githubRepository: got ${JSON.stringify(repository)}; expected owner/name`]),
  ];
  if (problems.length > 0) throw new Error(`Invalid configuration:\n  - ${problems.join("\n  - ")}`);
  return { project, region, repository, stackProjects: stackProjects.projects };
}

/** `dev=my-django-dev,prod=my-django-prod`; an environment not named deploys to `project`. */
export function parseStackProjects(raw: string, project: string) {
  const projects = Object.fromEntries(DEPLOY_ENVIRONMENTS.map((env) => [env, project])) as Record<
    Environment,
    string
  >;
  const problems: string[] = [];
  const key = "django-k8s-bootstrap:stackProjects";
  for (const entry of raw
    .split(",")
    .map((e) => e.trim())
    .filter(Boolean)) {
    const [env, id] = entry.split("=").map((part) => part.trim());
    if (!(DEPLOY_ENVIRONMENTS as readonly string[]).includes(env ?? "")) {
      problems.push(
        `${key}: got ${JSON.stringify(entry)}; expected <environment>=<project ID> with environment one of ${DEPLOY_ENVIRONMENTS.join(", ")}`,
      );
    } else if (!PROJECT_ID.test(id ?? "")) {
      problems.push(`${key}: got ${JSON.stringify(entry)}; expected a project ID after "${env}="`);
    } else {
      projects[env as Environment] = id!;
    }
  }
  return { projects, problems };
}

/**
 * What a deployer may do in its environment's project: create and change exactly the kinds of
 * resources the stacks hold. Nothing grants Owner or Editor. Project IAM admin is not here: it
 * is granted under a condition (GRANTABLE_ROLES) below.
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
  // The pre-migration backup's custom role.
  "roles/iam.roleAdmin",
  // The cluster's secrets key, the Binary Authorization policy, the Private Google Access zone.
  "roles/cloudkms.admin",
  "roles/binaryauthorization.policyEditor",
  "roles/dns.admin",
  // Alerting: notification channels, the uptime check, the alert policies and the dashboard.
  "roles/monitoring.notificationChannelEditor",
  "roles/monitoring.uptimeCheckConfigEditor",
  "roles/monitoring.alertPolicyEditor",
  "roles/monitoring.dashboardEditor",
];

/**
 * Which deployer role creates each Google resource the stacks hold, by the provider's module
 * (gcp:<module>/...). A test walks every GCP resource of every stack through this table, so a
 * new kind of resource without a role to create it fails here instead of in CI's first deploy.
 */
export const DEPLOYER_ROLES_BY_MODULE: Record<string, readonly string[]> = {
  artifactregistry: ["roles/artifactregistry.admin"],
  binaryauthorization: ["roles/binaryauthorization.policyEditor"],
  compute: [
    "roles/compute.networkAdmin",
    "roles/compute.loadBalancerAdmin",
    "roles/compute.securityAdmin",
    "roles/compute.instanceAdmin.v1",
  ],
  container: ["roles/container.admin"],
  dns: ["roles/dns.admin"],
  kms: ["roles/cloudkms.admin"],
  monitoring: [
    "roles/monitoring.notificationChannelEditor",
    "roles/monitoring.uptimeCheckConfigEditor",
    "roles/monitoring.alertPolicyEditor",
    "roles/monitoring.dashboardEditor",
  ],
  projects: [
    "roles/serviceusage.serviceUsageAdmin",
    "roles/iam.roleAdmin",
    "roles/resourcemanager.projectIamAdmin",
  ],
  redis: ["roles/redis.admin"],
  serviceaccount: ["roles/iam.serviceAccountAdmin", "roles/iam.serviceAccountUser"],
  servicenetworking: ["roles/servicenetworking.networksAdmin"],
  sql: ["roles/cloudsql.admin"],
  storage: ["roles/storage.admin"],
};

/**
 * The project roles the stacks grant (nodes, the app's pods, the load generator VM, the
 * pre-migration backup's custom role): the only ones a deployer may add or remove, by an IAM
 * condition on project IAM admin. tests/stack/deployerGrants.test.ts checks this list against
 * every grant the stacks make.
 */
export function grantableRoles(project: string): string[] {
  return [
    ...NODE_ROLES,
    // The app's pods (Workload Identity) reach Cloud SQL through the proxy.
    "roles/cloudsql.client",
    `projects/${project}/roles/${BACKUP_ROLE_ID}`,
  ];
}

/** The condition that limits project IAM admin to granting (or revoking) `roles` only. */
export function grantsOnlyCondition(roles: readonly string[]) {
  return {
    title: "grants only the stacks' roles",
    description: "Project IAM admin may add or remove bindings of the roles the stacks grant, and no other.",
    expression: `api.getAttribute('iam.googleapis.com/modifiedGrantsByRole', []).hasOnly([${roles.map((r) => `'${r}'`).join(", ")}])`,
  };
}

/** Granted to each deployer only under grantsOnlyCondition. */
export const PROJECT_IAM_ADMIN = "roles/resourcemanager.projectIamAdmin";

/** GitHub environments whose jobs may deploy; the workflows name the same ones. */
export const DEPLOY_ENVIRONMENTS = ["dev", "prod"] as const;
export type Environment = (typeof DEPLOY_ENVIRONMENTS)[number];

/**
 * What a pull request's preview may do: read the project and the clusters, read state, decrypt
 * stack secrets. Previews on a DIY backend write no state and take no lock; the Kubernetes
 * provider falls back to a client-side diff where a server-side dry run is forbidden.
 */
export const PREVIEWER_ROLES = ["roles/viewer", "roles/container.viewer"];

/** The GitHub environment whose jobs deploy and destroy previews (.github/workflows/preview*.yml). */
export const PREVIEW_ENVIRONMENT = "preview";

/**
 * What a preview stack (pr-<n>, docs/preview-lifecycle.md) does in the dev project, and no more:
 * its namespace and objects in dev's GKE cluster (Kubernetes API only, through GKE's IAM), its
 * app image pushed to the registry. Its database and user on dev's Cloud SQL instance need
 * PREVIEW_DATABASE_PERMISSIONS, a custom role: no predefined role manages users without
 * also administering instances.
 */
export const PREVIEW_DEPLOYER_ROLES = ["roles/container.developer", "roles/artifactregistry.writer"];

export const PREVIEW_DATABASE_ROLE_ID = "djangoK8sPreviewDatabases";
export const PREVIEW_DATABASE_PERMISSIONS = [
  "cloudsql.instances.get",
  "cloudsql.databases.create",
  "cloudsql.databases.delete",
  "cloudsql.databases.get",
  "cloudsql.databases.list",
  "cloudsql.databases.update",
  "cloudsql.users.create",
  "cloudsql.users.delete",
  "cloudsql.users.get",
  "cloudsql.users.list",
  "cloudsql.users.update",
];

/**
 * The state objects of preview stacks in a DIY backend: the checkpoint, its history and backups,
 * and its lock. The preview deployer reads all state (its parent through a StackReference, the
 * list of stacks) and writes only these.
 */
export function previewStatePrefixes(project: string): string[] {
  return [
    `.pulumi/stacks/${project}/pr-`,
    `.pulumi/history/${project}/pr-`,
    `.pulumi/backups/${project}/pr-`,
    `.pulumi/locks/organization/${project}/pr-`,
  ];
}

/** The IAM condition that limits a bucket role to objects under `prefixes`. */
export function objectPrefixCondition(bucket: pulumi.Input<string>, prefixes: readonly string[]) {
  return {
    title: "preview stacks' state only",
    description: "Objects of the pr-<number> stacks: checkpoints, history, backups and locks.",
    expression: pulumi
      .output(bucket)
      .apply((name) =>
        prefixes
          .map((p) => `resource.name.startsWith("projects/_/buckets/${name}/objects/${p}")`)
          .join(" || "),
      ),
  };
}

/**
 * The `sub` claim GitHub puts in a job's OIDC token (default template): a job that names an
 * environment gets `repo:<owner/name>:environment:<name>`, a pull_request run gets
 * `repo:<owner/name>:pull_request`. Binding subjects, not the whole repository, keeps a branch's
 * workflow from acting as the deployer.
 */
export function githubSubject(repository: string, context: { environment: string } | "pull_request"): string {
  return context === "pull_request"
    ? `repo:${repository}:pull_request`
    : `repo:${repository}:environment:${context.environment}`;
}

const APIS = [
  "iam.googleapis.com",
  "iamcredentials.googleapis.com",
  "sts.googleapis.com",
  "cloudkms.googleapis.com",
  "storage.googleapis.com",
  "cloudresourcemanager.googleapis.com",
  "serviceusage.googleapis.com",
];

/** What the CI identities are bound to: the project, the state bucket and key, the OIDC pool. */
interface Trust {
  project: string;
  repository: string;
  afterApis: pulumi.CustomResourceOptions;
  stateBucket: gcp.storage.Bucket;
  key: gcp.kms.CryptoKey;
  pool: gcp.iam.WorkloadIdentityPool;
}

/** What one CI identity may do: where its roles apply, and its access to state and the key. */
interface CiAccess {
  projects: string[];
  projectRoles: string[];
  stateRole: string;
  keyRole: string;
}

export function bootstrap(config: BootstrapConfig) {
  const { project, region, repository, stackProjects } = config;
  const afterApis = { dependsOn: enableApis(project) };
  const { stateBucket, key } = createStateStore(project, region, afterApis);
  const { pool, provider } = createGithubTrust(project, repository, afterApis);
  const trust: Trust = { project, repository, afterApis, stateBucket, key, pool };
  const deployers = createDeployers(trust, stackProjects);
  const previewer = createPreviewer(trust, stackProjects);
  const previewDeployer = createPreviewDeployer(trust, stackProjects.dev);
  return {
    stateBackend: pulumi.interpolate`gs://${stateBucket.name}`,
    secretsProvider: pulumi.interpolate`gcpkms://${key.id}`,
    workloadIdentityProvider: provider.name,
    /** Per GitHub environment: its GCP_DEPLOYER_SERVICE_ACCOUNT variable. */
    deployerServiceAccounts: deployers,
    previewerServiceAccount: previewer.email,
    /** The GCP_PREVIEW_DEPLOYER_SERVICE_ACCOUNT variable. */
    previewDeployerServiceAccount: previewDeployer.email,
  };
}

function enableApis(project: string): gcp.projects.Service[] {
  return APIS.map(
    (service) =>
      new gcp.projects.Service(service.split(".")[0]!, { project, service, disableOnDestroy: false }),
  );
}

/** The versioned state bucket and the KMS key for stack secrets, both protected. */
function createStateStore(project: string, region: string, afterApis: pulumi.CustomResourceOptions) {
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
  return { stateBucket, key };
}

/** The Workload Identity pool and its provider, which trusts this repository's OIDC tokens only. */
function createGithubTrust(project: string, repository: string, afterApis: pulumi.CustomResourceOptions) {
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
  return { pool, provider };
}

/**
 * A service account the workflows act as: its project roles, its access to the state bucket
 * and the secrets key, and the GitHub token subjects allowed to impersonate it.
 */
function createCiIdentity(
  trust: Trust,
  identity: { prefix: string; displayName: string },
  access: CiAccess,
  subjects: Record<string, string>,
): gcp.serviceaccount.Account {
  const { prefix, displayName } = identity;
  const account = new gcp.serviceaccount.Account(
    prefix,
    { project: trust.project, accountId: prefix, displayName },
    trust.afterApis,
  );
  const short = prefix.replace(/^pulumi-/, "");
  for (const target of access.projects) {
    // Named as before when the stacks share the bootstrap's project.
    const name = target === trust.project ? short : `${short}-${target}`;
    grantProjectRoles(name, { project: target, member: account.member, roles: access.projectRoles });
  }
  new gcp.storage.BucketIAMMember(`${short}-state`, {
    bucket: trust.stateBucket.name,
    role: access.stateRole,
    member: account.member,
  });
  new gcp.kms.CryptoKeyIAMMember(`${short}-state-key`, {
    cryptoKeyId: trust.key.id,
    role: access.keyRole,
    member: account.member,
  });
  for (const [label, subject] of Object.entries(subjects)) {
    new gcp.serviceaccount.IAMMember(`${short}-github-${label}`, {
      serviceAccountId: account.name,
      role: "roles/iam.workloadIdentityUser",
      member: pulumi.interpolate`principal://iam.googleapis.com/${trust.pool.name}/subject/${subject}`,
    });
  }
  return account;
}

/** One deployer per environment: dev's can change nothing in prod's project, and the other way round. */
function createDeployers(
  trust: Trust,
  stackProjects: Record<Environment, string>,
): Record<Environment, pulumi.Output<string>> {
  return Object.fromEntries(
    DEPLOY_ENVIRONMENTS.map((environment) => {
      const target = stackProjects[environment];
      const account = createCiIdentity(
        trust,
        {
          prefix: `pulumi-deployer-${environment}`,
          displayName: `Pulumi deployer (GitHub Actions, ${environment}, project ${target})`,
        },
        {
          projects: [target],
          projectRoles: DEPLOYER_ROLES,
          stateRole: "roles/storage.objectAdmin",
          keyRole: "roles/cloudkms.cryptoKeyEncrypterDecrypter",
        },
        { [environment]: githubSubject(trust.repository, { environment }) },
      );
      new gcp.projects.IAMMember(`deployer-${environment}-${roleSuffix(PROJECT_IAM_ADMIN)}`, {
        project: target,
        role: PROJECT_IAM_ADMIN,
        member: account.member,
        condition: grantsOnlyCondition(grantableRoles(target)),
      });
      return [environment, account.email] as const;
    }),
  ) as Record<Environment, pulumi.Output<string>>;
}

/** The read-only previewer pull requests act as, in every stack project. */
function createPreviewer(trust: Trust, stackProjects: Record<Environment, string>) {
  return createCiIdentity(
    trust,
    { prefix: "pulumi-previewer", displayName: "Pulumi previewer (GitHub pull requests, read-only)" },
    {
      projects: [...new Set(Object.values(stackProjects))],
      projectRoles: PREVIEWER_ROLES,
      stateRole: "roles/storage.objectViewer",
      keyRole: "roles/cloudkms.cryptoKeyDecrypter",
    },
    { "pull-requests": githubSubject(trust.repository, "pull_request") },
  );
}

/**
 * The preview deployer: pull requests' preview stacks on the dev stack's cluster and database
 * server, from jobs in the GitHub environment `preview` only. It reads all state and writes only
 * the preview stacks' (objectPrefixCondition); it holds no role in prod's project.
 */
function createPreviewDeployer(trust: Trust, devProject: string) {
  const account = createCiIdentity(
    trust,
    {
      prefix: "pulumi-preview-deployer",
      displayName: `Pulumi preview deployer (GitHub, previews on ${devProject})`,
    },
    {
      projects: [devProject],
      projectRoles: PREVIEW_DEPLOYER_ROLES,
      stateRole: "roles/storage.objectViewer",
      keyRole: "roles/cloudkms.cryptoKeyEncrypterDecrypter",
    },
    { [PREVIEW_ENVIRONMENT]: githubSubject(trust.repository, { environment: PREVIEW_ENVIRONMENT }) },
  );
  new gcp.storage.BucketIAMMember("preview-deployer-preview-state", {
    bucket: trust.stateBucket.name,
    role: "roles/storage.objectAdmin",
    member: account.member,
    condition: objectPrefixCondition(trust.stateBucket.name, previewStatePrefixes(projectName())),
  });
  const databases = new gcp.projects.IAMCustomRole(
    "preview-databases",
    {
      project: devProject,
      roleId: PREVIEW_DATABASE_ROLE_ID,
      title: "django-k8s preview databases",
      description: "A preview's own database and user on the dev stack's Cloud SQL instance.",
      permissions: PREVIEW_DATABASE_PERMISSIONS,
      stage: "GA",
    },
    trust.afterApis,
  );
  new gcp.projects.IAMMember("preview-deployer-preview-databases", {
    project: devProject,
    role: databases.name,
    member: account.member,
  });
  return account;
}
