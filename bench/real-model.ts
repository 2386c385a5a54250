/**
 * Gateway plus Temporal overhead on a real model: the same N GSM8K rollouts (first N test
 * problems, the default instruction, temperature 0, seed 0, local-llama's max tokens) through
 * `lsl eval` against a running dev server, and then directly with the `openai` client at the
 * same concurrency, against one llama.cpp server (SmolLM2-135M). One run; ratio = lsl / direct.
 * The lsl side is timed twice: the whole command (tsx start-up, in-process worker) and from
 * "workflow started" to its exit (the rollouts themselves).
 *
 *   npx tsx bench/real-model.ts [rollouts=50] [concurrency=2]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import OpenAI from 'openai';
import { DEFAULT_INSTRUCTION } from '../src/cli/commands/eval';
import { loadRegistry } from '../src/llm/registry';
import { datasetsDir } from '../src/paths';
import { startTemporal } from '../src/temporal/server';
import { getTask } from '../src/tasks/registry';
import { spawnLsl, lastJsonLine } from '../tests/helpers/cli';
import { LLAMA_ENTRY, llamaEnv, startLlamaServer } from '../tests/helpers/llama';

async function main(): Promise<void> {
  const n = Number(process.argv[2] ?? 50);
  const concurrency = Number(process.argv[3] ?? 2);
  if (!Number.isInteger(n) || n < 1) throw new Error(`rollouts must be a whole number >= 1, got ${process.argv[2]}`);
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new Error(`concurrency must be a whole number >= 1, got ${process.argv[3]}`);
  const spec = loadRegistry(undefined, {}).get(LLAMA_ENTRY);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lsl-bench-real-'));
  const llama = await startLlamaServer();
  const temporal = await startTemporal();
  try {
    console.log(`real-model benchmark: ${n} GSM8K rollouts, concurrency ${concurrency}, ${os.cpus().length} cores, node ${process.version}, load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);

    // The same calls with the openai client, `concurrency` at a time; timed before and after lsl
    // so a change in the machine's load during the run shows (ratio against their mean).
    const task = getTask('gsm8k');
    const examples = (await task.load(datasetsDir(), 'test')).slice(0, n);
    const client = new OpenAI({ baseURL: llama.baseUrl, apiKey: 'no-key-needed', maxRetries: 0, timeout: spec.timeoutMs });
    let outputTokens = 0;
    const directRun = async (): Promise<number> => {
      let next = 0;
      outputTokens = 0;
      const t1 = performance.now();
      await Promise.all(Array.from({ length: concurrency }, async () => {
        for (let i = next++; i < examples.length; i = next++) {
          const r = await client.chat.completions.create({
            model: llama.modelId, messages: task.buildMessages(DEFAULT_INSTRUCTION, examples[i]),
            temperature: spec.temperature, max_tokens: spec.maxTokens, seed: 0,
          });
          outputTokens += r.usage?.completion_tokens ?? 0;
        }
      }));
      return (performance.now() - t1) / 1000;
    };
    const directBefore = await directRun();

    // 1. lsl eval against the running dev server (its in-process worker), empty response cache.
    const t0 = performance.now();
    let tStarted = 0;
    const p = spawnLsl(['eval', '--task', 'gsm8k', '--model', LLAMA_ENTRY, '--limit', String(n), '--concurrency', String(concurrency), '--json'], {
      ...llamaEnv(llama.baseUrl), LSL_HOME: path.join(tmp, 'home'), TEMPORAL_ADDRESS: temporal.address, LSL_TASK_QUEUE: `bench-real-${process.pid}`,
    });
    void p.waitFor(/workflow \S+ started/, 120_000).then(() => (tStarted = performance.now()));
    const exit = await p.exited;
    const tEnd = performance.now();
    if (exit.code !== 0) throw new Error(`lsl eval failed (${exit.code}):\n${p.output()}`);
    const summary = lastJsonLine<{ modelCalls: number; cachedCalls: number; failedRollouts: number; outputTokens: number; accuracy: number }>({
      code: exit.code, signal: exit.signal, stdout: p.output(), stderr: '',
    });
    // A cut-off answer is a recorded refusal, but its call was made and timed like any other.
    if (summary.modelCalls !== n || summary.cachedCalls !== 0) throw new Error(`expected ${n} fresh calls, got ${JSON.stringify(summary)}`);
    const lslWhole = (tEnd - t0) / 1000;
    const lslRollouts = (tEnd - tStarted) / 1000;

    const directAfter = await directRun();
    const direct = (directBefore + directAfter) / 2;

    console.log(`lsl eval, whole command:        ${lslWhole.toFixed(1)} s`);
    console.log(`lsl eval, workflow start to end: ${lslRollouts.toFixed(1)} s  (${summary.outputTokens} output tokens, accuracy ${summary.accuracy.toFixed(3)})`);
    console.log(`openai client directly:          ${directBefore.toFixed(1)} s before, ${directAfter.toFixed(1)} s after (${outputTokens} output tokens)`);
    console.log(`ratio (workflow / direct): ${(lslRollouts / direct).toFixed(3)}; (whole command / direct): ${(lslWhole / direct).toFixed(3)}`);
    console.log(`load average at the end ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  } finally {
    await llama.stop();
    await temporal.shutdown();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error((err as Error).message);
  process.exit(1);
});
