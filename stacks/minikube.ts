/**
 * The minikube stack: the in-cluster stack on a local minikube, with PostgreSQL and Redis as
 * pods. Swapping them for managed services is nothing more than another AppBackends.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { contextHash } from "../components/image/contextHash";
import { LocalAppImage } from "../components/image/LocalAppImage";
import { AppNamespace } from "../components/k8s/AppNamespace";
import { DevSource } from "../components/k8s/DevSource";
import { DATABASE_CLIENT_ROLES, DjangoApp } from "../components/k8s/djangoApp";
import { APP_NAME } from "../components/k8s/djangoApp/appContract";
import type { AppBackends } from "../components/k8s/djangoApp/backends";
import { InClusterPostgres } from "../components/k8s/InClusterPostgres";
import { InClusterRedis } from "../components/k8s/InClusterRedis";
import { KEDA_NAMESPACE } from "../components/k8s/kedaChart";
import { LoadGenerator } from "../components/k8s/LoadGenerator";
import { namespacePods, podsOf } from "../components/k8s/specs/networkPolicies";
import type { StackConfig } from "./config";
import { minikubePreviewExports, previewClients } from "./previewParent";
import { APP_CONTEXT_DIR, createKeda, credentialOutputs, watchCommands, workloadArgs } from "./sharedSteps";

export const LOCAL_IMAGE_REPOSITORY = "django-k8s-app";

type MinikubeStackConfig = Extract<StackConfig, { platform: "minikube" }>;
type Platform = ReturnType<typeof minikubePlatform>;
type DataServices = ReturnType<typeof minikubeDataServices>;
type AppCode = ReturnType<typeof minikubeAppCode>;

export function minikubeStack(config: MinikubeStackConfig) {
  const platform = minikubePlatform(config);
  const data = minikubeDataServices(config, platform);
  const code = minikubeAppCode(config, platform);
  const backends = minikubeBackends(data);
  const app = minikubeApp(config, platform, code, backends);
  if (config.loadGenerator) {
    new LoadGenerator(
      "load-generator",
      {
        namespace: platform.namespace,
        webService: app.webService.metadata.name,
        rate: config.loadGenerator.rate,
        batchToken: app.batchToken,
      },
      platform.inCluster,
    );
  }
  return minikubeOutputs(config, { platform, data, code, app });
}

/** The cluster (an explicit context: `pulumi up` never lands on whatever kubectl points at) and the namespace. */
function minikubePlatform(config: MinikubeStackConfig) {
  const provider = new k8s.Provider("minikube", { context: config.minikube.kubeContext });
  const inCluster = { providers: [provider] };
  const namespace = new AppNamespace("namespace", { name: config.namespace }, inCluster).name;
  return { inCluster, namespace };
}

/** PostgreSQL and Redis as pods, each reachable only by its clients. */
function minikubeDataServices(config: MinikubeStackConfig, { inCluster, namespace }: Platform) {
  const { postgres, redis } = config.minikube;
  return {
    postgres: new InClusterPostgres(
      "postgres",
      {
        namespace,
        image: postgres.image,
        storage: postgres.storage,
        size: postgres.size,
        hostPath: postgres.hostPath,
        storageClass: postgres.storageClass,
        clients: [podsOf(APP_NAME, DATABASE_CLIENT_ROLES), previewClients(config.stack)],
      },
      inCluster,
    ),
    // The app's pods, KEDA when it reads the queue's length, and the previews' app pods.
    redis: new InClusterRedis(
      "redis",
      {
        namespace,
        image: redis.image,
        clients: [podsOf(APP_NAME), namespacePods(KEDA_NAMESPACE), previewClients(config.stack)],
      },
      inCluster,
    ),
  };
}

/** The image (built into minikube's Docker unless one is configured) and, in dev mode, the working copy. */
function minikubeAppCode(config: MinikubeStackConfig, { inCluster, namespace }: Platform) {
  const { image, built } = config.image
    ? { image: pulumi.output(config.image), built: false }
    : {
        image: new LocalAppImage("app-image", {
          contextDir: APP_CONTEXT_DIR,
          repository: LOCAL_IMAGE_REPOSITORY,
        }).ref,
        built: true,
      };
  const dev = config.minikube.dev;
  // Dev mode: the code comes from the host's working copy, mounted by `minikube mount`.
  const devSource = dev
    ? new DevSource("dev-source", { namespace, nodePath: dev.sourcePath }, inCluster)
    : undefined;
  return { image, built, devSource };
}

/** The in-cluster stores, as the one seam DjangoApp knows (gcpBackends is the GCP side). Creates nothing. */
export function minikubeBackends({ postgres, redis }: DataServices): AppBackends {
  return {
    database: {
      host: postgres.host,
      port: postgres.port,
      credentialsSecretName: postgres.credentials.secretName,
    },
    redisUrl: redis.url,
    staticFiles: { kind: "app" },
    network: { database: [postgres.egress], redis: [redis.egress] },
  };
}

/** DjangoApp on NodePorts, with KEDA when the worker scales on the queue. */
function minikubeApp(
  config: MinikubeStackConfig,
  { inCluster, namespace }: Platform,
  code: AppCode,
  backends: AppBackends,
) {
  const keda = createKeda(config, inCluster);
  const shared = workloadArgs(config);
  const { devSource } = code;
  return new DjangoApp(
    APP_NAME,
    {
      namespace,
      image: code.image,
      // A built image exists only in minikube's Docker: never try a registry for it.
      imagePullPolicy: code.built ? "Never" : "IfNotPresent",
      backends,
      ...shared,
      django: { ...shared.django, debug: Boolean(devSource) },
      development: devSource
        ? {
            sourceClaimName: devSource.claim.metadata.name,
            sourceRevision: contextHash(APP_CONTEXT_DIR).slice(0, 16),
          }
        : undefined,
      web: { ...shared.web, service: { type: "NodePort" } },
      // A browser on the host reaches Flower through the node: any source.
      flower: { user: config.flower.user, service: { type: "NodePort" }, allowFrom: "anywhere" },
      keda: keda?.release,
    },
    inCluster,
  );
}

function minikubeOutputs(
  config: MinikubeStackConfig,
  built: { platform: Platform; data: DataServices; code: AppCode; app: DjangoApp },
) {
  const { platform, data, code, app } = built;
  const ns = platform.namespace;
  // The API server picks a NodePort when it creates the Service, so a preview of a new one has
  // none: unknown, as Pulumi shows what only the deployment decides (undefined would be dropped
  // from the outputs with a warning).
  const nodePort = (service: k8s.core.v1.Service) =>
    service.spec.ports.apply((ports) => ports[0]?.nodePort ?? pulumi.unknown);
  const urlCommand = (service: k8s.core.v1.Service) =>
    pulumi.interpolate`minikube service ${service.metadata.name} -n ${ns} --url`;
  return {
    namespace: ns,
    image: pulumi.output(code.image),
    webUrlCommand: urlCommand(app.webService),
    webNodePort: nodePort(app.webService),
    flowerUrlCommand: urlCommand(app.flowerService),
    flowerNodePort: nodePort(app.flowerService),
    ...credentialOutputs(config, app),
    migrationJob: app.migrationJob.metadata.name,
    postgresClaim: data.postgres.claim.metadata.name,
    devMode: Boolean(code.devSource),
    watchAutoscaling: watchCommands(ns, config),
    ...minikubePreviewExports(config, { namespace: ns, ...data }),
  };
}
