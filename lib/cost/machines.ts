/**
 * What a machine type bills for: predefined shapes are priced per vCPU and per GiB of their
 * family; shared-core types (e2-micro, e2-small, e2-medium) have a price of their own.
 * Memory per vCPU from https://cloud.google.com/compute/docs/general-purpose-machines.
 */

const GIB_PER_VCPU: Record<string, Record<string, number>> = {
  e2: { standard: 4, highmem: 8, highcpu: 1 },
  n1: { standard: 3.75, highmem: 6.5, highcpu: 0.9 },
  n2: { standard: 4, highmem: 8, highcpu: 1 },
  n2d: { standard: 4, highmem: 8, highcpu: 1 },
};

/** Shared-core types: the vCPU share and memory they bill for (used to split a preview's share). */
const SHARED_CORE: Record<string, { vcpus: number; memoryGib: number }> = {
  "e2-micro": { vcpus: 0.25, memoryGib: 1 },
  "e2-small": { vcpus: 0.5, memoryGib: 2 },
  "e2-medium": { vcpus: 1, memoryGib: 4 },
};

export interface MachineShape {
  family: string;
  vcpus: number;
  memoryGib: number;
  /** Set for shared-core types: the id of their own price. */
  sharedCore?: string;
}

/** The shape of `type`, or undefined when the price table cannot price it. */
export function machineShape(type: string): MachineShape | undefined {
  const shared = SHARED_CORE[type];
  if (shared) return { family: "e2", ...shared, sharedCore: `compute.${type}` };
  const custom = /^(e2|n2|n2d)-custom-(\d+)-(\d+)$/.exec(type) ?? /^()custom-(\d+)-(\d+)$/.exec(type);
  if (custom)
    return { family: custom[1] || "n1", vcpus: Number(custom[2]), memoryGib: Number(custom[3]) / 1024 };
  const match = /^([a-z0-9]+)-([a-z]+)-(\d+)$/.exec(type);
  const gibPerVcpu = match ? GIB_PER_VCPU[match[1]!]?.[match[2]!] : undefined;
  if (!match || gibPerVcpu === undefined) return undefined;
  const vcpus = Number(match[3]);
  return { family: match[1]!, vcpus, memoryGib: vcpus * gibPerVcpu };
}
