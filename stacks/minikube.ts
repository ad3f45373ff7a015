/**
 * The minikube stack: the in-cluster stack on a local minikube, with PostgreSQL and Redis as
 * pods. Swapping them for managed services is nothing more than another AppBackends.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { contextHash } from "../components/image/contextHash";
import { LocalAppImage } from "../components/image/LocalAppImage";
import { AppNamespace } from "../components/k8s/AppNamespace";
import { APP_NAME } from "../components/k8s/appContract";
import type { AppBackends } from "../components/k8s/backends";
import { DevSource } from "../components/k8s/DevSource";
import { DATABASE_CLIENT_ROLES, DjangoApp } from "../components/k8s/DjangoApp";
import { InClusterPostgres, POSTGRES_PORT } from "../components/k8s/InClusterPostgres";
import { InClusterRedis, REDIS_PORT } from "../components/k8s/InClusterRedis";
import { KEDA_NAMESPACE, Keda } from "../components/k8s/Keda";
import { LoadGenerator } from "../components/k8s/LoadGenerator";
import { namespacePods, podsOf, toPods } from "../components/k8s/networkPolicies";
import { selectorLabels } from "../components/k8s/specs";
import { APP_CONTEXT_DIR, watchCommands, workloadArgs } from "./appArgs";
import type { StackConfig } from "./config";

export const LOCAL_IMAGE_REPOSITORY = "django-k8s-app";

export function minikubeStack(config: Extract<StackConfig, { platform: "minikube" }>) {
  const local = config.minikube;
  // An explicit context: `pulumi up` never lands on whatever cluster kubectl points at.
  const provider = new k8s.Provider("minikube", { context: local.kubeContext });
  const components = { providers: [provider] };

  const ns = new AppNamespace("namespace", { name: config.namespace }, components).name;

  const postgres = new InClusterPostgres(
    "postgres",
    {
      namespace: ns,
      image: local.postgres.image,
      storage: local.postgres.storage,
      size: local.postgres.size,
      hostPath: local.postgres.hostPath,
      storageClass: local.postgres.storageClass,
      clients: [podsOf(APP_NAME, DATABASE_CLIENT_ROLES)],
    },
    components,
  );
  // The app's pods, and KEDA when it reads the queue's length.
  const redis = new InClusterRedis(
    "redis",
    { namespace: ns, image: local.redis.image, clients: [podsOf(APP_NAME), namespacePods(KEDA_NAMESPACE)] },
    components,
  );

  const built = config.image
    ? undefined
    : new LocalAppImage("app-image", { contextDir: APP_CONTEXT_DIR, repository: LOCAL_IMAGE_REPOSITORY });
  const image = config.image ?? built!.ref;

  // Dev mode: the code comes from the host's working copy, mounted by `minikube mount`.
  const devSource = local.dev
    ? new DevSource("dev-source", { namespace: ns, nodePath: local.dev.sourcePath }, components)
    : undefined;

  const backends: AppBackends = {
    database: {
      host: postgres.host,
      port: postgres.port,
      credentialsSecretName: postgres.credentials.secretName,
    },
    redisUrl: redis.url,
    staticFiles: { kind: "app" },
    network: {
      database: [toPods(selectorLabels("postgres", "database"), POSTGRES_PORT)],
      redis: [toPods(selectorLabels("redis", "broker"), REDIS_PORT)],
    },
  };
  // Queue-length autoscaling of the worker needs KEDA in the cluster.
  const keda = config.worker.scaling.mode === "queue" ? new Keda("keda", components) : undefined;
  const shared = workloadArgs(config);
  const app = new DjangoApp(
    "django",
    {
      namespace: ns,
      image,
      // A built image exists only in minikube's Docker: never try a registry for it.
      imagePullPolicy: built ? "Never" : "IfNotPresent",
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
    components,
  );

  if (config.loadGenerator) {
    new LoadGenerator(
      "load-generator",
      {
        namespace: ns,
        webService: app.webService.metadata.name,
        webPort: 80,
        rate: config.loadGenerator.rate,
      },
      components,
    );
  }

  const nodePort = (service: k8s.core.v1.Service) => service.spec.ports.apply((ports) => ports[0]?.nodePort);
  return {
    namespace: ns,
    image: pulumi.output(image),
    webUrlCommand: pulumi.interpolate`minikube service ${app.webService.metadata.name} -n ${ns} --url`,
    webNodePort: nodePort(app.webService),
    flowerUrlCommand: pulumi.interpolate`minikube service ${app.flowerService.metadata.name} -n ${ns} --url`,
    flowerNodePort: nodePort(app.flowerService),
    flowerUser: config.flower.user,
    flowerPassword: pulumi.secret(app.flowerPassword),
    migrationJob: app.migrationJob.metadata.name,
    postgresClaim: postgres.claim.metadata.name,
    devMode: Boolean(devSource),
    watchAutoscaling: watchCommands(ns, config.loadGenerator !== undefined),
  };
}
