/** What each arm runs (planStages / planArms / planRepeats): the structure the experiment workflow follows. */
import fc from 'fast-check';
import { parseExperimentConfig, planArms, planRepeats, planStages, splitGrant, evaluationModels } from '../src/core/experiment';

const base = {
  name: 'stages',
  task: 'gsm8k',
  splits: { train: 20, val: 10, test: 30, seed: 5 },
  seed: { instruction: 'Solve.' },
  models: { large: 'L-model', small: 'S-model' },
  budget: { b1: 100, b2: 61 },
};

test('every basic arm, base first, with its model, start, grant and reflector', () => {
  const c = parseExperimentConfig({ ...base, arms: ['seed', 'small-only', 'matched', 'lsl', 'base'], reflector: { lsl: 'small', 'small-only': 'gpt-x' } });
  expect(planStages(c).map((s) => ({ ...s }))).toEqual([
    { arm: 'base', stage: 'base', taskRole: 'large', taskModel: 'L-model', reflectorKind: 'base', reflector: 'L-model', grant: 100, grantOf: 'b1', startsFrom: 'seed', after: null },
    { arm: 'small-only', stage: 'small-only', taskRole: 'small', taskModel: 'S-model', reflectorKind: 'small-only', reflector: 'gpt-x', grant: 161, grantOf: 'b1+b2', startsFrom: 'seed', after: null },
    { arm: 'matched', stage: 'matched', taskRole: 'large', taskModel: 'L-model', reflectorKind: 'matched', reflector: 'L-model', grant: 61, grantOf: 'b2', startsFrom: 'base-state', after: 'base' },
    { arm: 'lsl', stage: 'lsl', taskRole: 'small', taskModel: 'S-model', reflectorKind: 'lsl', reflector: 'S-model', grant: 61, grantOf: 'b2', startsFrom: 'base-best', after: 'base' },
  ]);
});

test('cycles k alternate S then L after base, sharing B2 (remainder to the first stages)', () => {
  const c = parseExperimentConfig({ ...base, arms: ['base', { cycles: 2 }], reflector: { 'cycles-small': 'small' } });
  const stages = planStages(c);
  expect(stages.map((s) => [s.stage, s.taskRole, s.reflector, s.grant, s.startsFrom, s.after])).toEqual([
    ['base', 'large', 'L-model', 100, 'seed', null],
    ['cycles-2-s1', 'small', 'S-model', 16, 'base-best', 'base'],
    ['cycles-2-l1', 'large', 'L-model', 15, 'previous-stage', 'cycles-2-s1'],
    ['cycles-2-s2', 'small', 'S-model', 15, 'previous-stage', 'cycles-2-l1'],
    ['cycles-2-l2', 'large', 'L-model', 15, 'previous-stage', 'cycles-2-s2'],
  ]);
  // Budget-matched with `matched`: B1 + B2 in total along the arm.
  expect(stages.reduce((n, s) => n + s.grant, 0)).toBe(100 + 61);
});

test('arms list the stages their prompt depends on and the stage that yields it', () => {
  const c = parseExperimentConfig({ ...base, arms: ['seed', 'base', 'lsl', 'matched', 'small-only', { cycles: 1 }] });
  expect(planArms(c)).toEqual([
    { arm: 'seed', stages: [], yields: null },
    { arm: 'base', stages: ['base'], yields: 'base' },
    { arm: 'lsl', stages: ['base', 'lsl'], yields: 'lsl' },
    { arm: 'matched', stages: ['base', 'matched'], yields: 'matched' },
    { arm: 'small-only', stages: ['small-only'], yields: 'small-only' },
    { arm: 'cycles-1', stages: ['base', 'cycles-1-s1', 'cycles-1-l1'], yields: 'cycles-1-l1' },
  ]);
  // Stage ids are unique across the experiment.
  const ids = planStages(c).map((s) => s.stage);
  expect(new Set(ids).size).toBe(ids.length);
});

test('repeats: GEPA seeds per repeat, same splits unless resplit', () => {
  expect(planRepeats(parseExperimentConfig({ ...base, seeds: [3, 9] }))).toEqual([
    { repeat: 0, gepaSeed: 3, splitSeed: 5 },
    { repeat: 1, gepaSeed: 9, splitSeed: 5 },
  ]);
  expect(planRepeats(parseExperimentConfig({ ...base, repeats: 3, resplit: true }))).toEqual([
    { repeat: 0, gepaSeed: 1, splitSeed: 5 },
    { repeat: 1, gepaSeed: 2, splitSeed: 6 },
    { repeat: 2, gepaSeed: 3, splitSeed: 7 },
  ]);
});

test('evaluation models resolve roles to registry names', () => {
  const c = parseExperimentConfig({ ...base, evaluation: { models: ['small', 'gpt-x', 'large'] } });
  expect(evaluationModels(c)).toEqual([
    { ref: 'small', model: 'S-model' }, { ref: 'gpt-x', model: 'gpt-x' }, { ref: 'large', model: 'L-model' },
  ]);
});

test('splitGrant: sums exactly, whole units stay whole and differ by at most one', () => {
  fc.assert(fc.property(fc.integer({ min: 0, max: 100000 }), fc.integer({ min: 1, max: 40 }), (total, parts) => {
    const g = splitGrant(total, parts, 'metricCalls');
    expect(g).toHaveLength(parts);
    expect(g.reduce((a, b) => a + b, 0)).toBe(total);
    expect(g.every(Number.isInteger)).toBe(true);
    expect(Math.max(...g) - Math.min(...g)).toBeLessThanOrEqual(1);
  }));
  const usd = splitGrant(1, 3, 'usd');
  expect(usd.reduce((a, b) => a + b, 0)).toBe(1);
  expect(usd[0]).toBeCloseTo(1 / 3, 12);
  expect(() => splitGrant(10, 0, 'metricCalls')).toThrow('parts must be a whole number >= 1');
});
