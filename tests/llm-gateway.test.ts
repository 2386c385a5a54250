/**
 * The model gateway over real HTTP: the real openai client against a small fault server. Checks
 * classification of every failure, token and dollar accounting, the response cache, the sample
 * index as seed and cache key, the per-model concurrency cap, placeholder expansion at call time,
 * and that an API key never leaks into errors or cache files.
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { ApplicationFailure } from '@temporalio/common';
import { failureKind, modelFailureDetails, type FailureKind } from '../src/llm/errors';
import { createGateway, type LslGateway } from '../src/llm/gateway';
import { responseCacheKey } from '../src/llm/cache';
import { registryFromSpecs, type ModelSpecInput } from '../src/llm/registry';
import type { ChatRequest } from '../src/llm/types';
import { startFaultServer, type FaultServer } from './helpers/llm-fault-server';

const SECRET = 'sk-test-SECRETVALUE-0123456789abcdef';

let server: FaultServer;
let tmp: string;

beforeAll(async () => {
  server = await startFaultServer();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lsl-llm-gateway-'));
});
afterAll(async () => {
  await server.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});
beforeEach(() => server.reset());

let dirCount = 0;
function freshCacheDir(): string {
  return path.join(tmp, `cache-${++dirCount}`);
}

function spec(over: Partial<ModelSpecInput> = {}): ModelSpecInput {
  return {
    name: 'test-model',
    provider: 'openai-compatible',
    baseUrl: server.url,
    model: 'endpoint-id',
    priceInputPerM: 2,
    priceOutputPerM: 8,
    timeoutMs: 400,
    concurrency: 8,
    ...over,
  };
}

function gateway(specs: ModelSpecInput[] = [spec()], env: NodeJS.ProcessEnv = {}, cacheDir = freshCacheDir()): LslGateway {
  return createGateway({ registry: registryFromSpecs(specs), cacheDir, env });
}

const ask = (content = 'What is 2+2?', sampleIndex = 0, extra: Partial<ChatRequest> = {}): ChatRequest => ({
  messages: [{ role: 'system', content: 'Answer briefly.' }, { role: 'user', content }],
  sampleIndex,
  ...extra,
});

async function failureOf(p: Promise<unknown>): Promise<ApplicationFailure> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(ApplicationFailure);
    const f = err as ApplicationFailure;
    expect(f.message).not.toMatch(/\n/);
    return f;
  }
  throw new Error('expected the call to fail');
}

function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => path.join(d.parentPath, d.name));
}

describe('successful calls', () => {
  test('sends model, messages, temperature, max_tokens and the sample index as seed; counts tokens and dollars', async () => {
    const gw = gateway([spec({ temperature: 0.3, maxTokens: 123 })]);
    server.next({ kind: 'ok', text: 'The answer is 4.', promptTokens: 1000, completionTokens: 500 });
    const r = await gw.chat('test-model', ask('What is 2+2?', 7));
    expect(r).toMatchObject({ text: 'The answer is 4.', finishReason: 'stop', inputTokens: 1000, outputTokens: 500, cached: false });
    expect(r.usd).toBeCloseTo(1000 * 2e-6 + 500 * 8e-6, 12);
    expect(r.key).toMatch(/^[0-9a-f]{64}$/);
    expect(server.requests).toHaveLength(1);
    const sent = server.requests[0];
    expect(sent.url).toBe('/v1/chat/completions');
    expect(sent.body).toMatchObject({ model: 'endpoint-id', seed: 7, temperature: 0.3, max_tokens: 123 });
    expect(sent.body.messages).toEqual(ask('What is 2+2?', 7).messages);
    const stats = gw.stats();
    expect(stats.models['test-model']).toMatchObject({ calls: 1, cacheHits: 0, failures: 0, inputTokens: 1000, outputTokens: 500, priceKnown: true });
    expect(stats.models['test-model'].usd).toBeCloseTo(0.006, 12);
    expect(stats.total.usd).toBeCloseTo(0.006, 12);
  });

  test('request temperature and maxTokens override the spec', async () => {
    const gw = gateway([spec({ temperature: 0, maxTokens: 50 })]);
    await gw.chat('test-model', ask('q', 0, { temperature: 1, maxTokens: 9 }));
    expect(server.requests[0].body).toMatchObject({ temperature: 1, max_tokens: 9 });
  });

  test('a model without prices costs 0 and says its price is unknown', async () => {
    const gw = gateway([spec({ priceInputPerM: undefined, priceOutputPerM: undefined })]);
    server.next({ kind: 'ok', promptTokens: 10, completionTokens: 10 });
    const r = await gw.chat('test-model', ask());
    expect(r.usd).toBe(0);
    expect(gw.stats().models['test-model']).toMatchObject({ priceKnown: false, inputTokens: 10, usd: 0 });
    expect(gw.stats().total.priceKnown).toBe(false);
  });

  test('a response without usage counts 0 tokens and is reported', async () => {
    const gw = gateway();
    server.next({ kind: 'ok', noUsage: true });
    const r = await gw.chat('test-model', ask());
    expect(r).toMatchObject({ inputTokens: 0, outputTokens: 0, usd: 0 });
    expect(gw.stats().models['test-model'].usageMissing).toBe(1);
  });
});

describe('reasoning models', () => {
  const reasoner = (over: Partial<ModelSpecInput> = {}) =>
    spec({ reasoning: true, reasoningEffort: 'high', maxCompletionTokens: 4000, temperature: 0, ...over });

  test('sends max_completion_tokens and reasoning_effort, never max_tokens or temperature', async () => {
    const gw = gateway([reasoner()]);
    // An evaluation's temperature 0 is left out too: these models refuse anything but the default.
    await gw.chat('test-model', ask('q', 3, { temperature: 0 }));
    const body = server.requests[0].body;
    expect(body).toMatchObject({ model: 'endpoint-id', seed: 3, max_completion_tokens: 4000, reasoning_effort: 'high' });
    expect(body).not.toHaveProperty('max_tokens');
    expect(body).not.toHaveProperty('temperature');
  });

  test('without maxCompletionTokens the budget is maxTokens; a request maxTokens overrides both', async () => {
    const gw = gateway([reasoner({ maxCompletionTokens: undefined, maxTokens: 777, reasoningEffort: undefined })]);
    await gw.chat('test-model', ask());
    await gw.chat('test-model', ask('other', 0, { maxTokens: 55 }));
    expect(server.requests[0].body).toMatchObject({ max_completion_tokens: 777 });
    expect(server.requests[0].body).not.toHaveProperty('reasoning_effort');
    expect(server.requests[1].body).toMatchObject({ max_completion_tokens: 55 });
  });

  test('reasoning tokens are output tokens, billed as such; reasoning_content is kept and cached, never the answer', async () => {
    const dir = freshCacheDir();
    const gw = gateway([reasoner()], {}, dir);
    server.next({ kind: 'ok', text: '#### 4', promptTokens: 100, completionTokens: 900, reasoningTokens: 880, reasoningContent: 'two plus two is four' });
    const r = await gw.chat('test-model', ask());
    expect(r).toMatchObject({ text: '#### 4', inputTokens: 100, outputTokens: 900, reasoningTokens: 880, reasoning: 'two plus two is four' });
    expect(r.usd).toBeCloseTo((100 * 2 + 900 * 8) / 1e6, 12);
    expect(gw.stats().models['test-model']).toMatchObject({ outputTokens: 900, reasoningTokens: 880 });
    const hit = await gateway([reasoner()], {}, dir).chat('test-model', ask());
    expect(hit).toMatchObject({ cached: true, text: '#### 4', reasoningTokens: 880, reasoning: 'two plus two is four', usd: 0 });
  });

  test('reasoning tokens reported apart from completion_tokens are added to the output', async () => {
    const gw = gateway([reasoner()]);
    server.next({ kind: 'ok', text: 'ok', promptTokens: 10, completionTokens: 5, reasoningTokens: 300 });
    const r = await gw.chat('test-model', ask());
    expect(r).toMatchObject({ outputTokens: 305, reasoningTokens: 300 });
  });

  test('the effort is part of the cache key; a non-reasoning model keeps its old keys', async () => {
    const dir = freshCacheDir();
    const high = await gateway([reasoner()], {}, dir).chat('test-model', ask());
    const low = await gateway([reasoner({ reasoningEffort: 'low' })], {}, dir).chat('test-model', ask());
    expect(low.cached).toBe(false);
    expect(low.key).not.toBe(high.key);
    const plain = await gateway([spec()], {}, freshCacheDir()).chat('test-model', ask());
    expect(plain.key).toBe(responseCacheKey({ model: 'test-model', endpointModel: 'endpoint-id', messages: ask().messages, temperature: 0, maxTokens: 2048, sampleIndex: 0 }));
  });
});

describe('response cache', () => {
  test('the second identical call is a hit: no HTTP call, nothing paid, same text', async () => {
    const gw = gateway();
    server.next({ kind: 'ok', text: 'four', promptTokens: 1000, completionTokens: 500 });
    const first = await gw.chat('test-model', ask());
    const second = await gw.chat('test-model', ask());
    expect(server.requests).toHaveLength(1);
    expect(second).toMatchObject({ text: 'four', cached: true, usd: 0, key: first.key, inputTokens: 1000, outputTokens: 500 });
    const s = gw.stats().models['test-model'];
    expect(s).toMatchObject({ calls: 1, cacheHits: 1 });
    expect(s.usd).toBeCloseTo(0.006, 12);
  });

  test('a rerun (new gateway, same cache dir) never pays twice', async () => {
    const dir = freshCacheDir();
    await gateway([spec()], {}, dir).chat('test-model', ask());
    const rerun = gateway([spec()], {}, dir);
    const r = await rerun.chat('test-model', ask());
    expect(r.cached).toBe(true);
    expect(server.requests).toHaveLength(1);
    expect(rerun.stats().models['test-model']).toMatchObject({ calls: 0, cacheHits: 1, usd: 0 });
  });

  test('the sample index is part of the key: another sample is another call', async () => {
    const gw = gateway();
    const a = await gw.chat('test-model', ask('q', 0));
    const b = await gw.chat('test-model', ask('q', 1));
    expect(a.key).not.toBe(b.key);
    expect(server.requests.map((r) => r.body.seed)).toEqual([0, 1]);
    expect(b.text).toBe('echo seed=1 model=endpoint-id');
  });

  test('temperature and the registry name are part of the key', async () => {
    const gw = gateway([spec(), spec({ name: 'other-name' })]);
    const a = await gw.chat('test-model', ask());
    const b = await gw.chat('test-model', ask('What is 2+2?', 0, { temperature: 0.7 }));
    const c = await gw.chat('other-name', ask());
    expect(new Set([a.key, b.key, c.key]).size).toBe(3);
    expect(server.requests).toHaveLength(3);
  });

  test('identical calls in flight together make one HTTP call', async () => {
    const gw = gateway();
    server.next({ kind: 'ok', delayMs: 100 });
    const [a, b] = await Promise.all([gw.chat('test-model', ask()), gw.chat('test-model', ask())]);
    expect(server.requests).toHaveLength(1);
    expect(a.text).toBe(b.text);
    expect([a.cached, b.cached].sort()).toEqual([false, true]);
  });

  test('a failure leaves no cache entry, and the next call reaches the server', async () => {
    const dir = freshCacheDir();
    const gw = gateway([spec()], {}, dir);
    server.next({ kind: 'status', status: 500 });
    await failureOf(gw.chat('test-model', ask()));
    expect(filesUnder(dir)).toEqual([]);
    const r = await gw.chat('test-model', ask());
    expect(r.cached).toBe(false);
    expect(server.requests).toHaveLength(2);
    expect(filesUnder(dir)).toHaveLength(1);
  });

  test('empty and truncated completions are not stored', async () => {
    const dir = freshCacheDir();
    const gw = gateway([spec()], {}, dir);
    server.next({ kind: 'empty' }, { kind: 'truncate' }, { kind: 'bad-json' });
    for (let i = 0; i < 3; i++) await failureOf(gw.chat('test-model', ask()));
    expect(filesUnder(dir)).toEqual([]);
  });

  test('a completion cut at maxTokens is stored with its reason: asking again gets the same cut-off for free', async () => {
    const dir = freshCacheDir();
    const gw = gateway([spec()], {}, dir);
    server.next({ kind: 'ok', text: 'Let me think step by', finishReason: 'length' });
    const r = await gw.chat('test-model', ask());
    expect(r).toMatchObject({ finishReason: 'length', text: 'Let me think step by', cached: false, cutOff: 'the answer was cut off at 2048 output tokens' });
    expect(filesUnder(dir)).toHaveLength(1);
    const again = await gw.chat('test-model', ask());
    expect(again).toMatchObject({ finishReason: 'length', text: 'Let me think step by', cached: true, usd: 0, cutOff: 'the answer was cut off at 2048 output tokens' });
    expect(server.requests).toHaveLength(1);
  });

  test('the cache file holds the answer, not the prompt', async () => {
    const dir = freshCacheDir();
    const gw = gateway([spec()], {}, dir);
    await gw.chat('test-model', ask('a very distinctive question about zebras'));
    const [file] = filesUnder(dir);
    const text = fs.readFileSync(file, 'utf8');
    expect(text).toContain('echo seed=0');
    expect(text).not.toContain('zebras');
  });
});

describe('error classification over HTTP', () => {
  const cases: Array<[string, Parameters<FaultServer['next']>[0], string, FailureKind]> = [
    ['500', { kind: 'status', status: 500 }, 'ModelServerError', 'transient'],
    ['503', { kind: 'status', status: 503 }, 'ModelServerError', 'transient'],
    ['408', { kind: 'status', status: 408 }, 'ModelTimeout', 'transient'],
    ['409', { kind: 'status', status: 409 }, 'ModelConflict', 'transient'],
    ['429 rate limit', { kind: 'status', status: 429, code: 'rate_limit_exceeded' }, 'ModelRateLimited', 'transient'],
    ['400', { kind: 'status', status: 400, message: 'Invalid value for messages' }, 'ModelBadRequest', 'refusal'],
    ['400 context length', { kind: 'status', status: 400, code: 'context_length_exceeded', message: "This model's maximum context length is 8192 tokens" }, 'ModelContextLength', 'refusal'],
    ['400 unsupported parameter', { kind: 'status', status: 400, code: 'unsupported_parameter', message: "Unsupported parameter: 'max_tokens'" }, 'ModelUnsupportedParameter', 'account'],
    ['401', { kind: 'status', status: 401 }, 'ModelAuthError', 'account'],
    ['403', { kind: 'status', status: 403 }, 'ModelPermissionDenied', 'account'],
    ['404', { kind: 'status', status: 404, message: 'The model does not exist' }, 'ModelNotFound', 'account'],
    ['413', { kind: 'status', status: 413 }, 'ModelRequestTooLarge', 'refusal'],
    ['422', { kind: 'status', status: 422 }, 'ModelBadRequest', 'refusal'],
    ['418', { kind: 'status', status: 418 }, 'ModelClientError', 'account'],
    ['429 out of quota', { kind: 'status', status: 429, code: 'insufficient_quota', message: 'You exceeded your current quota' }, 'ModelQuotaExceeded', 'account'],
    ['a hang past the timeout', { kind: 'hang' }, 'ModelTimeout', 'transient'],
    ['a body that stalls', { kind: 'stall-body' }, 'ModelTimeout', 'transient'],
    ['a dropped connection', { kind: 'drop' }, 'ModelConnectionError', 'transient'],
    ['a truncated body', { kind: 'truncate' }, 'ModelTruncatedResponse', 'transient'],
    ['invalid JSON', { kind: 'bad-json' }, 'ModelTruncatedResponse', 'transient'],
    ['an empty completion', { kind: 'empty' }, 'ModelEmptyCompletion', 'refusal'],
    ['an empty completion at the token limit', { kind: 'ok', text: '', finishReason: 'length', completionTokens: 2048, reasoningTokens: 2048 }, 'ModelCutOff', 'refusal'],
    ['a content filter', { kind: 'ok', text: '', finishReason: 'content_filter', completionTokens: 0 }, 'ModelContentFiltered', 'refusal'],
    ['JSON that is not a completion', { kind: 'not-completion' }, 'ModelInvalidResponse', 'transient'],
  ];

  const titled = cases.map(([label, fault, type, kind]) => [`${label} → ${type} (${kind})`, fault, type, kind] as const);
  test.each(titled)('%s', async (_title, fault, type, kind) => {
    const gw = gateway();
    server.next(fault);
    const f = await failureOf(gw.chat('test-model', ask()));
    expect(f.type).toBe(type);
    expect(failureKind(f)).toBe(kind);
    expect(modelFailureDetails(f)?.kind).toBe(kind);
    // Only transient trouble is worth another attempt.
    expect(f.nonRetryable).toBe(kind !== 'transient');
    expect(f.message).toMatch(/^model 'test-model': /);
    expect(gw.stats().models['test-model']).toMatchObject({ calls: 1, failures: 1 });
  });

  test('a completion refused after it was produced still counts what it cost', async () => {
    const gw = gateway();
    server.next({ kind: 'ok', text: '', finishReason: 'length', promptTokens: 100, completionTokens: 2048, reasoningTokens: 2048 });
    const f = await failureOf(gw.chat('test-model', ask()));
    expect(f.message).toContain('no answer: the completion budget of 2048 output tokens ran out (2048 of them on reasoning)');
    const usd = (100 * 2 + 2048 * 8) / 1e6;
    expect(modelFailureDetails(f)?.spent).toEqual({ inputTokens: 100, outputTokens: 2048, reasoningTokens: 2048, usd });
    expect(gw.stats().models['test-model'].usd).toBeCloseTo(usd, 12);
  });

  test('429 with Retry-After in seconds sets nextRetryDelay', async () => {
    const gw = gateway();
    server.next({ kind: 'status', status: 429, headers: { 'retry-after': '7' }, message: 'Rate limit reached' });
    const f = await failureOf(gw.chat('test-model', ask()));
    expect(f).toMatchObject({ type: 'ModelRateLimited', nonRetryable: false, nextRetryDelay: 7000 });
    expect(f.message).toContain('Rate limit reached');
  });

  test('Retry-After as an HTTP date', async () => {
    const gw = gateway();
    const at = new Date(Date.now() + 30_000).toUTCString();
    server.next({ kind: 'status', status: 503, headers: { 'retry-after': at } });
    const f = await failureOf(gw.chat('test-model', ask()));
    expect(f.type).toBe('ModelServerError');
    expect(f.nextRetryDelay).toBeGreaterThan(27_000);
    expect(f.nextRetryDelay).toBeLessThanOrEqual(30_000);
  });

  test('retry-after-ms wins over Retry-After', async () => {
    const gw = gateway();
    server.next({ kind: 'status', status: 429, headers: { 'retry-after-ms': '250', 'retry-after': '9' } });
    const f = await failureOf(gw.chat('test-model', ask()));
    expect(f.nextRetryDelay).toBe(250);
  });

  test('a retryable status without Retry-After leaves the delay to the retry policy', async () => {
    const gw = gateway();
    server.next({ kind: 'status', status: 429 });
    const f = await failureOf(gw.chat('test-model', ask()));
    expect(f.nextRetryDelay).toBeUndefined();
  });

  test('a refused connection is a retryable connection error', async () => {
    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((r) => closed.close(() => r()));
    const gw = gateway([spec({ baseUrl: `http://127.0.0.1:${port}/v1` })]);
    const f = await failureOf(gw.chat('test-model', ask()));
    expect(f).toMatchObject({ type: 'ModelConnectionError', nonRetryable: false });
    expect(f.message).toContain('ECONNREFUSED');
  });

  test('an unknown model is non-retryable and lists the known ones', async () => {
    const gw = gateway([spec(), spec({ name: 'second' })]);
    const f = await failureOf(gw.chat('nope', ask()));
    expect(f).toMatchObject({ type: 'UnknownModel', nonRetryable: true, message: "unknown model 'nope' (known: second, test-model)" });
    expect(server.requests).toHaveLength(0);
  });

  test('a malformed request is refused before any call', async () => {
    const gw = gateway();
    const f = await failureOf(gw.chat('test-model', ask('q', -1)));
    expect(f).toMatchObject({ type: 'InvalidChatRequest', nonRetryable: true });
    expect(f.message).toContain('sampleIndex');
    expect(server.requests).toHaveLength(0);
  });
});

describe('API keys', () => {
  const keyed = () => spec({ apiKeyEnv: 'LSL_TEST_KEY' });

  test('the key is read from the env at call time and sent as a bearer token', async () => {
    const env: NodeJS.ProcessEnv = {};
    const gw = gateway([keyed()], env);
    const missing = await failureOf(gw.chat('test-model', ask()));
    expect(missing).toMatchObject({ type: 'MissingApiKey', nonRetryable: true });
    expect(missing.message).toContain('LSL_TEST_KEY');
    expect(server.requests).toHaveLength(0);
    env.LSL_TEST_KEY = SECRET;
    await gw.chat('test-model', ask());
    expect(server.requests[0].headers.authorization).toBe(`Bearer ${SECRET}`);
  });

  test('a keyless spec sends a dummy key', async () => {
    const gw = gateway([spec()], { OPENAI_API_KEY: SECRET });
    await gw.chat('test-model', ask());
    expect(server.requests[0].headers.authorization).toBe('Bearer no-key-needed');
  });

  test('the key never appears in error messages or cache files, even when the server echoes it', async () => {
    const dir = freshCacheDir();
    const gw = gateway([keyed()], { LSL_TEST_KEY: SECRET }, dir);
    const echo = `Incorrect API key provided: ${SECRET}. You can find your API key at https://platform.openai.com/account/api-keys.`;
    const faults: Parameters<FaultServer['next']>[0][] = [
      { kind: 'status', status: 401, message: echo },
      { kind: 'status', status: 400, message: `bad header Bearer ${SECRET}` },
      { kind: 'status', status: 500, body: `upstream said ${SECRET}` },
      { kind: 'status', status: 429, message: `key ${SECRET.slice(3)} is rate limited` },
    ];
    for (const fault of faults) {
      server.next(fault);
      const f = await failureOf(gw.chat('test-model', ask()));
      const everything = `${f.message} ${JSON.stringify(f.details)} ${String(f.stack)}`;
      expect(everything).not.toContain(SECRET);
      expect(everything).not.toContain('SECRETVALUE');
    }
    server.next({ kind: 'ok', text: `I saw nothing` });
    await gw.chat('test-model', ask());
    const files = filesUnder(dir);
    expect(files).toHaveLength(1);
    for (const file of files) expect(fs.readFileSync(file, 'utf8')).not.toContain('SECRETVALUE');
  });
});

describe('placeholders expand at call time', () => {
  test('${VAR:-default} uses the env when set, the default otherwise, and the expanded id is keyed', async () => {
    const env: NodeJS.ProcessEnv = { LSL_TEST_ORIGIN: server.origin };
    const gw = gateway([spec({ baseUrl: '${LSL_TEST_ORIGIN:-http://127.0.0.1:9}/v1', model: '${LSL_TEST_MODEL_ID:-default-id}' })], env);
    const a = await gw.chat('test-model', ask());
    expect(server.requests[0].body.model).toBe('default-id');
    env.LSL_TEST_MODEL_ID = 'other-id';
    const b = await gw.chat('test-model', ask());
    expect(server.requests[1].body.model).toBe('other-id');
    expect(b.cached).toBe(false);
    expect(b.key).not.toBe(a.key);
  });

  test('an unset variable without default is a non-retryable config error naming it', async () => {
    const gw = gateway([spec({ baseUrl: '${LSL_TEST_UNSET_URL}/v1' })]);
    const f = await failureOf(gw.chat('test-model', ask()));
    expect(f).toMatchObject({ type: 'ModelConfigError', nonRetryable: true });
    expect(f.message).toContain('LSL_TEST_UNSET_URL');
  });
});

describe('per-model concurrency', () => {
  test('calls in flight never exceed the spec, per model', async () => {
    const gw = gateway([spec({ name: 'a', concurrency: 3 }), spec({ name: 'b', concurrency: 2 })]);
    server.setDefault({ kind: 'ok', delayMs: 60 });
    const calls = [
      ...Array.from({ length: 9 }, (_, i) => gw.chat('a', ask('q', i))),
      ...Array.from({ length: 6 }, (_, i) => gw.chat('b', ask('q', i))),
    ];
    const results = await Promise.all(calls);
    expect(results.every((r) => !r.cached)).toBe(true);
    expect(server.requests).toHaveLength(15);
    expect(server.maxInFlight).toBe(5);
  });

  test('one model alone is capped at its limit', async () => {
    const gw = gateway([spec({ concurrency: 2 })]);
    server.setDefault({ kind: 'ok', delayMs: 40 });
    await Promise.all(Array.from({ length: 7 }, (_, i) => gw.chat('test-model', ask('q', i))));
    expect(server.maxInFlight).toBe(2);
  });
});
