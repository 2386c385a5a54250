/**
 * Seeded faults through the real `openai` client (SDK retries off): each kind is served on the
 * scheduled call and counted, rates are reproducible, hung calls neither leak nor block
 * shutdown, and faults never change what later calls answer.
 */
import OpenAI from 'openai';
import { FAULT_KINDS, type FaultKind } from '../src/sim';
import { datasetsDir } from '../src/paths';
import { gsm8kTask } from '../src/tasks/gsm8k';
import type { TaskExample } from '../src/tasks/types';
import { simClient, startTestSimulator, withSimulator } from './helpers/sim';

let problems: TaskExample[];
beforeAll(async () => {
  problems = await gsm8kTask.load(datasetsDir(), 'test');
});

const request = (ex: TaskExample, json = false): OpenAI.ChatCompletionCreateParamsNonStreaming => ({
  model: 'sim-small',
  temperature: 0,
  messages: [{ role: 'system', content: 'Solve it. End with "#### <number>".' }, { role: 'user', content: ex.question }],
  ...(json ? { response_format: { type: 'json_object' as const } } : {}),
});

/** What one call gave: its content, or the error class and status. */
interface Outcome { content?: string; error?: string; connection?: boolean; status?: number; headers?: Headers; ms: number }
async function outcome(client: OpenAI, params: OpenAI.ChatCompletionCreateParamsNonStreaming): Promise<Outcome> {
  const started = Date.now();
  try {
    const r = await client.chat.completions.create(params);
    return { content: r.choices[0].message.content ?? '', ms: Date.now() - started };
  } catch (err) {
    const e = err as { constructor: { name: string }; status?: number; headers?: Headers };
    // Timeouts subclass connection errors (which one jest's realm reports varies).
    return { error: e.constructor.name, connection: err instanceof OpenAI.APIConnectionError, status: e.status, headers: e.headers, ms: Date.now() - started };
  }
}

test('every fault kind is served on its scheduled call and counted; later answers equal fault-free ones', async () => {
  const examples = problems.slice(0, 12);
  // Fault-free answers from a clean simulator.
  const clean = await withSimulator({}, async (sim) => {
    const client = simClient(sim);
    return Promise.all(examples.map(async (ex) => (await outcome(client, request(ex))).content));
  });

  const kinds: FaultKind[] = ['429', '500', '503', '400', 'hang', 'drop', 'truncated', 'empty', 'invalid-json'];
  expect([...kinds].sort()).toEqual([...FAULT_KINDS].sort());
  const schedule = kinds.map((kind, i) => ({ model: 'sim-small', calls: [i + 1], kind }));
  await withSimulator({ faults: { schedule, retryAfterSeconds: 2 } }, async (sim) => {
    const client = simClient(sim, { timeoutMs: 700 });
    const got: Outcome[] = [];
    // Calls one at a time, so call i+1 is the i-th request.
    for (let i = 0; i < kinds.length; i++) got.push(await outcome(client, request(examples[i], kinds[i] === 'invalid-json')));

    expect(got[0]).toMatchObject({ error: 'RateLimitError', status: 429 });
    expect(got[0].headers?.get('retry-after')).toBe('2');
    expect(got[1]).toMatchObject({ error: 'InternalServerError', status: 500 });
    expect(got[2]).toMatchObject({ error: 'InternalServerError', status: 503 });
    expect(got[3]).toMatchObject({ error: 'BadRequestError', status: 400 });
    // The hang lasts until the client gives up (700 ms); the drop ends at once.
    expect(got[4]).toMatchObject({ connection: true });
    expect(got[4].ms).toBeGreaterThanOrEqual(650);
    expect(got[5]).toMatchObject({ error: 'APIConnectionError', connection: true });
    expect(got[5].ms).toBeLessThan(650);
    // Half a JSON body: the client cannot parse it.
    expect(got[6].error).toBeDefined();
    expect(got[6].content).toBeUndefined();
    expect(got[7]).toMatchObject({ content: '' });
    expect(() => JSON.parse(got[8].content!)).toThrow();
    expect(got[8].content!.length).toBeGreaterThan(0);

    const stats = sim.stats().models['sim-small'];
    for (const kind of kinds) expect([kind, stats.faults[kind]]).toEqual([kind, 1]);
    expect(stats.calls).toBe(kinds.length);

    // After the faults, every answer is the fault-free one (also for the examples that were faulted).
    const after = await Promise.all(examples.map(async (ex) => (await outcome(client, request(ex))).content));
    expect(after).toEqual(clean);
    // JSON mode gives valid JSON once the fault has passed.
    const json = await outcome(client, request(examples[8], true));
    expect(JSON.parse(json.content!)).toHaveProperty('answer');
  });
});

test('fault rates are seeded: the same seed gives the same faulted calls, per model', async () => {
  const pattern = async (seed: number) => withSimulator({ faults: { seed, rates: { 500: 0.3 }, models: { 'sim-large': { 503: 0.5 } } } }, async (sim) => {
    const client = simClient(sim);
    const out: string[] = [];
    for (const model of ['sim-small', 'sim-large']) {
      for (let i = 0; i < 20; i++) {
        const o = await outcome(client, { ...request(problems[i]), model });
        out.push(o.status ? String(o.status) : 'ok');
      }
    }
    return { out, stats: sim.stats() };
  });
  const a = await pattern(1);
  const b = await pattern(1);
  const c = await pattern(2);
  expect(b.out).toEqual(a.out);
  expect(c.out).not.toEqual(a.out);
  const small = a.out.slice(0, 20);
  const large = a.out.slice(20);
  expect(small.filter((s) => s === '500').length).toBeGreaterThan(0);
  expect(small).not.toContain('503');
  // The model's own rates replace the global ones for that model.
  expect(large.filter((s) => s === '503').length).toBeGreaterThan(0);
  expect(large).not.toContain('500');
  expect(a.stats.models['sim-small'].faults['500']).toBe(small.filter((s) => s === '500').length);
});

test('faults set at run time over HTTP; a bad config gets a 400 naming the field; reset restarts the count', async () => {
  await withSimulator({}, async (sim) => {
    const client = simClient(sim);
    const bad = await fetch(`${sim.url}/sim/faults`, { method: 'POST', body: JSON.stringify({ schedule: [{ model: 'sim-small', calls: [0], kind: '500' }] }) });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { message: string } }).error.message).toMatch(/schedule\.0\.calls\.0/);
    const badKind = await fetch(`${sim.url}/sim/faults`, { method: 'POST', body: JSON.stringify({ rates: { teapot: 0.5 } }) });
    expect(badKind.status).toBe(400);
    expect(() => sim.setFaults({ rates: { 500: 0.7, 503: 0.6 } })).toThrow(/add up to 1\.3/);

    const ok = await fetch(`${sim.url}/sim/faults`, { method: 'POST', body: JSON.stringify({ schedule: [{ model: '*', calls: [2], kind: '503' }] }) });
    expect(ok.status).toBe(200);
    expect((await outcome(client, request(problems[0]))).content).toBeDefined();
    expect((await outcome(client, request(problems[0]))).status).toBe(503);
    expect((await outcome(client, request(problems[0]))).content).toBeDefined();
    sim.reset();
    await outcome(client, request(problems[0]));
    expect((await outcome(client, request(problems[0]))).status).toBe(503);
  });
});

test('a hung call does not block shutdown, and its client sees the connection end', async () => {
  const sim = await startTestSimulator({ faults: { schedule: [{ model: 'sim-small', calls: [1], kind: 'hang' }] } });
  const client = simClient(sim, { timeoutMs: 60_000 });
  const pending = outcome(client, request(problems[0]));
  // Let the request reach the server and hang there.
  for (let i = 0; i < 100 && sim.stats().totals.calls === 0; i++) await new Promise((r) => setTimeout(r, 10));
  expect(sim.stats().models['sim-small'].faults.hang).toBe(1);
  const started = Date.now();
  await sim.close();
  expect(Date.now() - started).toBeLessThan(2000);
  const o = await pending;
  expect(o.connection).toBe(true);
  expect(o.ms).toBeLessThan(5000);
});

test('latency: calls take about the profile latency', async () => {
  await withSimulator({ latencyMs: { mean: 150, jitter: 20 } }, async (sim) => {
    const client = simClient(sim);
    await outcome(client, request(problems[0])); // warm the connection
    const t = Date.now();
    await outcome(client, request(problems[1]));
    const took = Date.now() - t;
    expect(took).toBeGreaterThanOrEqual(125);
  });
});
