/**
 * Each population search (OPRO, EvoPrompt GA and DE, PromptBreeder) as a durable stage: its
 * worker (a real `lsl worker` process) is killed with SIGKILL mid-stage, with calls in flight,
 * and replaced; the stage ends in the same result as an undisturbed run (same candidates,
 * lineage, scores, curve and spend), within its grant.
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
let undisturbedDeps: ReturnType<typeof stageDeps>;
const processes: LslProcess[] = [];

jest.setTimeout(600_000);

beforeAll(async () => {
  sim = await startTestSimulator({ latencyMs: 300 });
  undisturbedDeps = stageDeps(sim.url, tempDir('opt-calm'));
  inProcess = await startTestWorker(undisturbedDeps);
});

afterAll(async () => {
  for (const p of processes) await p.kill('SIGKILL');
  await inProcess?.stop();
  await sim?.close();
  removeTempDirs();
});

const SETTINGS: Record<string, Record<string, unknown>> = {
  opro: { proposalsPerStep: 4, fitnessExamples: 6 },
  'evoprompt-ga': { populationSize: 4, fitnessExamples: 6 },
  'evoprompt-de': { populationSize: 4, fitnessExamples: 6 },
  promptbreeder: { populationSize: 4, fitnessExamples: 6 },
};

test.each(Object.keys(SETTINGS))('%s: a worker killed with SIGKILL mid-stage and restarted ends in the same result', async (name) => {
  const base = await gsm8kStageInput({ budget: 120, val: 10, train: 12, modelTimeoutMs: TIMEOUT_MS });
  const input = { ...base, optimizer: name, config: { seed: 1, ...SETTINGS[name] } };
  const calm = inProcess!.client.workflow
    .start(WorkflowTypes.gepaStage, { taskQueue: inProcess!.taskQueue, workflowId: `opt-calm-${name}-${Date.now()}`, args: [input] })
    .then((h) => h.result() as Promise<GepaStageResult>);

  const home = tempDir(`opt-crash-${name}`);
  const taskQueue = `opt-crash-${name}-${Date.now()}`;
  const env = { LSL_HOME: home, LSL_MODELS: shortTimeoutRegistry(home, TIMEOUT_MS), LSL_SIM_URL: sim.url };
  const first = await startWorkerProcess(testServer().address, taskQueue, env);
  processes.push(first);
  const client = await testClient();
  try {
    const handle = await client.workflow.start(WorkflowTypes.gepaStage, { taskQueue, workflowId: `opt-crash-${name}-${Date.now()}`, args: [input] });
    await waitForProgress(handle, (p) => p.iteration >= 1, 120_000);
    const deadline = Date.now() + 60_000;
    while (!((await handle.describe()).raw.pendingActivities ?? []).some((a) => a.state === STARTED)) {
      if (Date.now() > deadline) throw new Error('no call was ever seen running on the worker');
      await new Promise((r) => setTimeout(r, 10));
    }
    await first.kill('SIGKILL');
    expect(first.child.signalCode).toBe('SIGKILL');
    expect((await handle.describe()).status.name).toBe('RUNNING');
    const second = await startWorkerProcess(testServer().address, taskQueue, env);
    processes.push(second);
    const crashed = (await handle.result()) as GepaStageResult;
    const undisturbed = await calm;

    const events = (await handle.fetchHistory()).events ?? [];
    expect(events.some((e) => (e.activityTaskStartedEventAttributes?.attempt ?? 1) > 1)).toBe(true);
    expect(undisturbed.optimizer).toBe(name);
    expect(undisturbed.stopReason).toBe('budget');
    expect(undisturbed.metricCalls).toBeLessThanOrEqual(120);
    expect(Object.values(undisturbed.outcomes).reduce((a, b) => a + b, 0)).toBe(undisturbed.iterations);
    const { ledger: crashedLedger, account: _a, summaryKey: _s, ...crashedOutcome } = outcomeOf(crashed);
    const { ledger: calmLedger, account: _b, summaryKey: _t, ...calmOutcome } = outcomeOf(undisturbed);
    expect(crashedOutcome).toEqual(calmOutcome);
    expect(crashedLedger.totals.metricCalls).toBe(calmLedger.totals.metricCalls);
    const crashedStore = new LocalArtifactStore(path.join(home, 'artifacts'));
    expect(await poolOf(crashedStore, crashed)).toEqual(await poolOf(undisturbedDeps.store, undisturbed));
  } finally {
    await client.connection.close();
  }
});
