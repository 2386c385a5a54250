/**
 * `lsl eval` through the real binary: 200 GSM8K test problems on sim-large, first with the
 * embedded default (the CLI starts its own dev server and worker), then again against the
 * suite's server (TEMPORAL_ADDRESS). The second run shares the first's LSL_HOME, so every
 * answer comes from the response cache: the simulator sees zero new calls and the numbers match.
 */
import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import type { RunningSimulator } from '../src/sim';
import { SearchAttributes } from '../src/workers/names';
import { lastJsonLine, makeTempDir, runLsl } from './helpers/cli';
import { startTestSimulator } from './helpers/sim';
import { testClient, testServer } from './helpers/temporal';

interface Summary {
  workflowId: string; task: string; model: string; n: number; accuracy: number; ci95: [number, number];
  flexibleAccuracy?: number; failedRollouts: number; modelCalls: number; cachedCalls: number;
  inputTokens: number; outputTokens: number; usd: number; runDir: string; resultsKey: string;
}

interface Row { id: string; sampleIndex: number; score: number; extracted: string | null; outputKey: string; inputTokens: number; outputTokens: number; cached: boolean }

const readRows = (runDir: string): Row[] =>
  fs.readFileSync(path.join(runDir, 'results.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Row);
const answers = (rows: Row[]) => rows.map(({ id, sampleIndex, score, extracted, outputKey, inputTokens, outputTokens }) =>
  ({ id, sampleIndex, score, extracted, outputKey, inputTokens, outputTokens }));

describe('lsl eval (real CLI) on 200 GSM8K problems', () => {
  let sim: RunningSimulator;
  const home = makeTempDir('eval-cli');
  const args = ['eval', '--task', 'gsm8k', '--model', 'sim-large', '--limit', '200', '--json'];

  beforeAll(async () => {
    sim = await startTestSimulator();
  });
  afterAll(async () => {
    await sim?.close();
    fs.rmSync(home, { recursive: true, force: true });
  });

  test('completes, then reruns from the cache with zero model calls and identical numbers', async () => {
    // 1. Embedded default: no TEMPORAL_ADDRESS, so the CLI starts a dev server persisted in its run dir.
    const first = await runLsl(args, { LSL_HOME: home, LSL_SIM_URL: sim.url, TEMPORAL_ADDRESS: undefined });
    expect(first.code).toBe(0);
    const a = lastJsonLine<Summary>(first);
    expect(a).toMatchObject({ task: 'gsm8k', model: 'sim-large', n: 200, failedRollouts: 0, modelCalls: 200, cachedCalls: 0 });
    expect(a.accuracy).toBeGreaterThan(0.3);
    expect(a.accuracy).toBeLessThan(1);
    expect(a.ci95[0]).toBeLessThan(a.accuracy);
    expect(a.ci95[1]).toBeGreaterThan(a.accuracy);
    expect(a.inputTokens).toBeGreaterThan(0);
    expect(a.usd).toBeGreaterThan(0);
    expect(fs.existsSync(path.join(a.runDir, 'temporal.db'))).toBe(true);
    expect(first.stderr).toContain('Temporal dev server');
    expect(sim.stats().totals.calls).toBe(200);
    const rowsA = readRows(a.runDir);
    expect(rowsA).toHaveLength(200);
    expect(rowsA.reduce((s, r) => s + r.score, 0) / 200).toBeCloseTo(a.accuracy, 10);

    // 2. The suite's server (TEMPORAL_ADDRESS), same LSL_HOME: everything is served from the cache.
    const { address } = testServer();
    const taskQueue = `eval-cli-${randomUUID()}`;
    const second = await runLsl(args, { LSL_HOME: home, LSL_SIM_URL: sim.url, TEMPORAL_ADDRESS: address, LSL_TASK_QUEUE: taskQueue });
    expect(second.code).toBe(0);
    const b = lastJsonLine<Summary>(second);
    expect(sim.stats().totals.calls).toBe(200); // not one more call reached the endpoint
    expect(b).toMatchObject({ modelCalls: 0, cachedCalls: 200, usd: 0 });
    expect(b.workflowId).not.toBe(a.workflowId);
    expect(fs.existsSync(path.join(b.runDir, 'temporal.db'))).toBe(false);
    for (const k of ['n', 'accuracy', 'ci95', 'flexibleAccuracy', 'failedRollouts', 'inputTokens', 'outputTokens'] as const) {
      expect([k, b[k]]).toEqual([k, a[k]]);
    }
    const rowsB = readRows(b.runDir);
    expect(rowsB.every((r) => r.cached)).toBe(true);
    expect(answers(rowsB)).toEqual(answers(rowsA));

    // The run is on the suite's server, completed, with its typed search attributes.
    const client = await testClient();
    try {
      const desc = await client.workflow.getHandle(b.workflowId).describe();
      expect(desc.status.name).toBe('COMPLETED');
      expect(desc.taskQueue).toBe(taskQueue);
      expect(desc.typedSearchAttributes.get(SearchAttributes.task)).toBe('gsm8k');
      expect(desc.typedSearchAttributes.get(SearchAttributes.model)).toBe('sim-large');
      expect(desc.typedSearchAttributes.get(SearchAttributes.status)).toBe('completed');
      expect(desc.typedSearchAttributes.get(SearchAttributes.testAccuracy)).toBeCloseTo(a.accuracy, 10);
    } finally {
      await client.connection.close();
    }
  });
});
