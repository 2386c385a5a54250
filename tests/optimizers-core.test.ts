/**
 * OPRO, EvoPrompt GA and DE, and PromptBreeder on a toy task with a synchronous driver: each
 * improves on the seed within its grant, is deterministic, resumes exactly from JSON at every
 * step, keeps spend <= grant in every budget unit, and counts every iteration's outcome.
 */
import { account } from '../src/core/budget';
import type { Grant } from '../src/core/budget';
import type { Optimizer, OptimizerStateBase } from '../src/core/optimizer';
import { driveOptimizer, SEARCH_OPTIMIZERS, type SearchSummaryExtras } from '../src/core/optimizers';
import type { SearchState } from '../src/core/optimizers';
import { ids, roundTrip, toyDriver, toyEvaluate, toyGenerate } from './optimizer-drivers';

type S = SearchState & OptimizerStateBase;
const names = Object.keys(SEARCH_OPTIMIZERS);
const opt = (name: string) => SEARCH_OPTIMIZERS[name] as unknown as Optimizer<S>;

/** Small settings that give every optimizer several iterations in a few hundred calls. */
const smallConfig = (name: string, seed = 0): Record<string, unknown> => ({
  seed,
  fitnessExamples: 5,
  ...(name === 'opro' ? { proposalsPerStep: 4 } : { populationSize: 4 }),
});

function start(name: string, grant: Grant, seed = 0): S {
  return opt(name).init({
    config: smallConfig(name, seed),
    start: { kind: 'seed', seed: { components: { instruction: 'Solve the problem.' }, order: ['instruction'] } },
    trainIds: ids('t', 12),
    valIds: ids('v', 8),
    grant,
    holder: 'stage',
  });
}

function run(name: string, grant: Grant, seed = 0, each?: (s: S) => S | void) {
  const { action, state } = driveOptimizer(opt(name), start(name, grant, seed), toyDriver<S>(), { onStep: (_a, s) => each?.(s) });
  expect(action.kind).toBe('done');
  return { state, summary: opt(name).summarize(state) as ReturnType<Optimizer['summarize']> & SearchSummaryExtras };
}

describe.each(names)('%s', (name) => {
  it('improves on the seed within a metric-call grant, with every iteration counted once', () => {
    let maxCommitted = 0;
    const { state, summary } = run(name, { amount: 400, unit: 'metricCalls' }, 0, (s) => {
      const acc = account(s.ledger, s.holder);
      maxCommitted = Math.max(maxCommitted, acc.metricCalls + acc.reserved);
    });
    expect(summary.best.valMean).toBeGreaterThan(summary.seed.valMean);
    expect(summary.stopReason).toBe('budget');
    expect(maxCommitted).toBeLessThanOrEqual(400);
    // The grant is spent to within one candidate's fitness (|F| = 5) plus a validation (|V| = 8).
    expect(summary.metricCalls).toBeGreaterThan(400 - 5 - 8);
    expect(summary.iterations).toBeGreaterThan(2);
    expect(Object.values(summary.outcomes).reduce((a, b) => a + b, 0)).toBe(summary.iterations);
    expect(summary.outcomes.validated).toBeGreaterThan(0);
    // Lineage: every candidate's parents were made before it.
    const seen = new Set<string>();
    for (const c of summary.explored) {
      for (const p of c.parents) expect(seen.has(p)).toBe(true);
      seen.add(c.id);
    }
    expect(summary.best.candidate.parents.length).toBeGreaterThan(0);
    expect(account(state.ledger, state.holder).reserved).toBe(0);
  });

  it('is deterministic: the same seed gives the same candidates, another seed others', () => {
    const a = run(name, { amount: 250, unit: 'metricCalls' }, 3).summary;
    const b = run(name, { amount: 250, unit: 'metricCalls' }, 3).summary;
    const c = run(name, { amount: 250, unit: 'metricCalls' }, 4).summary;
    expect(b).toEqual(a);
    expect(c.explored.map((x) => x.text)).not.toEqual(a.explored.map((x) => x.text));
  });

  it('resumes exactly from a JSON copy saved at every step', () => {
    const straight = run(name, { amount: 300, unit: 'metricCalls' }, 1).summary;
    let steps = 0;
    const resumed = run(name, { amount: 300, unit: 'metricCalls' }, 1, (s) => {
      steps++;
      return roundTrip(s);
    }).summary;
    expect(steps).toBeGreaterThan(10);
    expect(resumed).toEqual(straight);
  });

  it('re-issues the pending action after a reload and refuses a stale result', () => {
    const o = opt(name);
    const s = start(name, { amount: 200, unit: 'metricCalls' });
    const first = o.nextAction(s, { nowMs: 0 });
    const copy = roundTrip(s);
    expect(o.nextAction(copy, { nowMs: 0 })).toEqual(first);
    expect(() => o.applyResult(copy, { ...first, seq: 99 } as typeof first, { kind: 'evaluate', results: [] })).toThrow(/pending action/);
  });

  it('runs exactly the iterations of an iterations grant', () => {
    const { summary, state } = run(name, { amount: 5, unit: 'iterations' });
    expect(summary.iterations).toBe(5);
    expect(account(state.ledger, state.holder).iterations).toBe(5);
    expect(Object.values(summary.outcomes).reduce((a, b) => a + b, 0)).toBe(5);
  });

  it.each(['tokens', 'usd'] as const)('keeps spend within a %s grant', (unit) => {
    const o = opt(name);
    const perCall = unit === 'tokens' ? 10 : 0.001;
    const amount = unit === 'tokens' ? 3000 : 0.3;
    const state = start(name, { amount, unit });
    const { action, state: end } = driveOptimizer(o, state, {
      evaluate: (a, s) => {
        const n = a.requests.reduce((k, r) => k + r.exampleIds.length, 0);
        o.recordUsage(s, { model: 'task', inputTokens: unit === 'tokens' ? perCall * n : 0, outputTokens: 0, usd: unit === 'usd' ? perCall * n : 0, calls: n });
        return toyEvaluate(a);
      },
      generate: (a) => toyGenerate(a),
    });
    expect(action).toEqual({ kind: 'done', reason: 'budget' });
    const h = o.summarize(end).ledger.holders[0];
    expect(h.spentOfGrant!).toBeLessThanOrEqual(amount + 1e-9);
    expect(h.spentOfGrant!).toBeGreaterThan(amount * 0.5);
  });

  it('continues a finished stage on the same pool with a new grant, and starts a fresh one from its best', () => {
    const o = opt(name);
    const first = run(name, { amount: 200, unit: 'metricCalls' }).state;
    const continued = o.init({
      config: undefined, start: { kind: 'continue', previous: first }, trainIds: ids('t', 12), valIds: ids('v', 8),
      grant: { amount: 150, unit: 'metricCalls' }, holder: 'stage2',
    });
    const { state: after } = driveOptimizer(o, continued, toyDriver<S>());
    const s2 = o.summarize(after);
    expect(s2.metricCalls).toBeLessThanOrEqual(150);
    expect(s2.cumulativeMetricCalls).toBe(o.summarize(first).metricCalls + s2.metricCalls);
    expect(s2.pool.length).toBeGreaterThanOrEqual(o.summarize(first).pool.length);
    const fresh = o.init({
      config: smallConfig(name), start: { kind: 'best-of', previous: first }, trainIds: ids('t', 12), valIds: ids('v', 8),
      grant: { amount: 100, unit: 'metricCalls' }, holder: 'stage3',
    });
    expect(fresh.candidates.c0.candidate.components).toEqual(o.summarize(first).best.candidate.components);
  });

  it('rejects a bad config in one line naming the field', () => {
    expect(() => opt(name).resolveConfig({ seed: 1.5 })).toThrow(new RegExp(`^${name} config: seed: expected a whole number, got 1.5`));
    expect(() => opt(name).resolveConfig({ nonsense: 1 })).toThrow(/nonsense: unknown key/);
  });
});
