/**
 * DjangoApp's steps that run the image: the run-once Jobs, one Deployment per role (from the
 * ROLE_DEPLOYMENTS table) and the autoscaling of the roles that scale. Plain functions, so a
 * test can call one step under mocks without the rest.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { mapValues } from "../../../lib/records";
import { runOnceJobName } from "../specs/jobNames";
import { selectorLabels, standardLabels } from "../specs/labels";
import { checkovSkips } from "../specs/scannerSkips";
import { WorkloadScaling } from "../WorkloadScaling";
import { APP_NAME, COMMANDS } from "./appContract";
import { type AppPodInput, appPodSpec } from "./appPod";
import {
  type AppComponent,
  DATABASE_CLIENT_ROLES,
  FIXED_SIZES,
  isAutoscaled,
  ROLE_DEPLOYMENTS,
  ROLES,
  type Role,
  type RoleSpec,
  type RunOnceJob,
  roleSpecs,
} from "./appRoles";
import { type AppVolumeSources, appVolumes } from "./appVolumes";
import type { DjangoAppArgs } from "./args";

type PodSpec = k8s.types.input.core.v1.PodSpec;

/** What every step of DjangoApp works from: its name (the prefix of every child), args and the component. */
export interface AppScope {
  name: string;
  args: DjangoAppArgs;
  parent: pulumi.Resource;
}

/** What every pod of the app shares, whatever its role (see createSettings). */
export type SharedPod = Omit<
  AppPodInput,
  "command" | "resources" | "sharedEnv" | "extraVolumes" | "extraVolumeMounts"
> & {
  /** Where the secrets and files come from; each part mounts only what it reads (appVolumes). */
  files: AppVolumeSources;
};

export const APP_SERVICE_ACCOUNT = APP_NAME;
export const COLLECTSTATIC_SERVICE_ACCOUNT = `${APP_NAME}-collectstatic`;

/**
 * Objects addressed by name (Deployments, Services, ServiceAccounts) get a fixed one; settings
 * are auto-named, so a change creates a new object and rolls the pods onto it.
 */
export function appMetadata(
  namespace: pulumi.Input<string>,
  component: string,
  name?: pulumi.Input<string>,
): k8s.types.input.meta.v1.ObjectMeta {
  return { ...(name === undefined ? {} : { name }), namespace, labels: standardLabels(APP_NAME, component) };
}

export function createServiceAccount(
  { name, args, parent }: AppScope,
  accountName: string,
  annotations?: Record<string, pulumi.Input<string>>,
): k8s.core.v1.ServiceAccount {
  return new k8s.core.v1.ServiceAccount(
    `${name}-${accountName}`,
    {
      metadata: { ...appMetadata(args.namespace, "identity", accountName), annotations },
      automountServiceAccountToken: false,
    },
    { parent },
  );
}

/** One part's pod: the shared settings, its own spec, and the platform's sidecars only where it talks to the database. */
export function appComponentPod(shared: SharedPod, component: AppComponent, spec: RoleSpec): PodSpec {
  const { files, ...pod } = shared;
  const mounted = appVolumes(files, component);
  return appPodSpec({
    ...pod,
    sharedEnv: mounted.env,
    extraVolumes: mounted.volumes,
    extraVolumeMounts: mounted.volumeMounts,
    sidecars: DATABASE_CLIENT_ROLES.includes(component) ? shared.sidecars : undefined,
    ...spec,
  });
}

function podTemplate(component: AppComponent, spec: PodSpec) {
  return { metadata: { labels: standardLabels(APP_NAME, component) }, spec };
}

export type RunOnceJobs = { migrate: k8s.batch.v1.Job } & Partial<Record<RunOnceJob, k8s.batch.v1.Job>>;

/**
 * migrate always, after whatever args.migrateAfter names (a backup); collectstatic when static
 * files live in a bucket (under its own uploading identity).
 */
export function createRunOnceJobs(scope: AppScope, shared: SharedPod): RunOnceJobs {
  const { staticFiles } = scope.args.backends;
  const migrate = createRunOnceJob(scope, shared, "migrate", {}, scope.args.migrateAfter);
  // Demo data (previews), loaded into the migrated database.
  const seed = scope.args.seedDemo ? createRunOnceJob(scope, shared, "seed", {}, [migrate]) : undefined;
  if (staticFiles.kind !== "bucket") return { migrate, seed };
  const uploader = createServiceAccount(
    scope,
    COLLECTSTATIC_SERVICE_ACCOUNT,
    staticFiles.uploaderServiceAccountAnnotations,
  );
  const collectstatic = createRunOnceJob(scope, shared, "collectstatic", {
    serviceAccountName: uploader.metadata.name,
  });
  return { migrate, seed, collectstatic };
}

/**
 * Named after the image and command (runOnceJobName), and in dev mode the source revision, so
 * changed code runs it again; replaceUnready makes the next `pulumi up` replace a Job that
 * failed instead of keeping it.
 */
function createRunOnceJob(
  { name, args, parent }: AppScope,
  shared: SharedPod,
  job: RunOnceJob,
  extra: Partial<AppPodInput>,
  dependsOn: pulumi.Resource[] = [],
): k8s.batch.v1.Job {
  const command = COMMANDS[job];
  const dev = args.development;
  const jobName = pulumi
    .output(args.image)
    .apply((image) => runOnceJobName(job, dev ? `${image}+${dev.sourceRevision}` : image, command));
  const spec = { command, resources: FIXED_SIZES.job, restartPolicy: "Never" as const, ...extra };
  return new k8s.batch.v1.Job(
    `${name}-${job}`,
    {
      metadata: {
        ...appMetadata(args.namespace, job, jobName),
        annotations: { "pulumi.com/replaceUnready": "true", ...checkovSkips("CKV_K8S_15", "CKV_K8S_43") },
      },
      spec: {
        backoffLimit: 2,
        activeDeadlineSeconds: 900,
        template: podTemplate(job, appComponentPod(shared, job, spec)),
      },
    },
    { parent, dependsOn },
  );
}

/** One Deployment per role, as the ROLE_DEPLOYMENTS table says. */
export function createRoleDeployments(
  scope: AppScope,
  shared: SharedPod,
  jobs: RunOnceJobs,
): Record<Role, k8s.apps.v1.Deployment> {
  const specs = roleSpecs(scope.args);
  return mapValues(ROLE_DEPLOYMENTS, (_, role) =>
    createRoleDeployment(scope, role, appComponentPod(shared, role, specs[role]), jobs),
  );
}

function createRoleDeployment(
  { name, args, parent }: AppScope,
  role: Role,
  pod: PodSpec,
  jobs: RunOnceJobs,
): k8s.apps.v1.Deployment {
  const row = ROLE_DEPLOYMENTS[role];
  const dependsOn = row.waitsFor.flatMap((job) => jobs[job] ?? []);
  return new k8s.apps.v1.Deployment(
    `${name}-${role}`,
    {
      metadata: {
        ...appMetadata(args.namespace, role, row.deploymentName),
        annotations: checkovSkips(...row.skips),
      },
      spec: {
        replicas: row.replicas === "autoscaled" ? undefined : row.replicas,
        selector: { matchLabels: selectorLabels(APP_NAME, role) },
        strategy: row.strategy,
        template: podTemplate(role, pod),
      },
    },
    { parent, dependsOn },
  );
}

/** An autoscaler and a disruption budget for each role that scales; its `replicas` is the minimum. */
export function createScaling(
  { name, args, parent }: AppScope,
  deployments: Record<Role, k8s.apps.v1.Deployment>,
): WorkloadScaling[] {
  const { backends } = args;
  return ROLES.filter(isAutoscaled).map(
    (role) =>
      new WorkloadScaling(
        `${name}-${role}-scaling`,
        {
          namespace: args.namespace,
          deployment: deployments[role],
          selector: selectorLabels(APP_NAME, role),
          labels: standardLabels(APP_NAME, role),
          minReplicas: args[role].replicas,
          scaling: args[role].scaling,
          redis: { url: backends.redisUrl, caCert: backends.redisTls?.caCert },
          keda: args.keda,
        },
        { parent },
      ),
  );
}
