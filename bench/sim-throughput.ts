/**
 * Requests per second the simulator serves at 0 ms latency, through the real `openai` client
 * (the path experiments use): GSM8K task calls at several concurrencies, then reflection calls.
 *
 *   npx tsx bench/sim-throughput.ts [requests=2000]
 */
import os from 'node:os';
import OpenAI from 'openai';
import { buildReflectionPrompt } from '../src/core/gepa/reflection';
import { datasetsDir } from '../src/paths';
import { startSimulator } from '../src/sim';
import { gsm8kTask } from '../src/tasks/gsm8k';

async function pump(total: number, concurrency: number, call: (i: number) => Promise<unknown>): Promise<number> {
  let next = 0;
  const started = process.hrtime.bigint();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < total) await call(next++);
  }));
  return Number(process.hrtime.bigint() - started) / 1e9;
}

async function main(): Promise<void> {
  const total = Number(process.argv[2] ?? 2000);
  if (!Number.isInteger(total) || total <= 0) throw new Error(`bench/sim-throughput.ts: requests must be a positive integer, got ${process.argv[2]}`);
  const t0 = Date.now();
  const sim = await startSimulator({ tasks: ['gsm8k'], latencyMs: 0 });
  const startupMs = Date.now() - t0;
  const client = new OpenAI({ baseURL: `${sim.url}/v1`, apiKey: 'sim', maxRetries: 0, timeout: 30_000 });
  const problems = await gsm8kTask.load(datasetsDir(), 'test');
  const instruction = 'Solve the math word problem step by step. End with a final line "#### <number>".';
  const task = (i: number) => client.chat.completions.create({
    model: i % 2 ? 'sim-small' : 'sim-large', temperature: 0,
    messages: gsm8kTask.buildMessages(instruction, problems[i % problems.length]),
  });
  await pump(200, 8, task); // warm-up

  console.log(`simulator throughput (${os.cpus().length} cores, ${os.cpus()[0]?.model ?? 'cpu'}, node ${process.version}); start-up ${startupMs} ms`);
  for (const concurrency of [1, 8, 32]) {
    sim.reset();
    const secs = await pump(total, concurrency, task);
    const s = sim.stats().totals;
    console.log(`task calls      concurrency ${String(concurrency).padStart(2)}: ${(total / secs).toFixed(0).padStart(5)} req/s  (${total} calls, ${(s.promptTokens / total).toFixed(0)} prompt + ${(s.completionTokens / total).toFixed(0)} completion tokens each)`);
  }

  const records = problems.slice(0, 3).map((ex, i) => ({ exampleId: ex.id, input: ex.question, output: `#### ${i}`, feedback: `incorrect: expected ${ex.gold}, extracted ${i}`, score: 0, passed: false }));
  const reflect = (i: number) => client.chat.completions.create({
    model: 'sim-large', temperature: 0,
    messages: [{ role: 'user', content: buildReflectionPrompt({ currentText: `${instruction}\n- variant ${i}`, records, component: 'instruction', componentCount: 1 }) }],
  });
  const n = Math.max(100, Math.floor(total / 4));
  sim.reset();
  const secs = await pump(n, 8, reflect);
  const s = sim.stats().totals;
  console.log(`reflection calls concurrency  8: ${(n / secs).toFixed(0).padStart(5)} req/s  (${n} calls, ${(s.promptTokens / n).toFixed(0)} prompt tokens each)`);
  await sim.close();
}

main().catch((err: unknown) => {
  console.error((err as Error).message);
  process.exit(1);
});
