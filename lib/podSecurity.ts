/**
 * Checks a rendered Kubernetes object against Pod Security Standards "restricted", plus this
 * project's own rules (read-only root filesystem, requests and limits on every container).
 * Returns the violations, each naming the object and container, so a test can list them all.
 */

type Json = Record<string, any>;

const WORKLOAD_POD_PATHS: Record<string, (o: Json) => Json | undefined> = {
  Pod: (o) => o.spec,
  Deployment: (o) => o.spec?.template?.spec,
  StatefulSet: (o) => o.spec?.template?.spec,
  DaemonSet: (o) => o.spec?.template?.spec,
  ReplicaSet: (o) => o.spec?.template?.spec,
  Job: (o) => o.spec?.template?.spec,
  CronJob: (o) => o.spec?.jobTemplate?.spec?.template?.spec,
};

// Volume types the restricted profile allows; hostPath above all is not among them.
const ALLOWED_VOLUME_TYPES = new Set([
  "configMap",
  "csi",
  "downwardAPI",
  "emptyDir",
  "ephemeral",
  "persistentVolumeClaim",
  "projected",
  "secret",
]);

export function podSpecOf(object: Json): Json | undefined {
  return WORKLOAD_POD_PATHS[object.kind]?.(object);
}

export function restrictedViolations(object: Json): string[] {
  const pod = podSpecOf(object);
  if (!pod) return [];
  const where = `${object.kind}/${object.metadata?.name}`;
  const problems: string[] = [];
  const podContext = pod.securityContext ?? {};
  for (const flag of ["hostNetwork", "hostPID", "hostIPC"]) {
    if (pod[flag]) problems.push(`${where}: ${flag} is on`);
  }
  for (const volume of pod.volumes ?? []) {
    const types = Object.keys(volume).filter((key) => key !== "name");
    for (const type of types) {
      if (!ALLOWED_VOLUME_TYPES.has(type))
        problems.push(`${where}: volume ${volume.name} is of type ${type}`);
    }
  }
  if (podContext.runAsUser === 0) problems.push(`${where}: pod runAsUser is 0`);
  const containers: Json[] = [
    ...(pod.initContainers ?? []),
    ...(pod.containers ?? []),
    ...(pod.ephemeralContainers ?? []),
  ];
  if (containers.length === 0) problems.push(`${where}: no containers`);
  for (const container of containers) {
    const at = `${where} container ${container.name}`;
    const context = container.securityContext ?? {};
    if (context.privileged) problems.push(`${at}: privileged`);
    if (context.allowPrivilegeEscalation !== false)
      problems.push(`${at}: allowPrivilegeEscalation is not false`);
    if (!(context.capabilities?.drop ?? []).includes("ALL"))
      problems.push(`${at}: capabilities do not drop ALL`);
    for (const added of context.capabilities?.add ?? []) {
      if (added !== "NET_BIND_SERVICE") problems.push(`${at}: adds capability ${added}`);
    }
    if ((context.runAsNonRoot ?? podContext.runAsNonRoot) !== true)
      problems.push(`${at}: runAsNonRoot is not true`);
    const uid = context.runAsUser ?? podContext.runAsUser;
    if (uid === undefined || uid === 0) problems.push(`${at}: no non-zero runAsUser`);
    const seccomp = (context.seccompProfile ?? podContext.seccompProfile)?.type;
    if (seccomp !== "RuntimeDefault" && seccomp !== "Localhost")
      problems.push(`${at}: seccompProfile is not RuntimeDefault`);
    if (context.readOnlyRootFilesystem !== true) problems.push(`${at}: root filesystem is writable`);
    for (const port of container.ports ?? []) {
      if (port.hostPort) problems.push(`${at}: uses hostPort ${port.hostPort}`);
    }
    for (const kind of ["requests", "limits"]) {
      for (const resource of ["cpu", "memory"]) {
        if (!container.resources?.[kind]?.[resource])
          problems.push(`${at}: no ${resource} ${kind.slice(0, -1)}`);
      }
    }
  }
  return problems;
}
