/**
 * Why a stage ended and what it left of its grant, in the ledger's words and in a sentence for
 * the Answer section. A stage that ends before its grant is spent shapes the comparison: a
 * matched stage that stopped because the large model already solved every training minibatch
 * never spent the budget lsl spent on the small model's failures. That is the saturation the
 * research is about, so the report says it.
 */
import { formatGrant } from './format';
import { spentOfGrant, unspentGrant } from './spend';
import type { ModelRecord, StageRecord } from './types';

/** Short label of a stop reason (the ledger column). */
const LABELS: Record<string, string> = {
  budget: 'grant spent',
  stalled: 'every training minibatch perfect',
  'no-improvement': 'no improvement',
  'score-threshold': 'score threshold reached',
  'wall-clock': 'wall-clock limit',
  'max-iterations': 'iteration limit',
  'max-usd': 'dollar limit',
  'stop-requested': 'stop signal',
  blocked: 'blocked (failing model calls)',
};

export function stopLabel(reason: string | null | undefined): string {
  if (!reason) return '—';
  return LABELS[reason] ?? reason;
}

/** "the large model", "the small model", or the registry name when it has neither role. */
function modelWords(name: string, models: readonly ModelRecord[]): string {
  const role = models.find((m) => m.name === name && (m.role === 'large' || m.role === 'small'))?.role;
  return role ? `the ${role} model (${name})` : name;
}

function cause(st: StageRecord, models: readonly ModelRecord[]): string {
  const on = modelWords(st.taskModel, models);
  switch (st.stopReason) {
    case 'stalled': return `${on} solved every training minibatch it was shown, so there was nothing left to reflect on`;
    case 'no-improvement': return 'no new candidate improved on the best for the configured number of iterations';
    case 'score-threshold': return 'a candidate reached the configured score threshold';
    case 'wall-clock': return 'it reached its wall-clock limit';
    case 'max-iterations': return 'it reached its iteration limit';
    case 'max-usd': return 'it reached its dollar limit';
    case 'stop-requested': return 'it was stopped by a signal';
    case 'blocked': return `calls to ${st.taskModel} kept failing until the stage was blocked`;
    default: return `it stopped (${st.stopReason ?? 'reason not recorded'})`;
  }
}

/** True when the stage ended with part of its grant left and for a reason other than the budget. */
export function stoppedEarly(st: StageRecord): boolean {
  const left = unspentGrant(st);
  return st.stopReason !== 'budget' && !!st.stopReason && (left === null || left > 1e-9);
}

/** "matched stopped early: the large model (sim-large) solved every ...; its grant was left unspent (0 of 30 metric calls spent)." */
export function earlyStopSentence(st: StageRecord, models: readonly ModelRecord[], sharedBy?: readonly string[]): string {
  const spent = spentOfGrant(st);
  const left = unspentGrant(st);
  const whole = spent !== null && spent <= 1e-9;
  const what = left === null
    ? 'part of its grant may be unspent'
    : whole ? 'its grant was left unspent' : `${formatGrant({ amount: left, unit: st.grant.unit })} of its grant went unspent`;
  const of = spent === null ? '' : ` (${formatGrant({ amount: spent, unit: st.grant.unit })} spent of ${formatGrant(st.grant)})`;
  const shared = sharedBy && sharedBy.length > 1 ? `, shared by ${sharedBy.join(' and ')},` : '';
  return `${st.stage}${shared} stopped early: ${cause(st, models)}; ${what}${of}.`;
}
