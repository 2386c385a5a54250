/**
 * Nightly re-runs that measure something: two triggered runs of one schedule each ask the
 * simulator afresh (counted in its stats), keep their date in id and run directory, and
 * `lsl report --series` shows both runs' test accuracies.
 */
import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { formatPercent } from '../src/report';
import type { ExperimentResult } from '../src/workflows/experiment';
import { testDeps } from './helpers/deps';
import { runLsl, makeTempDir, waitFor } from './helpers/cli';
import { startTestSimulator } from './helpers/sim';
import { startTestWorker, testServer, type TestWorker } from './helpers/temporal';
import type { RunningSimulator } from '../src/sim';

const TINY = `name: tiny-nightly
task: gsm8k
splits: { train: 9, val: 6, test: 8, seed: 5 }
seed:
  instruction: Solve the math problem step by step.
models: { large: sim-large, small: sim-small }
reflector: { default: large }
budget: { unit: metricCalls, b1: 24, b2: 12 }
arms: [seed, base]
gepa: { minibatchSize: 3 }
evaluation: { models: [large, small], samples: 1, temperature: 0 }
repeats: 1
`;

let sim: RunningSimulator;
let worker: TestWorker;
let home: string;

beforeAll(async () => {
  sim = await startTestSimulator({ latencyMs: 5 });
  home = makeTempDir('exp-series');
  worker = await startTestWorker(testDeps(home, { LSL_SIM_URL: sim.url }));
});
afterAll(async () => {
  await worker?.stop();
  await sim?.close();
});

test('two triggered runs of a schedule each call the models, and the series report shows both', async () => {
  const config = path.join(home, 'tiny-nightly.yaml');
  fs.writeFileSync(config, TINY);
  const env = { TEMPORAL_ADDRESS: testServer().address, LSL_TASK_QUEUE: worker.taskQueue, LSL_HOME: home };
  const scheduleId = `sched-series-${randomUUID().slice(0, 8)}`;
  const created = await runLsl(['schedule', 'create', config, '--cron', '0 3 * * *', '--id', scheduleId], env);
  expect(created.stderr).toBe('');
  const schedule = worker.client.schedule.getHandle(scheduleId);
  const seen = new Set<string>();
  const triggerAndFinish = async (): Promise<{ result: ExperimentResult; calls: number }> => {
    const before = sim.stats().totals.calls;
    expect((await runLsl(['schedule', 'trigger', scheduleId], env)).code).toBe(0);
    let workflowId = '';
    await waitFor('the triggered run', async () => {
      const ids = (await schedule.describe()).info.recentActions.map((a) => a.action.workflow.workflowId);
      workflowId = ids.find((id) => !seen.has(id)) ?? '';
      return workflowId !== '';
    });
    seen.add(workflowId);
    const result = (await worker.client.workflow.getHandle(workflowId).result()) as ExperimentResult;
    expect(result.status).toBe('completed');
    // The workflow id carries the schedule's timestamp (with colons); the run id keeps the date without them.
    expect(workflowId).toMatch(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(result.experimentId).toMatch(/^[A-Za-z0-9._-]+\d{4}-\d\d-\d\dT\d{6}Z$/);
    expect(fs.existsSync(path.join(home, 'runs', result.experimentId, 'report', 'report.md'))).toBe(true);
    return { result, calls: sim.stats().totals.calls - before };
  };
  try {
    const first = await triggerAndFinish();
    const second = await triggerAndFinish();
    expect(first.calls).toBeGreaterThan(0);
    // Served from last run's cache this would be 0: the same config asks the models again, about as often.
    expect(second.calls).toBeGreaterThan(first.calls * 0.8);
    expect(second.result.experimentId).not.toBe(first.result.experimentId);

    const series = await runLsl(['report', '--series', scheduleId], env);
    expect(series.stderr).toBe('');
    expect(series.code).toBe(0);
    const [html, md] = series.stdout.trim().split('\n');
    const text = fs.readFileSync(md, 'utf8');
    for (const r of [first.result, second.result]) {
      expect(text).toContain(r.experimentId);
    }
    // Each arm and model has one accuracy per run, in start order, as the runs measured them.
    for (const arm of ['seed', 'base']) {
      for (const model of ['sim-large', 'sim-small']) {
        const row = text.split('\n').find((l) => l.startsWith(`| ${arm} | ${model} |`));
        expect(row).toBeDefined();
        const cells = row!.split('|').map((c) => c.trim()).filter(Boolean).slice(2);
        const acc = (r: ExperimentResult) => formatPercent(r.arms.find((a) => a.arm === arm)!.testAccuracy[model]);
        expect(cells).toEqual([acc(first.result), acc(second.result)]);
      }
    }
    const page = fs.readFileSync(html, 'utf8');
    expect(page).toContain('<svg');
    expect(page).toContain(first.result.experimentId);
  } finally {
    await schedule.delete();
  }
});
