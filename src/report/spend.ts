/** What stages and arms spent: sums over stages, and spend against a stage's grant in its own unit. */
import { formatGrant } from './format';
import type { ArmRecord, Spent, StageRecord } from './types';

export const sumSpent = (list: readonly Spent[]): Spent =>
  list.reduce(
    (t, s) => ({
      metricCalls: t.metricCalls + s.metricCalls,
      reflectionCalls: t.reflectionCalls + s.reflectionCalls,
      inputTokens: t.inputTokens + s.inputTokens,
      outputTokens: t.outputTokens + s.outputTokens,
      usd: t.usd + s.usd,
      wallMs: t.wallMs + s.wallMs,
      redoneMetricCalls: t.redoneMetricCalls + s.redoneMetricCalls,
    }),
    { metricCalls: 0, reflectionCalls: 0, inputTokens: 0, outputTokens: 0, usd: 0, wallMs: 0, redoneMetricCalls: 0 },
  );

/** What producing an arm's prompt cost: every stage it depends on, shared ones included. */
export function armSpent(arm: ArmRecord): Spent {
  return sumSpent(arm.stages.map((s) => s.spent));
}

/** Spend in the grant's unit: as recorded, else read from what the ledger records for every unit. */
export function spentOfGrant(st: StageRecord): number | null {
  if (st.spentOfGrant !== undefined) return st.spentOfGrant;
  switch (st.grant.unit) {
    case 'metricCalls': return st.spent.metricCalls;
    case 'tokens': return st.spent.inputTokens + st.spent.outputTokens;
    case 'usd': return st.spent.usd;
    default: return null;
  }
}

/** What the stage left of its grant (0 when spent; null when the spend in its unit is unknown). */
export function unspentGrant(st: StageRecord): number | null {
  const spent = spentOfGrant(st);
  return spent === null ? null : Math.max(0, st.grant.amount - spent);
}

export function formatUnspent(st: StageRecord): string {
  const left = unspentGrant(st);
  return left === null ? 'unknown' : formatGrant({ amount: left, unit: st.grant.unit });
}

