import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import type { DjangoApp, DjangoAppArgs } from "../components/k8s/djangoApp";
import { APP_NAME } from "../components/k8s/djangoApp/appContract";
import { Keda } from "../components/k8s/Keda";
import type { StackConfig } from "./config";
import { qualified } from "./config/keys";

/** The app's build context: the Dockerfile and the Django project. */
export const APP_CONTEXT_DIR = path.join(__dirname, "..", "app");

/** The DjangoApp arguments that come straight from config, the same on every platform. */
export function workloadArgs(config: StackConfig): Pick<DjangoAppArgs, "django" | "worker" | "sentry"> & {
  web: Omit<DjangoAppArgs["web"], "service">;
} {
  return {
    django: { ...config.django, debug: false },
    web: { replicas: config.web.replicas, resources: config.web.resources, scaling: config.web.scaling },
    worker: {
      replicas: config.worker.replicas,
      resources: config.worker.resources,
      shutdownSeconds: config.worker.shutdownSeconds,
      taskTimeLimitSeconds: config.worker.taskTimeLimitSeconds,
      visibilityTimeoutSeconds: config.worker.visibilityTimeoutSeconds,
      scaling: config.worker.scaling,
    },
    sentry: config.sentryDsn ? { dsn: config.sentryDsn, environment: config.stack } : undefined,
  };
}

/** KEDA, installed only when the worker scales on its queue (the same on every platform). */
export function createKeda(config: StackConfig, opts: pulumi.ComponentResourceOptions): Keda | undefined {
  return config.worker.scaling.mode === "queue" ? new Keda("keda", opts) : undefined;
}

/** The app's credentials as stack outputs, secrets kept secret (the same on every platform). */
export function credentialOutputs(config: StackConfig, app: DjangoApp) {
  return {
    flowerUser: config.flower.user,
    flowerPassword: pulumi.secret(app.flowerPassword),
    // For an operator's own POST /api/batch (Authorization: Bearer <token>).
    batchToken: pulumi.secret(app.batchToken),
  };
}

/**
 * The Pulumi command a user types for this stack: on minikube the wrapper that carries the
 * checkout's local state and passphrase (scripts/pulumi.sh); on GCP the CLI logged in to the
 * stack's bucket, with the stack named.
 */
export function pulumiCommand(config: StackConfig, args: string): string {
  return config.platform === "minikube"
    ? `npm run pulumi -- ${args}`
    : `pulumi ${args} --stack ${config.stack}`;
}

/** How to watch autoscaling happen (a stack output). */
export function watchCommands(namespace: pulumi.Input<string>, config: StackConfig): pulumi.Output<string[]> {
  const loadGeneratorOn = config.loadGenerator !== undefined;
  return pulumi
    .output(namespace)
    .apply((ns) => [
      ...(loadGeneratorOn
        ? []
        : [
            `${pulumiCommand(config, `config set ${qualified("loadGenerator")} true`)} && ${pulumiCommand(config, "up")}   # start the load`,
          ]),
      `kubectl -n ${ns} get hpa -w`,
      `kubectl -n ${ns} top pods`,
      `kubectl -n ${ns} get pods -l app.kubernetes.io/name=${APP_NAME} -w`,
      "kubectl get nodes -w",
    ]);
}
