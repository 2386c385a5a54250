/** The experiment config schema: defaults, normalization, idempotence, hash and id, JSON Schema. */
import fs from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import {
  ConfigError,
  canonicalJson,
  configHash,
  experimentIdFor,
  experimentJsonSchema,
  parseExperimentConfig,
  readExperimentConfig,
} from '../src/core/experiment';
import { fnv1a64Hex } from '../src/core/experiment/canonical';
import { SCHEMA_FILE, schemaText } from '../scripts/gen-schema';

const minimal = {
  name: 'mini',
  task: 'gsm8k',
  splits: { train: 45, val: 30, test: 100 },
  seed: { instruction: 'Solve the math problem step by step.' },
  models: { large: 'sim-large', small: 'sim-small' },
  budget: { b1: 240, b2: 160 },
};

describe('defaults', () => {
  test('a minimal config is filled with every default', () => {
    const c = parseExperimentConfig(minimal);
    expect(c).toEqual({
      name: 'mini',
      task: 'gsm8k',
      splits: { train: 45, val: 30, test: 100, seed: 1 },
      seed: { components: { instruction: 'Solve the math problem step by step.' }, order: ['instruction'] },
      models: { large: 'sim-large', small: 'sim-small' },
      reflector: {
        default: 'large', base: 'large', lsl: 'large', matched: 'large', 'small-only': 'large',
        'cycles-small': 'large', 'cycles-large': 'large',
      },
      budget: { unit: 'metricCalls', b1: 240, b2: 160 },
      arms: ['seed', 'base', 'lsl', 'matched', 'small-only'],
      gepa: {
        minibatchSize: 3, selector: 'pareto', epsilon: 0.1, componentSelector: 'round_robin',
        merge: false, maxMerge: 5, perfectScore: 1, stop: {},
      },
      evaluation: { models: ['large', 'small'], samples: 1, temperature: 0 },
      repeats: 1,
      seeds: [1],
      resplit: false,
    });
  });

  test('a per-stage reflector overrides the default only for its stage', () => {
    const c = parseExperimentConfig({ ...minimal, reflector: { default: 'gpt-4.1', lsl: 'small' } });
    expect(c.reflector.lsl).toBe('small');
    expect(c.reflector.base).toBe('gpt-4.1');
    expect(c.reflector['cycles-large']).toBe('gpt-4.1');
  });

  test('components keep the order they were written in', () => {
    const c = parseExperimentConfig({ ...minimal, seed: { components: { reasoning: 'Think.', format: 'End with ####.', alpha: 'A' } } });
    expect(c.seed.order).toEqual(['reasoning', 'format', 'alpha']);
    const explicit = parseExperimentConfig({ ...minimal, seed: { components: { a: '1', b: '2' }, order: ['b', 'a'] } });
    expect(explicit.seed.order).toEqual(['b', 'a']);
  });

  test('repeats and seeds describe the same thing', () => {
    expect(parseExperimentConfig({ ...minimal, repeats: 3 }).seeds).toEqual([1, 2, 3]);
    const s = parseExperimentConfig({ ...minimal, seeds: [7, 11] });
    expect([s.repeats, s.seeds]).toEqual([2, [7, 11]]);
    expect(configHash(parseExperimentConfig({ ...minimal, repeats: 2, seeds: [1, 2] })))
      .toBe(configHash(parseExperimentConfig({ ...minimal, repeats: 2 })));
  });

  test('cycles arms parse as data', () => {
    const c = parseExperimentConfig({ ...minimal, arms: ['base', { cycles: 2 }, 'lsl'] });
    expect(c.arms).toEqual(['base', { cycles: 2 }, 'lsl']);
  });
});

describe('parsing is idempotent', () => {
  test('a parsed config parses to itself (so a workflow input can be re-validated)', () => {
    const variants = [
      minimal,
      { ...minimal, seed: { components: { b: 'B', a: 'A' } }, arms: ['seed', 'base', { cycles: 3 }], seeds: [4, 5], resplit: true },
      { ...minimal, simulator: { latencyMs: 5 }, gepa: { stop: { scoreThreshold: 0.9 } }, budget: { unit: 'usd', b1: 2.5, b2: 1.25 } },
    ];
    for (const v of variants) {
      const once = parseExperimentConfig(v);
      const twice = parseExperimentConfig(JSON.parse(JSON.stringify(once)));
      expect(twice).toEqual(once);
      expect(configHash(twice)).toBe(configHash(once));
    }
  });
});

describe('hash and experiment id', () => {
  test('the id is exp-<name>-<8 hex> and stable across processes (pinned value)', () => {
    const c = parseExperimentConfig(minimal);
    expect(configHash(c)).toMatch(/^[0-9a-f]{16}$/);
    expect(experimentIdFor(c)).toBe(`exp-mini-${configHash(c).slice(0, 8)}`);
    // Pinned: if this changes, every existing experiment id changes with it.
    expect(configHash(c)).toBe('13fa1424e4db09ce');
  });

  test('key order and spelled-out defaults do not change the hash; any value does', () => {
    const a = parseExperimentConfig(minimal);
    const reordered = parseExperimentConfig({
      budget: { b2: 160, b1: 240, unit: 'metricCalls' }, models: minimal.models, seed: minimal.seed,
      splits: { seed: 1, test: 100, val: 30, train: 45 }, task: 'gsm8k', name: 'mini', gepa: { minibatchSize: 3 },
    });
    expect(configHash(reordered)).toBe(configHash(a));
    const changed = [
      { ...minimal, budget: { b1: 241, b2: 160 } },
      { ...minimal, splits: { ...minimal.splits, seed: 2 } },
      { ...minimal, seed: { instruction: 'Solve the math problem step by step!' } },
      { ...minimal, arms: ['seed', 'base', 'matched', 'lsl', 'small-only'] },
    ];
    const hashes = new Set(changed.map((v) => configHash(parseExperimentConfig(v))));
    expect(hashes.size).toBe(changed.length);
    expect(hashes.has(configHash(a))).toBe(false);
  });

  test('the hash is 64-bit FNV-1a over UTF-8 (published test vectors)', () => {
    expect(fnv1a64Hex('')).toBe('cbf29ce484222325');
    expect(fnv1a64Hex('a')).toBe('af63dc4c8601ec8c');
    expect(fnv1a64Hex('foobar')).toBe('85944171f73967e8');
    expect(fnv1a64Hex('é')).not.toBe(fnv1a64Hex('\u00e9'.normalize('NFD')));
  });

  test('canonical JSON sorts keys at every depth and hashes non-ASCII text by its UTF-8 bytes', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { z: 1, y: 2 }], c: 'x' }, u: undefined })).toBe('{"a":{"c":"x","d":[2,{"y":2,"z":1}]},"b":1}');
    const ascii = parseExperimentConfig({ ...minimal, seed: { instruction: 'Calculez' } });
    const accented = parseExperimentConfig({ ...minimal, seed: { instruction: 'Calculéz' } });
    expect(configHash(ascii)).not.toBe(configHash(accented));
  });
});

describe('schema errors', () => {
  test('parseExperimentConfig throws a ConfigError with one line per problem', () => {
    const bad = { ...minimal, budget: { b1: -1, b2: 160 }, evaluation: { samples: 0 }, extra: true };
    let error: unknown;
    try {
      parseExperimentConfig(bad);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const lines = (error as ConfigError).message.split('\n');
    expect(lines).toEqual(expect.arrayContaining([
      'budget.b1: must be > 0, got -1',
      'evaluation.samples: must be >= 1, got 0',
      'extra: unknown key',
    ]));
    expect(lines).toHaveLength(3);
  });

  test('type errors name the expected type and what was found', () => {
    const { problems } = readExperimentConfig({ ...minimal, splits: { train: 'many', val: 1.5, test: 10 } });
    expect(problems.map((p) => `${p.path}: ${p.message}`)).toEqual([
      'splits.train: expected a number, got "many"',
      'splits.val: expected a whole number, got 1.5',
    ]);
  });

  test('a missing section is reported as required', () => {
    const { budget: _budget, ...rest } = minimal;
    const { problems } = readExperimentConfig(rest);
    expect(problems.map((p) => `${p.path}: ${p.message}`)).toEqual(['budget: required (a mapping)']);
  });
});

describe('JSON Schema', () => {
  test('schemas/experiment.schema.json is up to date (regenerate: npx tsx scripts/gen-schema.ts)', () => {
    expect(fs.readFileSync(SCHEMA_FILE, 'utf8')).toBe(schemaText());
  });

  test('it describes the file format: required keys, closed objects, arms, defaults', () => {
    const schema = experimentJsonSchema() as any;
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(schema.required).toEqual(['name', 'task', 'splits', 'seed', 'models', 'budget']);
    expect(schema.additionalProperties).toBe(false);
    expect(schema.properties.budget.properties.unit.enum).toEqual(['metricCalls', 'iterations', 'tokens', 'usd']);
    expect(JSON.stringify(schema.properties.arms.items)).toContain('"cycles"');
    expect(schema.properties.gepa.properties.minibatchSize.default).toBe(3);
  });

  test('every shipped example parses and its keys are all in the JSON Schema', () => {
    const dir = path.join(__dirname, '..', 'examples');
    const files = fs.readdirSync(dir).filter((f) => f.endsWith('.yaml'));
    expect(files.length).toBeGreaterThanOrEqual(5);
    const schema = experimentJsonSchema() as any;
    for (const f of files) {
      const raw = parseYaml(fs.readFileSync(path.join(dir, f), 'utf8'));
      for (const key of Object.keys(raw)) expect(Object.keys(schema.properties)).toContain(key);
      expect(() => parseExperimentConfig(raw)).not.toThrow();
    }
  });
});

test('a seed-only config (just evaluating P0) needs no training split', () => {
  expect(parseExperimentConfig({ ...minimal, arms: ['seed'], splits: { train: 0, val: 1, test: 50 } }).arms).toEqual(['seed']);
  expect(() => parseExperimentConfig({ ...minimal, arms: ['seed', 'base'], splits: { train: 0, val: 1, test: 50 } }))
    .toThrow('splits.train: train (0) must hold at least one minibatch (gepa.minibatchSize = 3)');
});
