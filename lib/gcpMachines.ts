/**
 * What Compute Engine and Cloud SQL accept as machine shapes, so a typo or an impossible size is
 * refused before `pulumi up` instead of minutes into it.
 *
 * Node machine types: the predefined shapes of the x86 families GKE node pools commonly use,
 * from https://cloud.google.com/compute/docs/machine-resource and the general-purpose and
 * compute-optimized family pages (checked 2026-11), plus custom shapes
 * (https://cloud.google.com/compute/docs/instances/creating-instance-with-custom-machine-type).
 * Arm families (t2a, c4a) are left out on purpose: the app image is built for amd64.
 *
 * Cloud SQL custom tiers: https://cloud.google.com/sql/docs/postgres/instance-settings
 * ("db-custom-<vCPUs>-<MiB>": 1 vCPU or an even number up to 96; memory 0.9 to 6.5 GiB per vCPU,
 * a multiple of 256 MiB, at least 3840 MiB). Shared-core tiers: db-f1-micro, db-g1-small.
 */

const range = (...sizes: number[]) => sizes;
/** family -> shape -> vCPU counts. */
export const MACHINE_SHAPES: Record<string, Record<string, number[]>> = {
  e2: {
    standard: range(2, 4, 8, 16, 32),
    highmem: range(2, 4, 8, 16),
    highcpu: range(2, 4, 8, 16, 32),
  },
  n1: {
    standard: range(1, 2, 4, 8, 16, 32, 64, 96),
    highmem: range(2, 4, 8, 16, 32, 64, 96),
    highcpu: range(2, 4, 8, 16, 32, 64, 96),
  },
  n2: {
    standard: range(2, 4, 8, 16, 32, 48, 64, 80, 96, 128),
    highmem: range(2, 4, 8, 16, 32, 48, 64, 80, 96, 128),
    highcpu: range(2, 4, 8, 16, 32, 48, 64, 80, 96),
  },
  n2d: {
    standard: range(2, 4, 8, 16, 32, 48, 64, 80, 96, 128, 224),
    highmem: range(2, 4, 8, 16, 32, 48, 64, 80, 96),
    highcpu: range(2, 4, 8, 16, 32, 48, 64, 80, 96, 128, 224),
  },
  n4: {
    standard: range(2, 4, 8, 16, 32, 48, 64, 80),
    highmem: range(2, 4, 8, 16, 32, 48, 64, 80),
    highcpu: range(2, 4, 8, 16, 32, 48, 64, 80),
  },
  t2d: { standard: range(1, 2, 4, 8, 16, 32, 48, 60) },
  c3: {
    standard: range(4, 8, 22, 44, 88, 176),
    highmem: range(4, 8, 22, 44, 88, 176),
    highcpu: range(4, 8, 22, 44, 88, 176),
  },
  c3d: {
    standard: range(4, 8, 16, 30, 60, 90, 180, 360),
    highmem: range(4, 8, 16, 30, 60, 90, 180, 360),
    highcpu: range(4, 8, 16, 30, 60, 90, 180, 360),
  },
  c4: {
    standard: range(2, 4, 8, 16, 32, 48, 96, 192),
    highmem: range(2, 4, 8, 16, 32, 48, 96, 192),
    highcpu: range(2, 4, 8, 16, 32, 48, 96, 192),
  },
};
const SHARED_CORE = ["e2-micro", "e2-small", "e2-medium", "f1-micro", "g1-small"];
/** Custom shapes: family prefix -> vCPU rule and memory per vCPU (GiB). */
const CUSTOM: Record<
  string,
  { vcpus: (n: number) => boolean; minGibPerVcpu: number; maxGibPerVcpu: number }
> = {
  "e2-custom": { vcpus: (n) => n >= 2 && n <= 32 && n % 2 === 0, minGibPerVcpu: 0.5, maxGibPerVcpu: 8 },
  "n2-custom": { vcpus: (n) => n >= 2 && n <= 80 && n % 2 === 0, minGibPerVcpu: 0.5, maxGibPerVcpu: 8 },
  "n2d-custom": { vcpus: (n) => n >= 2 && n <= 96 && n % 2 === 0, minGibPerVcpu: 0.5, maxGibPerVcpu: 8 },
  custom: {
    vcpus: (n) => n === 1 || (n >= 2 && n <= 96 && n % 2 === 0),
    minGibPerVcpu: 0.9,
    maxGibPerVcpu: 6.5,
  },
};

/** Why `type` is not a machine type a node pool can use, or undefined when it is one. */
export function machineTypeProblem(type: string): string | undefined {
  if (SHARED_CORE.includes(type)) return undefined;
  const custom = /^([a-z0-9]+-custom|custom)-(\d+)-(\d+)$/.exec(type);
  if (custom) {
    const rule = CUSTOM[custom[1]!];
    const [vcpus, mib] = [Number(custom[2]), Number(custom[3])];
    if (!rule) return `custom shapes exist for ${Object.keys(CUSTOM).join(", ")}`;
    if (!rule.vcpus(vcpus)) return `${custom[1]} does not take ${vcpus} vCPUs`;
    const gibPerVcpu = mib / 1024 / vcpus;
    if (mib % 256 !== 0 || gibPerVcpu < rule.minGibPerVcpu || gibPerVcpu > rule.maxGibPerVcpu)
      return `${custom[1]} needs a multiple of 256 MiB between ${rule.minGibPerVcpu} and ${rule.maxGibPerVcpu} GiB per vCPU`;
    return undefined;
  }
  const match = /^([a-z0-9]+)-([a-z]+)(?:-(\d+))?$/.exec(type);
  const family = match ? MACHINE_SHAPES[match[1]!] : undefined;
  if (!match || !family)
    return `known families: ${Object.keys(MACHINE_SHAPES).join(", ")}, custom shapes, or ${SHARED_CORE.join(", ")}`;
  const sizes = family[match[2]!];
  if (!sizes) return `${match[1]} has the shapes ${Object.keys(family).join(", ")}`;
  if (!sizes.includes(Number(match[3]))) return `${match[1]}-${match[2]} comes in ${sizes.join(", ")} vCPUs`;
  return undefined;
}

/** Why `tier` is not a Cloud SQL (Enterprise edition) tier, or undefined when it is one. */
export function cloudSqlTierProblem(tier: string): string | undefined {
  if (tier === "db-f1-micro" || tier === "db-g1-small") return undefined;
  if (/^db-perf-optimized-N-\d+$/.test(tier))
    return "db-perf-optimized tiers need the Enterprise Plus edition; this stack creates Enterprise";
  const custom = /^db-custom-(\d+)-(\d+)$/.exec(tier);
  if (!custom) return "db-custom-<vCPUs>-<MiB> (e.g. db-custom-1-3840), db-f1-micro or db-g1-small";
  const [vcpus, mib] = [Number(custom[1]), Number(custom[2])];
  if (!(vcpus === 1 || (vcpus >= 2 && vcpus <= 96 && vcpus % 2 === 0)))
    return "1 vCPU or an even number from 2 to 96";
  const gibPerVcpu = mib / 1024 / vcpus;
  if (mib % 256 !== 0 || mib < 3840 || gibPerVcpu < 0.9 || gibPerVcpu > 6.5) {
    const low = Math.max(3840, Math.ceil((0.9 * 1024 * vcpus) / 256) * 256);
    const high = Math.floor((6.5 * 1024 * vcpus) / 256) * 256;
    return `memory for ${vcpus} vCPU${vcpus === 1 ? "" : "s"}: a multiple of 256 MiB from ${low} to ${high}`;
  }
  return undefined;
}
