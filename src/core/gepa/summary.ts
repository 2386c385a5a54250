/** Read-only views of a GEPA state: the final summary and the progress shown by a query. */
import { account, summarizeLedger } from '../budget';
import { renderCandidate } from './candidate';
import { cumulativeSpend, stageSpend } from './engine';
import { currentBestIndex, frontierWeights } from './frontier';
import type { GepaProgress, GepaState, GepaSummary, IterationOutcome, StageCounters, SummaryCandidate } from './types';

function describe(state: GepaState, index: number): SummaryCandidate {
  const p = state.pool[index];
  return {
    candidate: JSON.parse(JSON.stringify(p.candidate)),
    hash: p.hash,
    text: renderCandidate(p.candidate),
    valMean: p.valMean,
    valScores: [...p.valScores],
    discoveredAtSpend: p.candidate.discoveredAtSpend,
    origin: p.candidate.origin,
  };
}

/** Why each iteration of this stage ended; the values add up to the stage's iterations between iterations. */
export function iterationOutcomes(c: StageCounters): Record<IterationOutcome, number> {
  const truncated = c.reflectionTruncations ?? 0;
  return {
    accepted: c.accepted,
    'not-better': c.rejected,
    'skipped-perfect-minibatch': c.skipped,
    duplicate: c.duplicates,
    'reflection-failed': c.reflectionFailures,
    'reflection-malformed': c.reflectionRejections - truncated,
    'reflection-truncated': truncated,
    'merge-accepted': c.mergesAccepted,
    'merge-rejected': c.mergesTried - c.mergesAccepted,
    'validation-unaffordable': c.unaffordable ?? 0,
    'not-kept': c.notKept ?? 0,
  };
}

/** The result of a run: best candidate (mean validation score, ties: earliest), pool with lineage, frontier, curve, ledger, counts. */
export function summarize(state: GepaState): GepaSummary {
  if (state.pool.length === 0) throw new Error('gepa: nothing to summarize before the seed has been validated');
  const means = state.pool.map((p) => p.valMean);
  const weights = frontierWeights(state.fronts, means);
  const { sinceImprovement: _s, idleStreak: _i, ...counts } = state.counters;
  const seedIndex = state.pool.findIndex((p) => p.candidate.origin === 'seed');
  return {
    optimizer: 'gepa',
    holder: state.holder,
    stopReason: state.stopReason,
    valIds: [...state.valIds],
    best: describe(state, currentBestIndex(means)),
    seed: describe(state, seedIndex < 0 ? 0 : seedIndex),
    pool: state.pool.map((_, i) => describe(state, i)),
    frontier: weights.flatMap((w, i) => (w > 0 ? [{ id: state.pool[i].candidate.id, instances: w }] : [])),
    learningCurve: state.learningCurve.map((p) => ({ ...p })),
    ledger: summarizeLedger(state.ledger),
    counts,
    outcomes: iterationOutcomes(state.counters),
    iterations: state.counters.iterations,
    accepted: state.counters.accepted,
    metricCalls: stageSpend(state),
    cumulativeMetricCalls: cumulativeSpend(state),
    iteration: state.iteration,
  };
}

/** What a progress query shows: where the run is, spend against the grant, best score, pool and frontier sizes. */
export function progress(state: GepaState): GepaProgress {
  const acc = account(state.ledger, state.holder);
  const grant = acc.grant!;
  const means = state.pool.map((p) => p.valMean);
  const frontierSize = state.pool.length === 0 ? 0 : frontierWeights(state.fronts, means).filter((w) => w > 0).length;
  let spent: number;
  switch (grant.unit) {
    case 'metricCalls': spent = acc.metricCalls; break;
    case 'iterations': spent = acc.iterations; break;
    case 'tokens': spent = Object.values(acc.byModel).reduce((s, m) => s + m.first.inputTokens + m.first.outputTokens, 0); break;
    case 'usd': spent = Object.values(acc.byModel).reduce((s, m) => s + m.first.usd, 0); break;
  }
  return {
    optimizer: 'gepa',
    iteration: state.iteration,
    stageIterations: state.counters.iterations,
    phase: state.stopReason ? 'done' : state.inFlight ? state.inFlight.step : 'between-iterations',
    spent,
    grant: { ...grant },
    metricCalls: acc.metricCalls,
    cumulativeMetricCalls: cumulativeSpend(state),
    bestValMean: state.pool.length === 0 ? null : Math.max(...means),
    poolSize: state.pool.length,
    frontierSize,
    lastAccepted: state.lastAccepted ? { ...state.lastAccepted } : null,
    stopReason: state.stopReason,
    outcomes: iterationOutcomes(state.counters),
  };
}
