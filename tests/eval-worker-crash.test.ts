/**
 * A `lsl worker` process is killed with SIGKILL a third of the way through an evaluatePrompt
 * run and a new one is started. The workflow must end with exactly the per-example results of
 * an undisturbed run (on a fresh cache), and the model calls made again must be no more than
 * the rollouts in flight at the kill (the evaluation's window): everything finished before the
 * kill is answered from the response cache.
 */
import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import type { RolloutRecord } from '../src/activities';
import type { RunningSimulator } from '../src/sim';
import { LocalArtifactStore } from '../src/store/artifacts';
import { WorkflowTypes } from '../src/workers/names';
import type { EvaluateInput, EvaluateProgress, EvaluateResult } from '../src/workflows/evaluate';
import { makeTempDir, startWorkerProcess, writeRegistry, type LslProcess } from './helpers/cli';
import { testDeps } from './helpers/deps';
import { startTestSimulator } from './helpers/sim';
import { startTestWorker, testClient, testServer } from './helpers/temporal';

const N = 120;
const WINDOW = 8;
const TIMEOUT_MS = 3000; // the model's client timeout: rollouts lost with the worker are retried ~20 s later

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const comparable = (rows: RolloutRecord[]) => rows.map(({ id, sampleIndex, score, extracted, feedback, outputKey, inputTokens, outputTokens, error }) =>
  ({ id, sampleIndex, score, extracted, feedback, outputKey, inputTokens, outputTokens, error }));
const parseJsonl = (text: string) => text.trim().split('\n').map((l) => JSON.parse(l) as RolloutRecord);

describe('evaluatePrompt survives a SIGKILLed worker', () => {
  const dir = makeTempDir('eval-crash');
  const models = writeRegistry(dir, `  - name: sim-large\n    timeoutMs: ${TIMEOUT_MS}\n`);
  const sims: RunningSimulator[] = [];
  const workers: LslProcess[] = [];
  afterAll(async () => {
    for (const w of workers) await w.kill('SIGKILL');
    for (const s of sims) await s.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('a new worker finishes it with the undisturbed results, re-making at most the calls in flight', async () => {
    const input: EvaluateInput = {
      task: 'gsm8k', model: 'sim-large', instruction: 'Solve the problem step by step. End with "#### <number>".',
      pool: 'test', limit: N, concurrency: WINDOW, modelTimeoutMs: TIMEOUT_MS,
    };

    // The undisturbed run: in-process worker, fresh cache, its own simulator (answers depend only on the request).
    const refSim = await startTestSimulator();
    sims.push(refSim);
    const refDeps = testDeps(path.join(dir, 'ref'), { LSL_SIM_URL: refSim.url }, models);
    const ref = await startTestWorker(refDeps);
    let refResult: EvaluateResult;
    try {
      refResult = await ref.client.workflow.execute(WorkflowTypes.evaluatePrompt, {
        taskQueue: ref.taskQueue, workflowId: `eval-crash-ref-${randomUUID()}`, args: [input],
      }) as EvaluateResult;
    } finally {
      await ref.stop();
    }
    const refRows = parseJsonl(await refDeps.store.getText(refResult.resultsKey));
    expect(refRows).toHaveLength(N);

    // The disturbed run: worker processes on their own queue, 200 ms per model call.
    const sim = await startTestSimulator({ latencyMs: 200 });
    sims.push(sim);
    const { address } = testServer();
    const taskQueue = `eval-crash-${randomUUID()}`;
    const home = path.join(dir, 'home');
    const workerEnv = { LSL_HOME: home, LSL_SIM_URL: sim.url, LSL_MODELS: models };
    const first = await startWorkerProcess(address, taskQueue, workerEnv);
    workers.push(first);

    const client = await testClient();
    try {
      const handle = await client.workflow.start(WorkflowTypes.evaluatePrompt, {
        taskQueue, workflowId: `eval-crash-${randomUUID()}`, args: [input],
      });
      let progress: EvaluateProgress = { total: N, done: 0, correct: 0, refused: 0, blocked: null };
      const deadline = Date.now() + 60_000;
      while (progress.done < N / 3) {
        if (Date.now() > deadline) throw new Error(`no progress past ${progress.done}/${N} in 60 s:\n${first.output()}`);
        await sleep(50);
        progress = await handle.query<EvaluateProgress>('progress');
      }
      await first.kill('SIGKILL');
      expect(first.child.signalCode).toBe('SIGKILL');
      const doneAtKill = progress.done;
      expect(doneAtKill).toBeLessThan(N * 0.6); // the kill landed mid-evaluation
      const callsAtKill = sim.stats().totals.calls;

      const second = await startWorkerProcess(address, taskQueue, workerEnv);
      workers.push(second);
      const result = await handle.result() as EvaluateResult;
      const rows = parseJsonl(await new LocalArtifactStore(path.join(home, 'artifacts')).getText(result.resultsKey));

      // Exactly the undisturbed per-example results and numbers.
      expect(comparable(rows)).toEqual(comparable(refRows));
      for (const k of ['n', 'correct', 'accuracy', 'ci95', 'flexibleAccuracy', 'failedRollouts', 'inputTokens', 'outputTokens'] as const) {
        expect([k, result[k]]).toEqual([k, refResult[k]]);
      }
      // The kill interrupted rollouts in flight: they ran again on the new worker.
      const retried = rows.filter((r) => r.attempt > 1);
      expect(retried.length).toBeGreaterThan(0);
      expect(retried.length).toBeLessThanOrEqual(WINDOW);
      // Calls made again: no more than the window that was in flight at the kill.
      const calls = sim.stats().totals.calls;
      expect(callsAtKill).toBeGreaterThanOrEqual(doneAtKill);
      expect(calls - N).toBeGreaterThanOrEqual(0);
      expect(calls - N).toBeLessThanOrEqual(WINDOW);
      expect(sim.stats().totals.taskCalls).toBe(calls);
    } finally {
      await client.connection.close();
    }
  }, 150_000);
});
