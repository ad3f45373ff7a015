/**
 * A preview stack, pr-<number> (docs/previews.md): the app of a pull request on its parent's
 * cluster, database server and Redis, read through a StackReference, with its own namespace,
 * database, user, Redis database and secrets; small (the parent's preview sizes), seeded with
 * demo data, served at pr-<number>.<previewDomain> through the parent's shared Gateway on GCP
 * or on a NodePort on minikube. Read top-down: previewStack names the steps.
 */
import * as gcp from "@pulumi/gcp";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { gkeKubeconfig } from "../components/gcp/kubeconfig";
import { GCP_LABELS } from "../components/gcp/labels";
import { LocalAppImage } from "../components/image/LocalAppImage";
import { AppNamespace } from "../components/k8s/AppNamespace";
import { DjangoApp } from "../components/k8s/djangoApp";
import {
  APP_NAME,
  READINESS_PATH,
  WEB_PORT,
  WEB_SERVICE_PORT,
} from "../components/k8s/djangoApp/appContract";
import { standardLabels } from "../components/k8s/specs/labels";
import type { StackConfig } from "./config";
import { LOCAL_IMAGE_REPOSITORY } from "./minikube";
import { gcpPreviewData, minikubePreviewData, type PreviewData, type PreviewScope } from "./previewBackends";
import {
  PREVIEW_OUTPUTS,
  PREVIEW_STACK_OUTPUTS,
  type PreviewSettings,
  type PreviewTarget,
  previewNames,
  previewSettingsSchema,
  previewTargetSchema,
} from "./previewContract";
import { previewNamespaceLabels } from "./previewParent";
import { APP_CONTEXT_DIR, credentialOutputs, workloadArgs } from "./sharedSteps";

type PreviewConfig = StackConfig & { previewOf: NonNullable<StackConfig["previewOf"]> };

export async function previewStack(config: PreviewConfig): Promise<Record<string, unknown>> {
  const parent = await readParent(config);
  const platform = previewPlatform(config, parent);
  const data =
    parent.target.platform === "gcp"
      ? gcpPreviewData(platform.scope, parent.target, platform.onGcp)
      : minikubePreviewData(platform.scope, parent.target);
  const app = previewApp(config, parent, platform.scope, data);
  const url = previewEntry(config, parent, platform.scope, app);
  return previewOutputs(config, { scope: platform.scope, data, app, url });
}

interface Parent {
  name: string;
  settings: PreviewSettings;
  target: PreviewTarget;
  /** Where the preview is served: pr-<number>.<previewDomain> on GCP. */
  host?: string;
  secrets: PreviewScope["secrets"];
}

/**
 * The parent's outputs, read before anything is created, so a parent that is missing, not yet
 * updated or on another platform stops the preview with a message instead of half a preview.
 */
async function readParent(config: PreviewConfig): Promise<Parent> {
  const name = config.previewOf.parent;
  const ref = new pulumi.StackReference("parent", {
    name: `${pulumi.getOrganization()}/${pulumi.getProject()}/${name}`,
  });
  const read = async <T>(output: string, schema: z.ZodType<T>): Promise<T> => {
    const checked = schema.safeParse(await ref.getOutputValue(output));
    if (checked.success) return checked.data;
    throw new Error(
      `parent stack ${name}: its ${output} output is missing or not what this version exports ` +
        `(${checked.error.issues[0]?.message}); update the parent first (pulumi up --stack ${name})`,
    );
  };
  const settings = await read(PREVIEW_OUTPUTS.settings, previewSettingsSchema);
  const target = await read(PREVIEW_OUTPUTS.target, previewTargetSchema);
  const redisCaCert = await read(PREVIEW_OUTPUTS.redisCaCert, z.string());
  // A preview runs where its parent does: platform may be left at its default (minikube) for a
  // gcp parent, but gcp set for a minikube parent is a mistake worth naming.
  if (config.platform === "gcp" && settings.platform !== "gcp")
    throw new Error(
      `django-k8s:platform: got "gcp" on ${config.stack}, but its parent ${name} runs on ${settings.platform}; a preview runs where its parent does`,
    );
  if (target.platform === "gcp" && !config.image)
    throw new Error(
      `django-k8s:image: is empty on ${config.stack}, a preview of ${name} on gcp; it deploys an image pushed to ${name}'s registry (by digest), which ${name}'s Binary Authorization admits`,
    );
  if (target.platform === "gcp" && (!target.gateway || !settings.domain))
    throw new Error(
      `parent stack ${name} has no shared preview Gateway: set django-k8s:previewDomain on ${name} and update it, then ${config.stack} gets https://${config.stack}.<previewDomain>`,
    );
  const secret = (output: string) => pulumi.secret(ref.getOutput(output).apply(String));
  return {
    name,
    settings,
    target,
    host: settings.domain ? `${config.stack}.${settings.domain}` : undefined,
    secrets: {
      adminPassword: secret(PREVIEW_OUTPUTS.databaseAdminPassword),
      redisAuth: secret(PREVIEW_OUTPUTS.redisAuth),
      redisCaCert,
    },
  };
}

/** The providers on the parent's cluster (and project), and the preview's own namespace. */
function previewPlatform(config: PreviewConfig, parent: Parent) {
  const { target } = parent;
  const names = previewNames(config.previewOf.number);
  const gcpProvider =
    target.platform === "gcp"
      ? new gcp.Provider("gcp", { project: target.project, region: target.region, defaultLabels: GCP_LABELS })
      : undefined;
  const cluster = new k8s.Provider(
    "cluster",
    target.platform === "gcp"
      ? { kubeconfig: gkeKubeconfig(target.clusterName, target.dnsEndpoint), enableServerSideApply: true }
      : { context: target.kubeContext },
  );
  const inCluster = { providers: [cluster, ...(gcpProvider ? [gcpProvider] : [])] };
  const namespace = new AppNamespace(
    "namespace",
    { name: names.namespace, labels: previewNamespaceLabels(parent.name) },
    inCluster,
  ).name;
  const onCluster = { provider: cluster };
  const scope: PreviewScope = { names, namespace, inCluster, onCluster, secrets: parent.secrets };
  return { scope, onGcp: { provider: gcpProvider } };
}

/** The image: the one configured (required on GCP by the config rules), or app/ built into minikube. */
function previewImage(config: PreviewConfig) {
  if (config.image) return { image: pulumi.output(config.image), built: false };
  const built = new LocalAppImage("app-image", {
    contextDir: APP_CONTEXT_DIR,
    repository: LOCAL_IMAGE_REPOSITORY,
  });
  return { image: built.ref, built: true };
}

/** DjangoApp at the parent's preview sizes, autoscaling capped, its demo data loaded after migrating. */
function previewApp(
  config: PreviewConfig,
  parent: Parent,
  scope: PreviewScope,
  data: PreviewData,
): DjangoApp {
  const { settings } = parent;
  const shared = workloadArgs(config);
  const { image, built } = previewImage(config);
  const onGcp = parent.target.platform === "gcp";
  const capped = { maxReplicas: settings.maxReplicas, minAvailable: 0 };
  return new DjangoApp(
    APP_NAME,
    {
      namespace: scope.namespace,
      image,
      imagePullPolicy: built ? "Never" : "IfNotPresent",
      backends: data.backends,
      migrateAfter: data.migrateAfter,
      seedDemo: true,
      django: {
        ...shared.django,
        // A NodePort is reached by the node's address, known only once the cluster runs.
        allowedHosts: parent.host ? [parent.host] : ["*"],
        csrfTrustedOrigins: parent.host ? [`https://${parent.host}`] : [],
        https: onGcp,
        googleCloudProject: parent.target.platform === "gcp" ? parent.target.project : undefined,
      },
      web: {
        ...shared.web,
        replicas: settings.webReplicas,
        scaling: { mode: "cpu", cpuTarget: config.web.scaling.cpuTarget, ...capped },
        service: { type: onGcp ? "ClusterIP" : "NodePort" },
      },
      worker: {
        ...shared.worker,
        replicas: settings.workerReplicas,
        scaling: { mode: "cpu", cpuTarget: workerCpuTarget(config), ...capped },
      },
      sentry: shared.sentry,
      flower: { user: config.flower.user, service: { type: "ClusterIP" }, allowFrom: [] },
    },
    scope.inCluster,
  );
}

function workerCpuTarget(config: PreviewConfig): number {
  return config.worker.scaling.mode === "cpu" ? config.worker.scaling.cpuTarget : 70;
}

/** GCP: an HTTPRoute for pr-<number>.<previewDomain> on the shared Gateway; minikube: the web NodePort. */
function previewEntry(config: PreviewConfig, parent: Parent, scope: PreviewScope, app: DjangoApp) {
  const { target, host } = parent;
  const gateway = target.platform === "gcp" ? target.gateway : undefined;
  if (!gateway || !host) {
    const nodePort = app.webService.spec.ports.apply((ports) => ports[0]?.nodePort ?? pulumi.unknown);
    return pulumi.interpolate`http://127.0.0.1:${nodePort}`;
  }
  const metadata = {
    name: config.stack,
    namespace: scope.namespace,
    labels: standardLabels(APP_NAME, "web"),
  };
  new k8s.apiextensions.CustomResource(
    "route",
    {
      apiVersion: "gateway.networking.k8s.io/v1",
      kind: "HTTPRoute",
      metadata,
      spec: {
        parentRefs: [{ name: gateway.name, namespace: gateway.namespace, sectionName: gateway.listener }],
        hostnames: [host],
        rules: [{ backendRefs: [{ name: app.webService.metadata.name, port: WEB_SERVICE_PORT }] }],
      },
    },
    scope.onCluster,
  );
  // The load balancer's check asks the readiness path on the pod's port (any Host answers it).
  new k8s.apiextensions.CustomResource(
    "web-health-check",
    {
      apiVersion: "networking.gke.io/v1",
      kind: "HealthCheckPolicy",
      metadata: { ...metadata, name: "web" },
      spec: {
        default: {
          config: { type: "HTTP", httpHealthCheck: { port: WEB_PORT, requestPath: READINESS_PATH } },
        },
        targetRef: { group: "", kind: "Service", name: app.webService.metadata.name },
      },
    },
    scope.onCluster,
  );
  return pulumi.output(`https://${host}`);
}

function previewOutputs(
  config: PreviewConfig,
  built: { scope: PreviewScope; data: PreviewData; app: DjangoApp; url: pulumi.Output<string> },
) {
  const { scope, data, app } = built;
  return {
    [PREVIEW_STACK_OUTPUTS.url]: built.url,
    [PREVIEW_STACK_OUTPUTS.dropDatabaseCommand]: data.dropDatabaseCommand,
    parent: config.previewOf.parent,
    namespace: scope.namespace,
    database: scope.names.database,
    redisDb: scope.names.redisDb,
    migrationJob: app.migrationJob.metadata.name,
    seedJob: app.seedJob ? app.seedJob.metadata.name : pulumi.output(""),
    ...credentialOutputs(config, app),
  };
}
