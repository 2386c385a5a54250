/**
 * The experiment workflow with mocked activities and scripted child workflows (as the Temporal
 * samples' workflows-mocks test does), on the suite's real dev server: the order it starts the
 * stages in, the skips after a failure, a stop and a pause forwarded to the running stages, and
 * the report sources it hands the report activity. The children are
 * tests/fixtures/workflows/experiment-mocks.ts; the run plan's own rules are tests/plan-run.test.ts.
 */
import { randomUUID } from 'node:crypto';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import type { ExperimentConfigInput, ReportSources } from '../src/core/experiment';
import { pauseSignal, resumeSignal, stopSignal } from '../src/workflows/control';
import { experiment, experimentProgressQuery, type ExperimentProgress } from '../src/workflows/experiment';
import type { ChildEvent, StageMode } from './fixtures/workflows/experiment-mocks';
import { waitFor } from './helpers/cli';
import { P0, preparedFor, TINY } from './helpers/prepared';
import { testClient, testServer } from './helpers/temporal';

const taskQueue = `experiment-mocks-${randomUUID()}`;
const events: ChildEvent[] = [];
const modes = new Map<string, StageMode>(); // `${experimentId}/${stage}` → what that stage does
const stored = new Map<string, unknown>();
const reports: string[] = [];

const activities = {
  async prepareExperiment(input: { config: unknown }) {
    return preparedFor(input.config as ExperimentConfigInput);
  },
  async storeJson(input: { value: unknown }) {
    const key = `sources-${stored.size}`;
    stored.set(key, input.value);
    return key;
  },
  // Stage summaries for transfer scoring: the scripted stages accept no candidate, so none is scored.
  async loadJson() {
    return { pool: [] };
  },
  async writeExperimentReport(input: { sourcesKey: string }) {
    reports.push(input.sourcesKey);
    const dir = `/nowhere/${input.sourcesKey}`;
    return { dir, files: { markdown: `${dir}/report.md`, html: `${dir}/report.html`, latex: `${dir}/table.tex`, jsonl: `${dir}/results.jsonl`, summary: `${dir}/summary.json`, charts: [] } };
  },
  async stageMode(input: { experimentId: string; stage: string }): Promise<StageMode> {
    return modes.get(`${input.experimentId}/${input.stage}`) ?? 'complete';
  },
  async childStarted(event: ChildEvent) {
    events.push(event);
  },
};

let worker: Worker;
let running: Promise<void>;
let connection: NativeConnection;
let client: Client;

beforeAll(async () => {
  try {
    Runtime.install({ logger: new DefaultLogger('WARN') });
  } catch {
    // Installed already in this process: the native runtime is process-wide.
  }
  const { address, namespace } = testServer();
  connection = await NativeConnection.connect({ address });
  worker = await Worker.create({
    connection, namespace, taskQueue, activities,
    workflowsPath: require.resolve('./fixtures/workflows/experiment-mocks'),
  });
  running = worker.run();
  client = await testClient();
});

afterAll(async () => {
  if (worker?.getState() === 'RUNNING') worker.shutdown();
  await running;
  await connection?.close();
  await client?.connection.close();
});

async function start(script: Record<string, StageMode> = {}, config: ExperimentConfigInput = TINY): Promise<WorkflowHandle<typeof experiment>> {
  const workflowId = `exp-mocks-${randomUUID().slice(0, 8)}`;
  for (const [stage, mode] of Object.entries(script)) modes.set(`${workflowId}/${stage}`, mode);
  return client.workflow.start(experiment, { taskQueue, workflowId, args: [config] });
}

const stagesOf = (id: string) => events.filter((e): e is Extract<ChildEvent, { kind: 'stage' }> => e.kind === 'stage' && e.experimentId === id);
const evaluationsOf = (id: string) => events.filter((e): e is Extract<ChildEvent, { kind: 'evaluation' }> => e.kind === 'evaluation' && e.experimentId === id);
const statusOf = (p: ExperimentProgress) => Object.fromEntries(p.stages.map((s) => [s.stage, s.status]));

async function closeTime(id: string): Promise<number> {
  return (await client.workflow.getHandle(id).describe()).closeTime!.getTime();
}
async function startTime(id: string): Promise<number> {
  return (await client.workflow.getHandle(id).describe()).startTime.getTime();
}

test('stages start base and small-only first, lsl and matched once base is done, then every evaluation, then the report', async () => {
  const handle = await start();
  const id = handle.workflowId;
  const result = await handle.result();
  expect(result.status).toBe('completed');
  const order = stagesOf(id).map((e) => e.stage);
  expect(new Set(order.slice(0, 2))).toEqual(new Set(['base', 'small-only']));
  expect(new Set(order.slice(2))).toEqual(new Set(['lsl', 'matched']));
  const baseClosed = await closeTime(`${id}-r0-base`);
  expect(await startTime(`${id}-r0-lsl`)).toBeGreaterThanOrEqual(baseClosed);
  expect(await startTime(`${id}-r0-matched`)).toBeGreaterThanOrEqual(baseClosed);
  expect(stagesOf(id).find((e) => e.stage === 'lsl')!.start).toEqual({ kind: 'best-of', stateKey: 'state-base' });
  expect(stagesOf(id).find((e) => e.stage === 'matched')!.start).toEqual({ kind: 'continue', stateKey: 'state-base' });

  // Every arm on both models; the seed arm evaluates P0 itself, the others their stage's best.
  const evals = evaluationsOf(id);
  expect(evals.map((e) => `${e.arm}/${e.model}`).sort()).toEqual(
    ['base/L', 'base/S', 'lsl/L', 'lsl/S', 'matched/L', 'matched/S', 'seed/L', 'seed/S', 'small-only/L', 'small-only/S']);
  expect(evals.find((e) => e.arm === 'seed')!.instruction).toBe(P0);
  expect(evals.find((e) => e.arm === 'lsl')!.instruction).toBe('prompt of lsl');
  const lastStage = Math.max(...await Promise.all(['base', 'lsl', 'matched', 'small-only'].map((s) => closeTime(`${id}-r0-${s}`))));
  expect(await startTime(`${id}-r0-eval-seed-L`)).toBeGreaterThanOrEqual(lastStage);

  // The report is written from the stored sources, evaluations in plan order.
  expect(reports).toContain(result.reportSourcesKey);
  const sources = stored.get(result.reportSourcesKey) as ReportSources;
  expect(sources.evaluations.map((e) => `${e.arm}/${e.model}`)).toEqual(
    ['seed/L', 'seed/S', 'base/L', 'base/S', 'lsl/L', 'lsl/S', 'matched/L', 'matched/S', 'small-only/L', 'small-only/S']);
  expect(result.arms.map((a) => [a.arm, a.finished, a.spent, a.testAccuracy.L])).toEqual([
    ['seed', true, 0, 0.4], ['base', true, 10, 0.4], ['lsl', true, 20, 0.4], ['matched', true, 20, 0.4], ['small-only', true, 10, 0.4],
  ]);
  expect(result.report.html).toBe(`/nowhere/${result.reportSourcesKey}/report.html`);
  const progress = await handle.query(experimentProgressQuery);
  expect(progress.phase).toBe('done');
  expect(progress.evaluations.every((e) => e.status === 'completed')).toBe(true);
});

test('a failed stage skips the stages after it; the others finish and are evaluated; the run is failed', async () => {
  const handle = await start({ base: 'fail' });
  const id = handle.workflowId;
  const result = await handle.result();
  expect(result.status).toBe('failed');
  expect(stagesOf(id).map((e) => e.stage).sort()).toEqual(['base', 'small-only']);
  expect(statusOf(await handle.query(experimentProgressQuery))).toEqual({ base: 'failed', lsl: 'skipped', matched: 'skipped', 'small-only': 'completed' });
  expect(evaluationsOf(id).map((e) => `${e.arm}/${e.model}`).sort()).toEqual(['seed/L', 'seed/S', 'small-only/L', 'small-only/S']);
  expect(result.arms.filter((a) => a.finished).map((a) => a.arm)).toEqual(['seed', 'small-only']);
});

test('a stop reaches the running stages, skips the rest and every evaluation, and still writes the report', async () => {
  const handle = await start({ base: 'until-stop', 'small-only': 'until-stop' });
  const id = handle.workflowId;
  await waitFor('base and small-only to run', async () => stagesOf(id).length === 2);
  await handle.signal(stopSignal);
  const result = await handle.result();
  expect(result.status).toBe('stopped');
  expect(statusOf(await handle.query(experimentProgressQuery))).toEqual({ base: 'stopped', lsl: 'skipped', matched: 'skipped', 'small-only': 'stopped' });
  expect(evaluationsOf(id)).toEqual([]);
  expect(result.arms.map((a) => [a.arm, a.finished])).toEqual([['seed', true], ['base', false], ['lsl', false], ['matched', false], ['small-only', false]]);
  const sources = stored.get(result.reportSourcesKey) as ReportSources;
  expect(sources.status).toBe('stopped');
  expect(sources.arms.find((a) => a.arm === 'base')!.stages.map((s) => s.stage)).toEqual(['base']);
});

test('a pause reaches the running stages and holds the next ones until resume', async () => {
  const handle = await start({ base: 'until-paused' });
  const id = handle.workflowId;
  await waitFor('base to run', async () => stagesOf(id).some((e) => e.stage === 'base'));
  await handle.signal(pauseSignal);
  // base ends once the forwarded pause reaches it; lsl and matched then wait for the resume.
  await waitFor('base to complete while paused', async () => statusOf(await handle.query(experimentProgressQuery)).base === 'completed');
  await new Promise((r) => setTimeout(r, 1500));
  const held = await handle.query(experimentProgressQuery);
  expect(held.paused).toBe(true);
  expect(statusOf(held)).toMatchObject({ lsl: 'pending', matched: 'pending' });
  expect(stagesOf(id).map((e) => e.stage)).not.toContain('lsl');
  const resumedAt = Date.now();
  await handle.signal(resumeSignal);
  const result = await handle.result();
  expect(result.status).toBe('completed');
  expect(await startTime(`${id}-r0-lsl`)).toBeGreaterThanOrEqual(resumedAt - 1000);
  expect(result.arms.every((a) => a.finished)).toBe(true);
});
