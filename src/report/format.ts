/**
 * How numbers read in every report format. One place, so the Markdown, the HTML and the LaTeX
 * table print a statistic the same way, and a test can format a recomputed value and find it.
 */

/** 0.8123 -> "81.2%". */
export function formatPercent(x: number): string {
  return `${(x * 100).toFixed(1)}%`;
}

/** Interval of proportions: "[61.2%, 92.9%]". */
export function formatInterval(low: number, high: number): string {
  return `[${formatPercent(low)}, ${formatPercent(high)}]`;
}

/** A difference of proportions in percentage points with its sign: "+3.3 pp", "-0.7 pp", "0.0 pp". */
export function formatPoints(x: number): string {
  const v = (x * 100).toFixed(1);
  if (v === '0.0' || v === '-0.0') return '0.0 pp';
  return `${x > 0 ? '+' : ''}${v} pp`;
}

/** Interval of differences: "[-2.1, +8.8] pp". */
export function formatPointsInterval(low: number, high: number): string {
  const strip = (s: string) => s.replace(/ pp$/, '');
  return `[${strip(formatPoints(low))}, ${strip(formatPoints(high))}] pp`;
}

/** p-values: three significant digits, and "<0.0001" below that (an exact p of 1e-300 is not more informative). */
export function formatP(p: number): string {
  if (p < 1e-4) return '<0.0001';
  if (p >= 0.1) return p.toFixed(3);
  return p.toPrecision(3);
}

/** Whole numbers with thousands separators: 1234567 -> "1,234,567" (independent of the machine's locale). */
export function formatCount(n: number): string {
  const sign = n < 0 ? '-' : '';
  const digits = String(Math.round(Math.abs(n)));
  return sign + digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** Dollars: "$0.0042", "$1.23", "$1,234.56". */
export function formatUsd(usd: number): string {
  if (usd === 0) return '$0';
  if (Math.abs(usd) < 1) return `$${usd.toFixed(4)}`;
  const [whole, cents] = usd.toFixed(2).split('.');
  return `$${formatCount(Number(whole))}.${cents}`;
}

/** Durations: "850 ms", "12.3 s", "4 min 05 s", "2 h 03 min". */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const totalS = Math.round(s);
  if (totalS < 3600) return `${Math.floor(totalS / 60)} min ${String(totalS % 60).padStart(2, '0')} s`;
  const totalMin = Math.round(totalS / 60);
  return `${Math.floor(totalMin / 60)} h ${String(totalMin % 60).padStart(2, '0')} min`;
}

/** Scores in [0, 1] (validation means): "0.733". */
export function formatScore(x: number): string {
  return x.toFixed(3);
}

const UNIT_WORDS: Record<string, string> = { metricCalls: 'metric calls', iterations: 'iterations', tokens: 'tokens' };

/** A grant: "200 metric calls", "$5.00". */
export function formatGrant(g: { amount: number; unit: string }): string {
  if (g.unit === 'usd') return formatUsd(g.amount);
  return `${formatCount(g.amount)} ${UNIT_WORDS[g.unit] ?? g.unit}`;
}
