/**
 * Records the committed history the replay test (tests/stage-replay.test.ts) replays: one short
 * GEPA stage (GSM8K, sim-small rollouts, sim-large reflecting, |V| = 5, 60 metric calls) run on a
 * real Temporal server with the simulator, its event history written as Temporal's JSON.
 * Re-record it only when a change to the workflow's command sequence is intended (and then think
 * about running workflows: they would fail to replay too).
 *
 *   npx tsx scripts/record-history.ts [out=tests/fixtures/histories/gepa-stage.json]
 *
 * Uses TEMPORAL_ADDRESS when set, else starts a dev server for the recording.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { DEFAULT_INSTRUCTION } from '../src/cli/commands/eval';
import { drawSplits } from '../src/core/splits';
import { createDeps } from '../src/activities';
import { datasetsDir } from '../src/paths';
import { startSimulator } from '../src/sim';
import { startTemporal } from '../src/temporal/server';
import { getTask } from '../src/tasks/registry';
import { WorkflowTypes } from '../src/workers/names';
import { createLslWorker } from '../src/workers/worker';
import type { GepaStageInput, GepaStageResult } from '../src/workflows/gepa-stage';

/** The recorded stage: small, but with a seed validation, reflections, and accepted and rejected children. */
const RECORDED_STAGE = { budget: 60, train: 6, val: 5, seed: 0 } as const;

async function main(): Promise<void> {
  const out = path.resolve(process.argv[2] ?? path.join(__dirname, '..', 'tests', 'fixtures', 'histories', 'gepa-stage.json'));
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const server = await startTemporal({ log: (l) => process.stderr.write(`[temporal] ${l}\n`) });
  const sim = await startSimulator({ tasks: ['gsm8k'], port: 0, host: '127.0.0.1' });
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'lsl-record-'));
  const deps = createDeps({ home: work, env: {}, simUrl: sim.url, datasetsDir: datasetsDir() });
  const taskQueue = `record-history-${process.pid}`;
  const native = await NativeConnection.connect({ address: server.address });
  const worker = await createLslWorker({ connection: native, namespace: server.namespace, taskQueue, deps });
  const running = worker.run();
  const connection = await Connection.connect({ address: server.address });
  const client = new Client({ connection, namespace: server.namespace });
  try {
    const trainPool = (await getTask('gsm8k').load(datasetsDir(), 'train')).map((e) => e.id);
    const { budget, train, val, seed } = RECORDED_STAGE;
    const splits = drawSplits({ trainPool, testPool: [], separatePools: true, sizes: { train, val, test: 0 }, seed });
    const input: GepaStageInput = {
      stage: 'optimize', task: 'gsm8k', pool: 'train', taskModel: 'sim-small', reflector: 'sim-large',
      trainIds: splits.train, valIds: splits.val, start: { kind: 'seed', seed: DEFAULT_INSTRUCTION },
      grant: { amount: budget, unit: 'metricCalls' }, config: { seed }, concurrency: 8,
      modelTimeoutMs: 30_000, reflectorTimeoutMs: 30_000,
    };
    const handle = await client.workflow.start(WorkflowTypes.gepaStage, { taskQueue, workflowId: `record-gepa-stage-${Date.now()}`, args: [input] });
    const result = (await handle.result()) as GepaStageResult;
    const history = await handle.fetchHistory();
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.writeFileSync(out, historyToJSON(history) + '\n');
    process.stdout.write(
      `${out}: ${history.events?.length} events; stage ${result.iterations} iterations (${result.accepted} accepted), ` +
        `${result.metricCalls}/${budget} metric calls, seed ${result.seedScore} -> best ${result.bestScore}\n`,
    );
  } finally {
    worker.shutdown();
    await running;
    await native.close();
    await connection.close();
    await sim.close();
    await server.shutdown();
    fs.rmSync(work, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`record-history: ${(err as Error).message}\n`);
  process.exit(1);
});
