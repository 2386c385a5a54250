/**
 * `lsl eval` (the real binary, its embedded dev server and worker) against the simulator over
 * HTTP, for the three kinds of failure and a reasoning model:
 * - a bad key from the start: exit non-zero naming the model and "authentication failed", no
 *   score recorded, no call retried;
 * - per-example refusals (a prompt over the context, an answer cut off at the token limit):
 *   recorded failures with their reasons, counted apart from wrong answers, each called once;
 * - the reasoning profile: the evaluation completes, its reasoning tokens are counted and priced,
 *   and the simulator (which refuses max_tokens) refused nothing.
 */
import fs from 'node:fs';
import path from 'node:path';
import { DEFAULT_INSTRUCTION } from '../src/cli/commands/eval';
import type { RunningSimulator } from '../src/sim';
import { countPromptTokens } from '../src/sim/tokens';
import { gsm8kTask } from '../src/tasks/gsm8k';
import { filesUnder, lastJsonLine, makeTempDir, runLsl, testDatasetsDir, writeRegistry } from './helpers/cli';
import { startTestSimulator } from './helpers/sim';

interface Summary {
  workflowId: string; n: number; accuracy: number; failedRollouts: number; refusals: Record<string, number>; wrong: number;
  modelCalls: number; inputTokens: number; outputTokens: number; reasoningTokens: number; usd: number; runDir: string;
}
interface Row { id: string; score: number; feedback: string; error?: string; refusal?: string; outputTokens: number; reasoningTokens?: number }
const rowsOf = (runDir: string): Row[] => fs.readFileSync(path.join(runDir, 'results.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Row);

const sims: RunningSimulator[] = [];
afterAll(async () => {
  for (const s of sims) await s.close();
});
async function sim(opts: Parameters<typeof startTestSimulator>[0]) {
  const s = await startTestSimulator(opts);
  sims.push(s);
  return s;
}
const embedded = (home: string, s: RunningSimulator, extra: Record<string, string> = {}) => ({ LSL_HOME: home, LSL_SIM_URL: s.url, TEMPORAL_ADDRESS: undefined, ...extra });

test('a bad key from the start: lsl eval exits non-zero naming the model and "authentication failed", and records no score', async () => {
  const s = await sim({ faults: { account: [{ model: '*', fromCall: 1, kind: 'auth' }] } });
  const home = makeTempDir('fail-auth');
  const r = await runLsl(['eval', '--task', 'gsm8k', '--model', 'sim-small', '--limit', '10', '--json'], embedded(home, s));
  expect(r.code).toBe(1);
  expect(r.stderr).toMatch(/lsl: error: blocked: model 'sim-small': authentication failed/);
  expect(r.stdout).not.toMatch(/accuracy/);
  // Nothing scored: no results or summary in the run directory.
  const files = filesUnder(path.join(home, 'runs')).map((f) => path.basename(f));
  expect(files).not.toContain('results.jsonl');
  expect(files).not.toContain('result.json');
  // Each refused call was made once (an account failure is never retried), and no new call started after the block.
  const stats = s.stats().models['sim-small'];
  expect(stats.faults.auth).toBe(stats.calls);
  expect(stats.calls).toBeLessThanOrEqual(10);
  expect(stats.taskCalls).toBe(0);
});

test('a context-length refusal and a cut-off answer are recorded failures with their reasons, counted apart, each called once', async () => {
  const N = 20;
  const maxTokens = 60;
  // A context that fits half the prompts plus the completion budget: the longer half is refused.
  const examples = (await gsm8kTask.load(testDatasetsDir(), 'test')).slice(0, N);
  const prompts = examples.map((ex) => countPromptTokens(gsm8kTask.buildMessages(DEFAULT_INSTRUCTION, ex)));
  const contextTokens = [...prompts].sort((a, b) => a - b)[N / 2] + maxTokens;
  const tooLong = prompts.filter((p) => p + maxTokens > contextTokens).length;
  expect(tooLong).toBeGreaterThan(0);
  const s = await sim({ profiles: { 'sim-small': { contextTokens } } });
  const home = makeTempDir('fail-refusals');
  const models = writeRegistry(home, `  - { name: sim-small, maxTokens: ${maxTokens} }\n`);
  const r = await runLsl(['eval', '--task', 'gsm8k', '--model', 'sim-small', '--limit', String(N), '--json'], embedded(home, s, { LSL_MODELS: models }));
  expect(r.code).toBe(0);
  const sum = lastJsonLine<Summary>(r);
  const rows = rowsOf(sum.runDir);
  const stats = s.stats().models['sim-small'];

  // Each example called exactly once: refusals are not retried.
  expect(stats.calls).toBe(N);
  expect(sum.refusals.ModelContextLength).toBe(tooLong);
  expect(stats.errors).toBe(tooLong);
  expect(sum.refusals.ModelCutOff).toBeGreaterThan(0);
  expect(sum.refusals.ModelCutOff).toBe(stats.cutOff);
  expect(sum.failedRollouts).toBe(tooLong + stats.cutOff);
  // Counted apart: correct + wrong + refused = all.
  const correct = rows.reduce((a, row) => a + row.score, 0);
  expect(correct + sum.wrong + sum.failedRollouts).toBe(N);
  expect(sum.accuracy).toBeCloseTo(correct / N, 12);
  expect(r.stderr).toMatch(/refused \(per example\)\s+\d+ \((ContextLength \d+, CutOff \d+|CutOff \d+, ContextLength \d+)\)/);

  const refused = rows.filter((row) => row.error);
  for (const row of refused) expect(row.score).toBe(0);
  const cut = refused.filter((row) => row.refusal === 'ModelCutOff');
  for (const row of cut) expect(row.feedback).toBe(`the answer was cut off at ${maxTokens} output tokens`);
  const long = refused.filter((row) => row.refusal === 'ModelContextLength');
  for (const row of long) expect(row.feedback).toMatch(new RegExp(`model 'sim-small': prompt too long for the model's context, HTTP 400: This model's maximum context length is ${contextTokens} tokens`));
  // A cut-off answer was paid for: its tokens are counted.
  expect(cut.every((row) => row.outputTokens === maxTokens)).toBe(true);
});

test('the reasoning profile: an evaluation completes, reasoning tokens are counted and priced, and max_tokens is never sent', async () => {
  const s = await sim({});
  const home = makeTempDir('fail-reasoning');
  const r = await runLsl(['eval', '--task', 'gsm8k', '--model', 'sim-reasoning', '--limit', '12', '--json'], embedded(home, s));
  expect(r.code).toBe(0);
  const sum = lastJsonLine<Summary>(r);
  const stats = s.stats().models['sim-reasoning'];
  expect(stats.errors).toBe(0); // the simulator refuses max_tokens and temperature 0 with a 400
  expect(stats.calls).toBe(12);
  expect(sum.failedRollouts).toBe(0);
  expect(sum.reasoningTokens).toBe(stats.reasoningTokens);
  expect(sum.reasoningTokens).toBeGreaterThan(0);
  expect(sum.outputTokens).toBe(stats.completionTokens);
  // sim-reasoning is priced at $1.25 / $10 per million tokens: reasoning billed as output.
  expect(sum.usd).toBeCloseTo((stats.promptTokens * 1.25 + stats.completionTokens * 10) / 1e6, 9);
  expect(rowsOf(sum.runDir).every((row) => (row.reasoningTokens ?? 0) > 0)).toBe(true);
  expect(r.stderr).toMatch(/of them reasoning/);
});
