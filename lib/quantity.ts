/**
 * Kubernetes resource quantities, parsed so config can be checked (request <= limit,
 * sizes in range) and so process counts can be derived from a pod's CPU limit.
 */

const CPU_PATTERN = /^(\d+(?:\.\d+)?)(m?)$/;
const MEMORY_PATTERN = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|k|K|M|G|T)?$/;
const MEMORY_UNITS: Record<string, number> = {
  "": 1,
  k: 1e3,
  K: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
};

/** "500m" -> 500, "2" -> 2000; undefined when it is not a CPU quantity. */
export function cpuMillicores(quantity: string): number | undefined {
  const match = CPU_PATTERN.exec(quantity.trim());
  if (!match) return undefined;
  const value = Number(match[1]);
  return match[2] === "m" ? value : value * 1000;
}

/** "512Mi" -> 536870912; undefined when it is not a memory quantity. */
export function memoryBytes(quantity: string): number | undefined {
  const match = MEMORY_PATTERN.exec(quantity.trim());
  if (!match) return undefined;
  return Number(match[1]) * MEMORY_UNITS[match[2] ?? ""]!;
}

/** Whole CPUs a limit allows, at least one: the number of processes worth running. */
export function wholeCpus(cpuLimit: string): number {
  const millicores = cpuMillicores(cpuLimit);
  if (millicores === undefined) throw new Error(`not a CPU quantity: ${cpuLimit}`);
  return Math.max(1, Math.ceil(millicores / 1000));
}
