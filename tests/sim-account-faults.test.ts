/**
 * The simulator's account faults, outages, context-length refusals and reasoning profile, over
 * HTTP through the real `openai` client and through the gateway (so each arrives classified as
 * the run will see it): a key refused from call N, credit that runs out, a model id that goes
 * away, an endpoint down for a time window, faults cleared at run time, and a reasoning model
 * that refuses what OpenAI's refuse.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import OpenAI from 'openai';
import { failureKind } from '../src/llm/errors';
import { createGateway } from '../src/llm/gateway';
import { registryFromSpecs, type ModelSpecInput } from '../src/llm/registry';
import { datasetsDir } from '../src/paths';
import type { RunningSimulator } from '../src/sim';
import { gsm8kTask } from '../src/tasks/gsm8k';
import type { TaskExample } from '../src/tasks/types';
import { simClient, withSimulator } from './helpers/sim';

let problems: TaskExample[];
let tmp: string;
beforeAll(async () => {
  problems = await gsm8kTask.load(datasetsDir(), 'test');
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lsl-sim-account-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const INSTRUCTION = 'Solve it step by step. End with "#### <number>".';
const messages = (ex: TaskExample) => [{ role: 'system' as const, content: INSTRUCTION }, { role: 'user' as const, content: ex.question }];

interface Outcome { content?: string; finish?: string; status?: number; code?: string | null; type?: string; param?: string | null; connection?: boolean; usage?: OpenAI.CompletionUsage }
async function call(client: OpenAI, params: Record<string, unknown>): Promise<Outcome> {
  try {
    const r = await client.chat.completions.create(params as unknown as OpenAI.ChatCompletionCreateParamsNonStreaming);
    return { content: r.choices[0].message.content ?? '', finish: r.choices[0].finish_reason, usage: r.usage };
  } catch (err) {
    const e = err as { status?: number; code?: string | null; type?: string; param?: string | null };
    return { status: e.status, code: e.code, type: e.type, param: e.param, connection: err instanceof OpenAI.APIConnectionError };
  }
}
const task = (ex: TaskExample, model = 'sim-small') => ({ model, temperature: 0, messages: messages(ex) });

let dirs = 0;
function gatewayFor(sim: RunningSimulator, specs: Array<Partial<ModelSpecInput> & { name: string }>) {
  const entries = specs.map((s) => ({ provider: 'sim' as const, baseUrl: `${sim.url}/v1`, model: s.name, timeoutMs: 5000, ...s }));
  return createGateway({ registry: registryFromSpecs(entries), cacheDir: path.join(tmp, `cache-${++dirs}`), env: {} });
}
async function failureOf(p: Promise<unknown>): Promise<ApplicationFailure> {
  try {
    await p;
  } catch (err) {
    if (err instanceof ApplicationFailure) return err;
    throw err;
  }
  throw new Error('expected a failure');
}

describe('account faults from a call on', () => {
  test("a refused key, exhausted credit and a vanished model: OpenAI's status, type and code, from call N on, counted", async () => {
    await withSimulator({
      faults: {
        account: [
          { model: 'sim-small', fromCall: 3, kind: 'auth' },
          { model: 'sim-large', fromCall: 2, kind: 'quota' },
          { model: 'sim-medium', fromCall: 1, kind: 'model-not-found' },
        ],
      },
    }, async (sim) => {
      const client = simClient(sim);
      const small = [];
      for (let i = 0; i < 4; i++) small.push(await call(client, task(problems[i])));
      expect(small[0].content).toMatch(/####/);
      expect(small[1].content).toBeDefined();
      expect(small[2]).toMatchObject({ status: 401, code: 'invalid_api_key', type: 'invalid_request_error' });
      expect(small[3]).toMatchObject({ status: 401, code: 'invalid_api_key' });
      expect((await call(client, task(problems[0], 'sim-large'))).content).toBeDefined();
      expect(await call(client, task(problems[0], 'sim-large'))).toMatchObject({ status: 429, code: 'insufficient_quota', type: 'insufficient_quota' });
      expect(await call(client, task(problems[0], 'sim-medium'))).toMatchObject({ status: 404, code: 'model_not_found' });
      const stats = sim.stats();
      expect(stats.models['sim-small'].faults.auth).toBe(2);
      expect(stats.models['sim-small'].calls).toBe(4);
      // A refused call is never read: it counts as a call of no kind.
      expect(stats.models['sim-small'].taskCalls).toBe(2);
      expect(stats.models['sim-large'].faults.quota).toBe(1);
      expect(stats.models['sim-medium'].faults['model-not-found']).toBe(1);
    });
  });

  test("'*' counts every model's calls together; the gateway classifies each as an account failure naming the model", async () => {
    await withSimulator({ faults: { account: [{ model: '*', fromCall: 3, kind: 'quota' }] } }, async (sim) => {
      const gw = gatewayFor(sim, [{ name: 'sim-small' }, { name: 'sim-large' }]);
      await gw.chat('sim-small', { messages: messages(problems[0]), sampleIndex: 0 });
      await gw.chat('sim-large', { messages: messages(problems[0]), sampleIndex: 0 });
      const f = await failureOf(gw.chat('sim-small', { messages: messages(problems[1]), sampleIndex: 0 }));
      expect(f).toMatchObject({ type: 'ModelQuotaExceeded', nonRetryable: true });
      expect(failureKind(f)).toBe('account');
      expect(f.message).toMatch(/^model 'sim-small': quota exceeded/);
      const auth = await withSimulator({ faults: { account: [{ model: '*', fromCall: 1, kind: 'auth' }] } }, async (s2) =>
        failureOf(gatewayFor(s2, [{ name: 'sim-small' }]).chat('sim-small', { messages: messages(problems[0]), sampleIndex: 0 })));
      expect(auth.message).toMatch(/^model 'sim-small': authentication failed/);
      expect(failureKind(auth)).toBe('account');
    });
  });

  test('POST /sim/faults clears them at run time ("the key is fixed"): the same request is answered as if nothing happened', async () => {
    await withSimulator({}, async (clean) => {
      const expected = await call(simClient(clean), task(problems[5]));
      await withSimulator({ faults: { account: [{ model: 'sim-small', fromCall: 1, kind: 'auth' }] } }, async (sim) => {
        const client = simClient(sim);
        expect((await call(client, task(problems[5]))).status).toBe(401);
        const cleared = await fetch(`${sim.url}/sim/faults`, { method: 'POST', body: '{}' });
        expect(cleared.status).toBe(200);
        expect((await call(client, task(problems[5]))).content).toBe(expected.content);
      });
    });
  });

  test('a bad account or outage entry is refused naming the field', async () => {
    await withSimulator({}, async (sim) => {
      const post = (body: unknown) => fetch(`${sim.url}/sim/faults`, { method: 'POST', body: JSON.stringify(body) });
      const badKind = await post({ account: [{ model: '*', fromCall: 1, kind: 'expired' }] });
      expect(badKind.status).toBe(400);
      expect(((await badKind.json()) as { error: { message: string } }).error.message).toMatch(/account\.0\.kind/);
      const backwards = await post({ outages: [{ fromSeconds: 10, toSeconds: 5 }] });
      expect(((await backwards.json()) as { error: { message: string } }).error.message).toMatch(/outages\.0\.toSeconds: toSeconds must be after fromSeconds/);
    });
  });
});

describe('outages over a time window', () => {
  test('down from T1 to T2 seconds: 503 inside the window, answers before and after; the gateway calls it transient', async () => {
    await withSimulator({ faults: { outages: [{ model: 'sim-small', fromSeconds: 0.4, toSeconds: 1.2 }] } }, async (sim) => {
      const client = simClient(sim);
      const gw = gatewayFor(sim, [{ name: 'sim-small' }, { name: 'sim-large' }]);
      expect((await call(client, task(problems[0]))).content).toBeDefined();
      await new Promise((r) => setTimeout(r, 600));
      expect(await call(client, task(problems[0]))).toMatchObject({ status: 503, code: 'service_unavailable' });
      const f = await failureOf(gw.chat('sim-small', { messages: messages(problems[1]), sampleIndex: 0 }));
      expect(f).toMatchObject({ type: 'ModelServerError', nonRetryable: false });
      expect(failureKind(f)).toBe('transient');
      // Other models are not down.
      expect((await call(client, task(problems[0], 'sim-large'))).content).toBeDefined();
      await new Promise((r) => setTimeout(r, 800));
      expect((await call(client, task(problems[0]))).content).toBeDefined();
      expect(sim.stats().models['sim-small'].faults.outage).toBe(2);
    });
  });

  test('an outage that drops connections is a transient connection failure', async () => {
    await withSimulator({ faults: { outages: [{ fromSeconds: 0, toSeconds: 30, mode: 'drop' }] } }, async (sim) => {
      const f = await failureOf(gatewayFor(sim, [{ name: 'sim-small' }]).chat('sim-small', { messages: messages(problems[0]), sampleIndex: 0 }));
      expect(f.type).toBe('ModelConnectionError');
      expect(failureKind(f)).toBe('transient');
    });
  });
});

describe('per-example refusals', () => {
  test("a prompt over the profile's contextTokens gets OpenAI's context-length error; the gateway calls it a refusal", async () => {
    await withSimulator({ profiles: { 'sim-small': { contextTokens: 300 } } }, async (sim) => {
      const long = { role: 'user' as const, content: `${'Consider this carefully. '.repeat(60)}\n${problems[0].question}` };
      const raw = await call(simClient(sim), { model: 'sim-small', messages: [long], max_tokens: 50 });
      expect(raw).toMatchObject({ status: 400, code: 'context_length_exceeded', param: 'messages' });
      const gw = gatewayFor(sim, [{ name: 'sim-small', maxTokens: 50 }]);
      const f = await failureOf(gw.chat('sim-small', { messages: [long], sampleIndex: 0 }));
      expect(f.type).toBe('ModelContextLength');
      expect(failureKind(f)).toBe('refusal');
      expect(f.message).toMatch(/maximum context length is 300 tokens/);
      // A short prompt on the same model is answered.
      expect((await gw.chat('sim-small', { messages: messages(problems[0]), sampleIndex: 0 })).text).toMatch(/####/);
      expect(sim.stats().models['sim-small'].errors).toBe(2);
    });
  });
});

describe('the reasoning profile', () => {
  test("refuses max_tokens and a non-default temperature as OpenAI's reasoning models do; reasoning_effort on other models too", async () => {
    await withSimulator({}, async (sim) => {
      const client = simClient(sim);
      const base = { model: 'sim-reasoning', messages: messages(problems[0]) };
      expect(await call(client, { ...base, max_tokens: 500 })).toMatchObject({ status: 400, type: 'invalid_request_error', code: 'unsupported_parameter', param: 'max_tokens' });
      expect(await call(client, { ...base, temperature: 0 })).toMatchObject({ status: 400, code: 'unsupported_value', param: 'temperature' });
      expect(await call(client, { ...base, reasoning_effort: 'extreme' })).toMatchObject({ status: 400, code: 'invalid_value', param: 'reasoning_effort' });
      expect(await call(client, { ...task(problems[0]), reasoning_effort: 'high' })).toMatchObject({ status: 400, code: 'unsupported_parameter', param: 'reasoning_effort' });
      const ok = await call(client, { ...base, temperature: 1, max_completion_tokens: 8000 });
      expect(ok.content).toMatch(/####/);
      expect(sim.stats().models['sim-reasoning'].errors).toBe(3);
      // A model entry without `reasoning: true` sends max_tokens: refused on every call, so it blocks (account), never a score.
      const f = await failureOf(gatewayFor(sim, [{ name: 'sim-reasoning' }]).chat('sim-reasoning', { messages: messages(problems[0]), sampleIndex: 0 }));
      expect(f.type).toBe('ModelUnsupportedParameter');
      expect(failureKind(f)).toBe('account');
    });
  });

  test('spends more hidden tokens at higher effort, reported in usage and inside completion_tokens', async () => {
    await withSimulator({}, async (sim) => {
      const client = simClient(sim);
      const spent: Record<string, number> = {};
      for (const effort of ['minimal', 'low', 'medium', 'high']) {
        let total = 0;
        for (const ex of problems.slice(0, 8)) {
          const r = await call(client, { model: 'sim-reasoning', messages: messages(ex), reasoning_effort: effort, max_completion_tokens: 20_000 });
          const reasoning = r.usage!.completion_tokens_details!.reasoning_tokens!;
          expect(r.usage!.completion_tokens).toBeGreaterThan(reasoning);
          total += reasoning;
        }
        spent[effort] = total;
      }
      expect(spent.minimal).toBeLessThan(spent.low);
      expect(spent.low).toBeLessThan(spent.medium);
      expect(spent.medium).toBeLessThan(spent.high);
      expect(sim.stats().models['sim-reasoning'].reasoningTokens).toBe(Object.values(spent).reduce((a, b) => a + b, 0));
    });
  });

  test('answers better at higher effort', async () => {
    await withSimulator({ profiles: { 'sim-reasoning': { skill: 0.45 } } }, async (sim) => {
      const gwAt = (effort: 'minimal' | 'xhigh') => gatewayFor(sim, [{ name: 'sim-reasoning', reasoning: true, reasoningEffort: effort, maxCompletionTokens: 20_000 }]);
      const correct = async (effort: 'minimal' | 'xhigh') => {
        const gw = gwAt(effort);
        let n = 0;
        for (const ex of problems.slice(0, 60)) {
          const r = await gw.chat('sim-reasoning', { messages: messages(ex), sampleIndex: 0 });
          if ((await gsm8kTask.grade(r.text, ex)).score === 1) n++;
        }
        return n;
      };
      expect(await correct('xhigh')).toBeGreaterThan(await correct('minimal'));
    });
  });

  test('a completion budget the reasoning uses up gives empty content with finish_reason length; the gateway calls it a refusal', async () => {
    await withSimulator({}, async (sim) => {
      const raw = await call(simClient(sim), { model: 'sim-reasoning', messages: messages(problems[0]), reasoning_effort: 'high', max_completion_tokens: 100 });
      expect(raw).toMatchObject({ content: '', finish: 'length' });
      expect(raw.usage).toMatchObject({ completion_tokens: 100, completion_tokens_details: { reasoning_tokens: 100 } });
      const gw = gatewayFor(sim, [{ name: 'sim-reasoning', reasoning: true, reasoningEffort: 'high', maxCompletionTokens: 100 }]);
      const f = await failureOf(gw.chat('sim-reasoning', { messages: messages(problems[0]), sampleIndex: 0 }));
      expect(f.type).toBe('ModelCutOff');
      expect(failureKind(f)).toBe('refusal');
      expect(f.message).toContain('no answer: the completion budget of 100 output tokens ran out (100 of them on reasoning)');
      // Through the gateway: max_completion_tokens and reasoning_effort, and it is priced as output.
      const ok = gatewayFor(sim, [{ name: 'sim-reasoning', reasoning: true, reasoningEffort: 'high', maxCompletionTokens: 20_000, priceInputPerM: 1, priceOutputPerM: 10 }]);
      const r = await ok.chat('sim-reasoning', { messages: messages(problems[0]), sampleIndex: 0, temperature: 0 });
      expect(r.reasoningTokens).toBeGreaterThan(0);
      expect(r.outputTokens).toBeGreaterThan(r.reasoningTokens!);
      expect(r.usd).toBeCloseTo((r.inputTokens * 1 + r.outputTokens * 10) / 1e6, 12);
      const stats = sim.stats().models['sim-reasoning'];
      expect(stats.cutOff).toBe(2);
      expect(stats.errors).toBe(0);
    });
  });
});
