/**
 * The model endpoint down for 3 minutes in the middle of a GEPA stage (the simulator answers 503
 * to every call from the moment the fault is set until 180 s later): the stage waits (its calls
 * are retried with backoff, capped here at 2 s so the test does not wait a minute past the
 * outage), then completes with the result of an undisturbed run. The workflow never failed: no
 * failed workflow task, nothing blocked, the stage's calls simply took longer.
 */
import { temporal } from '@temporalio/proto';
import type { RunningSimulator } from '../src/sim';
import { WorkflowTypes } from '../src/workers/names';
import type { GepaStageInput, GepaStageResult } from '../src/workflows/gepa-stage';
import { startTestSimulator } from './helpers/sim';
import { startTestWorker, type TestWorker } from './helpers/temporal';
import { gsm8kStageInput, outcomeOf, poolOf, removeTempDirs, stageDeps, tempDir, waitForProgress } from './stage-setup';

const OUTAGE_SECONDS = 180;
const RETRY_CAP_MS = 2000;
const EventType = temporal.api.enums.v1.EventType;

const sims: RunningSimulator[] = [];
const workers: TestWorker[] = [];
afterAll(async () => {
  for (const w of workers) await w.stop();
  for (const s of sims) await s.close();
  removeTempDirs();
});

test('a 3-minute outage mid-stage is waited out: the stage completes with the undisturbed result and never fails', async () => {
  const base = await gsm8kStageInput({ budget: 150, train: 30, val: 15 });
  const policy = { timeoutMs: 30_000, retryMaxIntervalMs: RETRY_CAP_MS };
  const input: GepaStageInput = { ...base, callPolicy: policy, reflectorCallPolicy: policy };
  const calm = await startTestSimulator({ latencyMs: 20 });
  const flaky = await startTestSimulator({ latencyMs: 20 });
  sims.push(calm, flaky);
  // Each run has its own worker, cache and artifact store, so neither answers from the other's cache.
  const calmDeps = stageDeps(calm.url, tempDir('outage-calm'));
  const flakyDeps = stageDeps(flaky.url, tempDir('outage-flaky'));
  const calmWorker = await startTestWorker(calmDeps);
  const flakyWorker = await startTestWorker(flakyDeps);
  workers.push(calmWorker, flakyWorker);

  const undisturbed = calmWorker.client.workflow
    .start(WorkflowTypes.gepaStage, { taskQueue: calmWorker.taskQueue, workflowId: `stage-outage-calm-${Date.now()}`, args: [input] })
    .then((h) => h.result() as Promise<GepaStageResult>);
  const handle = await flakyWorker.client.workflow.start(WorkflowTypes.gepaStage, {
    taskQueue: flakyWorker.taskQueue, workflowId: `stage-outage-${Date.now()}`, args: [input],
  });

  // In the middle of the stage: the endpoint goes down for 3 minutes from now.
  await waitForProgress(handle, (p) => p.spent >= input.grant.amount / 3, 180_000);
  const down = await fetch(`${flaky.url}/sim/faults`, { method: 'POST', body: JSON.stringify({ outages: [{ model: '*', fromSeconds: 0, toSeconds: OUTAGE_SECONDS }] }) });
  expect(down.status).toBe(200);
  const outageEnds = Date.now() + OUTAGE_SECONDS * 1000;

  // While it is down the stage waits: no spend moves, nothing is blocked, the workflow runs.
  await new Promise((r) => setTimeout(r, 20_000));
  const early = await handle.query<{ spent: number; blocked?: string | null }>('progress');
  await new Promise((r) => setTimeout(r, Math.max(0, outageEnds - Date.now() - 20_000)));
  const late = await handle.query<{ spent: number; blocked?: string | null }>('progress');
  expect(late.spent).toBe(early.spent);
  expect(late.spent).toBeLessThan(input.grant.amount);
  expect(late.blocked ?? null).toBeNull();
  expect((await handle.describe()).status.name).toBe('RUNNING');
  expect(flaky.stats().models['sim-small'].faults.outage + flaky.stats().models['sim-large'].faults.outage).toBeGreaterThan(0);

  const result = (await handle.result()) as GepaStageResult;
  expect(Date.now()).toBeGreaterThanOrEqual(outageEnds);
  const calmResult = await undisturbed;

  // The calls were retried through the outage (attempts past the first, a 503 as the last failure)...
  const events = (await handle.fetchHistory()).events ?? [];
  const retried = events.filter((e) => (e.activityTaskStartedEventAttributes?.attempt ?? 1) > 1);
  expect(retried.length).toBeGreaterThan(0);
  expect(Math.max(...retried.map((e) => e.activityTaskStartedEventAttributes!.attempt!))).toBeGreaterThan(10);
  expect(retried[0].activityTaskStartedEventAttributes?.lastFailure?.message).toMatch(/503|unavailable/i);
  // ...and the workflow never failed: no failed or timed-out workflow task, no failed activity.
  const bad = [EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED, EventType.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT, EventType.EVENT_TYPE_ACTIVITY_TASK_FAILED,
    EventType.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT, EventType.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED];
  expect(events.filter((e) => bad.includes(e.eventType!)).map((e) => EventType[e.eventType!])).toEqual([]);

  // The same result as the undisturbed run: pool, lineage, scores, curve and spend.
  expect(calmResult.stopReason).toBe('budget');
  const { ledger: outageLedger, account: _a, summaryKey: _s, ...outage } = outcomeOf(result);
  const { ledger: calmLedger, account: _b, summaryKey: _t, ...calmOutcome } = outcomeOf(calmResult);
  expect(outage).toEqual(calmOutcome);
  expect(outageLedger.totals.metricCalls).toBe(calmLedger.totals.metricCalls);
  // The 503'd attempts cost nothing: a call that then succeeds is first-attempt work. Only a retry
  // after a timeout (its attempt may have reached the simulator) could be re-done work.
  const afterTimeout = retried.filter((e) => e.activityTaskStartedEventAttributes?.lastFailure?.timeoutFailureInfo).length;
  expect(outageLedger.totals.redone.calls + outageLedger.totals.redone.reflectionCalls).toBeLessThanOrEqual(afterTimeout);
  expect(await poolOf(flakyDeps.store, result)).toEqual(await poolOf(calmDeps.store, calmResult));
}, 600_000);
