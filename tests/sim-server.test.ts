/**
 * The simulator as an OpenAI endpoint, through the real `openai` client: protocol, usage
 * counted by a real tokenizer, determinism, sampling, limits, JSON mode, stats and reset.
 */
import { Tiktoken, type TiktokenBPE } from 'js-tiktoken/lite';
import OpenAI from 'openai';
import type { RunningSimulator } from '../src/sim';
import { startSimulator } from '../src/sim';
import { datasetsDir } from '../src/paths';
import { gsm8kTask } from '../src/tasks/gsm8k';
import type { TaskExample } from '../src/tasks/types';
import { ask, simClient, startTestSimulator } from './helpers/sim';

let sim: RunningSimulator;
let client: OpenAI;
let problems: TaskExample[];

beforeAll(async () => {
  sim = await startTestSimulator({ profiles: { 'sim-tiny-context': { contextTokens: 60 } } });
  client = simClient(sim);
  problems = await gsm8kTask.load(datasetsDir(), 'test');
});
afterAll(() => sim.close());

const SYSTEM = 'Solve the math word problem. End with a line "#### <number>".';
const msgs = (ex: TaskExample, system = SYSTEM) => [
  { role: 'system' as const, content: system },
  { role: 'user' as const, content: ex.question },
];

describe('protocol', () => {
  test('models, health, and the URL it printed', async () => {
    expect(sim.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const models = await client.models.list();
    const ids = models.data.map((m) => m.id);
    expect(ids).toEqual(expect.arrayContaining(['sim-large', 'sim-small', 'sim-tiny-context']));
    const health = await (await fetch(`${sim.url}/health`)).json() as { status: string; instances: number };
    expect(health.status).toBe('ok');
    expect(health.instances).toBe(7473 + 1319);
  });

  test('an unknown model gets a 404 in OpenAI error shape', async () => {
    const err = await client.chat.completions.create({ model: 'gpt-nope', messages: msgs(problems[0]) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.NotFoundError);
    expect((err as InstanceType<typeof OpenAI.NotFoundError>).status).toBe(404);
    expect((err as InstanceType<typeof OpenAI.NotFoundError>).code).toBe('model_not_found');
    expect((err as Error).message).toContain('gpt-nope');
  });

  test('a malformed request gets a 400 naming the parameter', async () => {
    const err = await client.chat.completions.create({ model: 'sim-small', messages: [] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect((err as InstanceType<typeof OpenAI.BadRequestError>).param).toBe('messages');
    const r = await fetch(`${sim.url}/v1/chat/completions`, { method: 'POST', body: '{not json', headers: { 'content-type': 'application/json' } });
    expect(r.status).toBe(400);
    expect(((await r.json()) as { error: { type: string } }).error.type).toBe('invalid_request_error');
  });

  test('usage is counted with a real tokenizer (o200k_base), as OpenAI frames chat messages', async () => {
    // An independent count with js-tiktoken: 3 tokens per message + role + content, 3 to prime the reply.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const enc = new Tiktoken(require('js-tiktoken/ranks/o200k_base') as TiktokenBPE);
    const messages = msgs(problems[5]);
    const r = await client.chat.completions.create({ model: 'sim-large', messages, temperature: 0 });
    const expectedPrompt = 3 + messages.reduce((a, m) => a + 3 + enc.encode(m.role).length + enc.encode(m.content).length, 0);
    expect(r.usage?.prompt_tokens).toBe(expectedPrompt);
    expect(r.usage?.completion_tokens).toBe(enc.encode(r.choices[0].message.content ?? '').length);
    expect(r.usage?.total_tokens).toBe(r.usage!.prompt_tokens + r.usage!.completion_tokens);
    // Not a word count.
    expect(r.usage?.prompt_tokens).not.toBe(messages.reduce((a, m) => a + m.content.split(/\s+/).length, 0));
  });
});

describe('answers', () => {
  test('the same request twice gives the same answer; the answer looks like a model reply', async () => {
    for (const ex of problems.slice(0, 10)) {
      const a = await ask(client, 'sim-small', msgs(ex));
      const b = await ask(client, 'sim-small', msgs(ex));
      expect(b).toBe(a);
      expect(a.split('\n').length).toBeGreaterThanOrEqual(2);
    }
  });

  test('at temperature 0 the sample index (seed) does not matter; above 0 it does', async () => {
    const ex = problems[7];
    const greedy = new Set(await Promise.all([0, 1, 2, 3, 4].map((seed) => ask(client, 'sim-small', msgs(ex), { temperature: 0, seed }))));
    expect(greedy.size).toBe(1);
    const sampled = await Promise.all(Array.from({ length: 16 }, (_, seed) => ask(client, 'sim-small', msgs(ex), { temperature: 1, seed })));
    expect(new Set(sampled).size).toBeGreaterThan(1);
    // And the same seed repeats.
    expect(await ask(client, 'sim-small', msgs(ex), { temperature: 1, seed: 3 })).toBe(sampled[3]);
  });

  test('the question may sit inside a user template after few-shot demos: the last question is the one answered', async () => {
    const ex = problems[11];
    const demo = problems[12];
    const text = `Here is an example.\nQ: ${demo.question}\nA: ${demo.gold}\n\nNow solve:\nQ: ${ex.question}\nA:`;
    const r = await ask(client, 'sim-large', [{ role: 'user', content: text }]);
    // It answered the last question: its reasoning starts from that problem's worked solution, not the demo's.
    const firstLine = (ex: TaskExample) => String(ex.meta!.solution).split('\n')[0].replace(/<<[^>]*>>/g, '');
    expect(r.startsWith(firstLine(ex))).toBe(true);
    expect(r).not.toContain(firstLine(demo));
    const stats = await (await fetch(`${sim.url}/sim/stats`)).json() as { models: Record<string, { taskCalls: number }> };
    expect(stats.models['sim-large'].taskCalls).toBeGreaterThan(0);
  });

  test('an unknown request gets a short generic reply and is counted as unknown', async () => {
    sim.reset();
    const r = await ask(client, 'sim-small', [{ role: 'user', content: 'What is the capital of France?' }]);
    expect(r.length).toBeGreaterThan(10);
    expect(r.length).toBeLessThan(300);
    expect(sim.stats().models['sim-small'].unknownCalls).toBe(1);
  });

  test('max_tokens cuts the completion with finish_reason "length"', async () => {
    const r = await client.chat.completions.create({ model: 'sim-large', messages: msgs(problems[2]), temperature: 0, max_tokens: 5 });
    expect(r.choices[0].finish_reason).toBe('length');
    expect(r.usage?.completion_tokens).toBe(5);
    const full = await client.chat.completions.create({ model: 'sim-large', messages: msgs(problems[2]), temperature: 0 });
    expect(full.choices[0].finish_reason).toBe('stop');
    expect(full.choices[0].message.content!.startsWith(r.choices[0].message.content!)).toBe(true);
  });

  test("a prompt beyond the profile's context gets OpenAI's context_length_exceeded", async () => {
    const err = await client.chat.completions.create({ model: 'sim-tiny-context', messages: msgs(problems[2]) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect((err as InstanceType<typeof OpenAI.BadRequestError>).code).toBe('context_length_exceeded');
  });

  test('JSON mode: json_object and json_schema replies parse and carry the answer', async () => {
    const ex = problems[4];
    const plain = await ask(client, 'sim-large', msgs(ex));
    const obj = await client.chat.completions.create({ model: 'sim-large', messages: msgs(ex), temperature: 0, response_format: { type: 'json_object' } });
    const parsed = JSON.parse(obj.choices[0].message.content!) as { reasoning: string; answer: string };
    expect(parsed.reasoning).toBe(plain);
    expect(plain).toContain(parsed.answer);
    const schema = await client.chat.completions.create({
      model: 'sim-large', messages: msgs(ex), temperature: 0,
      response_format: { type: 'json_schema', json_schema: { name: 'a', schema: { type: 'object', properties: { final_answer: { type: 'number' }, explanation: { type: 'string' } } } } },
    });
    const s = JSON.parse(schema.choices[0].message.content!) as { final_answer: number; explanation: string };
    expect(s.final_answer).toBe(Number(parsed.answer));
    expect(s.explanation).toBe(plain);
  });

  test('streaming yields the same text as a plain call', async () => {
    const ex = problems[9];
    const plain = await ask(client, 'sim-small', msgs(ex));
    const stream = await client.chat.completions.create({ model: 'sim-small', messages: msgs(ex), temperature: 0, stream: true, stream_options: { include_usage: true } });
    let text = '';
    let usage: OpenAI.CompletionUsage | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta?.content ?? '';
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toBe(plain);
    expect(usage?.completion_tokens).toBeGreaterThan(0);
  });
});

describe('stats and reset', () => {
  test('/sim/stats counts calls and tokens per model; /sim/reset zeroes them', async () => {
    await fetch(`${sim.url}/sim/reset`, { method: 'POST' });
    const r1 = await client.chat.completions.create({ model: 'sim-large', messages: msgs(problems[0]), temperature: 0 });
    const r2 = await client.chat.completions.create({ model: 'sim-small', messages: msgs(problems[1]), temperature: 0 });
    await client.chat.completions.create({ model: 'nope', messages: msgs(problems[1]) }).catch(() => undefined);
    const stats = await (await fetch(`${sim.url}/sim/stats`)).json() as ReturnType<RunningSimulator['stats']>;
    expect(stats.models['sim-large'].calls).toBe(1);
    expect(stats.models['sim-large'].taskCalls).toBe(1);
    expect(stats.models['sim-large'].promptTokens).toBe(r1.usage!.prompt_tokens);
    expect(stats.models['sim-large'].completionTokens).toBe(r1.usage!.completion_tokens);
    expect(stats.totals.calls).toBe(2);
    expect(stats.totals.completionTokens).toBe(r1.usage!.completion_tokens + r2.usage!.completion_tokens);
    expect(stats.rejected).toBe(1);
    expect(stats.tasks).toEqual(['gsm8k']);
    const reset = await fetch(`${sim.url}/sim/reset`, { method: 'POST' });
    expect(reset.status).toBe(200);
    const after = sim.stats();
    expect(after.totals.calls).toBe(0);
    expect(after.rejected).toBe(0);
    expect(after.models).toEqual({});
  });
});

describe('configuration errors', () => {
  test('a bad profile override fails at start with the profile and field named', async () => {
    await expect(startSimulator({ tasks: [], profiles: { 'sim-small': { skill: 2 } } })).rejects.toThrow(/simulator profile 'sim-small': skill/);
    await expect(startSimulator({ tasks: ['nope'] })).rejects.toThrow(/unknown task 'nope'/);
    await expect(startSimulator({ tasks: ['gsm8k'], datasetsDir: '/nonexistent-dir' })).rejects.toThrow(/gsm8k.*\/nonexistent-dir/);
  });
});
