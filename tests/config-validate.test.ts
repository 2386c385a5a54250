/**
 * Loading and validating experiment config files: every bad config is refused with its path and
 * the line of the file it comes from; the shipped examples load against the shipped registry.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { ConfigError, type ConfigProblem } from '../src/core/experiment';
import { loadExperimentConfig, taskPoolSizes, validateConfigText, type LoadOptions } from '../src/experiment/load';
import { loadRegistry, registryFromSpecs } from '../src/llm/registry';
import { datasetsDir } from '../src/paths';
import { isTaskName, getTask } from '../src/tasks/registry';

const sim = (name: string, priceIn: number, priceOut: number) => ({
  name, provider: 'sim' as const, baseUrl: 'http://127.0.0.1:8787/v1', model: name,
  priceInputPerM: priceIn, priceOutputPerM: priceOut,
});
const registry = registryFromSpecs([
  sim('sim-large', 2, 8),
  sim('sim-small', 0.1, 0.4),
  { name: 'gpt-4.1', provider: 'openai', baseUrl: 'https://api.openai.com/v1', model: 'gpt-4.1', apiKeyEnv: 'OPENAI_API_KEY', priceInputPerM: 2, priceOutputPerM: 8 },
  { name: 'unpriced', provider: 'openai-compatible', baseUrl: 'http://127.0.0.1:8000/v1', model: 'qwen' },
  { name: 'free', provider: 'openai-compatible', baseUrl: 'http://127.0.0.1:8000/v1', model: 'qwen', priceInputPerM: 0, priceOutputPerM: 0 },
]);

/** Line numbers below refer to this text. */
const BASE = [
  'name: t', //                                                            1
  'task: gsm8k', //                                                        2
  'splits: { train: 45, val: 30, test: 100, seed: 1 }', //                 3
  'seed:', //                                                              4
  '  instruction: Solve it.', //                                           5
  'models: { large: sim-large, small: sim-small }', //                     6
  'reflector: { default: large }', //                                      7
  'budget: { unit: metricCalls, b1: 240, b2: 160 }', //                    8
  'arms: [seed, base, lsl, matched, small-only]', //                       9
  'gepa: { minibatchSize: 3 }', //                                         10
  'evaluation: { models: [large, small], samples: 1, temperature: 0 }', // 11
  'repeats: 1', //                                                         12
];

/** BASE with line n (1-based) replaced; null removes it; extra lines are appended. */
function variant(changes: Record<number, string | null>, extra: string[] = []): string {
  const lines = BASE.map((l, i) => (i + 1 in changes ? changes[i + 1] : l)).filter((l): l is string => l !== null);
  return [...lines, ...extra].join('\n') + '\n';
}

const opts: LoadOptions = { registry, onWarning: () => {} };

async function problemsOf(text: string, file = 'x.yaml', options: LoadOptions = opts): Promise<string[]> {
  try {
    await validateConfigText(text, file, options);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    return err.problems.map((p: ConfigProblem) => `${p.line ?? '-'} ${p.path}: ${p.message}`);
  }
  return [];
}

test('the base config is valid', async () => {
  expect(await problemsOf(variant({}))).toEqual([]);
});

describe('arms', () => {
  test('an unknown arm', async () => {
    expect(await problemsOf(variant({ 9: 'arms: [seed, base, turbo]' }))).toEqual([
      '9 arms[2]: unknown arm "turbo" (known: seed, base, lsl, matched, small-only, wst, { cycles: k }, or <arm>@<optimizer> such as lsl@opro)',
    ]);
  });
  test('cycles needs k >= 1', async () => {
    expect(await problemsOf(variant({ 9: 'arms: [base, { cycles: 0 }]' }))).toEqual(['9 arms[1].cycles: must be >= 1, got 0']);
  });
  test('lsl and matched need base', async () => {
    expect(await problemsOf(variant({ 9: 'arms: [seed, lsl, matched]' }))).toEqual([
      "9 arms[1]: arm 'lsl' continues from base: add 'base' to arms",
      "9 arms[2]: arm 'matched' continues from base: add 'base' to arms",
    ]);
  });
  test('a duplicate arm, on its own line in block style', async () => {
    expect(await problemsOf(variant({ 9: 'arms:\n  - base\n  - lsl\n  - base' }))).toEqual(["12 arms[2]: duplicate arm 'base' (also arms[0])"]);
  });
});

describe('models', () => {
  test('an unknown task model', async () => {
    const got = await problemsOf(variant({ 6: 'models: { large: sim-large, small: sim-tiny }' }));
    expect(got).toHaveLength(1);
    expect(got[0]).toMatch(/^6 models\.small: unknown model 'sim-tiny': not in the model registry \(known: .*sim-small/);
  });
  test('an unknown reflector for one stage', async () => {
    const got = await problemsOf(variant({ 7: 'reflector: { default: large, lsl: gpt-9 }' }));
    expect(got).toHaveLength(1);
    expect(got[0]).toMatch(/^7 reflector\.lsl: unknown model 'gpt-9': neither a role \(large, small\) nor in the model registry/);
  });
  test('a reflector given by registry name is accepted', async () => {
    expect(await problemsOf(variant({ 7: 'reflector: { default: gpt-4.1, lsl: small }' }))).toEqual([]);
  });
  test('an unknown or repeated evaluation model', async () => {
    const got = await problemsOf(variant({ 11: 'evaluation: { models: [large, nope, sim-large] }' }));
    expect(got[0]).toMatch(/^11 evaluation\.models\[1\]: unknown model 'nope'/);
    expect(got[1]).toBe("11 evaluation.models[2]: 'sim-large' is already evaluated (evaluation.models[0])");
  });
  test('an unknown task', async () => {
    const got = await problemsOf(variant({ 2: 'task: gsm9k' }));
    expect(got).toEqual([expect.stringMatching(/^2 task: unknown task 'gsm9k' \(known: gsm8k, /)]);
  });
});

describe('budgets that cannot cover the validation set and one iteration', () => {
  test('lsl starts a fresh pool on S: |V| + 2b + |V|', async () => {
    expect(await problemsOf(variant({ 8: 'budget: { unit: metricCalls, b1: 240, b2: 65 }' }))).toEqual([
      '8 budget.b2: stage lsl: grant of 65 metric calls cannot fit one iteration: it needs 66 '
      + '(|V| = 30 to validate its start on sim-small + 2b = 6 + |V| = 30 for an accepted child)',
    ]);
    expect(await problemsOf(variant({ 8: 'budget: { unit: metricCalls, b1: 240, b2: 66 }' }))).toEqual([]);
  });
  test('matched continues base: 2b + |V|; block style points at the b2 line', async () => {
    const got = await problemsOf(variant({ 8: 'budget:\n  unit: metricCalls\n  b1: 240\n  b2: 35' }));
    expect(got).toEqual([
      expect.stringMatching(/^11 budget\.b2: stage lsl: .* needs 66/),
      '11 budget.b2: stage matched: grant of 35 metric calls cannot fit one iteration: it needs 36 (2b = 6 + |V| = 30 for an accepted child)',
    ]);
  });
  test('base from scratch, on b1', async () => {
    expect(await problemsOf(variant({ 8: 'budget: { b1: 50, b2: 160 }', 9: 'arms: [base]' }))).toEqual([
      expect.stringMatching(/^8 budget\.b1: stage base: grant of 50 metric calls cannot fit one iteration: it needs 66/),
    ]);
  });
  test('cycles share B2 between 2k stages', async () => {
    const got = await problemsOf(variant({ 9: 'arms: [base, { cycles: 2 }]' }));
    expect(got).toEqual([
      '8 budget.b2: stage cycles-2-s1: grant of 40 metric calls cannot fit one iteration: it needs 66 (|V| = 30 to validate its start on sim-small + 2b = 6 + |V| = 30 for an accepted child)',
      expect.stringMatching(/^8 budget\.b2: stage cycles-2-l1: grant of 40 metric calls .* on sim-large/),
      expect.stringMatching(/^8 budget\.b2: stage cycles-2-s2: /),
      expect.stringMatching(/^8 budget\.b2: stage cycles-2-l2: /),
    ]);
  });
  test('iterations: whole numbers, at least one per stage', async () => {
    expect(await problemsOf(variant({ 8: 'budget: { unit: iterations, b1: 2.5, b2: 0 }' }))).toEqual([
      '8 budget.b1: a budget in iterations must be a whole number, got 2.5',
    ]);
    expect(await problemsOf(variant({ 8: 'budget: { unit: iterations, b1: 3, b2: 0 }' }))).toEqual([
      '8 budget.b2: stage lsl: grant of 0 iterations allows no iteration: it needs at least 1',
      '8 budget.b2: stage matched: grant of 0 iterations allows no iteration: it needs at least 1',
    ]);
  });
  test('tokens: estimated through the plan', async () => {
    const got = await problemsOf(variant({ 8: 'budget: { unit: tokens, b1: 20000, b2: 10000000 }', 9: 'arms: [base, lsl]' }));
    expect(got).toEqual([expect.stringMatching(/^8 budget\.b1: stage base: grant of 20,000 tokens cannot fit one iteration: it needs about [\d,]+ tokens \(66 rollouts and 1 reflection\(s\)/)]);
    // With measured token sizes given, the same grant fits.
    const small = { ...opts, tokenEstimates: { meanQuestionTokens: 20, meanOutputTokens: 20, instructionTokens: 10, reflectionOutputTokens: 10 } };
    expect(await problemsOf(variant({ 8: 'budget: { unit: tokens, b1: 20000, b2: 10000000 }', 9: 'arms: [base, lsl]' }), 'x.yaml', small)).toEqual([]);
  });
  test('usd: a model without a price is refused where it is named', async () => {
    const got = await problemsOf(variant({
      6: 'models: { large: sim-large, small: unpriced }',
      7: 'reflector: { default: large, matched: unpriced }',
      8: 'budget: { unit: usd, b1: 5, b2: 5 }',
    }));
    expect(got).toEqual([
      "6 models.small: a dollar budget needs prices: 'unpriced' has no priceInputPerM/priceOutputPerM in the model registry",
      "7 reflector.matched: a dollar budget needs prices: reflector 'unpriced' has no priceInputPerM/priceOutputPerM in the model registry",
    ]);
  });
  test('usd: too few dollars, and free models a dollar budget cannot limit', async () => {
    expect(await problemsOf(variant({ 8: 'budget: { unit: usd, b1: 0.01, b2: 5 }' }))).toEqual([
      expect.stringMatching(/^8 budget\.b1: stage base: grant of \$0\.0100 cannot fit one iteration: it needs about \$0\.\d+/),
    ]);
    expect(await problemsOf(variant({ 6: 'models: { large: sim-large, small: free }', 8: 'budget: { unit: usd, b1: 5, b2: 5 }' }))).toEqual([
      "8 budget.b2: stage lsl: a $5.00 grant cannot limit free: its rollouts cost nothing at the registry's prices",
      "8 budget.b1: stage small-only: a $10.00 grant cannot limit free: its rollouts cost nothing at the registry's prices",
    ]);
  });
});

describe('splits', () => {
  test('val must be at least 1; train must hold a minibatch', async () => {
    expect(await problemsOf(variant({ 3: 'splits: { train: 45, val: 0, test: 100 }' }))).toEqual(['3 splits.val: must be >= 1, got 0']);
    expect(await problemsOf(variant({ 3: 'splits: { train: 2, val: 30, test: 100 }' }))).toEqual([
      '3 splits.train: train (2) must hold at least one minibatch (gepa.minibatchSize = 3)',
    ]);
  });

  test("splits that exceed the task's real pools (GSM8K: 7,473 train, 1,319 test)", async () => {
    const withData = { ...opts, poolSizes: (t: string) => taskPoolSizes(t) };
    const budget = 'budget: { b1: 2000, b2: 2000 }';
    expect(await problemsOf(variant({ 3: 'splits: { train: 7000, val: 500, test: 1320 }', 8: budget }), 'x.yaml', withData)).toEqual([
      "3 splits: train + val = 7500 exceeds the 7473 examples of gsm8k's train pool (train and val would overlap)",
      "3 splits.test: test = 1320 exceeds the 1319 examples of gsm8k's test pool",
    ]);
    expect(await problemsOf(variant({ 3: 'splits: { train: 7000, val: 473, test: 1319 }', 8: budget }), 'x.yaml', withData)).toEqual([]);
  });

  test('one shared pool: train + val + test would overlap', async () => {
    const onePool = { ...opts, poolSizes: () => ({ train: 164, test: 164, separatePools: false }) };
    expect(await problemsOf(variant({ 3: 'splits: { train: 60, val: 60, test: 60 }' }), 'x.yaml', onePool)).toEqual([
      '3 splits: train + val + test = 180 exceeds the 164 examples of gsm8k (the splits would overlap)',
    ]);
  });
});

describe('evaluation', () => {
  test('K < 1 is refused', async () => {
    expect(await problemsOf(variant({ 11: 'evaluation: { samples: 0 }' }))).toEqual(['11 evaluation.samples: must be >= 1, got 0']);
  });

  test('temperature 0 with K > 1 is allowed but warned, with its line', async () => {
    const warnings: string[] = [];
    const { config, warnings: found } = await validateConfigText(variant({ 11: 'evaluation: { samples: 3, temperature: 0 }' }), 'x.yaml', opts);
    expect(config.evaluation.samples).toBe(3);
    expect(found.map((w) => `${w.line} ${w.path}`)).toEqual(['11 evaluation.temperature']);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lsl-config-'));
    const file = path.join(dir, 'k3.yaml');
    fs.writeFileSync(file, variant({ 11: 'evaluation: { samples: 3, temperature: 0 }' }));
    await loadExperimentConfig(file, { registry, onWarning: (l) => warnings.push(l) });
    expect(warnings).toEqual([`${file}:11: warning: evaluation.temperature: K = 3 samples at temperature 0 will mostly repeat the same answer; raise the temperature for pass@k`]);
  });
});

describe('file format problems', () => {
  test('unknown keys, at any depth, on their own line', async () => {
    expect(await problemsOf(variant({ 10: 'gepa: { minibatchSize: 3, minibach: 4 }' }, ['budgte: 3']))).toEqual([
      '10 gepa.minibach: unknown key',
      '13 budgte: unknown key',
    ]);
  });
  test('a missing field points at its section; a missing section has no line', async () => {
    expect(await problemsOf(variant({ 8: 'budget: { unit: metricCalls, b2: 160 }' }))).toEqual(['8 budget.b1: required (a number)']);
    expect(await problemsOf(variant({ 8: null }))).toEqual(['- budget: required (a mapping)']);
  });
  test('repeats and seeds must agree; seeds must differ', async () => {
    expect(await problemsOf(variant({ 12: 'repeats: 2' }, ['seeds: [4, 5, 4]']))).toEqual([
      '12 repeats: repeats (2) does not match the 3 seeds given',
      '13 seeds[2]: duplicate seed 4 (also seeds[0]): the repeat would be identical',
    ]);
  });
  test('a name that cannot be part of a workflow id', async () => {
    expect(await problemsOf(variant({ 1: 'name: my experiment' }))).toEqual([
      '1 name: must be 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit (it becomes part of the workflow id)',
    ]);
  });
  test('seed components with a wrong order', async () => {
    expect(await problemsOf(variant({ 4: 'seed:', 5: '  components: { a: A, b: B }\n  order: [a, c]' }))).toEqual([
      '6 seed.order: must list each component exactly once (components: a, b)',
    ]);
  });
  test('YAML syntax errors and duplicate keys carry their line', async () => {
    const syntax = await problemsOf(variant({ 8: 'budget: { unit: metricCalls, b1: 240, b2: 160' }));
    expect(syntax.length).toBeGreaterThan(0);
    expect(syntax[0]).toMatch(/^\d+ : YAML syntax: /);
    expect(Number(syntax[0].split(' ')[0])).toBeGreaterThanOrEqual(8);
    expect(await problemsOf(variant({}, ['task: gsm8k']))).toEqual([expect.stringMatching(/^13 : YAML syntax: Map keys must be unique/)]);
  });
  test('JSON files: same shape, lines of the JSON text', async () => {
    const json = JSON.stringify({
      name: 't', task: 'gsm8k', splits: { train: 45, val: 30, test: 100 }, seed: { instruction: 'x' },
      models: { large: 'sim-large', small: 'sim-small' }, budget: { b1: 240, b2: -5 },
    }, null, 2);
    const lineOfB2 = json.split('\n').findIndex((l) => l.includes('"b2"')) + 1;
    expect(await problemsOf(json, 'x.json')).toEqual([`${lineOfB2} budget.b2: must be >= 0, got -5`]);
    const broken = await problemsOf('{\n  "name": "t",\n  "task": \n}', 'x.json');
    expect(broken[0]).toMatch(/^\S+ : JSON syntax: /);
  });
  test('the error text is one line per problem: file:line: path: message', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lsl-config-'));
    const file = path.join(dir, 'bad.yaml');
    fs.writeFileSync(file, variant({ 8: 'budget: { unit: metricCalls, b1: 240, b2: 65 }', 11: 'evaluation: { samples: 0 }' }));
    await expect(loadExperimentConfig(file, opts)).rejects.toThrow(`${file}:11: evaluation.samples: must be >= 1, got 0`);
    const missing = path.join(dir, 'nope.yaml');
    await expect(loadExperimentConfig(missing, opts)).rejects.toThrow(`${missing}: cannot read the config file (no such file)`);
  });
});

describe('task data', () => {
  test('taskPoolSizes loads the real GSM8K pools', async () => {
    expect(await taskPoolSizes('gsm8k', datasetsDir())).toEqual({ train: 7473, test: 1319, separatePools: true });
    await expect(taskPoolSizes('gsm9k')).rejects.toThrow(/unknown task 'gsm9k'/);
  });
  test('a task whose data cannot be read is reported on the task line', async () => {
    const withData = { ...opts, poolSizes: (t: string) => taskPoolSizes(t, '/nonexistent-datasets') };
    const got = await problemsOf(variant({}), 'x.yaml', withData);
    expect(got).toEqual([expect.stringMatching(/^2 task: cannot read the data of 'gsm8k': dataset file missing: \/nonexistent-datasets\/gsm8k\/train\.jsonl/)]);
  });
});

describe('shipped examples', () => {
  const dir = path.join(__dirname, '..', 'examples');
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.yaml'));
  const shipped = loadRegistry(undefined, {});
  // Pool sizes from the real data for every task whose module is present in this checkout.
  const loadable = (t: string) => {
    try {
      return isTaskName(t) && Boolean(getTask(t));
    } catch {
      return false;
    }
  };

  test.each(files)('%s loads against the shipped model registry and the real data', async (f) => {
    const file = path.join(dir, f);
    const task = String(parse(fs.readFileSync(file, 'utf8')).task);
    const config = await loadExperimentConfig(file, {
      registry: shipped,
      // Checked against the real pools whenever the task's module is in this checkout.
      poolSizes: loadable(task) ? (t) => taskPoolSizes(t) : undefined,
      onWarning: (l) => { throw new Error(`unexpected warning: ${l}`); },
    });
    expect(config.name).toBe(f.replace(/\.yaml$/, ''));
  });
});
