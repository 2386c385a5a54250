/** GEPA's budget: the spec's toy example, the budget identity, units, cache hits. */
import { account } from '../src/core/budget';
import {
  initGepaState,
  nextAction,
  progress,
  recordUsage,
  summarize,
  textHash64,
  type EvaluateAction,
  type GepaConfigInput,
  type GepaState,
} from '../src/core/gepa';
import { everyProposalImproves, ids, randomWorld, resultsFor, runWith } from './gepa-drivers';

function grantOf(state: GepaState): number {
  return account(state.ledger, state.holder).grant!.amount;
}

/** The spec's toy task (|V| 10, b 3, grant 100) run to its end on budget. */
function toyRun(config: GepaConfigInput) {
  const state = initGepaState({ config, seedCandidate: 'v0', trainIds: ids('t', 30), valIds: ids('v', 10), grant: { amount: 100, unit: 'metricCalls' } });
  expect(runWith(state, everyProposalImproves())).toEqual({ kind: 'done', reason: 'budget' });
  return { state, summary: summarize(state) };
}

describe('the toy adapter where every proposal improves', () => {
  it('worst-case reservation: finds candidates at spends 0, 16, 32, 48, 64, 80 and ends at 90 of a 100 budget', () => {
    const { state, summary } = toyRun({ reservation: 'worst-case' });
    expect(summary.pool.map((p) => p.candidate.discoveredAtSpend)).toEqual([0, 16, 32, 48, 64, 80]);
    expect(summary.metricCalls).toBe(90);
    expect(summary.best.text).toBe('v5');
    expect(summary.best.candidate.parents).toEqual(['c4']);
    expect(summary.counts).toMatchObject({ iterations: 5, accepted: 5, rejected: 0, skipped: 0 });
    // Learning curve: one point at the seed and one per accepted candidate, spend after validation.
    expect(summary.learningCurve.map((p) => p.spend)).toEqual([10, 26, 42, 58, 74, 90]);
    const expected = [0, 1 / 2, 2 / 3, 3 / 4, 4 / 5, 5 / 6];
    summary.learningCurve.forEach((p, k) => expect(p.best).toBeCloseTo(expected[k], 12));
    const holder = summary.ledger.holders[0];
    expect(holder).toMatchObject({ grant: { amount: 100, unit: 'metricCalls' }, spentOfGrant: 90, reserved: 0, iterations: 5 });
    expect(progress(state)).toMatchObject({ phase: 'done', spent: 90, poolSize: 6, frontierSize: 1, stopReason: 'budget' });
    // Asking again after the end changes nothing.
    expect(nextAction(state, { nowMs: 0 })).toEqual({ kind: 'done', reason: 'budget' });
  });

  it('per-step reservation (the default): a sixth iteration runs its 2b, its child is accepted, |V| does not fit: ends at 96 without it', () => {
    const { state, summary } = toyRun({});
    // The same five candidates as worst-case (the policy changes only where the run ends).
    expect(summary.pool.map((p) => p.candidate.discoveredAtSpend)).toEqual([0, 16, 32, 48, 64, 80]);
    expect(summary.metricCalls).toBe(96);
    expect(summary.best.text).toBe('v5');
    expect(summary.counts).toMatchObject({ iterations: 6, accepted: 5, rejected: 0, skipped: 0, unaffordable: 1 });
    expect(summary.outcomes['validation-unaffordable']).toBe(1);
    expect(summary.learningCurve.map((p) => p.spend)).toEqual([10, 26, 42, 58, 74, 90]);
    expect(summary.ledger.holders[0]).toMatchObject({ spentOfGrant: 96, reserved: 0, iterations: 6 });
    expect(nextAction(state, { nowMs: 0 })).toEqual({ kind: 'done', reason: 'budget' });
  });
});

describe('parallel proposals at the end of the grant', () => {
  it('a round whose kept children do not all fit validates those that do, then ends on budget', () => {
    // Every child improves on its parent; the minibatch in the reflection prompt makes each proposal's text its own.
    const version = (text: string) => Number(/v(\d+)/.exec(text)![1]);
    const driver = {
      evaluate: (a: EvaluateAction) => resultsFor(a, (text) => version(text) / (version(text) + 1)),
      reflect: (a: { currentText: string; prompt: string }) => ({ rawText: '```\nv' + (version(a.currentText) + 1) + ' ' + textHash64(a.prompt) + '\n```' }),
    };
    // |V| 10, b 3: seed 10; round 1: 4 x 2b = 24, 4 kept x |V| = 40 (74); round 2: 24 (98), then 20 left: 2 of 4 validations fit.
    const state = initGepaState({
      config: { proposals: 4, reservation: 'per-step' }, seedCandidate: 'v0', trainIds: ids('t', 30), valIds: ids('v', 10),
      grant: { amount: 118, unit: 'metricCalls' },
    });
    expect(runWith(state, driver)).toEqual({ kind: 'done', reason: 'budget' });
    const summary = summarize(state);
    expect(summary.metricCalls).toBe(118);
    expect(account(state.ledger, state.holder).reserved).toBe(0);
    expect(summary.counts).toMatchObject({ iterations: 8, accepted: 6, unaffordable: 2 });
    expect(Object.values(summary.outcomes).reduce((a, b) => a + b, 0)).toBe(summary.iterations);
    expect(summary.pool.map((p) => version(p.text))).toEqual([0, 1, 1, 1, 1, 2, 2]);
  });
});

describe('budget identity without cache or merge', () => {
  const worlds = [1, 2, 3, 4, 5].flatMap((seed) => (['worst-case', 'per-step'] as const).map((policy) => [seed, policy] as const));
  it.each(worlds)('spend = |V| + b (skipped or no child) + 2b (rejected) + 2b+|V| (accepted) + 2b (unaffordable), world %i, %s', (seed, reservation) => {
    const b = 3;
    const V = 8;
    const state = initGepaState({
      config: { seed, minibatchSize: b, cache: false, reservation },
      seedCandidate: 'Solve it.',
      trainIds: ids('t', 10),
      valIds: ids('v', V),
      grant: { amount: 400, unit: 'metricCalls' },
    });
    let maxCommitted = 0;
    const end = runWith(state, randomWorld({ seed, pValid: 0.7, levels: 4, pPerfect: 0.25 }), (_a, s) => {
      const acc = account(s.ledger, s.holder);
      maxCommitted = Math.max(maxCommitted, acc.metricCalls + acc.reserved);
    });
    const c = summarize(state).counts;
    const noChild = c.skipped + c.reflectionRejections + c.reflectionFailures + c.duplicates;
    const unaffordable = c.unaffordable ?? 0;
    expect(c.iterations).toBe(noChild + c.rejected + c.accepted + unaffordable);
    expect(summarize(state).metricCalls).toBe(V + b * noChild + 2 * b * c.rejected + (2 * b + V) * c.accepted + 2 * b * unaffordable);
    expect(end).toEqual({ kind: 'done', reason: 'budget' });
    expect(maxCommitted).toBeLessThanOrEqual(400);
    const unspent = 400 - summarize(state).metricCalls;
    if (reservation === 'worst-case') {
      // The run stopped because the next iteration's 2b + |V| no longer fit.
      expect(unaffordable).toBe(0);
      expect(unspent).toBeLessThan(2 * b + V);
    } else {
      // Either the next 2b did not fit, or an accepted child's |V| did not (and it was left out).
      expect(unaffordable).toBeLessThanOrEqual(1);
      expect(unspent).toBeLessThan(unaffordable ? V : 2 * b);
    }
    // Each kind of outcome actually occurred, so every term of the identity was exercised.
    expect(c.accepted).toBeGreaterThan(0);
    expect(c.rejected + c.skipped + c.reflectionRejections + c.reflectionFailures).toBeGreaterThan(0);
  });
});

describe('budget units', () => {
  it('an iterations grant runs exactly that many iterations and still records metric calls', () => {
    const state = initGepaState({
      config: { seed: 7 },
      seedCandidate: 'v0',
      trainIds: ids('t', 12),
      valIds: ids('v', 5),
      grant: { amount: 4, unit: 'iterations' },
    });
    const end = runWith(state, everyProposalImproves());
    expect(end).toEqual({ kind: 'done', reason: 'budget' });
    const acc = account(state.ledger, state.holder);
    expect(acc.iterations).toBe(4);
    expect(acc.metricCalls).toBe(5 + 4 * (6 + 5));
    expect(acc.reserved).toBe(0);
  });

  it('a dollar grant stops before the estimated next iteration would exceed it (worst-case)', () => {
    const perCall = 0.001;
    const driver = everyProposalImproves();
    const state = initGepaState({
      config: { reservation: 'worst-case' },
      seedCandidate: 'v0',
      trainIds: ids('t', 40),
      valIds: ids('v', 10),
      grant: { amount: 0.06, unit: 'usd' },
    });
    const end = runWith(state, {
      evaluate: (a: EvaluateAction, s: GepaState) => {
        recordUsage(s, { model: 'sim-large', inputTokens: 10 * a.exampleIds.length, outputTokens: 5 * a.exampleIds.length, usd: perCall * a.exampleIds.length, calls: a.exampleIds.length });
        return driver.evaluate(a, s);
      },
      reflect: driver.reflect,
    });
    expect(end).toEqual({ kind: 'done', reason: 'budget' });
    const s = summarize(state);
    const usd = s.ledger.holders[0].first.usd;
    // Seed 10 calls, then iterations of 16 calls = $0.016: 10 + 3 * 16 = 58 calls = $0.058 <= $0.06.
    expect(s.metricCalls).toBe(58);
    expect(usd).toBeCloseTo(0.058, 10);
    expect(usd).toBeLessThanOrEqual(0.06);
  });

  it.each([
    ['worst-case', 870, 3],
    // Per-step: a fourth iteration's 2b (90 tokens) fits, its child's |V| (150) does not: 870 + 90.
    ['per-step', 960, 4],
  ] as const)('a token grant counts first attempts only: re-done work is recorded apart (%s)', (reservation, spent, iterations) => {
    const driver = everyProposalImproves();
    const state = initGepaState({
      config: { reservation },
      seedCandidate: 'v0',
      trainIds: ids('t', 40),
      valIds: ids('v', 10),
      grant: { amount: 1000, unit: 'tokens' },
    });
    runWith(state, {
      evaluate: (a: EvaluateAction, s: GepaState) => {
        recordUsage(s, { model: 'm', inputTokens: 15 * a.exampleIds.length, outputTokens: 0, usd: 0, calls: a.exampleIds.length });
        // Every evaluation is also partly repeated (as after a worker crash): never billed to the grant.
        recordUsage(s, { model: 'm', inputTokens: 1000, outputTokens: 0, usd: 0, calls: 1, redone: true });
        return driver.evaluate(a, s);
      },
      reflect: driver.reflect,
    });
    const h = summarize(state).ledger.holders[0];
    // 15 tokens per call: seed 150, iterations 240 each: 150 + 3 * 240 = 870 <= 1000 < 1110.
    expect(h.spentOfGrant).toBe(spent);
    // One re-done record per evaluation: seed, then parent, child and validation per full iteration.
    const evaluations = 1 + 3 * 3 + (iterations - 3) * 2;
    expect(h.redoneMetricCalls).toBe(evaluations);
    expect(h.redone.inputTokens).toBe(1000 * evaluations);
  });
});

describe('the score cache', () => {
  it('does not ask again for a parent score it knows, and counts the hit instead of a metric call', () => {
    // Three train ids and b = 3: every iteration uses the same ids. Every child is worse, so the
    // seed stays the parent and its minibatch scores come from the cache after the first time.
    const state = initGepaState({
      config: { selector: 'current_best', stop: { maxIterations: 5 } },
      seedCandidate: 'seed instruction',
      trainIds: ids('t', 3),
      valIds: ids('v', 4),
      grant: { amount: 1000, unit: 'metricCalls' },
    });
    const asked: Array<[string, string[]]> = [];
    const end = runWith(state, {
      evaluate: (a) => {
        asked.push([a.purpose, a.exampleIds]);
        return resultsFor(a, (text) => (text === 'seed instruction' ? 0.5 : 0.2));
      },
      reflect: (a) => ({ rawText: '```\nchild ' + a.seq + '\n```' }),
    });
    expect(end).toEqual({ kind: 'done', reason: 'max-iterations' });
    expect(asked.filter(([p]) => p === 'parent-minibatch')).toHaveLength(1);
    expect(asked.filter(([p]) => p === 'child-minibatch')).toHaveLength(5);
    const acc = account(state.ledger, state.holder);
    expect(acc.metricCalls).toBe(4 + 3 + 5 * 3);
    expect(acc.cacheHits).toBe(4 * 3);
    expect(grantOf(state) - acc.metricCalls).toBeGreaterThan(0);
  });
});
