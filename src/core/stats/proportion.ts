/**
 * Accuracy of a set of graded rollouts and its Wilson score interval (Wilson 1927): the
 * interval stays inside [0, 1] and keeps near-nominal coverage at the small n and the extreme
 * accuracies prompt-optimization runs produce, where the normal (Wald) interval does not.
 */

/** A rollout counts as correct only with full credit; graders give 1 for a right answer. */
export const FULL_CREDIT = 1;

export function isCorrect(score: number): boolean {
  return score >= FULL_CREDIT;
}

/** Mean score in [0, 1]; for binary graders, the fraction answered correctly. */
export function accuracy(scores: readonly number[]): number {
  if (scores.length === 0) throw new Error('accuracy: no scores to average (an empty set has no accuracy)');
  let sum = 0;
  for (let i = 0; i < scores.length; i++) {
    const s = scores[i];
    if (!(s >= 0 && s <= 1)) throw new Error(`accuracy: score #${i} is ${s}, expected a number in [0, 1]`);
    sum += s;
  }
  return sum / scores.length;
}

/**
 * Wilson score interval for `correct` successes out of `n` trials. `correct` may be fractional
 * (a sum of per-problem success rates when each problem has several samples); `z` = 1.96 gives
 * 95%. With n = 0 nothing is known, so the interval is all of [0, 1].
 */
export function wilson(correct: number, n: number, z = 1.96): [number, number] {
  if (!(Number.isFinite(n) && n >= 0)) throw new Error(`wilson: n must be a number >= 0, got ${n}`);
  if (!(correct >= 0 && correct <= n)) throw new Error(`wilson: correct must be in [0, n=${n}], got ${correct}`);
  if (!(z > 0 && Number.isFinite(z))) throw new Error(`wilson: z must be a positive number, got ${z}`);
  if (n === 0) return [0, 1];
  const p = correct / n;
  const z2 = z * z;
  const denom = 1 + z2 / n;
  const centre = (p + z2 / (2 * n)) / denom;
  const half = (z / denom) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  // At p = 0 or 1 the bound is exactly 0 or 1; clamp the rounding noise of centre - half there.
  return [Math.max(0, centre - half), Math.min(1, centre + half)];
}
