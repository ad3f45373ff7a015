/**
 * The pod spec every role of the app image shares: identity, the restricted profile, a
 * read-only root filesystem with /tmp as the one writable path, settings from the ConfigMap
 * and Secrets, and the platform's sidecars. Pure, so it is tested without mocks.
 */
import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { type ResourceSizes, resources } from "../specs/resources";
import { hardenedContainer, isolatedPod } from "../specs/security";
import { scratchVolumes } from "../specs/volumes";
import { APP_GID, APP_UID } from "./appContract";

type Container = k8s.types.input.core.v1.Container;
type PodSpec = k8s.types.input.core.v1.PodSpec;

export interface AppPodInput {
  image: pulumi.Input<string>;
  imagePullPolicy: string;
  command: readonly string[];
  envFrom: k8s.types.input.core.v1.EnvFromSource[];
  /** What every role gets (e.g. the `<NAME>_FILE` pointers to mounted secrets). */
  sharedEnv?: k8s.types.input.core.v1.EnvVar[];
  /** What this role adds. */
  env?: k8s.types.input.core.v1.EnvVar[];
  resources: ResourceSizes;
  ports?: k8s.types.input.core.v1.ContainerPort[];
  livenessProbe?: k8s.types.input.core.v1.Probe;
  readinessProbe?: k8s.types.input.core.v1.Probe;
  startupProbe?: k8s.types.input.core.v1.Probe;
  serviceAccountName: pulumi.Input<string>;
  /** Native sidecars that must run beside the app (e.g. a database proxy). */
  sidecars?: Container[];
  extraVolumes?: k8s.types.input.core.v1.Volume[];
  extraVolumeMounts?: k8s.types.input.core.v1.VolumeMount[];
  restartPolicy?: "Always" | "Never" | "OnFailure";
  topologySpreadConstraints?: k8s.types.input.core.v1.TopologySpreadConstraint[];
  terminationGracePeriodSeconds?: number;
  /** e.g. web's preStop drain (appContract.ts, WEB_DRAIN). */
  lifecycle?: k8s.types.input.core.v1.Lifecycle;
}

export const APP_CONTAINER = "app";

export function appPodSpec(input: AppPodInput): PodSpec {
  const scratch = scratchVolumes([{ name: "tmp", mountPath: "/tmp", sizeLimit: "256Mi" }]);
  const app = hardenedContainer({
    name: APP_CONTAINER,
    image: input.image,
    imagePullPolicy: input.imagePullPolicy,
    command: [...input.command],
    envFrom: input.envFrom,
    env: [...(input.sharedEnv ?? []), ...(input.env ?? [])],
    ports: input.ports,
    resources: resources(input.resources),
    livenessProbe: input.livenessProbe,
    readinessProbe: input.readinessProbe,
    startupProbe: input.startupProbe,
    lifecycle: input.lifecycle,
    volumeMounts: [...scratch.volumeMounts, ...(input.extraVolumeMounts ?? [])],
  });
  return {
    serviceAccountName: input.serviceAccountName,
    ...isolatedPod(APP_UID, APP_GID),
    initContainers:
      input.sidecars && input.sidecars.length > 0 ? input.sidecars.map(asNativeSidecar) : undefined,
    containers: [app],
    volumes: [...scratch.volumes, ...(input.extraVolumes ?? [])],
    restartPolicy: input.restartPolicy,
    topologySpreadConstraints: input.topologySpreadConstraints,
    terminationGracePeriodSeconds: input.terminationGracePeriodSeconds,
  };
}

/** A sidecar keeps running beside the app, starts before it and stops after it (Kubernetes >= 1.29). */
export function asNativeSidecar(container: Container): Container {
  return { ...hardenedContainer(container), restartPolicy: "Always" };
}
