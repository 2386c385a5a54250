/**
 * Unspent grant under the two reservation policies (worst-case vs per-step), 10 seeds, on a
 * random toy task driven synchronously through the real GEPA core (no model calls).
 *
 *   npx tsx bench/gepa-reservation.ts
 *
 * Task: 100 train ids, |V| = 30, b = 3, grant 300 metric calls, merge on; scores are a hash of
 * (seed, candidate text, example) on 5 levels, 90 % of reflections well formed (tests/gepa-drivers.ts).
 */
import { account } from '../src/core/budget';
import { initGepaState, summarize, type ReservationPolicy } from '../src/core/gepa';
import { ids, randomWorld, runWith } from '../tests/gepa-drivers';

const GRANT = 300;
const SEEDS = 10;

function run(seed: number, reservation: ReservationPolicy): { unspent: number; best: number; iterations: number } {
  const state = initGepaState({
    config: { seed, minibatchSize: 3, useMerge: true, reservation },
    seedCandidate: { components: { system: 'Answer the question.', format: 'Give only the number.' } },
    trainIds: ids('t', 100),
    valIds: ids('v', 30),
    grant: { amount: GRANT, unit: 'metricCalls' },
  });
  runWith(state, randomWorld({ seed, pValid: 0.9, levels: 5, pPerfect: 0.2 }));
  const acc = account(state.ledger, state.holder);
  const s = summarize(state);
  return { unspent: GRANT - acc.metricCalls, best: s.best.valMean, iterations: s.iterations };
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const sd = (xs: number[]) => Math.sqrt(xs.reduce((a, x) => a + (x - mean(xs)) ** 2, 0) / (xs.length - 1));

console.log(`GEPA reservation policies, grant ${GRANT} metric calls, |V| 30, b 3, ${SEEDS} seeds`);
for (const policy of ['worst-case', 'per-step'] as const) {
  const rs = Array.from({ length: SEEDS }, (_, seed) => run(seed, policy));
  const unspent = rs.map((r) => r.unspent);
  const best = rs.map((r) => r.best);
  console.log(
    `  ${policy.padEnd(10)} unspent: mean ${mean(unspent).toFixed(1)} (sd ${sd(unspent).toFixed(1)}, min ${Math.min(...unspent)}, max ${Math.max(...unspent)})` +
      `  iterations: mean ${mean(rs.map((r) => r.iterations)).toFixed(1)}  best val: mean ${mean(best).toFixed(3)} (sd ${sd(best).toFixed(3)})`,
  );
}
