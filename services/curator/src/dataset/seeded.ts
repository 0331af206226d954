import { createHash } from 'node:crypto';
import { seededRandom } from '@distillery/dealership';

/**
 * A 32-bit seed of its own for each use of the build's seed (`label` names the use), so adding a
 * draw in one builder never shifts the draws of another.
 */
export function streamSeed(seed: number, label: string): number {
  return createHash('sha256').update(`${seed}\u0000${label}`).digest().readUInt32BE(0);
}

/** The dealership's seeded generator (mulberry32) on the stream `label` of `seed`. */
export function randomStream(seed: number, label: string): () => number {
  return seededRandom(streamSeed(seed, label));
}

/** A shuffled copy (Fisher–Yates). */
export function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const copy = [...items];
  for (let index = copy.length - 1; index > 0; index--) {
    const other = Math.floor(random() * (index + 1));
    [copy[index], copy[other]] = [copy[other]!, copy[index]!];
  }
  return copy;
}

/** A stable rank for `id` under `seed`: sorting by it orders ids the same way whatever order they came in. */
export function rankOf(seed: number, label: string, id: string): string {
  return createHash('sha256').update(`${seed}\u0000${label}\u0000${id}`).digest('hex');
}

/** `count` items, apportioned over `weights` by largest remainder (ties to the earlier key). */
export function apportion<K extends string>(count: number, weights: Readonly<Record<K, number>>): Record<K, number> {
  const keys = (Object.keys(weights) as K[]).filter((key) => weights[key] > 0);
  const total = keys.reduce((sum, key) => sum + weights[key], 0);
  const result = Object.fromEntries((Object.keys(weights) as K[]).map((key) => [key, 0])) as Record<K, number>;
  if (total <= 0 || count <= 0) return result;
  const exact = keys.map((key) => ({ key, share: (count * weights[key]) / total }));
  for (const { key, share } of exact) result[key] = Math.floor(share);
  let left = count - keys.reduce((sum, key) => sum + result[key], 0);
  for (const { key } of [...exact].sort((a, b) => b.share - Math.floor(b.share) - (a.share - Math.floor(a.share)))) {
    if (left-- <= 0) break;
    result[key] += 1;
  }
  return result;
}
