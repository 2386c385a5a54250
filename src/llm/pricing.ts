/** Dollar accounting from a spec's prices (USD per million tokens). */
import type { ModelSpec } from './types';

/** True when both prices are known; dollar budgets are refused for models without them. */
export function priceKnown(spec: Pick<ModelSpec, 'priceInputPerM' | 'priceOutputPerM'>): boolean {
  return spec.priceInputPerM !== undefined && spec.priceOutputPerM !== undefined;
}

/** Cost of one call; an unknown price counts as 0 (check `priceKnown` before trusting the sum). */
export function costUsd(
  spec: Pick<ModelSpec, 'priceInputPerM' | 'priceOutputPerM'>,
  inputTokens: number,
  outputTokens: number,
): number {
  return (inputTokens * (spec.priceInputPerM ?? 0) + outputTokens * (spec.priceOutputPerM ?? 0)) / 1_000_000;
}
