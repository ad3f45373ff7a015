/**
 * Small pure builders for the pieces every workload shares: labels, the "restricted"
 * security contexts, resources, probes and scratch volumes. Components compose these, so a
 * rule changes in one place, and each is tested without mocks.
 */
import { createHash } from "node:crypto";
import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";

type Container = k8s.types.input.core.v1.Container;
type PodSecurityContext = k8s.types.input.core.v1.PodSecurityContext;
type SecurityContext = k8s.types.input.core.v1.SecurityContext;
type Probe = k8s.types.input.core.v1.Probe;
type Volume = k8s.types.input.core.v1.Volume;
type VolumeMount = k8s.types.input.core.v1.VolumeMount;
type ResourceRequirements = k8s.types.input.core.v1.ResourceRequirements;
type ServiceArgs = k8s.core.v1.ServiceArgs;

export const PART_OF = "django-k8s";

/**
 * What marks an object as this program's: every object carries these, and the ones that belong
 * to no single workload (Namespaces, namespace-wide NetworkPolicies) carry only these.
 */
export function ownershipLabels(): Record<string, string> {
  return { "app.kubernetes.io/part-of": PART_OF, "app.kubernetes.io/managed-by": "pulumi" };
}

/** The standard app.kubernetes.io labels; `name` is the program-wide app, `component` the piece. */
export function standardLabels(name: string, component: string): Record<string, string> {
  return {
    "app.kubernetes.io/name": name,
    "app.kubernetes.io/component": component,
    ...ownershipLabels(),
  };
}

/** The subset that selects a workload's pods; stable, because a Deployment's selector is immutable. */
export function selectorLabels(name: string, component: string): Record<string, string> {
  return { "app.kubernetes.io/name": name, "app.kubernetes.io/component": component };
}

/** Pod Security Standards "restricted" at pod level, with a fixed non-root identity. */
export function restrictedPodSecurityContext(uid: number, gid: number, fsGroup = gid): PodSecurityContext {
  return {
    runAsNonRoot: true,
    runAsUser: uid,
    runAsGroup: gid,
    fsGroup,
    seccompProfile: { type: "RuntimeDefault" },
  };
}

/**
 * What every pod of the project shares: a fixed non-root identity under the restricted profile,
 * no Kubernetes API token (no workload here calls the API), and no FOO_SERVICE_HOST variables
 * mixed into its environment.
 */
export function isolatedPod(uid: number, gid: number) {
  return {
    automountServiceAccountToken: false,
    enableServiceLinks: false,
    securityContext: restrictedPodSecurityContext(uid, gid),
  };
}

/** Pod Security Standards "restricted" for every container, plus a read-only root filesystem. */
export function restrictedContainerSecurityContext(): SecurityContext {
  return {
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    runAsNonRoot: true,
    capabilities: { drop: ["ALL"] },
    seccompProfile: { type: "RuntimeDefault" },
  };
}

/** A container's CPU request and limit and its memory (request = limit); config's sizes have this shape. */
export interface ResourceSizes {
  cpuRequest: string;
  cpuLimit: string;
  memory: string;
}

/** Memory request equals its limit: the scheduler sees the truth and the pod is not OOM-killed for a neighbour. */
export function resources(sizes: ResourceSizes): ResourceRequirements {
  return {
    requests: { cpu: sizes.cpuRequest, memory: sizes.memory },
    limits: { cpu: sizes.cpuLimit, memory: sizes.memory },
  };
}

export interface ProbeTiming {
  periodSeconds?: number;
  timeoutSeconds?: number;
  failureThreshold?: number;
  initialDelaySeconds?: number;
}

export function httpProbe(path: string, port: number | string, timing: ProbeTiming = {}): Probe {
  return {
    httpGet: { path, port },
    periodSeconds: timing.periodSeconds ?? 10,
    timeoutSeconds: timing.timeoutSeconds ?? 3,
    failureThreshold: timing.failureThreshold ?? 3,
    ...(timing.initialDelaySeconds ? { initialDelaySeconds: timing.initialDelaySeconds } : {}),
  };
}

export function execProbe(command: string[], timing: ProbeTiming = {}): Probe {
  return {
    exec: { command },
    periodSeconds: timing.periodSeconds ?? 10,
    timeoutSeconds: timing.timeoutSeconds ?? 5,
    failureThreshold: timing.failureThreshold ?? 3,
    ...(timing.initialDelaySeconds ? { initialDelaySeconds: timing.initialDelaySeconds } : {}),
  };
}

export interface ScratchDir {
  name: string;
  mountPath: string;
  sizeLimit: string;
  /** tmpfs: fast, counted against the container's memory limit. */
  memory?: boolean;
}

/** emptyDir volumes for the only paths a container may write (its root filesystem is read-only). */
export function scratchVolumes(dirs: ScratchDir[]): { volumes: Volume[]; volumeMounts: VolumeMount[] } {
  return {
    volumes: dirs.map((d) => ({
      name: d.name,
      emptyDir: { sizeLimit: d.sizeLimit, ...(d.memory ? { medium: "Memory" } : {}) },
    })),
    volumeMounts: dirs.map((d) => ({ name: d.name, mountPath: d.mountPath })),
  };
}

/** A container with the restricted security context applied; the caller supplies the rest. */
export function hardenedContainer(container: Container): Container {
  return { ...container, securityContext: restrictedContainerSecurityContext() };
}

/**
 * The name of a Job that runs once per image (migrate, collectstatic): a hash of the image
 * and the command. A new image (or command) gets a new Job, which runs; an unchanged one
 * keeps the finished Job, which does not run again.
 */
export function runOnceJobName(prefix: string, image: string, command: readonly string[]): string {
  const digest = createHash("sha256").update(image).update("\0").update(command.join("\0")).digest("hex");
  return `${prefix}-${digest.slice(0, 12)}`;
}

export interface ServiceShape {
  /** The DNS name other pods use: always explicit. */
  name: string;
  namespace: pulumi.Input<string>;
  app: string;
  component: string;
  port: number;
  targetPort: number | string;
  portName: string;
  type?: "ClusterIP" | "NodePort" | "LoadBalancer";
  annotations?: Record<string, pulumi.Input<string>>;
  /** For a LoadBalancer: the only client CIDRs it admits. */
  sourceRanges?: string[];
}

/** A Service selecting one workload's pods by its selector labels, on one named port. */
export function serviceArgs(shape: ServiceShape): ServiceArgs {
  return {
    metadata: {
      name: shape.name,
      namespace: shape.namespace,
      labels: standardLabels(shape.app, shape.component),
      ...(shape.annotations ? { annotations: shape.annotations } : {}),
    },
    spec: {
      ...(shape.type ? { type: shape.type } : {}),
      // Client addresses preserved (Local), so source ranges and NetworkPolicies see them.
      ...(shape.sourceRanges?.length
        ? { loadBalancerSourceRanges: shape.sourceRanges, externalTrafficPolicy: "Local" }
        : {}),
      selector: selectorLabels(shape.app, shape.component),
      ports: [{ name: shape.portName, port: shape.port, targetPort: shape.targetPort }],
    },
  };
}

/**
 * Spread a workload's pods over nodes (and zones, on a regional cluster) when the scheduler
 * can; never leave one pending for it (ScheduleAnyway), so a single-node cluster still works.
 */
export function spreadConstraints(
  selector: Record<string, string>,
  acrossZones: boolean,
): k8s.types.input.core.v1.TopologySpreadConstraint[] {
  const keys = ["kubernetes.io/hostname", ...(acrossZones ? ["topology.kubernetes.io/zone"] : [])];
  return keys.map((topologyKey) => ({
    topologyKey,
    maxSkew: 1,
    whenUnsatisfiable: "ScheduleAnyway",
    labelSelector: { matchLabels: selector },
  }));
}
