/**
 * A GEPA stage whose worker (a real `lsl worker` process) is killed with SIGKILL in the middle of
 * the stage, with rollouts in flight, and replaced by a new worker process, ends in the same
 * result as an undisturbed run of the same stage. The sim models get a 2 s client timeout, so the
 * rollouts lost with the killed worker are retried after a short start-to-close timeout.
 */
import path from 'node:path';
import { temporal } from '@temporalio/proto';
import type { RunningSimulator } from '../src/sim';
import { LocalArtifactStore } from '../src/store/artifacts';
import { WorkflowTypes } from '../src/workers/names';
import type { GepaStageResult } from '../src/workflows/gepa-stage';
import { shortTimeoutRegistry, startWorkerProcess, type LslProcess } from './helpers/cli';
import { startTestSimulator } from './helpers/sim';
import { startTestWorker, testClient, testServer, type TestWorker } from './helpers/temporal';
import { gsm8kStageInput, outcomeOf, poolOf, removeTempDirs, stageDeps, tempDir, waitForProgress } from './stage-setup';

const TIMEOUT_MS = 2000;
const STARTED = temporal.api.enums.v1.PendingActivityState.PENDING_ACTIVITY_STATE_STARTED;

let sim: RunningSimulator;
let inProcess: TestWorker | undefined;
const processes: LslProcess[] = [];

beforeAll(async () => {
  // Calls long enough that the kill below lands while one is surely in flight on the worker.
  sim = await startTestSimulator({ latencyMs: 300 });
});

afterAll(async () => {
  for (const p of processes) await p.kill('SIGKILL');
  await inProcess?.stop();
  await sim?.close();
  removeTempDirs();
});

test('a worker killed with SIGKILL mid-stage and restarted ends in the same result as an undisturbed run', async () => {
  const input = await gsm8kStageInput({ budget: 200, val: 20, train: 30, modelTimeoutMs: TIMEOUT_MS });

  // The undisturbed run: an in-process worker with its own cache and store.
  const undisturbedDeps = stageDeps(sim.url, tempDir('stage-calm'));
  inProcess = await startTestWorker(undisturbedDeps);
  const calm = inProcess.client.workflow
    .start(WorkflowTypes.gepaStage, { taskQueue: inProcess.taskQueue, workflowId: `stage-calm-${Date.now()}`, args: [input] })
    .then((h) => h.result() as Promise<GepaStageResult>);

  // The disturbed run: `lsl worker` processes on their own queue, home and registry.
  const home = tempDir('stage-crash');
  const taskQueue = `stage-crash-${Date.now()}`;
  const env = { LSL_HOME: home, LSL_MODELS: shortTimeoutRegistry(home, TIMEOUT_MS), LSL_SIM_URL: sim.url };
  const first = await startWorkerProcess(testServer().address, taskQueue, env);
  processes.push(first);

  const client = await testClient();
  try {
    const handle = await client.workflow.start(WorkflowTypes.gepaStage, { taskQueue, workflowId: `stage-crash-${Date.now()}`, args: [input] });
    await waitForProgress(handle, (p) => p.stageIterations >= 2, 120_000);
    // Kill while rollouts are running on the worker, so work is really lost.
    const deadline = Date.now() + 60_000;
    while (!((await handle.describe()).raw.pendingActivities ?? []).some((a) => a.state === STARTED)) {
      if (Date.now() > deadline) throw new Error('no rollout was ever seen running on the worker');
      await new Promise((r) => setTimeout(r, 10));
    }
    await first.kill('SIGKILL');
    expect(first.child.signalCode).toBe('SIGKILL');
    const atKill = await handle.describe();
    expect(atKill.status.name).toBe('RUNNING');

    const second = await startWorkerProcess(testServer().address, taskQueue, env);
    processes.push(second);
    const crashed = (await handle.result()) as GepaStageResult;
    const undisturbed = await calm;

    // The lost rollouts timed out and ran again on the new worker (a retried attempt is recorded
    // on its started event, with the timeout that gave it up as the last failure).
    const events = (await handle.fetchHistory()).events ?? [];
    const retried = events.filter((e) => (e.activityTaskStartedEventAttributes?.attempt ?? 1) > 1);
    expect(retried.length).toBeGreaterThan(0);
    expect(retried[0].activityTaskStartedEventAttributes?.lastFailure?.timeoutFailureInfo?.timeoutType)
      // Model calls heartbeat: a call lost with its worker is retried when the heartbeat stops, long before start-to-close.
      .toBe(temporal.api.enums.v1.TimeoutType.TIMEOUT_TYPE_HEARTBEAT);
    expect(events.length).toBeLessThan(10_000);

    expect(undisturbed.stopReason).toBe('budget');
    expect(undisturbed.bestScore).toBeGreaterThan(undisturbed.seedScore);
    // Same pool, lineage, scores, curve and spend; only the ledger's re-done work may differ.
    const { ledger: crashedLedger, account: _a, summaryKey: _s, ...crashedOutcome } = outcomeOf(crashed);
    const { ledger: calmLedger, account: _b, summaryKey: _t, ...calmOutcome } = outcomeOf(undisturbed);
    expect(crashedOutcome).toEqual(calmOutcome);
    expect(crashedLedger.totals.metricCalls).toBe(calmLedger.totals.metricCalls);
    expect(crashedLedger.totals.metricCalls).toBeLessThanOrEqual(input.grant.amount);
    const crashedStore = new LocalArtifactStore(path.join(home, 'artifacts'));
    expect(await poolOf(crashedStore, crashed)).toEqual(await poolOf(undisturbedDeps.store, undisturbed));
  } finally {
    await client.connection.close();
  }
});
