/**
 * Every way a researcher starts and steers an experiment on a shared server: the real Temporal
 * CLI (`temporal workflow start --input-file`, `temporal workflow query`), `lsl schedule`, and
 * `lsl stop` mid-run (a partial report that says which arms finished).
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import YAML from 'yaml';
import { configHash, parseExperimentConfig } from '../src/core/experiment';
import { findTemporalCli } from '../src/temporal/provision';
import type { ExperimentProgress, ExperimentResult } from '../src/workflows/experiment';
import { testDeps } from './helpers/deps';
import { REPO, runLsl, makeTempDir, waitFor } from './helpers/cli';
import { startTestSimulator } from './helpers/sim';
import { startTestWorker, testServer, type TestWorker } from './helpers/temporal';
import type { RunningSimulator } from '../src/sim';

const run = promisify(execFile);
const CONFIG = path.join(REPO, 'tests/fixtures/configs/tiny-gsm8k.yaml');
const rawConfig = () => YAML.parse(fs.readFileSync(CONFIG, 'utf8')) as Record<string, unknown>;

let sim: RunningSimulator;
let worker: TestWorker;
let home: string;

beforeAll(async () => {
  sim = await startTestSimulator({ latencyMs: 10 });
  home = makeTempDir('exp-control');
  worker = await startTestWorker(testDeps(home, { LSL_SIM_URL: sim.url }));
});
afterAll(async () => {
  await worker?.stop();
  await sim?.close();
});


test('`temporal workflow start --input-file` runs an experiment and `temporal workflow query` returns its progress', async () => {
  const cli = findTemporalCli();
  if (!cli) throw new Error('no Temporal CLI found (scripts/setup.sh provisions it)');
  const { address, namespace } = testServer();
  const dir = makeTempDir('exp-cli-start');
  const inputFile = path.join(dir, 'exp.json');
  fs.writeFileSync(inputFile, JSON.stringify(rawConfig()));
  const workflowId = `exp-temporal-cli-${randomUUID().slice(0, 8)}`;
  await run(cli.path, ['workflow', 'start', '--address', address, '--namespace', namespace, '--type', 'experiment',
    '--task-queue', worker.taskQueue, '--workflow-id', workflowId, '--input-file', inputFile]);
  let progress: ExperimentProgress | undefined;
  await waitFor('a progress answer from `temporal workflow query`', async () => {
    const { stdout } = await run(cli.path, ['workflow', 'query', '--address', address, '--namespace', namespace,
      '--workflow-id', workflowId, '--name', 'progress', '--output', 'json']);
    const parsed = JSON.parse(stdout) as { queryResult: ExperimentProgress[] };
    progress = parsed.queryResult[0];
    return progress.stages.length > 0;
  });
  expect(progress!.experimentId).toBe(workflowId);
  expect(progress!.stages.map((s) => s.stage)).toEqual(['base', 'lsl', 'matched', 'small-only']);
  const result = (await worker.client.workflow.getHandle(workflowId).result()) as ExperimentResult;
  expect(result.status).toBe('completed');
  expect(result.arms).toHaveLength(5);
});

test('a schedule created with `lsl schedule create`, triggered once, runs the same config', async () => {
  const { address } = testServer();
  const env = { TEMPORAL_ADDRESS: address, LSL_TASK_QUEUE: worker.taskQueue, LSL_HOME: home };
  const scheduleId = `sched-test-${randomUUID().slice(0, 8)}`;
  const created = await runLsl(['schedule', 'create', CONFIG, '--cron', '0 3 * * *', '--id', scheduleId], env);
  expect(created.stderr).toBe('');
  expect(created.code).toBe(0);
  try {
    const listed = await runLsl(['schedule', 'list', '--json'], env);
    expect((JSON.parse(listed.stdout) as Array<{ scheduleId: string }>).map((s) => s.scheduleId)).toContain(scheduleId);
    expect((await runLsl(['schedule', 'trigger', scheduleId], env)).code).toBe(0);
    const schedule = worker.client.schedule.getHandle(scheduleId);
    let workflowId = '';
    await waitFor('the triggered run', async () => {
      const d = await schedule.describe();
      workflowId = d.info.recentActions[0]?.action.workflow.workflowId ?? '';
      return workflowId !== '';
    });
    const handle = worker.client.workflow.getHandle(workflowId);
    const result = (await handle.result()) as ExperimentResult;
    expect(result.status).toBe('completed');
    // The run's input is the config itself (parsed and normalized by `lsl`).
    const history = await handle.fetchHistory();
    const payload = history.events![0].workflowExecutionStartedEventAttributes!.input!.payloads![0];
    const input = JSON.parse(Buffer.from(payload.data!).toString('utf8')) as Record<string, unknown>;
    expect(input.name).toBe('tiny-gsm8k');
    expect(input.budget).toEqual({ unit: 'metricCalls', b1: 90, b2: 60 });
    expect(input.splits).toEqual({ train: 24, val: 12, test: 40, seed: 3 });
    expect(result.configHash).toBe(configHash(parseExperimentConfig(rawConfig())));
  } finally {
    expect((await runLsl(['schedule', 'delete', scheduleId], env)).code).toBe(0);
  }
});

test('`lsl stop` mid-experiment yields a partial report that says which arms finished', async () => {
  const { address } = testServer();
  const workflowId = `exp-stop-${randomUUID().slice(0, 8)}`;
  const config = { ...rawConfig(), budget: { unit: 'metricCalls', b1: 400, b2: 200 } };
  const handle = await worker.client.workflow.start('experiment', { taskQueue: worker.taskQueue, workflowId, args: [config] });
  await waitFor('base to be under way', async () =>
    (await worker.client.workflow.getHandle(`${workflowId}-r0-base`).query<{ spent: number }>('progress')).spent >= 20);
  const stopped = await runLsl(['stop', workflowId], { TEMPORAL_ADDRESS: address });
  expect(stopped.code).toBe(0);
  const result = (await handle.result()) as ExperimentResult;
  expect(result.status).toBe('stopped');
  const byArm = Object.fromEntries(result.arms.map((a) => [a.arm, a]));
  expect(byArm.seed.finished).toBe(true);
  expect(byArm.base.finished).toBe(false);
  expect(byArm.lsl.finished).toBe(false);
  expect(byArm.base.spent).toBeLessThanOrEqual(byArm.base.grant);
  const md = fs.readFileSync(result.report.markdown, 'utf8');
  expect(md).toMatch(/was stopped before it completed/);
  expect(md).toMatch(/Finished arms: seed/);
  expect(md).toMatch(/Not finished: .*base/);
});
