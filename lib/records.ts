/**
 * A record with the same keys and each value mapped. Object.fromEntries types its result with
 * string keys, so the one cast that restores the keys lives here rather than at each caller.
 */
export function mapValues<K extends string, V, W>(
  record: Record<K, V>,
  map: (value: V, key: K) => W,
): Record<K, W> {
  const entries = (Object.entries(record) as [K, V][]).map(([key, value]) => [key, map(value, key)]);
  return Object.fromEntries(entries) as Record<K, W>;
}
