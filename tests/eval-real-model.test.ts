/**
 * `lsl eval` on the real model: the suite's llama.cpp server (SmolLM2-135M) through the shipped
 * `local-llama` entry, with a counting proxy in front. The tokens lsl reports equal the `usage`
 * the server reported, summed over its calls; a rerun with the same LSL_HOME makes zero calls to
 * the server and reports the same numbers.
 */
import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { lastJsonLine, makeTempDir, runLsl } from './helpers/cli';
import { LLAMA_ENTRY, llamaEnv, startCountingProxy, suiteLlama, type CountingProxy } from './helpers/llama';
import { testServer } from './helpers/temporal';

interface Summary {
  task: string; model: string; n: number; accuracy: number; ci95: [number, number]; failedRollouts: number; refusals: Record<string, number>; wrong: number;
  modelCalls: number; cachedCalls: number; inputTokens: number; outputTokens: number; usd: number; simulated: boolean; runDir: string;
}
interface Row { id: string; score: number; extracted: string | null; outputKey: string; inputTokens: number; outputTokens: number; cached: boolean }

const rows = (runDir: string): Row[] =>
  fs.readFileSync(path.join(runDir, 'results.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Row);
const answers = (rs: Row[]) => rs.map(({ id, score, extracted, outputKey, inputTokens, outputTokens }) => ({ id, score, extracted, outputKey, inputTokens, outputTokens }));

describe('lsl eval on the real model (llama.cpp, SmolLM2-135M)', () => {
  let proxy: CountingProxy;
  const home = makeTempDir('real-eval');
  const args = ['eval', '--task', 'gsm8k', '--model', LLAMA_ENTRY, '--limit', '20', '--json'];

  beforeAll(async () => {
    proxy = await startCountingProxy(suiteLlama().baseUrl);
  });
  afterAll(async () => {
    await proxy?.close();
    fs.rmSync(home, { recursive: true, force: true });
  });

  test('tokens equal the server\'s usage; a rerun makes no call and reports the same numbers', async () => {
    const env = { ...llamaEnv(proxy.baseUrl, suiteLlama().modelId), LSL_HOME: home, TEMPORAL_ADDRESS: testServer().address };
    const first = await runLsl(args, { ...env, LSL_TASK_QUEUE: `real-eval-${randomUUID()}` }, 1_500_000);
    expect([first.code, first.stderr.includes('lsl: error') ? first.stderr : '']).toEqual([0, '']);
    const a = lastJsonLine<Summary>(first);
    const served = proxy.stats();
    expect(a).toMatchObject({ task: 'gsm8k', model: LLAMA_ENTRY, n: 20, cachedCalls: 0, usd: 0, simulated: false });
    // A 135M model may ramble past its 512-token limit: that answer is a recorded per-example
    // refusal (cut off), counted apart from wrong answers, never a wrong answer nor a retry.
    const refused = Object.values(a.refusals).reduce((s, n) => s + n, 0);
    expect(a.failedRollouts).toBe(refused);
    expect(Math.round(a.accuracy * a.n) + a.wrong + a.failedRollouts).toBe(a.n);
    expect(served).toMatchObject({ attempted: 20, completed: 20, usageMissing: 0 });
    expect(a.modelCalls).toBe(served.completed);
    expect([a.inputTokens, a.outputTokens]).toEqual([served.promptTokens, served.completionTokens]);
    expect(a.inputTokens).toBeGreaterThan(20 * 20);
    expect(a.accuracy).toBeGreaterThanOrEqual(0);
    expect(a.accuracy).toBeLessThan(1);
    const rowsA = rows(a.runDir);
    expect(rowsA.reduce((s, r) => s + r.inputTokens, 0)).toBe(served.promptTokens);

    const second = await runLsl(args, { ...env, LSL_TASK_QUEUE: `real-eval-${randomUUID()}` }, 300_000);
    expect(second.code).toBe(0);
    const b = lastJsonLine<Summary>(second);
    expect(proxy.stats().attempted).toBe(served.attempted); // not one call reached the server
    expect(b).toMatchObject({ modelCalls: 0, cachedCalls: 20, usd: 0 });
    for (const k of ['n', 'accuracy', 'ci95', 'failedRollouts', 'refusals', 'wrong', 'inputTokens', 'outputTokens'] as const) expect([k, b[k]]).toEqual([k, a[k]]);
    expect(answers(rows(b.runDir))).toEqual(answers(rowsA));
  }, 1_800_000);
});
