/**
 * Holm's step-down adjustment (Holm 1979) for the secondary comparisons: the report tests many
 * pairs of arms, and without a correction one of twenty is "significant" at 0.05 by chance.
 * Adjusted p_(i) = max over j <= i of min(1, (m - j + 1) p_(j)) for the p-values sorted
 * ascending; returned in the input's order (statsmodels' `multipletests(method="holm")`).
 */
export function holmAdjust(pValues: readonly number[]): number[] {
  pValues.forEach((p, i) => {
    if (!(p >= 0 && p <= 1)) throw new Error(`holmAdjust: p-value #${i} is ${p}, expected a number in [0, 1]`);
  });
  const m = pValues.length;
  const order = pValues.map((p, i) => ({ p, i })).sort((x, y) => x.p - y.p || x.i - y.i);
  const adjusted = new Array<number>(m);
  let running = 0;
  order.forEach(({ p, i }, rank) => {
    running = Math.max(running, Math.min(1, (m - rank) * p));
    adjusted[i] = running;
  });
  return adjusted;
}
