/**
 * Properties over random toy tasks (random score functions of candidate and example, random
 * reflection outcomes, random configurations): spend never exceeds the grant, and a state
 * saved as JSON at any step continues to exactly the same end as an uninterrupted run. Both
 * reservation policies (worst-case, per-step) are drawn; per-step adds: an iteration outcome
 * validation-unaffordable only ever ends a run on budget, and outcomes add up to iterations.
 * Parallel proposals (1, 2 or 4 per round, keeping all, the best or the top 2) are drawn too:
 * the same holds with batch actions pending at a save.
 */
import fc from 'fast-check';
import { account } from '../src/core/budget';
import {
  answer,
  applyResult,
  initGepaState,
  nextAction,
  recordUsage,
  summarize,
  type GepaConfigInput,
  type GepaDriver,
  type GepaState,
  type InitGepaArgs,
} from '../src/core/gepa';
import { ids, randomWorld, roundTrip } from './gepa-drivers';

const scenario = fc.record({
  world: fc.record({
    seed: fc.integer({ min: 0, max: 1e6 }),
    pValid: fc.double({ min: 0.3, max: 1, noNaN: true }),
    levels: fc.integer({ min: 1, max: 6 }),
    pPerfect: fc.double({ min: 0, max: 0.6, noNaN: true }),
  }),
  config: fc.record({
    seed: fc.integer({ min: 0, max: 1000 }),
    minibatchSize: fc.integer({ min: 1, max: 4 }),
    selector: fc.constantFrom('pareto', 'current_best', 'epsilon_greedy'),
    componentSelector: fc.constantFrom('round_robin', 'all'),
    useMerge: fc.boolean(),
    maxMerge: fc.integer({ min: 0, max: 3 }),
    mergeSubsetSize: fc.integer({ min: 1, max: 5 }),
    cache: fc.boolean(),
    reservation: fc.constantFrom('worst-case', 'per-step'),
    proposals: fc.constantFrom(1, 1, 2, 4),
    proposalKeep: fc.constantFrom('all', 'best', 2),
  }),
  components: fc.integer({ min: 1, max: 3 }),
  train: fc.integer({ min: 1, max: 9 }),
  val: fc.integer({ min: 1, max: 7 }),
  unit: fc.constantFrom('metricCalls', 'metricCalls', 'iterations', 'usd'),
  extra: fc.integer({ min: 0, max: 120 }),
});

type Scenario = typeof scenario extends fc.Arbitrary<infer T> ? T : never;

function argsOf(sc: Scenario): InitGepaArgs {
  const components = Object.fromEntries(Array.from({ length: sc.components }, (_, k) => [`part${k}`, `Rule ${k}: be exact.`]));
  const amount =
    sc.unit === 'metricCalls' ? sc.val + sc.extra : sc.unit === 'iterations' ? 1 + (sc.extra % 15) : 0.001 * (sc.val + sc.extra);
  return {
    config: { ...sc.config, stop: { maxIterations: 30 } } as GepaConfigInput,
    seedCandidate: { components },
    trainIds: ids('t', sc.train),
    valIds: ids('v', sc.val),
    grant: { amount, unit: sc.unit as 'metricCalls' | 'iterations' | 'usd' },
  };
}

/** The world's answers, plus usage reports that depend only on the action. */
function driverOf(sc: Scenario): GepaDriver {
  const world = randomWorld(sc.world);
  return {
    evaluate: (a, s) => {
      recordUsage(s, { model: 'task', inputTokens: 20 * a.exampleIds.length, outputTokens: 10 * a.exampleIds.length, usd: 0.001 * a.exampleIds.length, calls: a.exampleIds.length });
      return world.evaluate(a, s);
    },
    reflect: (a, s) => {
      recordUsage(s, { model: 'reflector', inputTokens: a.prompt.length, outputTokens: 50, usd: 0, reflection: true });
      return world.reflect(a, s);
    },
  };
}

function withinGrant(state: GepaState): boolean {
  const acc = account(state.ledger, state.holder);
  const g = acc.grant!;
  if (g.unit === 'metricCalls') return acc.metricCalls + acc.reserved <= g.amount;
  if (g.unit === 'iterations') return acc.iterations + acc.reserved <= g.amount;
  return true;
}

/** Runs to the end; `saveEvery` round-trips the state through JSON before and after every step. */
function run(sc: Scenario, saveEvery: boolean, saveAt = -1): { state: GepaState; steps: number; overGrant: boolean } {
  const driver = driverOf(sc);
  let state = initGepaState(argsOf(sc));
  let overGrant = false;
  for (let step = 0; step < 5000; step++) {
    if (saveEvery || step === saveAt) state = roundTrip(state);
    const action = nextAction(state, { nowMs: step });
    if (saveEvery || step === saveAt) {
      state = roundTrip(state);
      // A saved state with a pending action hands back that same action.
      if (action.kind !== 'done') expect(nextAction(state, { nowMs: step })).toEqual(action);
    }
    if (action.kind === 'done') return { state, steps: step, overGrant };
    applyResult(state, action, answer(driver, action, state));
    if (!withinGrant(state)) overGrant = true;
  }
  throw new Error('run did not finish');
}

describe('GEPA core properties over random toy tasks', () => {
  it('never spends beyond the grant, and resumes from JSON at any step to the identical end', () => {
    fc.assert(
      fc.property(scenario, fc.integer({ min: 0, max: 200 }), (sc, pick) => {
        const straight = run(sc, false);
        expect(straight.overGrant).toBe(false);
        const acc = account(straight.state.ledger, straight.state.holder);
        expect(acc.reserved).toBe(0);
        if (acc.grant!.unit === 'metricCalls') expect(acc.metricCalls).toBeLessThanOrEqual(acc.grant!.amount);
        if (acc.grant!.unit === 'iterations') expect(acc.iterations).toBeLessThanOrEqual(acc.grant!.amount);
        const expected = JSON.stringify(straight.state);
        expect(JSON.stringify(run(sc, true).state)).toBe(expected);
        expect(JSON.stringify(run(sc, false, pick % (straight.steps + 1)).state)).toBe(expected);
        const summary = summarize(straight.state);
        expect(summary.pool[0].candidate.origin).toBe('seed');
        expect(Object.values(summary.outcomes).reduce((a, b) => a + b, 0)).toBe(summary.iterations);
        if (summary.outcomes['validation-unaffordable'] > 0) {
          expect(sc.config.reservation).toBe('per-step');
          // One proposal at a time: only that child; a round: at most its kept children.
          expect(summary.outcomes['validation-unaffordable']).toBeLessThanOrEqual(sc.config.proposals);
          expect(summary.stopReason).toBe('budget');
        }
      }),
      { numRuns: 80, seed: 20261122 },
    );
  });
});
