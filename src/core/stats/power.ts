/**
 * Power of the paired design before money is spent: with n test problems graded for both arms,
 * a fraction `discordance` (ψ) of them solved by exactly one arm, and a true difference δ in
 * accuracy, the discordant count M is Binomial(n, ψ) and, given M = m, the count b that only A
 * solves is Binomial(m, (ψ + δ) / 2ψ). The exact McNemar test (mcnemar.ts) rejects at level α
 * when b falls in its two-sided critical region for m. Summing over m gives the test's exact
 * unconditional power; the smallest detectable difference is the δ at which it reaches 80%.
 *
 * Exact rather than the normal approximation (Connor 1987) because the report applies the exact
 * test, and at the demo's 100 problems the two differ by about a point.
 */

export interface PowerOptions {
  /** Two-sided level of the exact McNemar test. Default 0.05. */
  alpha?: number;
  /** Target power. Default 0.8. */
  power?: number;
}

/** Binomial pmf terms below this (relative) are left out of the sum over m. */
const NEGLIGIBLE = 1e-13;

/** log k! for k = 0..n. */
function logFactorials(n: number): Float64Array {
  const lf = new Float64Array(n + 1);
  for (let k = 1; k <= n; k++) lf[k] = lf[k - 1] + Math.log(k);
  return lf;
}

/** P(X <= k) for X ~ Binomial(m, q), from the log pmf (k < 0 gives 0). */
function binomialCdf(k: number, m: number, q: number, lf: Float64Array): number {
  if (k < 0) return 0;
  if (k >= m) return 1;
  if (q <= 0) return 1;
  if (q >= 1) return 0;
  const lq = Math.log(q);
  const lp = Math.log1p(-q);
  // Below the mean the terms fall off geometrically: sum from k down and stop once they no longer count.
  const top = Math.min(k, Math.floor(m * q));
  let s = 0;
  for (let i = k; i > top; i--) s += Math.exp(lf[m] - lf[i] - lf[m - i] + i * lq + (m - i) * lp);
  for (let i = top; i >= 0; i--) {
    const t = Math.exp(lf[m] - lf[i] - lf[m - i] + i * lq + (m - i) * lp);
    s += t;
    if (t < 1e-17 * s) break;
  }
  return Math.min(1, s);
}

/** Largest k with 2 P(X <= k) <= alpha for X ~ Binomial(m, 1/2): reject when min(b, m - b) <= k; -1 if never. */
function criticalCount(m: number, alpha: number, lf: Float64Array): number {
  let tail = 0;
  let k = -1;
  const half = -m * Math.LN2;
  for (let i = 0; i <= m; i++) {
    tail += Math.exp(lf[m] - lf[i] - lf[m - i] + half);
    if (2 * tail > alpha * (1 + 1e-12)) break;
    k = i;
  }
  return k;
}

function checkDesign(n: number, discordance: number, alpha: number): void {
  if (!(Number.isInteger(n) && n >= 1)) throw new Error(`power: n (paired problems) must be a whole number >= 1, got ${n}`);
  if (!(discordance > 0 && discordance <= 1)) throw new Error(`power: discordance must be in (0, 1], got ${discordance}`);
  if (!(alpha > 0 && alpha < 1)) throw new Error(`power: alpha must be in (0, 1), got ${alpha}`);
}

/** The discordant counts m worth summing over, with their Binomial(n, ψ) probabilities. */
function discordantCounts(n: number, psi: number, lf: Float64Array): Array<{ m: number; p: number }> {
  const out: Array<{ m: number; p: number }> = [];
  const lpsi = Math.log(psi);
  const l1 = psi < 1 ? Math.log1p(-psi) : -Infinity;
  const mode = Math.min(n, Math.floor((n + 1) * psi));
  const logPmf = (m: number) => (psi === 1 ? (m === n ? 0 : -Infinity) : lf[n] - lf[m] - lf[n - m] + m * lpsi + (n - m) * l1);
  const top = logPmf(mode);
  for (let m = mode; m >= 0; m--) {
    const lp = logPmf(m);
    if (lp - top < Math.log(NEGLIGIBLE)) break;
    out.push({ m, p: Math.exp(lp) });
  }
  for (let m = mode + 1; m <= n; m++) {
    const lp = logPmf(m);
    if (lp - top < Math.log(NEGLIGIBLE)) break;
    out.push({ m, p: Math.exp(lp) });
  }
  return out;
}

/** A power function of δ for one design, with the δ-independent parts computed once. */
function powerFunction(n: number, discordance: number, alpha: number): (difference: number) => number {
  checkDesign(n, discordance, alpha);
  const lf = logFactorials(n);
  const counts = discordantCounts(n, discordance, lf).map((c) => ({ ...c, k: criticalCount(c.m, alpha, lf) }));
  return (difference: number) => {
    const d = Math.abs(difference);
    if (d > discordance + 1e-12) throw new Error(`power: a difference of ${difference} needs more discordant problems than ${discordance}`);
    const q = Math.min(1, (discordance + d) / (2 * discordance));
    let power = 0;
    for (const { m, p, k } of counts) {
      if (k < 0) continue;
      // Reject when b <= k or b >= m - k; the upper tail is the lower tail of m - b ~ Binomial(m, 1 - q).
      power += p * (binomialCdf(k, m, q, lf) + binomialCdf(k, m, 1 - q, lf));
    }
    return Math.min(1, power);
  };
}

/** Exact power of the two-sided exact McNemar test for n paired problems, discordance ψ and true difference δ. */
export function mcnemarPower(n: number, discordance: number, difference: number, alpha = 0.05): number {
  return powerFunction(n, discordance, alpha)(difference);
}

/**
 * The smallest true difference in accuracy (a fraction, 0.05 = 5 points) that the exact McNemar
 * test detects with the given power, or null when no difference can be (too few discordant
 * problems: even δ = ψ, every discordant problem going one way, stays below the power).
 */
export function minDetectableDifference(n: number, discordance: number, options: PowerOptions = {}): number | null {
  const alpha = options.alpha ?? 0.05;
  const target = options.power ?? 0.8;
  if (!(target > 0 && target < 1)) throw new Error(`power: target power must be in (0, 1), got ${target}`);
  const power = powerFunction(n, discordance, alpha);
  if (power(discordance) < target) return null;
  // Power rises with δ on [0, ψ]: bisect to well below the 0.1 points a report prints.
  let lo = 0;
  let hi = discordance;
  while (hi - lo > 1e-6) {
    const mid = (lo + hi) / 2;
    if (power(mid) >= target) hi = mid;
    else lo = mid;
  }
  return hi;
}

/** Discordance of two arms' paired outcomes (solved by exactly one), e.g. from a pilot run's results. */
export function discordanceRate(onlyA: number, onlyB: number, n: number): number {
  if (!(n > 0)) throw new Error(`discordanceRate: n must be > 0, got ${n}`);
  return (onlyA + onlyB) / n;
}
