/**
 * The experiment survives a worker killed with SIGKILL and a restart of the (file-persisted) dev
 * server, and ends with exactly the results of an undisturbed run.
 */
import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import YAML from 'yaml';
import { freePort } from '../src/cli/session';
import { startTemporal, type TemporalServer } from '../src/temporal/server';
import type { ExperimentProgress, ExperimentResult } from '../src/workflows/experiment';
import { REPO, runLsl, lastJsonLine, shortTimeoutRegistry, startWorkerProcess, makeTempDir, type LslProcess, waitFor } from './helpers/cli';
import { startTestSimulator } from './helpers/sim';
import type { RunningSimulator } from '../src/sim';

const CONFIG = path.join(REPO, 'tests/fixtures/configs/tiny-gsm8k.yaml');

interface Row { repeat: number; arm: string; model: string; id: string; sample: number; score: number; extracted: string | null; output: string }
const rowsOf = (reportDir: string): Row[] =>
  fs.readFileSync(path.join(reportDir, 'results.jsonl'), 'utf8').trim().split('\n').map((l) => {
    const { repeat, arm, model, id, sample, score, extracted, output } = JSON.parse(l) as Row;
    return { repeat, arm, model, id, sample, score, extracted, output };
  });


let sim: RunningSimulator;
beforeAll(async () => {
  // Latency stretches the run so the crashes land mid-stage.
  sim = await startTestSimulator({ latencyMs: 15 });
});
afterAll(async () => {
  await sim?.close();
});

test('SIGKILL of the worker and a dev-server restart end in the same results as an undisturbed run', async () => {
  const bundle = process.env.LSL_TEST_WORKFLOW_BUNDLE;
  // The undisturbed reference, through the CLI's embedded mode, with its own cache.
  const refHome = makeTempDir('exp-ref');
  const ref = await runLsl(['run', CONFIG, '--json'], { LSL_HOME: refHome, LSL_SIM_URL: sim.url, LSL_WORKFLOW_BUNDLE: bundle, TEMPORAL_ADDRESS: '' });
  if (ref.code !== 0) throw new Error(ref.stderr);
  const refSummary = lastJsonLine<{ reportDir: string; arms: Array<{ arm: string; spent: number; testAccuracy: Record<string, number> }> }>(ref);

  // The disturbed run: our own persisted dev server and worker processes, a fresh cache.
  const dir = makeTempDir('exp-durable');
  const dbFilename = path.join(dir, 'temporal.db');
  const port = await freePort();
  const env = { LSL_HOME: path.join(dir, 'home'), LSL_SIM_URL: sim.url, LSL_MODELS: shortTimeoutRegistry(dir), LSL_WORKFLOW_BUNDLE: bundle };
  const taskQueue = `exp-durable-${randomUUID()}`;
  const workflowId = `exp-durable-${randomUUID().slice(0, 8)}`;
  let server: TemporalServer = await startTemporal({ dbFilename, port });
  const workers: LslProcess[] = [];
  const newWorker = async () => {
    const w = await startWorkerProcess(server.address, taskQueue, env);
    workers.push(w);
    return w;
  };
  try {
    let worker = await newWorker();
    let connection = await Connection.connect({ address: server.address });
    let client = new Client({ connection });
    await client.workflow.start('experiment', { taskQueue, workflowId, args: [YAML.parse(fs.readFileSync(CONFIG, 'utf8'))] });
    const baseSpent = async () => (await client.workflow.getHandle(`${workflowId}-r0-base`).query<{ spent: number }>('progress')).spent;
    await waitFor('base to be under way', async () => (await baseSpent()) >= 20);

    await worker.kill('SIGKILL');
    worker = await newWorker();
    await waitFor('a stage to complete after the kill', async () => {
      const p = await client.workflow.getHandle(workflowId).query<ExperimentProgress>('progress');
      return p.stages.some((s) => s.status === 'completed');
    });

    // Restart the server on its database file; the worker goes down with it and a new one comes up.
    await worker.kill('SIGTERM');
    await connection.close();
    await server.shutdown();
    server = await startTemporal({ dbFilename, port });
    worker = await newWorker();
    connection = await Connection.connect({ address: server.address });
    client = new Client({ connection });
    const result = (await client.workflow.getHandle(workflowId).result()) as ExperimentResult;
    await connection.close();

    expect(result.status).toBe('completed');
    expect(rowsOf(result.report.dir)).toEqual(rowsOf(refSummary.reportDir));
    for (const a of refSummary.arms) {
      const b = result.arms.find((x) => x.arm === a.arm)!;
      expect({ arm: b.arm, spent: b.spent, testAccuracy: b.testAccuracy }).toEqual({ arm: a.arm, spent: a.spent, testAccuracy: a.testAccuracy });
    }
  } finally {
    for (const w of workers) await w.kill('SIGKILL');
    await server.shutdown();
  }
  // Two runs, and the calls lost with each crash wait out their start-to-close timeout: slow on a busy machine.
}, 1_200_000);
