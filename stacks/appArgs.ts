import * as path from "node:path";
import type { DjangoAppArgs } from "../components/k8s/DjangoApp";
import type { StackConfig } from "./config";

/** The app's build context: the Dockerfile and the Django project. */
export const APP_CONTEXT_DIR = path.join(__dirname, "..", "app");

/** The DjangoApp arguments that come straight from config, the same on every platform. */
export function workloadArgs(config: StackConfig): Pick<DjangoAppArgs, "django" | "worker"> & {
  web: Omit<DjangoAppArgs["web"], "service">;
} {
  return {
    django: { ...config.django, debug: false },
    web: { replicas: config.web.replicas, sizes: config.web.resources },
    worker: {
      replicas: config.worker.replicas,
      sizes: config.worker.resources,
      shutdownSeconds: config.worker.shutdownSeconds,
      taskTimeLimitSeconds: config.worker.taskTimeLimitSeconds,
    },
  };
}
