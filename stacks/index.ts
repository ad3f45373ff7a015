import type { StackConfig } from "./config";
import { gcpStack } from "./gcp";
import { minikubeStack } from "./minikube";

/** The stack outputs, by platform. */
export function deploy(config: StackConfig): Record<string, unknown> {
  return config.platform === "gcp" ? gcpStack(config) : minikubeStack(config);
}
