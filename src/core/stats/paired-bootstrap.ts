/**
 * Paired difference between two arms graded on the same problems: the mean of the per-problem
 * differences, with a percentile bootstrap interval that resamples problems (not rollouts), so
 * the interval reflects which problems happened to be in the test split. Seeded: the same seed
 * and data give the same interval, inside a workflow or out.
 */
import { Rng } from '../random';

export const DEFAULT_RESAMPLES = 10_000;

export interface PairedDifference {
  /** Number of paired problems. */
  n: number;
  /** Mean of a[i] - b[i]. */
  mean: number;
  /** Percentile bootstrap interval of the mean at `level`. */
  low: number;
  high: number;
  level: number;
  resamples: number;
}

/** Quantile of sorted values with linear interpolation between order statistics (numpy's default). */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) throw new Error('quantileSorted: no values');
  if (!(q >= 0 && q <= 1)) throw new Error(`quantileSorted: q must be in [0, 1], got ${q}`);
  const pos = q * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
}

export function pairedBootstrap(
  a: readonly number[],
  b: readonly number[],
  options: { seed: number | string; resamples?: number; level?: number },
): PairedDifference {
  const resamples = options.resamples ?? DEFAULT_RESAMPLES;
  const level = options.level ?? 0.95;
  if (a.length !== b.length) throw new Error(`pairedBootstrap: the arms have ${a.length} and ${b.length} scores; pairs need equal lengths`);
  if (a.length === 0) throw new Error('pairedBootstrap: no paired problems');
  if (!(Number.isInteger(resamples) && resamples >= 1)) throw new Error(`pairedBootstrap: resamples must be a whole number >= 1, got ${resamples}`);
  if (!(level > 0 && level < 1)) throw new Error(`pairedBootstrap: level must be in (0, 1), got ${level}`);
  const n = a.length;
  const d = new Float64Array(n);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    d[i] = a[i] - b[i];
    if (!Number.isFinite(d[i])) throw new Error(`pairedBootstrap: problem #${i} has a non-numeric score (${a[i]}, ${b[i]})`);
    sum += d[i];
  }
  const rng = Rng.fromSeed(options.seed);
  const means = new Float64Array(resamples);
  for (let r = 0; r < resamples; r++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += d[rng.int(n)];
    means[r] = s / n;
  }
  means.sort();
  const tail = (1 - level) / 2;
  return { n, mean: sum / n, low: quantileSorted(means, tail), high: quantileSorted(means, 1 - tail), level, resamples };
}
