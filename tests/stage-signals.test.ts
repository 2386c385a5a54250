/**
 * Signals and the progress query of a running GEPA stage, on the real dev server and simulator:
 * `stop` ends the stage after the current iteration with a valid result; `pause` halts it (the
 * progress query, the search attributes and `lsl status` all show it) and `resume` lets it finish
 * with the same result as an undisturbed twin.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import type { GepaState } from '../src/core/gepa';
import type { RunningSimulator } from '../src/sim';
import { SearchAttributes, WorkflowTypes } from '../src/workers/names';
import type { GepaStageResult, GepaStageProgress } from '../src/workflows/gepa-stage';
import { startTestSimulator } from './helpers/sim';
import { startTestWorker, testServer, type TestWorker } from './helpers/temporal';
import { activityStarted, gsm8kStageInput, poolOf, removeTempDirs, stageDeps, tempDir, waitForProgress } from './stage-setup';

const REPO = path.resolve(__dirname, '..');
let sim: RunningSimulator;
let worker: TestWorker;
let deps: ReturnType<typeof stageDeps>;

beforeAll(async () => {
  // A little latency, so an iteration takes long enough to signal in the middle of it.
  sim = await startTestSimulator({ latencyMs: 30 });
  deps = stageDeps(sim.url, tempDir('stage-signals'));
  worker = await startTestWorker(deps);
});

afterAll(async () => {
  await worker?.stop();
  await sim?.close();
  removeTempDirs();
});

async function start(id: string, budget: number) {
  const input = await gsm8kStageInput({ budget, val: 20, train: 30 });
  return worker.client.workflow.start(WorkflowTypes.gepaStage, { taskQueue: worker.taskQueue, workflowId: `stage-signals-${id}-${Date.now()}`, args: [input] });
}

/** Runs `bin/lsl status <id> --json` against the suite's server. */
function lslStatus(workflowId: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(path.join(REPO, 'bin', 'lsl'), ['status', workflowId, '--json'], {
      cwd: REPO, env: { ...process.env, TEMPORAL_ADDRESS: testServer().address, TEMPORAL_NAMESPACE: testServer().namespace },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

test('a stop signal ends the stage after the current iteration with a valid result', async () => {
  const grant = 400;
  const handle = await start('stop', grant);
  const before = await waitForProgress(handle, (p) => p.stageIterations >= 2 && p.phase !== 'between-iterations');
  await handle.signal('stop');
  const r = (await handle.result()) as GepaStageResult;

  expect(r.stopReason).toBe('stop-requested');
  expect(r.iterations).toBeGreaterThanOrEqual(before.stageIterations);
  // A stopped stage's iterations all ended in one counted outcome; the progress query counted them as they ended.
  expect(Object.values(r.outcomes).reduce((a, b) => a + b, 0)).toBe(r.iterations);
  expect(Object.values(before.outcomes).reduce((a, b) => a + b, 0)).toBe(before.stageIterations - 1);
  // The iteration in flight when the workflow saw the signal finishes, and no new one starts: at
  // most that iteration's one reflection comes after the signal in the history.
  const events = (await handle.fetchHistory()).events ?? [];
  const signalAt = events.findIndex((e) => e.workflowExecutionSignaledEventAttributes?.signalName === 'stop');
  expect(signalAt).toBeGreaterThan(0);
  expect(events.slice(0, signalAt).filter((e) => activityStarted(e) === 'reflect').length).toBeGreaterThanOrEqual(1);
  expect(events.slice(signalAt).filter((e) => activityStarted(e) === 'reflect').length).toBeLessThanOrEqual(1);
  expect(r.metricCalls).toBeGreaterThanOrEqual(before.spent);
  expect(r.metricCalls).toBeLessThanOrEqual(grant);
  expect(grant - r.metricCalls).toBeGreaterThan(2 * 3 + 20); // not a budget stop
  expect(r.ledger.totals.metricCalls).toBe(r.metricCalls);
  expect(r.bestScore).toBeGreaterThanOrEqual(r.seedScore);
  expect(r.bestCandidate.text.length).toBeGreaterThan(0);

  // The saved state sits exactly at an iteration boundary, so a later stage could continue it.
  const state = await deps.store.getJson<GepaState>(r.stateKey);
  expect(state.inFlight).toBeNull();
  expect(state.pending).toBeNull();
  expect(state.stopReason).toBe('stop-requested');
  expect(state.counters.iterations).toBe(r.iterations);
  const summary = await poolOf(deps.store, r);
  expect(summary.pool.map((c) => c.text)).toContain(r.bestCandidate.text);
  expect(summary.best.valMean).toBe(r.bestScore);

  const desc = await handle.describe();
  expect(desc.typedSearchAttributes.get(SearchAttributes.status)).toBe('stopped');
});

test('pause halts the stage (progress, search attribute and `lsl status` show it); resume finishes it like an undisturbed run', async () => {
  const budget = 160;
  const twin = await start('twin', budget);
  const handle = await start('pause', budget);
  await waitForProgress(handle, (p) => p.stageIterations >= 1);
  await handle.signal('pause');
  await waitForProgress(handle, (p) => p.paused);

  // The action in flight when the pause came completes; after that nothing moves.
  let held: GepaStageProgress = await handle.query<GepaStageProgress>('progress');
  for (;;) {
    await new Promise((r) => setTimeout(r, 1000));
    const now = await handle.query<GepaStageProgress>('progress');
    const same = now.spent === held.spent && now.phase === held.phase && now.iteration === held.iteration;
    held = now;
    if (same) break;
  }
  expect(held.paused).toBe(true);
  expect(held.stopReason).toBeNull();
  expect(held.spent).toBeLessThan(budget);
  expect((await handle.describe()).typedSearchAttributes.get(SearchAttributes.status)).toBe('paused');

  const status = await lslStatus(handle.workflowId);
  expect(status.stderr).toBe('');
  expect(status.code).toBe(0);
  const shown = JSON.parse(status.stdout.trim()) as { workflowId: string; type: string; status: string; progress: GepaStageProgress };
  expect(shown).toMatchObject({ workflowId: handle.workflowId, type: 'gepaStage', status: 'RUNNING' });
  expect(shown.progress).toMatchObject({
    stage: 'optimize', paused: true, stopRequested: false, spent: held.spent, iteration: held.iteration,
    stageIterations: held.stageIterations, phase: held.phase, grant: { amount: budget, unit: 'metricCalls' },
    poolSize: held.poolSize, bestValMean: held.bestValMean,
  });
  // Still no movement after the seconds `lsl status` took.
  expect((await handle.query<GepaStageProgress>('progress')).spent).toBe(held.spent);

  await handle.signal('resume');
  const r = (await handle.result()) as GepaStageResult;
  const t = (await twin.result()) as GepaStageResult;
  expect(r.stopReason).toBe('budget');
  expect(r.metricCalls).toBeGreaterThan(held.spent);
  expect((await handle.describe()).typedSearchAttributes.get(SearchAttributes.status)).toBe('completed');
  // Pausing changes when, not what: same pool, scores, curve and spend as the twin.
  expect(await poolOf(deps.store, r)).toEqual(await poolOf(deps.store, t));
  expect([r.bestCandidate, r.metricCalls, r.learningCurve]).toEqual([t.bestCandidate, t.metricCalls, t.learningCurve]);
  expect(r.outcomes).toEqual(t.outcomes);
  expect(Object.values(r.outcomes).reduce((a, b) => a + b, 0)).toBe(r.iterations);
});
