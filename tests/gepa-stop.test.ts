/** Stop conditions, and stages that continue a state (matched) or carry its PRNG (lsl). */
import { account } from '../src/core/budget';
import {
  carryFrom,
  continueGepaState,
  initGepaState,
  nextAction,
  progress,
  recordUsage,
  resolveGepaConfig,
  summarize,
  validateGepaConfig,
  defaultGepaConfig,
  type GepaConfigInput,
  type GepaState,
  type StepContext,
} from '../src/core/gepa';
import { everyProposalImproves, ids, randomWorld, resultsFor, roundTrip, runWith } from './gepa-drivers';

function fresh(config: GepaConfigInput = {}, amount = 10000): GepaState {
  return initGepaState({ config, seedCandidate: 'v0', trainIds: ids('t', 12), valIds: ids('v', 5), grant: { amount, unit: 'metricCalls' } });
}

describe('stop conditions', () => {
  it('maxIterations', () => {
    const state = fresh({ stop: { maxIterations: 3 } });
    expect(runWith(state, everyProposalImproves())).toEqual({ kind: 'done', reason: 'max-iterations' });
    expect(state.counters.iterations).toBe(3);
  });

  it('no improvement for N iterations', () => {
    const state = fresh({ stop: { noImprovementIterations: 4 } });
    // Children are never better: every iteration is rejected.
    const end = runWith(state, { evaluate: (a) => resultsFor(a, (t) => (t === 'v0' ? 0.5 : 0.1)), reflect: (a) => ({ rawText: '```\nother ' + a.seq + '\n```' }) });
    expect(end).toEqual({ kind: 'done', reason: 'no-improvement' });
    expect(state.counters).toMatchObject({ iterations: 4, rejected: 4 });
  });

  it('score threshold on the best mean validation score', () => {
    const state = fresh({ stop: { scoreThreshold: 0.75 } });
    expect(runWith(state, everyProposalImproves())).toEqual({ kind: 'done', reason: 'score-threshold' });
    expect(summarize(state).best.text).toBe('v3'); // 3/4 reaches it
  });

  it('wall clock, measured with ctx.nowMs from the first step', () => {
    const state = fresh({ stop: { maxWallClockMs: 60000 } });
    let now = 1_000_000;
    const end = runWith(state, everyProposalImproves(), () => {}, () => ({ nowMs: (now += 7000) }));
    expect(end).toEqual({ kind: 'done', reason: 'wall-clock' });
    // Stops are checked between iterations; an iteration here is 4 steps (28 s): iterations
    // start 7 s and 35 s after the first step, and at 63 s the limit has passed.
    expect(state.counters.iterations).toBe(2);
  });

  it('dollars, from the ledger or from the caller', () => {
    const state = fresh({ cache: false, stop: { maxUsd: 0.05 } });
    const driver = everyProposalImproves();
    const end = runWith(state, {
      evaluate: (a, s) => {
        recordUsage(s, { model: 'm', inputTokens: 1, outputTokens: 1, usd: 0.001 * a.exampleIds.length, calls: a.exampleIds.length, redone: a.seq % 2 === 0 });
        return driver.evaluate(a, s);
      },
      reflect: driver.reflect,
    });
    expect(end).toEqual({ kind: 'done', reason: 'max-usd' });
    // All money counts for this limit, re-done work included: $0.001 per call, checked before
    // each iteration: $0.049 after 4 iterations lets a fifth start; $0.060 after it stops the run.
    expect(state.ledger.accounts.gepa.metricCalls).toBe(5 + 5 * 11);
    const caller = fresh({ stop: { maxUsd: 1 } });
    expect(runWith(caller, everyProposalImproves(), () => {}, (s) => ({ nowMs: 0, usdSpent: s.counters.iterations >= 2 ? 1.5 : 0 }))).toEqual({ kind: 'done', reason: 'max-usd' });
    expect(caller.counters.iterations).toBe(2);
  });

  it('a stop request ends the run after the current iteration, never in the middle', () => {
    const state = fresh();
    let requested = false;
    const seen: string[] = [];
    const end = runWith(
      state,
      everyProposalImproves(),
      (a) => {
        seen.push(a.kind === 'evaluate' ? a.purpose : a.kind);
        if (a.kind === 'reflect') requested = true; // the signal arrives mid-iteration
      },
      (): StepContext => ({ nowMs: 0, stopRequested: requested }),
    );
    expect(end).toEqual({ kind: 'done', reason: 'stop-requested' });
    expect(seen).toEqual(['seed-val', 'parent-minibatch', 'reflect', 'child-minibatch', 'child-val', 'done']);
    expect(state.pool).toHaveLength(2);
  });

  it('a run whose iterations cost nothing (everything cached) is declared stalled', () => {
    // One train batch, a perfect seed: after the first iteration every skip is a cache hit.
    const state = initGepaState({
      config: { stop: { maxIdleIterations: 5 } },
      seedCandidate: 'perfect',
      trainIds: ids('t', 3),
      valIds: ids('v', 2),
      grant: { amount: 100, unit: 'metricCalls' },
    });
    const end = runWith(state, { evaluate: (a) => resultsFor(a, () => 1), reflect: () => ({ error: 'unused' }) });
    expect(end).toEqual({ kind: 'done', reason: 'stalled' });
    expect(state.counters).toMatchObject({ iterations: 6, skipped: 6 });
    expect(account(state.ledger, 'gepa').metricCalls).toBe(2 + 3);
  });
});

describe('configuration', () => {
  it('fills defaults', () => {
    const c = resolveGepaConfig({ seed: 4, stop: { maxIterations: 9 } });
    expect(c).toMatchObject({ seed: 4, minibatchSize: 3, perfectScore: 1, selector: 'pareto', epsilon: 0.1, componentSelector: 'round_robin', useMerge: false, maxMerge: 5, mergeSubsetSize: 5, cache: true });
    expect(c.stop).toEqual({ maxIdleIterations: 100, maxIterations: 9 });
    expect(c.reflection).toEqual({ maxRecordChars: 2000 });
    expect(validateGepaConfig(roundTrip(defaultGepaConfig))).toEqual(defaultGepaConfig);
  });

  it.each([
    [{ selector: 'best' }, 'gepa config: selector must be one of pareto, current_best, epsilon_greedy, got "best"'],
    [{ componentSelector: 'random' }, 'gepa config: componentSelector must be one of round_robin, all, got "random"'],
    [{ minibatchSize: 0 }, 'gepa config: minibatchSize must be a whole number >= 1, got 0'],
    [{ epsilon: 1.5 }, 'gepa config: epsilon must be a finite number in [0, 1], got 1.5'],
    [{ useMerge: 'yes' }, 'gepa config: useMerge must be true or false, got "yes"'],
    [{ stop: { maxIterations: 2.5 } }, 'gepa config: stop.maxIterations must be a whole number >= 1, got 2.5'],
    [{ stop: { maxUsd: 0 } }, 'gepa config: stop.maxUsd must be a finite number > 0, got 0'],
    [{ stop: { maxIteration: 3 } }, 'gepa config: stop.maxIteration is not a known option'],
    [{ reflection: { maxRecordChars: 10 } }, 'gepa config: reflection.maxRecordChars must be a whole number >= 200, got 10'],
    [{ minibatch: 3 }, 'gepa config: minibatch is not a known option'],
  ])('refuses %j with a one-line error', (input, message) => {
    expect(() => resolveGepaConfig(input as GepaConfigInput)).toThrow(message);
  });

  it('refuses bad stage inputs', () => {
    const base = { seedCandidate: 'x', trainIds: ids('t', 3), valIds: ids('v', 5), grant: { amount: 100, unit: 'metricCalls' as const } };
    expect(() => initGepaState({ ...base, valIds: [] })).toThrow('val ids must be a non-empty list');
    expect(() => initGepaState({ ...base, trainIds: ['a', 'a'] })).toThrow('train id "a" appears twice');
    expect(() => initGepaState({ ...base, grant: { amount: 4, unit: 'metricCalls' } })).toThrow('cannot cover the seed\'s validation on 5 examples');
    expect(() => initGepaState({ ...base, seedCandidate: '  ' })).toThrow('component "instruction" must be a non-empty text');
    expect(() => initGepaState({ ...base, grant: { amount: 5, unit: 'minutes' as never } })).toThrow('unknown budget unit "minutes"');
  });
});

describe('stages', () => {
  const world = randomWorld({ seed: 9, pValid: 0.8, levels: 5, pPerfect: 0.15 });
  const setup = (amount: number, holder = 'base') =>
    initGepaState({ config: { seed: 3 }, seedCandidate: 'Solve it.', trainIds: ids('t', 10), valIds: ids('v', 6), grant: { amount, unit: 'metricCalls' }, holder });

  it('continuing a finished stage with a new grant retraces an uninterrupted run', () => {
    const single = setup(260);
    runWith(single, world);
    const stage1 = setup(120);
    runWith(stage1, world);
    expect(stage1.stopReason).toBe('budget');
    const stage2 = continueGepaState(stage1, { grant: { amount: 140, unit: 'metricCalls' }, holder: 'matched' });
    expect(stage1.holder).toBe('base'); // the finished stage is left as it was
    expect(progress(stage2)).toMatchObject({ phase: 'between-iterations', spent: 0, poolSize: stage1.pool.length });
    runWith(stage2, world);
    const s2 = summarize(stage2);
    expect(s2.metricCalls).toBeLessThanOrEqual(140);
    expect(s2.cumulativeMetricCalls).toBe(summarize(stage1).metricCalls + s2.metricCalls);
    expect(s2.ledger.holders.map((h) => h.holder)).toEqual(['matched']);
    // The split run is the uninterrupted one, stopped a little earlier (stage 1's unused rest is lost).
    const texts = (s: GepaState) => s.pool.map((p) => [p.candidate.id, p.hash, p.candidate.parents.join(',')]);
    expect(texts(single).slice(0, stage2.pool.length)).toEqual(texts(stage2));
    expect(stage2.pool.length).toBeGreaterThan(stage1.pool.length);
    // Spends stay cumulative: stage 2's learning-curve points come after stage 1's spend.
    const newPoints = stage2.learningCurve.slice(stage1.learningCurve.length);
    expect(newPoints.length).toBeGreaterThan(0);
    for (const p of newPoints) expect(p.spend).toBeGreaterThan(summarize(stage1).metricCalls);
  });

  it('a fresh pool can carry the PRNG and sampler of an earlier stage', () => {
    const base = setup(150);
    runWith(base, world);
    const best = summarize(base).best.candidate;
    const lsl = initGepaState({
      config: { seed: 3 },
      seedCandidate: { components: best.components, order: best.order },
      trainIds: ids('t', 10),
      valIds: ids('v', 6),
      grant: { amount: 100, unit: 'metricCalls' },
      holder: 'lsl',
      carry: carryFrom(base),
      spendOffset: summarize(base).metricCalls,
    });
    expect(lsl.iteration).toBe(base.iteration);
    expect(lsl.rng).toEqual(base.rng);
    expect(lsl.pool).toHaveLength(0);
    const first = nextAction(lsl, { nowMs: 0 });
    expect(first).toMatchObject({ kind: 'evaluate', purpose: 'seed-val', candidate: { components: best.components } });
    runWith(lsl, world);
    expect(summarize(lsl).learningCurve[0].spend).toBe(summarize(base).metricCalls + 6);
    expect(() => initGepaState({ seedCandidate: 'x', trainIds: ids('u', 10), valIds: ids('v', 6), grant: { amount: 100, unit: 'metricCalls' }, carry: carryFrom(base) }))
      .toThrow('carried sampler was built over different training ids');
  });

  it('a state cannot be continued in the middle of an iteration', () => {
    const state = setup(100);
    nextAction(state, { nowMs: 0 });
    expect(() => continueGepaState(state, { grant: { amount: 10, unit: 'metricCalls' } })).toThrow('middle of an iteration');
  });
});
