import { seededRandom } from '@distillery/dealership';

/** z for a two-sided 95% interval. */
const Z95 = 1.959963984540054;

export interface Interval {
  readonly low: number;
  readonly high: number;
}

/**
 * The Wilson score interval (95%) of a proportion of `successes` in `n` trials: unlike the normal
 * approximation it stays inside [0, 1] and is honest at 0/n and n/n with the few rows an eval has.
 */
export function wilsonInterval(successes: number, n: number, z = Z95): Interval {
  if (n <= 0) return { low: 0, high: 1 };
  const p = successes / n;
  const z2n = (z * z) / n;
  const centre = (p + z2n / 2) / (1 + z2n);
  const half = (z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n))) / (1 + z2n);
  return { low: Math.max(0, centre - half), high: Math.min(1, centre + half) };
}

export const BOOTSTRAP_RESAMPLES = 2_000;
export const BOOTSTRAP_SEED = 17;

/**
 * The percentile bootstrap interval (95%) of a mean: `resamples` means of samples drawn with
 * replacement by a seeded generator (mulberry32, as the dealership's seed), so the same values
 * always give the same interval.
 */
export function bootstrapMeanInterval(values: readonly number[], resamples = BOOTSTRAP_RESAMPLES, seed = BOOTSTRAP_SEED): Interval {
  const n = values.length;
  if (n === 0) return { low: Number.NaN, high: Number.NaN };
  const random = seededRandom(seed);
  const means = Array.from({ length: resamples }, () => {
    let sum = 0;
    for (let draw = 0; draw < n; draw++) sum += values[Math.floor(random() * n)]!;
    return sum / n;
  }).sort((a, b) => a - b);
  const at = (quantile: number) => means[Math.min(resamples - 1, Math.max(0, Math.round(quantile * (resamples - 1))))]!;
  return { low: at(0.025), high: at(0.975) };
}
