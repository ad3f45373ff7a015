import type { StackConfig } from "./config";
import { minikubeStack } from "./minikube";

/** The stack outputs, by platform. */
export function deploy(config: StackConfig): Record<string, unknown> {
  switch (config.platform) {
    case "minikube":
      return minikubeStack(config);
  }
}
