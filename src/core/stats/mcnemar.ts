/**
 * Exact McNemar test for two arms graded on the same problems: under the null hypothesis a
 * problem solved by exactly one arm is equally likely to be solved by either, so the count b
 * (only A solves) among the n = b + c discordant problems is Binomial(n, 1/2). Two-sided p is
 * twice the smaller tail, capped at 1 (the convention of statsmodels' `mcnemar(exact=True)`).
 */

function checkCount(name: string, v: number): void {
  if (!(Number.isInteger(v) && v >= 0)) throw new Error(`mcnemarExact: ${name} must be a whole number >= 0, got ${v}`);
}

/** log P(X <= k) for X ~ Binomial(n, 1/2), summed in log space so n in the thousands neither underflows nor overflows. */
function logBinomialHalfCdf(k: number, n: number): number {
  const logHalfN = -n * Math.LN2;
  let logChoose = 0; // log C(n, 0)
  let acc = logChoose + logHalfN;
  for (let i = 1; i <= k; i++) {
    logChoose += Math.log(n - i + 1) - Math.log(i);
    const term = logChoose + logHalfN;
    // log(exp(acc) + exp(term)), stable whichever is larger.
    const hi = Math.max(acc, term);
    acc = hi + Math.log(Math.exp(acc - hi) + Math.exp(term - hi));
  }
  return acc;
}

/** Two-sided exact p-value from the discordant counts b (only A correct) and c (only B correct). */
export function mcnemarExact(b: number, c: number): number {
  checkCount('b', b);
  checkCount('c', c);
  const n = b + c;
  if (n === 0) return 1;
  return Math.min(1, 2 * Math.exp(logBinomialHalfCdf(Math.min(b, c), n)));
}

export interface Discordance {
  /** Problems both arms solve. */
  both: number;
  /** Solved by A only. */
  onlyA: number;
  /** Solved by B only. */
  onlyB: number;
  /** Solved by neither. */
  neither: number;
}

/** The 2x2 table of paired binary outcomes (same index = same problem). */
export function discordance(a: readonly boolean[], b: readonly boolean[]): Discordance {
  if (a.length !== b.length) throw new Error(`discordance: the arms have ${a.length} and ${b.length} outcomes; pairs need equal lengths`);
  const t: Discordance = { both: 0, onlyA: 0, onlyB: 0, neither: 0 };
  for (let i = 0; i < a.length; i++) {
    if (a[i] && b[i]) t.both++;
    else if (a[i]) t.onlyA++;
    else if (b[i]) t.onlyB++;
    else t.neither++;
  }
  return t;
}
