/**
 * The dry-run plan on a hand-computed case. Sizes (tokens): question 100, answer 50, instruction
 * 200, feedback 10, reflection template 40, reflection output 200, no chat overhead; b = 2, |V| = 10.
 *   rollout    = 300 in + 50 out
 *   reflection = 40 + 200 + 2 x (100 + 50 + 10) = 560 in + 200 out
 * Prices per million: L 2 in / 8 out, S 1 in / 2 out; L reflects.
 *   L rollout $0.001, S rollout $0.0004, reflection $0.00272.
 */
import type { ModelSpec } from '../src/llm/types';
import { renderPlan } from '../src/cli/plan-text';
import { formatUsd } from '../src/core/budget';
import {
  catalogOf,
  parseExperimentConfig,
  planExperiment,
  tokenEstimates,
  type StagePlan,
} from '../src/core/experiment';

function spec(name: string, priceIn?: number, priceOut?: number, simulated = false): ModelSpec {
  return {
    name, provider: 'openai-compatible', baseUrl: 'http://127.0.0.1:1/v1', model: name, temperature: 0, maxTokens: 512,
    priceInputPerM: priceIn, priceOutputPerM: priceOut, concurrency: 1, timeoutMs: 1000, simulated,
  };
}
const models = catalogOf([spec('L', 2, 8), spec('S', 1, 2), spec('local')]);
const estimates = {
  meanQuestionTokens: 100, meanOutputTokens: 50, instructionTokens: 200, feedbackTokens: 10,
  reflectionTemplateTokens: 40, reflectionOutputTokens: 200, messageOverheadTokens: 0,
};
const config = (over: Record<string, unknown> = {}) => parseExperimentConfig({
  name: 'hand',
  task: 'gsm8k',
  splits: { train: 10, val: 10, test: 20 },
  seed: { instruction: 'Solve.' },
  models: { large: 'L', small: 'S' },
  budget: { b1: 100, b2: 60 },
  arms: ['seed', 'base', 'lsl', 'matched', 'small-only', { cycles: 1 }],
  gepa: { minibatchSize: 2 },
  // The hand-computed cases leave transfer scoring out; its own test below turns it on.
  analysis: { transfer: false },
  ...over,
});

const row = (s: StagePlan) => [s.stage, s.grant, s.startValidation, s.iterations, s.metricCalls, s.reflectionCalls, s.inputTokens, s.outputTokens, s.minimumGrant, s.fits];

test('metric-call budgets: every stage, exactly', () => {
  const plan = planExperiment(config(), models, estimates);
  expect(plan.stages.map(row)).toEqual([
    // stage, grant, V0, iterations = floor((G - V0) / 2b), metric calls = G, reflections, in, out, minimum, fits
    ['base', 100, 10, 22, 100, 22, 100 * 300 + 22 * 560, 100 * 50 + 22 * 200, 24, true],
    ['lsl', 60, 10, 12, 60, 12, 60 * 300 + 12 * 560, 60 * 50 + 12 * 200, 24, true],
    ['matched', 60, 0, 15, 60, 15, 60 * 300 + 15 * 560, 60 * 50 + 15 * 200, 14, true],
    ['small-only', 160, 10, 37, 160, 37, 160 * 300 + 37 * 560, 160 * 50 + 37 * 200, 24, true],
    ['cycles-1-s1', 30, 10, 5, 30, 5, 30 * 300 + 5 * 560, 30 * 50 + 5 * 200, 24, true],
    ['cycles-1-l1', 30, 10, 5, 30, 5, 30 * 300 + 5 * 560, 30 * 50 + 5 * 200, 24, true],
  ]);
  const usd = plan.stages.map((s) => s.usd as number);
  const expected = [
    100 * 0.001 + 22 * 0.00272, 60 * 0.0004 + 12 * 0.00272, 60 * 0.001 + 15 * 0.00272,
    160 * 0.0004 + 37 * 0.00272, 30 * 0.0004 + 5 * 0.00272, 30 * 0.001 + 5 * 0.00272,
  ];
  usd.forEach((u, i) => expect(u).toBeCloseTo(expected[i], 12));

  // Test evaluation: 20 problems x 2 models x K = 1 for each of the 6 arms.
  expect(plan.evaluation).toHaveLength(12);
  expect(plan.evaluation[0]).toEqual({ arm: 'seed', modelRef: 'large', model: 'L', calls: 20, inputTokens: 6000, outputTokens: 1000, usd: expect.any(Number) });
  expect(plan.evaluation[0].usd).toBeCloseTo(0.02, 12);
  expect(plan.evaluation[1].usd).toBeCloseTo(0.008, 12);

  expect({ ...plan.perRepeat, usd: 0 }).toEqual({
    metricCalls: 440, reflectionCalls: 96, evaluationCalls: 240, analysisCalls: 0, teacherCalls: 0, modelCalls: 776,
    inputTokens: 440 * 300 + 96 * 560 + 240 * 300, outputTokens: 440 * 50 + 96 * 200 + 240 * 50, usd: 0,
  });
  expect(plan.perRepeat.usd).toBeCloseTo(expected.reduce((a, b) => a + b, 0) + 6 * (0.02 + 0.008), 12);

  // By model: L runs base, matched, cycles-1-l1 and all reflections; S the rest.
  const byModel = Object.fromEntries(plan.byModel.map((m) => [m.model, [m.rollouts, m.reflections]]));
  expect(byModel).toEqual({ L: [100 + 60 + 30 + 120, 96], S: [60 + 160 + 30 + 120, 0] });
});

test('repeats multiply the totals', () => {
  const one = planExperiment(config(), models, estimates);
  const three = planExperiment(config({ seeds: [1, 2, 3] }), models, estimates);
  expect(three.perRepeat).toEqual(one.perRepeat);
  expect(three.total.modelCalls).toBe(3 * 776);
  expect(three.total.usd).toBeCloseTo(3 * (one.perRepeat.usd as number), 12);
  expect(three.byModel.find((m) => m.model === 'L')?.reflections).toBe(3 * 96);
});

test('iteration budgets bound metric calls by accepting every child (and merges when on)', () => {
  const plan = planExperiment(config({ budget: { unit: 'iterations', b1: 5, b2: 3 }, arms: ['base', 'lsl', 'matched'] }), models, estimates);
  expect(plan.stages.map((s) => [s.stage, s.iterations, s.metricCalls, s.reflectionCalls, s.minimumGrant])).toEqual([
    ['base', 5, 10 + 5 * 14, 5, 1],
    ['lsl', 3, 10 + 3 * 14, 3, 1],
    ['matched', 3, 3 * 14, 3, 1],
  ]);
  const merged = planExperiment(config({ budget: { unit: 'iterations', b1: 5, b2: 3 }, arms: ['base'], gepa: { minibatchSize: 2, merge: true, maxMerge: 2 } }), models, estimates);
  expect(merged.stages[0].metricCalls).toBe(80 + 2 * (5 + 10));
});

test('token budgets: iterations = floor((G - V0 x 350) / (2b x 350 + 760))', () => {
  const plan = planExperiment(config({ budget: { unit: 'tokens', b1: 50000, b2: 9000 }, arms: ['base', 'matched'] }), models, estimates);
  expect(plan.stages.map((s) => [s.stage, s.iterations, s.metricCalls, s.reflectionCalls, s.minimumGrant, s.fits])).toEqual([
    ['base', 21, 10 + 4 * 21, 21, 24 * 350 + 760, true],
    ['matched', 4, 16, 4, 14 * 350 + 760, true],
  ]);
  expect(plan.stages[0].inputTokens + plan.stages[0].outputTokens).toBeLessThanOrEqual(50000);
});

test('dollar budgets: iterations from the prices; too small a grant is noted', () => {
  const plan = planExperiment(config({ budget: { unit: 'usd', b1: 0.1, b2: 0.02 }, arms: ['base', 'lsl'] }), models, estimates);
  const [b, l] = plan.stages;
  // base: (0.1 - 10 x 0.001) / (4 x 0.001 + 0.00272) = 13.39
  expect([b.iterations, b.metricCalls, b.reflectionCalls]).toEqual([13, 62, 13]);
  expect(b.minimumGrant).toBeCloseTo(24 * 0.001 + 0.00272, 12);
  expect(b.usd).toBeLessThanOrEqual(0.1);
  // lsl on S: (0.02 - 10 x 0.0004) / (4 x 0.0004 + 0.00272) = 3.7; the minimum 24 x 0.0004 + 0.00272 = 0.01232 fits.
  expect([l.iterations, l.metricCalls, l.fits]).toEqual([3, 10 + 4 * 3, true]);
  const tight = planExperiment(config({ budget: { unit: 'usd', b1: 0.02, b2: 0.02 }, arms: ['base'] }), models, estimates);
  expect(tight.stages[0].fits).toBe(false);
  expect(tight.notes[0]).toBe('stage base: grant of $0.0200 cannot fit one iteration: it needs about $0.0267 (24 rollouts and 1 reflection(s) at the estimated sizes)');
});

test('a model without a price leaves dollars unknown, not zero', () => {
  const plan = planExperiment(config({ models: { large: 'L', small: 'local' }, arms: ['base', 'lsl'] }), models, estimates);
  expect(plan.stages[0].usd).not.toBeNull();
  expect(plan.stages[1].usd).toBeNull();
  expect(plan.perRepeat.usd).toBeNull();
  expect(plan.notes).toContain('no price for local: dollar figures involving them are unknown (?)');
  expect(formatUsd(null)).toBe('?');
});

test("'all' components: one reflection per component per iteration", () => {
  const plan = planExperiment(config({
    seed: { components: { a: 'A', b: 'B', c: 'C' } }, gepa: { minibatchSize: 2, componentSelector: 'all' }, arms: ['base'],
  }), models, estimates);
  expect(plan.reflectionsPerIteration).toBe(3);
  expect([plan.stages[0].iterations, plan.stages[0].reflectionCalls]).toEqual([22, 66]);
});

test('default estimates come from the seed prompt size; bad estimates are refused', () => {
  const e = tokenEstimates(config({ seed: { instruction: 'x'.repeat(400) } }));
  expect(e.instructionTokens).toBe(100 + 300);
  expect(e.reflectionOutputTokens).toBe(e.instructionTokens);
  expect(tokenEstimates(config(), { meanQuestionTokens: 77 }).meanQuestionTokens).toBe(77);
  expect(() => tokenEstimates(config(), { meanOutputTokens: -1 })).toThrow('token estimate meanOutputTokens must be a number >= 0, got -1');
});

test('the plan is deterministic and renders as a readable table', () => {
  const a = planExperiment(config(), models, estimates);
  expect(planExperiment(config(), models, estimates)).toEqual(a);
  const text = renderPlan(a);
  expect(text).toContain(`Plan for ${a.experimentId} (task gsm8k; 1 repeat; B1 = 100 metric calls, B2 = 60 metric calls)`);
  const baseLine = text.split('\n').find((l) => l.startsWith('base '));
  expect(baseLine?.split(/\s{2,}/)).toEqual(['base', 'base', 'L', 'L', 'seed', '100', '22', '100', '22', '42,320', '9,400', '$0.1598']);
  expect(text).toMatch(/^cycles-1-l1 +cycles-1 +L +L +best of cycles-1-s1 +30 /m);
  expect(text).toContain('Total per repeat: 776 model calls (440 metric calls, 96 reflections, 240 test calls)');
  const unfit = renderPlan(planExperiment(config({ budget: { b1: 20, b2: 60 }, arms: ['base'] }), models, estimates));
  expect(unfit).toContain('DOES NOT FIT');
  expect(unfit).toContain('- stage base: grant of 20 metric calls cannot fit one iteration: it needs 24');
});

test('transfer scoring: |V| calls on the other model per candidate a stage can pay to accept, counted apart', () => {
  const off = planExperiment(config(), models, estimates);
  const on = planExperiment(config({ analysis: {} }), models, estimates);
  // Candidates: the start (when validated) + floor((metric calls - V0) / (2b + |V| = 14)); x |V| = 10.
  expect(on.stages.map((s) => [s.stage, s.transferModel, s.transferCalls])).toEqual([
    ['base', 'S', (1 + Math.floor(90 / 14)) * 10],
    ['lsl', 'L', (1 + Math.floor(50 / 14)) * 10],
    ['matched', 'S', Math.floor(60 / 14) * 10],
    ['small-only', 'L', (1 + Math.floor(150 / 14)) * 10],
    ['cycles-1-s1', 'L', (1 + Math.floor(20 / 14)) * 10],
    ['cycles-1-l1', 'S', (1 + Math.floor(20 / 14)) * 10],
  ]);
  const calls = on.stages.reduce((a, s) => a + s.transferCalls, 0);
  expect(on.perRepeat.analysisCalls).toBe(calls);
  expect(off.perRepeat.analysisCalls).toBe(0);
  // Optimization and test evaluation are unchanged; the transfer calls come on top, as rollouts of their model.
  expect(on.perRepeat.metricCalls).toBe(off.perRepeat.metricCalls);
  expect(on.perRepeat.evaluationCalls).toBe(off.perRepeat.evaluationCalls);
  expect(on.perRepeat.modelCalls).toBe(off.perRepeat.modelCalls + calls);
  expect(on.perRepeat.inputTokens).toBe(off.perRepeat.inputTokens + calls * 300);
  const onS = on.perRepeat.usd as number;
  const toS = (70 + 40 + 20) * 0.0004;
  const toL = (40 + 110 + 20) * 0.001;
  expect(onS).toBeCloseTo((off.perRepeat.usd as number) + toS + toL, 9);
  const rollouts = (p: typeof on, m: string) => p.byModel.find((r) => r.model === m)!.rollouts;
  expect(rollouts(on, 'S') - rollouts(off, 'S')).toBe(70 + 40 + 20);
  expect(rollouts(on, 'L') - rollouts(off, 'L')).toBe(40 + 110 + 20);
  const text = renderPlan(on);
  expect(text).toMatch(/^Transfer scoring \(per repeat; analysis spend/m);
  expect(text).toMatch(/^small-only +L +110$/m);
  expect(text).toContain(`240 test calls, ${calls} transfer calls)`);
  expect(renderPlan(off)).not.toContain('Transfer scoring');
  // The switch is part of the config, so it changes the experiment id; leaving the block out does not.
  expect(on.experimentId).not.toBe(off.experimentId);
});

test('wst: each rollout is a teacher call on S beside the student call on L, in the stage, its evaluations and the totals', () => {
  const plan = planExperiment(config({ arms: ['seed', 'base', 'lsl', 'wst'] }), models, estimates);
  const lsl = plan.stages.find((s) => s.stage === 'lsl')!;
  const wst = plan.stages.find((s) => s.stage === 'wst')!;
  // lsl's grant; the teacher's start validates on the student too (|V| = 10).
  expect([wst.grant, wst.startValidation, wst.iterations, wst.metricCalls, wst.teacherCalls]).toEqual([60, 10, 12, 60, 60]);
  expect(lsl.teacherCalls).toBe(0);
  expect(wst.inputTokens).toBe(2 * 60 * 300 + 12 * 560);
  expect(wst.outputTokens).toBe(2 * 60 * 50 + 12 * 200);
  // Student L rollouts $0.001, teacher S calls $0.0004, reflections $0.00272.
  expect(wst.usd).toBeCloseTo(60 * 0.001 + 60 * 0.0004 + 12 * 0.00272, 12);
  const evals = plan.evaluation.filter((e) => e.arm === 'wst');
  expect(evals.map((e) => [e.model, e.calls, e.teacherCalls, e.inputTokens])).toEqual([['L', 20, 20, 2 * 20 * 300], ['S', 20, 20, 2 * 20 * 300]]);
  expect(evals[0].usd).toBeCloseTo(20 * 0.001 + 20 * 0.0004, 12);
  expect(plan.perRepeat.teacherCalls).toBe(60 + 40);
  expect(plan.perRepeat.modelCalls).toBe(plan.perRepeat.metricCalls + plan.perRepeat.reflectionCalls + plan.perRepeat.evaluationCalls + 100);
  const s = plan.byModel.find((m) => m.model === 'S')!;
  expect(s.rollouts).toBe(lsl.metricCalls + 60 + 4 * 20 + 40);
  expect(renderPlan(plan)).toContain('100 teacher calls');
});
