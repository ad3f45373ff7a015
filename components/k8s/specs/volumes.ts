/** The writable scratch paths of a container whose root filesystem is read-only. */
import type * as k8s from "@pulumi/kubernetes";

type Volume = k8s.types.input.core.v1.Volume;
type VolumeMount = k8s.types.input.core.v1.VolumeMount;

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
