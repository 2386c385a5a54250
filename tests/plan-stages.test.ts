/** What each arm runs (planStages / planArms / planRepeats): the structure the experiment workflow follows. */
import fc from 'fast-check';
import { parseExperimentConfig, planArms, planRepeats, planStages, splitGrant, evaluationModels } from '../src/core/experiment';
import { optimizerSettings, readExperimentConfig } from '../src/core/experiment/config';

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
    { arm: 'base', stage: 'base', taskRole: 'large', taskModel: 'L-model', reflectorKind: 'base', reflector: 'L-model', grant: 100, grantOf: 'b1', startsFrom: 'seed', after: null, optimizer: 'gepa' },
    { arm: 'small-only', stage: 'small-only', taskRole: 'small', taskModel: 'S-model', reflectorKind: 'small-only', reflector: 'gpt-x', grant: 161, grantOf: 'b1+b2', startsFrom: 'seed', after: null, optimizer: 'gepa' },
    { arm: 'matched', stage: 'matched', taskRole: 'large', taskModel: 'L-model', reflectorKind: 'matched', reflector: 'L-model', grant: 61, grantOf: 'b2', startsFrom: 'base-state', after: 'base', optimizer: 'gepa' },
    { arm: 'lsl', stage: 'lsl', taskRole: 'small', taskModel: 'S-model', reflectorKind: 'lsl', reflector: 'S-model', grant: 61, grantOf: 'b2', startsFrom: 'base-best', after: 'base', optimizer: 'gepa' },
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

describe('optimizers per arm', () => {
  test('`<arm>@<optimizer>` runs that arm with its own base, stage names suffixed; `optimizer` sets every other arm', () => {
    const c = parseExperimentConfig({ ...base, arms: ['base', 'lsl', 'base@opro', 'lsl@opro', 'matched@opro', { cycles: 1, optimizer: 'promptbreeder' }, 'base@promptbreeder'] });
    expect(planStages(c).map((s) => [s.arm, s.stage, s.optimizer, s.after])).toEqual([
      ['base', 'base', 'gepa', null],
      ['base@opro', 'base@opro', 'opro', null],
      ['base@promptbreeder', 'base@promptbreeder', 'promptbreeder', null],
      ['lsl', 'lsl', 'gepa', 'base'],
      ['lsl@opro', 'lsl@opro', 'opro', 'base@opro'],
      ['matched@opro', 'matched@opro', 'opro', 'base@opro'],
      ['cycles-1@promptbreeder', 'cycles-1-s1@promptbreeder', 'promptbreeder', 'base@promptbreeder'],
      ['cycles-1@promptbreeder', 'cycles-1-l1@promptbreeder', 'promptbreeder', 'cycles-1-s1@promptbreeder'],
    ]);
    const all = parseExperimentConfig({ ...base, optimizer: 'opro', arms: ['base', 'lsl', 'base@gepa', 'lsl@gepa'] });
    expect(planStages(all).map((s) => [s.stage, s.optimizer])).toEqual([['base', 'opro'], ['base@gepa', 'gepa'], ['lsl', 'opro'], ['lsl@gepa', 'gepa']]);
  });

  test('a stage of another optimizer gets its settings, completed by the optimizer, with the repeat seed', () => {
    const c = parseExperimentConfig({ ...base, arms: ['small-only@opro'], optimizers: { opro: { proposalsPerStep: 4 } }, seeds: [7] });
    const s = planStages(c)[0];
    expect(optimizerSettings(s.optimizer, c.optimizers?.opro, 7)).toMatchObject({ seed: 7, proposalsPerStep: 4, maxInstructions: 20, exemplars: 3 });
  });

  test('a GEPA-only config keeps its id: the optimizer fields are absent from it', () => {
    const c = parseExperimentConfig({ ...base });
    expect('optimizer' in c).toBe(false);
    expect('optimizers' in c).toBe(false);
    expect(parseExperimentConfig({ ...base, optimizer: 'opro' }).optimizer).toBe('opro');
  });
});

describe('optimizer config problems', () => {
  const problems = (extra: Record<string, unknown>) => readExperimentConfig({ ...base, ...extra }).problems.map((p) => `${p.path}: ${p.message}`);
  test.each([
    [{ optimizer: 'sgd' }, "optimizer: unknown optimizer 'sgd' (known: gepa, opro, evoprompt-ga, evoprompt-de, promptbreeder)"],
    [{ arms: ['base', 'lsl@opro'] }, "arms[1]: arm 'lsl@opro' continues from base@opro: add 'base@opro' to arms"],
    [{ arms: ['base@sgd'] }, "arms[0]: unknown optimizer 'sgd' (known: gepa, opro, evoprompt-ga, evoprompt-de, promptbreeder)"],
    [{ optimizers: { opro: { seed: 3 } } }, 'optimizers.opro.seed: is set per repeat by `seeds`'],
    [{ optimizers: { opro: { proposalsPerStep: 0 } } }, 'optimizers.opro: opro config: proposalsPerStep: must be >= 1, got 0'],
    [{ optimizers: { gepa: {} } }, 'optimizers.gepa: GEPA\'s settings go in the `gepa` block'],
    [{ arms: ['seed@opro'] }, 'arms[0]: unknown arm "seed@opro" (known: seed, base, lsl, matched, small-only, wst, { cycles: k }, or <arm>@<optimizer> such as lsl@opro)'],
  ])('%j', (extra, message) => {
    expect(problems(extra)).toEqual([message]);
  });
});

test('wst: one stage on L with S as its teacher, from the teacher seed, at lsl\'s grant; its arm names the teacher; no config id changes without it', () => {
  const c = parseExperimentConfig({ ...base, arms: ['base', 'lsl', 'wst'], reflector: { wst: 'small' }, wst: { teacher: 'Teach the student.' } });
  const wst = planStages(c).find((s) => s.arm === 'wst')!;
  expect({ ...wst }).toEqual({
    arm: 'wst', stage: 'wst', taskRole: 'large', taskModel: 'L-model', teacherRole: 'small', teacher: 'S-model', reflectorKind: 'wst', reflector: 'S-model',
    grant: 61, grantOf: 'b2', startsFrom: 'teacher-seed', after: null, optimizer: 'gepa',
  });
  expect(planStages(c).find((s) => s.arm === 'lsl')!.grant).toBe(wst.grant);
  expect(planArms(c).find((a) => a.arm === 'wst')).toEqual({ arm: 'wst', stages: ['wst'], yields: 'wst', teacher: 'S-model' });
  // Without reflector.wst it reflects with the default; a config that names no wst keeps its parsed form.
  const plain = parseExperimentConfig({ ...base, arms: ['base', 'wst'] });
  expect(planStages(plain).find((s) => s.arm === 'wst')!.reflector).toBe('L-model');
  expect(plain).not.toHaveProperty('wst');
  expect(plain.reflector).not.toHaveProperty('wst');
  expect(parseExperimentConfig({ ...base })).toEqual(parseExperimentConfig({ ...base, arms: ['seed', 'base', 'lsl', 'matched', 'small-only'] }));
});
