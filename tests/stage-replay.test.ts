/**
 * Replay of a committed gepaStage history (tests/fixtures/histories/gepa-stage.json, recorded
 * on a real server by scripts/record-history.ts). The current workflow code must replay it; a
 * workflow whose command sequence differs (one extra activity) must fail with a
 * DeterminismViolationError, so a change that would break running stages cannot slip through.
 * Re-record the history only for an intended change of the command sequence.
 */
import fs from 'node:fs';
import path from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { temporal } from '@temporalio/proto';
import { bundleWorkflowCode, DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import { activityStarted } from './stage-setup';

const HISTORY = path.join(__dirname, 'fixtures', 'histories', 'gepa-stage.json');
const EventType = temporal.api.enums.v1.EventType;
const quiet = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} } as never;

function loadHistory(): temporal.api.history.v1.IHistory {
  return historyFromJSON(JSON.parse(fs.readFileSync(HISTORY, 'utf8')));
}

beforeAll(() => {
  try {
    // The replay worker logs the violation it is expected to find; keep the test output clean.
    Runtime.install({ logger: new DefaultLogger('ERROR'), telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' } } } });
  } catch {
    // Already installed in this process.
  }
});

test('the committed history is a whole stage: seed validation, reflections, rollouts, completion', () => {
  const events = loadHistory().events ?? [];
  expect(events[0].workflowExecutionStartedEventAttributes?.workflowType?.name).toBe('gepaStage');
  expect(events[events.length - 1].eventType).toBe(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED);
  // Scheduled activities and local activities' markers alike.
  const started = events.flatMap((e) => activityStarted(e) ?? []);
  expect(started.filter((a) => a === 'rollout').length).toBeGreaterThanOrEqual(20);
  expect(started.filter((a) => a === 'reflect').length).toBeGreaterThanOrEqual(2);
  expect(events.some((e) => e.eventType === EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES)).toBe(true);
});

test('the current gepaStage replays the committed history', async () => {
  const bundle = process.env.LSL_TEST_WORKFLOW_BUNDLE;
  const code = bundle ? { workflowBundle: { codePath: bundle } } : { workflowsPath: require.resolve('../src/workflows') };
  await expect(Worker.runReplayHistory({ ...code, bundlerOptions: { logger: quiet } } as never, loadHistory())).resolves.toBeUndefined();
});

test('a gepaStage with a changed command sequence fails to replay it with a DeterminismViolationError', async () => {
  const { code } = await bundleWorkflowCode({
    workflowsPath: require.resolve('./fixtures/histories/altered-workflows'),
    logger: quiet,
  });
  const replay = Worker.runReplayHistory({ workflowBundle: { code } }, loadHistory());
  await expect(replay).rejects.toBeInstanceOf(DeterminismViolationError);
  await expect(replay).rejects.toThrow(/nondetermin/i);
});
