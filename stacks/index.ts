import type { StackConfig } from "./config";
import { gcpStack } from "./gcp";
import { minikubeStack } from "./minikube";
import { previewStack } from "./preview";

/**
 * The stack outputs, by platform; a preview's once its parent's outputs are read (a promise,
 * which the Pulumi runtime awaits like the outputs themselves).
 */
export function deploy(config: StackConfig): Record<string, unknown> | Promise<Record<string, unknown>> {
  const { previewOf } = config;
  if (previewOf) return previewStack({ ...config, previewOf });
  return config.platform === "gcp" ? gcpStack(config) : minikubeStack(config);
}
