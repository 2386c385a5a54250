/**
 * Aggregation over repeated runs with different seeds: a single run's interval covers test-split
 * sampling only, while repeats show how much the optimizer itself varies from seed to seed.
 */

export interface RepeatSpread {
  /** Number of repeats. */
  n: number;
  mean: number;
  /** Sample standard deviation (n - 1 in the denominator); null with a single repeat. */
  sd: number | null;
}

export function meanAndSd(values: readonly number[]): RepeatSpread {
  if (values.length === 0) throw new Error('meanAndSd: no values');
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) throw new Error(`meanAndSd: value #${i} is ${values[i]}, expected a finite number`);
  }
  const n = values.length;
  const mean = values.reduce((s, v) => s + v, 0) / n;
  if (n === 1) return { n, mean, sd: null };
  const ss = values.reduce((s, v) => s + (v - mean) * (v - mean), 0);
  return { n, mean, sd: Math.sqrt(ss / (n - 1)) };
}

export type Sign = '+' | '-' | '0';

/** Sign of a difference; |x| below `tolerance` counts as a tie (float noise is not a direction). */
export function signOf(x: number, tolerance = 1e-12): Sign {
  if (x > tolerance) return '+';
  if (x < -tolerance) return '-';
  return '0';
}

export interface SignCounts { positive: number; negative: number; zero: number }

export function countSigns(signs: readonly Sign[]): SignCounts {
  const c: SignCounts = { positive: 0, negative: 0, zero: 0 };
  for (const s of signs) {
    if (s === '+') c.positive++;
    else if (s === '-') c.negative++;
    else c.zero++;
  }
  return c;
}
