/** The "restricted" Pod Security Standard as pod and container security contexts. */
import type * as k8s from "@pulumi/kubernetes";

type Container = k8s.types.input.core.v1.Container;
type PodSecurityContext = k8s.types.input.core.v1.PodSecurityContext;
type SecurityContext = k8s.types.input.core.v1.SecurityContext;

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

/** A container with the restricted security context applied; the caller supplies the rest. */
export function hardenedContainer(container: Container): Container {
  return { ...container, securityContext: restrictedContainerSecurityContext() };
}
