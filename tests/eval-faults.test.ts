/**
 * evaluatePrompt against a faulty endpoint (real simulator, real Temporal retries): with 20% of
 * calls failing (429 with Retry-After 1 s, 500, a hang past the client timeout, a body cut
 * short) the per-example results equal the fault-free run's; a 400 ends that one rollout as a
 * failed, recorded score of 0, and the workflow still completes. Every run has its own cache.
 */
import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import type { RolloutRecord } from '../src/activities';
import type { FaultConfig, RunningSimulator } from '../src/sim';
import { WorkflowTypes } from '../src/workers/names';
import type { EvaluateInput, EvaluateResult } from '../src/workflows/evaluate';
import { makeTempDir, writeRegistry } from './helpers/cli';
import { testDeps } from './helpers/deps';
import { startTestSimulator } from './helpers/sim';
import { startTestWorker } from './helpers/temporal';

const N = 60;
const TIMEOUT_MS = 1500; // the client timeout: a hung call costs this much

const comparable = (rows: RolloutRecord[]) => rows.map(({ id, sampleIndex, score, extracted, feedback, outputKey, inputTokens, outputTokens }) =>
  ({ id, sampleIndex, score, extracted, feedback, outputKey, inputTokens, outputTokens }));

describe('evaluatePrompt with simulator faults', () => {
  const dir = makeTempDir('eval-faults');
  const models = writeRegistry(dir, `  - name: sim-large\n    timeoutMs: ${TIMEOUT_MS}\n`);
  const sims: RunningSimulator[] = [];
  afterAll(async () => {
    for (const s of sims) await s.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const input: EvaluateInput = {
    task: 'gsm8k', model: 'sim-large', instruction: 'Solve the problem step by step. End with "#### <number>".',
    pool: 'test', limit: N, concurrency: 16, modelTimeoutMs: TIMEOUT_MS,
  };

  /** One evaluation on a fresh cache against a fresh simulator with `faults`. */
  async function run(name: string, faults?: FaultConfig) {
    const sim = await startTestSimulator({ faults });
    sims.push(sim);
    const deps = testDeps(path.join(dir, name), { LSL_SIM_URL: sim.url }, models);
    const w = await startTestWorker(deps);
    try {
      const result = await w.client.workflow.execute(WorkflowTypes.evaluatePrompt, {
        taskQueue: w.taskQueue, workflowId: `eval-faults-${name}-${randomUUID()}`, args: [input],
      }) as EvaluateResult;
      const rows = (await deps.store.getText(result.resultsKey)).trim().split('\n').map((l) => JSON.parse(l) as RolloutRecord);
      return { result, rows, stats: sim.stats().totals };
    } finally {
      await w.stop();
    }
  }

  let clean: Awaited<ReturnType<typeof run>>;
  beforeAll(async () => {
    clean = await run('clean');
    expect(clean.result.failedRollouts).toBe(0);
    expect(clean.stats.calls).toBe(N);
  }, 60_000);

  test('20% faults (429 + Retry-After, 500, hang, truncated body): same results as fault-free', async () => {
    // The fault draw depends only on the seed and the call's number, so this run always sees every kind.
    const faulty = await run('faulty', {
      seed: 'eval-faults',
      rates: { 429: 0.05, 500: 0.05, hang: 0.05, truncated: 0.05 },
      retryAfterSeconds: 1,
      hangMaxMs: 30_000,
    });
    const f = faulty.stats.faults;
    expect(f['429']).toBeGreaterThan(0);
    expect(f['500']).toBeGreaterThan(0);
    expect(f.hang).toBeGreaterThan(0);
    expect(f.truncated).toBeGreaterThan(0);
    const faultCount = f['429'] + f['500'] + f.hang + f.truncated;
    expect(faulty.stats.calls).toBe(N + faultCount); // each fault cost exactly one extra call, nothing else
    expect(faulty.rows.filter((r) => r.attempt > 1).length).toBeGreaterThan(0);

    expect(comparable(faulty.rows)).toEqual(comparable(clean.rows));
    expect(faulty.rows.every((r) => r.error === undefined)).toBe(true);
    for (const k of ['n', 'correct', 'accuracy', 'ci95', 'failedRollouts', 'inputTokens', 'outputTokens', 'usd'] as const) {
      expect([k, faulty.result[k]]).toEqual([k, clean.result[k]]);
    }
  }, 120_000);

  test('a 400 on one call ends that rollout as a failed score of 0, not the workflow', async () => {
    const bad = await run('bad-request', { schedule: [{ model: 'sim-large', calls: [7], kind: '400' }] });
    expect(bad.stats.calls).toBe(N); // non-retryable: the refused call is not made again
    expect(bad.stats.faults['400']).toBe(1);
    expect(bad.result.failedRollouts).toBe(1);
    expect(bad.rows).toHaveLength(N);

    const failed = bad.rows.filter((r) => r.error !== undefined);
    expect(failed).toHaveLength(1);
    const [f] = failed;
    expect(f).toMatchObject({ score: 0, extracted: null, outputKey: '', cached: false });
    expect(f.error).toMatch(/^model 'sim-large': bad request, HTTP 400: Invalid request \(simulated fault\)/);
    expect(f.refusal).toBe('ModelBadRequest');
    expect(f.feedback).toBe(f.error);

    // Everything else is the fault-free run's, and the summary counts the failure as a 0.
    const i = bad.rows.indexOf(f);
    const others = (rows: RolloutRecord[]) => comparable(rows.filter((_, j) => j !== i));
    expect(bad.rows[i].id).toBe(clean.rows[i].id);
    expect(others(bad.rows)).toEqual(others(clean.rows));
    expect(bad.result.correct).toBe(clean.result.correct - clean.rows[i].score);
    expect(bad.result.accuracy).toBeCloseTo(bad.result.correct / N, 12);
    // The refused call was made too: it counts as a call to the endpoint.
    expect(bad.result.modelCalls).toBe(N);
  }, 120_000);
});
