/**
 * The known name closest to a mistyped one, for "did you mean" answers (config keys, stack
 * names). Pure and dependency-free, so the offline preview can answer before loading Pulumi.
 */

/** The candidate closest to `typed` (case-insensitive), when it is close enough to be the one meant. */
export function nearestName<T extends string>(typed: string, candidates: readonly T[]): T | undefined {
  let best: { name: T; distance: number } | undefined;
  for (const name of candidates) {
    const distance = editDistance(typed.toLowerCase(), name.toLowerCase());
    if (!best || distance < best.distance) best = { name, distance };
  }
  return best && best.distance <= Math.max(2, Math.floor(typed.length / 4)) ? best.name : undefined;
}

/** Levenshtein distance: insertions, deletions and substitutions. */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++)
      current[j] = Math.min(
        previous[j]! + 1,
        current[j - 1]! + 1,
        previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    previous = current;
  }
  return previous[b.length]!;
}
