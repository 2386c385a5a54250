/**
 * Budget amounts in words, one way everywhere: validation messages, `lsl plan` and the report.
 * Pure (no locale: the same bytes on every machine).
 */

/** Whole numbers with thousands separators: 1234567 -> "1,234,567". */
export function formatCount(n: number): string {
  const sign = n < 0 ? '-' : '';
  const digits = String(Math.round(Math.abs(n)));
  return sign + digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** Dollars: "$0.0042", "$1.23", "$1,234.56"; "?" when unknown (a model without a price). */
export function formatUsd(usd: number | null): string {
  if (usd === null) return '?';
  if (usd === 0) return '$0';
  if (Math.abs(usd) < 1) return `$${usd.toFixed(4)}`;
  const [whole, cents] = usd.toFixed(2).split('.');
  return `$${formatCount(Number(whole))}.${cents}`;
}

const UNIT_WORDS: Record<string, string> = { metricCalls: 'metric calls', iterations: 'iterations', tokens: 'tokens' };

/** An amount of a budget unit: "200 metric calls", "$5.00". */
export function formatAmount(value: number, unit: string): string {
  if (unit === 'usd') return formatUsd(value);
  return `${formatCount(value)} ${UNIT_WORDS[unit] ?? unit}`;
}
