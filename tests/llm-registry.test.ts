/**
 * The model registry: the shipped entries, user files that add or override by name, one-line
 * validation errors with file, line, entry and field, refusal of anything that looks like a key,
 * and `${VAR}` / `${VAR:-default}` expansion.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EnvTemplateError, expandEnvTemplate, templateProblem } from '../src/llm/env-template';
import { costUsd, priceKnown } from '../src/llm/pricing';
import { ModelRegistryError, UnknownModelError, loadRegistry, registryFromSpecs, shippedRegistryPath } from '../src/llm/registry';

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lsl-llm-registry-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function write(name: string, text: string): string {
  const file = path.join(tmp, name);
  fs.writeFileSync(file, text);
  return file;
}

/** 1-based line of the first line containing `needle`. */
function lineOf(text: string, needle: string): number {
  const i = text.split('\n').findIndex((l) => l.includes(needle));
  if (i < 0) throw new Error(`not in text: ${needle}`);
  return i + 1;
}

function errorOf(fn: () => unknown): Error {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).not.toMatch(/\n/);
    return err as Error;
  }
  throw new Error('expected an error');
}

describe('shipped registry', () => {
  const reg = loadRegistry(undefined, {});

  test('holds the OpenAI models, local servers, an OpenRouter example and the simulator profiles', () => {
    expect(reg.names()).toEqual(expect.arrayContaining([
      'gpt-4.1', 'gpt-4.1-mini', 'gpt-4.1-nano', 'gpt-4o', 'gpt-4o-mini',
      'local-vllm', 'local-ollama', 'sim-large', 'sim-small',
    ]));
    expect(reg.all().some((s) => s.apiKeyEnv === 'OPENROUTER_API_KEY')).toBe(true);
    expect(reg.sources).toEqual([shippedRegistryPath()]);
  });

  test('OpenAI entries name the key variable and carry public prices', () => {
    for (const name of ['gpt-4.1', 'gpt-4.1-mini', 'gpt-4.1-nano', 'gpt-4o', 'gpt-4o-mini']) {
      const s = reg.get(name);
      expect(s).toMatchObject({ provider: 'openai', apiKeyEnv: 'OPENAI_API_KEY', baseUrl: 'https://api.openai.com/v1', model: name, simulated: false });
      expect(priceKnown(s)).toBe(true);
    }
    expect(reg.get('gpt-4.1')).toMatchObject({ priceInputPerM: 2, priceOutputPerM: 8 });
    expect(reg.get('gpt-4.1-mini')).toMatchObject({ priceInputPerM: 0.4, priceOutputPerM: 1.6 });
    expect(reg.get('gpt-4.1-nano')).toMatchObject({ priceInputPerM: 0.1, priceOutputPerM: 0.4 });
    expect(reg.get('gpt-4o')).toMatchObject({ priceInputPerM: 2.5, priceOutputPerM: 10 });
    expect(reg.get('gpt-4o-mini')).toMatchObject({ priceInputPerM: 0.15, priceOutputPerM: 0.6 });
  });

  test('local and simulator entries use placeholders; simulator entries are simulated and priced', () => {
    expect(reg.get('local-vllm')).toMatchObject({
      provider: 'openai-compatible',
      baseUrl: '${LSL_LOCAL_BASE_URL:-http://127.0.0.1:8000/v1}',
      model: '${LSL_LOCAL_MODEL:-Qwen/Qwen2.5-7B-Instruct}',
    });
    expect(reg.get('local-vllm').apiKeyEnv).toBeUndefined();
    expect(reg.get('local-ollama')).toMatchObject({ baseUrl: 'http://127.0.0.1:11434/v1', model: 'qwen2.5:7b' });
    for (const name of ['sim-large', 'sim-small']) {
      const s = reg.get(name);
      expect(s).toMatchObject({ provider: 'sim', simulated: true, baseUrl: '${LSL_SIM_URL:-http://127.0.0.1:8787}/v1' });
      expect(priceKnown(s)).toBe(true);
    }
    // The large profile is priced above the small one, so LSL's cost trade-off shows in dry runs.
    expect(costUsd(reg.get('sim-large'), 1e6, 1e6)).toBeGreaterThan(10 * costUsd(reg.get('sim-small'), 1e6, 1e6));
    expect(reg.all().filter((s) => s.simulated).map((s) => s.name).sort()).toEqual(['sim-large', 'sim-reasoning', 'sim-small']);
  });

  test("OpenAI's reasoning models are marked reasoning, priced, and default to a 24 h outage limit", () => {
    for (const name of ['gpt-5', 'gpt-5-high', 'gpt-5-mini', 'gpt-5-nano', 'gpt-5.4', 'gpt-5.4-mini']) {
      const s = reg.get(name);
      expect(s).toMatchObject({ provider: 'openai', apiKeyEnv: 'OPENAI_API_KEY', reasoning: true, outageLimitMinutes: 1440 });
      expect(priceKnown(s)).toBe(true);
      expect(s.maxCompletionTokens).toBeGreaterThanOrEqual(16000);
    }
    expect(reg.get('gpt-5')).toMatchObject({ model: 'gpt-5', reasoningEffort: 'medium', priceInputPerM: 1.25, priceOutputPerM: 10 });
    expect(reg.get('gpt-5-high')).toMatchObject({ model: 'gpt-5', reasoningEffort: 'high' });
    expect(reg.get('gpt-5-mini')).toMatchObject({ priceInputPerM: 0.25, priceOutputPerM: 2 });
    expect(reg.get('gpt-5-nano')).toMatchObject({ priceInputPerM: 0.05, priceOutputPerM: 0.4 });
    expect(reg.get('sim-reasoning')).toMatchObject({ reasoning: true, simulated: true, model: 'sim-reasoning' });
    expect(reg.get('gpt-4.1').reasoning).toBeUndefined();
  });

  test('an unknown name lists the known ones', () => {
    const err = errorOf(() => reg.get('gpt-5-imaginary'));
    expect(err).toBeInstanceOf(UnknownModelError);
    expect(err.message).toBe(`unknown model 'gpt-5-imaginary' (known: ${reg.names().join(', ')})`);
  });
});

describe('user files', () => {
  test('add models and override shipped ones by name, field by field', () => {
    const file = write('user.yaml', [
      'models:',
      '  - name: gpt-4.1-mini',
      '    concurrency: 3',
      '  - name: my-server',
      '    provider: openai-compatible',
      '    baseUrl: http://10.0.0.5:8000/v1',
      '    model: meta-llama/Llama-3.1-8B-Instruct',
      '',
    ].join('\n'));
    const reg = loadRegistry(file, {});
    expect(reg.get('gpt-4.1-mini')).toMatchObject({ concurrency: 3, priceInputPerM: 0.4, apiKeyEnv: 'OPENAI_API_KEY' });
    // Left-out fields take the documented defaults; a new entry's prices stay unknown.
    expect(reg.get('my-server')).toMatchObject({ temperature: 0, maxTokens: 2048, concurrency: 8, timeoutMs: 120000, simulated: false });
    expect(priceKnown(reg.get('my-server'))).toBe(false);
    expect(reg.has('sim-small')).toBe(true);
    expect(reg.sources[1]).toBe(path.resolve(file));
  });

  test('LSL_MODELS names the user file when none is given', () => {
    const file = write('env.json', JSON.stringify({ models: [{ name: 'from-env', provider: 'sim', baseUrl: 'http://127.0.0.1:1/v1', model: 'x' }] }));
    const reg = loadRegistry(undefined, { LSL_MODELS: file });
    expect(reg.get('from-env')).toMatchObject({ simulated: true });
    expect(loadRegistry(undefined, {}).has('from-env')).toBe(false);
  });

  test('a bad field is one line: file, line, entry, field, what was expected', () => {
    const text = [
      'models:',
      '  - name: a',
      '    provider: openai',
      '    baseUrl: https://a.example/v1',
      '    model: a',
      '  - name: b',
      '    provider: openai',
      '    baseUrl: https://b.example/v1',
      '    model: b',
      '  - name: c',
      '    provider: openai',
      '    baseUrl: https://c.example/v1',
      '    model: c',
      '    priceInputPerM: -1',
      '    priceOutputPerM: 1',
      '',
    ].join('\n');
    const file = write('models.yaml', text);
    const err = errorOf(() => loadRegistry(file, {}));
    expect(err).toBeInstanceOf(ModelRegistryError);
    expect(err.message).toBe(`${file}:${lineOf(text, 'priceInputPerM: -1')}: models[2].priceInputPerM: expected USD per million input tokens (a number >= 0)`);
  });

  test('reasoning fields, rpm and the outage limit are checked, effort needs reasoning: true, and tpm is refused', () => {
    const base = ['models:', '  - name: r', '    provider: openai', '    baseUrl: https://r.example/v1', '    model: r'];
    const ok = loadRegistry(write('ok.yaml', [...base, '    reasoning: true', '    reasoningEffort: xhigh', '    maxCompletionTokens: 9000', '    rpm: 120', '    outageLimitMinutes: 5', ''].join('\n')), {});
    expect(ok.get('r')).toMatchObject({ reasoning: true, reasoningEffort: 'xhigh', maxCompletionTokens: 9000, rpm: 120, outageLimitMinutes: 5 });
    const bad = (lines: string[]) => errorOf(() => loadRegistry(write('bad.yaml', [...base, ...lines, ''].join('\n')), {})).message;
    expect(bad(['    reasoning: true', '    reasoningEffort: extreme'])).toMatch(/models\[0\]\.reasoningEffort: expected a reasoning effort \(none, minimal, low, medium, high, xhigh\)$/);
    expect(bad(['    reasoningEffort: high'])).toMatch(/models\[0\]\.reasoningEffort: reasoningEffort is for reasoning models: add reasoning: true/);
    expect(bad(['    rpm: 0'])).toMatch(/models\[0\]\.rpm: expected requests per minute \(a whole number >= 1\)$/);
    expect(bad(['    tpm: 40000'])).toMatch(/models\[0\]\.tpm: tpm is not enforced \(rate limits count calls, not tokens\): state rpm instead/);
    expect(bad(['    outageLimitMinutes: 0'])).toMatch(/models\[0\]\.outageLimitMinutes: expected an outage limit in minutes/);
  });

  test('JSON files get line numbers too', () => {
    const text = JSON.stringify({ models: [{ name: 'j', provider: 'openai', baseUrl: 'https://j.example/v1', model: 'j', concurrency: 0 }] }, null, 2);
    const file = write('models.json', text);
    const err = errorOf(() => loadRegistry(file, {}));
    expect(err.message).toBe(`${file}:${lineOf(text, '"concurrency"')}: models[0].concurrency: expected a concurrency (a whole number >= 1)`);
  });

  // Line numbers count the leading 'models:' as line 1.
  test.each([
    ['a missing field points at its entry', ['  - name: m', '    provider: openai', '    baseUrl: https://m.example/v1'], 2, 'models[0].model: missing: expected the model id sent to the endpoint (a string)'],
    ['an unknown field', ['  - name: m', '    provider: openai', '    baseUrl: https://m.example/v1', '    model: m', '    temprature: 1'], 6, "models[0].temprature: unknown field 'temprature' (known: name, provider"],
    ['a wrong provider', ['  - name: m', '    provider: anthropic', '    baseUrl: https://m.example/v1', '    model: m'], 3, "models[0].provider: expected provider 'openai', 'openai-compatible' or 'sim'"],
    ['a base URL that is not http(s)', ['  - name: m', '    provider: openai', '    baseUrl: ftp://m.example', '    model: m'], 4, 'models[0].baseUrl: expected an http(s) URL'],
    ['a malformed placeholder', ['  - name: m', '    provider: openai', '    baseUrl: ${1BAD}/v1', '    model: m'], 4, "models[0].baseUrl: malformed placeholder '${1BAD}'"],
    ['half a price', ['  - name: m', '    provider: openai', '    baseUrl: https://m.example/v1', '    model: m', '    priceInputPerM: 1'], 2, 'models[0].priceOutputPerM: state both prices or neither'],
    ['a duplicate name', ['  - name: m', '    provider: sim', '    baseUrl: http://a/v1', '    model: m', '  - name: m', '    provider: sim', '    baseUrl: http://a/v1', '    model: m'], 6, "models[1].name: duplicate model 'm' (also models[0])"],
  ])('%s', (_label, lines, line, expected) => {
    const file = write('case.yaml', ['models:', ...lines, ''].join('\n'));
    const err = errorOf(() => loadRegistry(file, {}));
    expect(err.message.startsWith(`${file}:${line}: ${expected}`)).toBe(true);
  });

  test('YAML syntax errors, a missing file and a wrong top level are one line each', () => {
    const bad = write('syntax.yaml', 'models:\n  - name: a\n    provider: [openai\n');
    expect(errorOf(() => loadRegistry(bad, {})).message).toMatch(new RegExp(`^${bad.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:\\d+: not valid YAML/JSON: `));
    const missing = path.join(tmp, 'nope.yaml');
    expect(errorOf(() => loadRegistry(missing, {})).message).toBe(`${missing}: cannot read models file: no such file`);
    const flat = write('flat.yaml', '- name: a\n');
    expect(errorOf(() => loadRegistry(flat, {})).message).toBe(`${flat}:1: expected a mapping with a 'models' list`);
  });
});

describe('keys are refused', () => {
  const base = ['models:', '  - name: k', '    provider: openai', '    baseUrl: https://k.example/v1', '    model: k'];
  const KEY = 'sk-proj-THISISAKEY0123456789';

  test.each([
    ['a field named apiKey', `    apiKey: ${KEY}`, 'apiKey'],
    ['a field named api_key', `    api_key: whatever-value-1234`, 'api_key'],
    ['a value starting with sk-', `    apiKeyEnv: ${KEY}`, 'apiKeyEnv'],
  ])('%s', (_label, line, field) => {
    const text = [...base, line, ''].join('\n');
    const file = write('key.yaml', text);
    const err = errorOf(() => loadRegistry(file, {}));
    expect(err.message).toMatch(new RegExp(`:${lineOf(text, line.trim())}: models\\[0\\]\\.${field}: refused: `));
    expect(err.message).toContain('apiKeyEnv');
    expect(err.message).not.toContain('THISISAKEY');
    expect(err.message).not.toContain('whatever-value');
  });

  test('a key pasted where the variable NAME goes is refused without echoing it', () => {
    const err = errorOf(() => registryFromSpecs([{ name: 'k', provider: 'openai', baseUrl: 'https://k.example/v1', model: 'k', apiKeyEnv: 'a8f3kQ9zLmN2pR7tXv4' }]));
    expect(err.message).toMatch(/^models: models\[0\]\.apiKeyEnv: expected the NAME of an environment variable in capitals/);
    expect(err.message).not.toContain('a8f3kQ9zLmN2pR7tXv4');
  });
});

describe('${VAR} expansion', () => {
  test('set, unset with default, empty with default', () => {
    expect(expandEnvTemplate('${A}/v1', { A: 'http://h:1' })).toBe('http://h:1/v1');
    expect(expandEnvTemplate('${A:-http://d:2}/v1', {})).toBe('http://d:2/v1');
    expect(expandEnvTemplate('${A:-http://d:2}/v1', { A: '' })).toBe('http://d:2/v1');
    expect(expandEnvTemplate('${A:-http://d:2}/v1', { A: 'http://e:3' })).toBe('http://e:3/v1');
    expect(expandEnvTemplate('${M:-Qwen/Qwen2.5-7B-Instruct}', {})).toBe('Qwen/Qwen2.5-7B-Instruct');
    expect(expandEnvTemplate('plain', {})).toBe('plain');
    expect(expandEnvTemplate('${A:-}x', {})).toBe('x');
  });

  test('an unset variable without default, and malformed placeholders, are errors naming them', () => {
    expect(() => expandEnvTemplate('${NOT_SET_ANYWHERE}/v1', {})).toThrow(new EnvTemplateError("environment variable NOT_SET_ANYWHERE is not set (needed by '${NOT_SET_ANYWHERE}/v1')"));
    expect(templateProblem('${A B}')).toMatch(/malformed placeholder/);
    expect(templateProblem('${A:-x')).toMatch(/unclosed placeholder/);
    expect(templateProblem('${A:-x}/${B}')).toBeUndefined();
  });
});
