/**
 * How numbers read in every report format. One place, so the Markdown, the HTML and the LaTeX
 * table print a statistic the same way, and a test can format a recomputed value and find it.
 */
import { formatAmount } from '../core/budget/format';

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

export { formatCount, formatUsd } from '../core/budget/format';

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

/** A grant: "200 metric calls", "$5.00". */
export function formatGrant(g: { amount: number; unit: string }): string {
  return formatAmount(g.amount, g.unit);
}
