/**
 * End to end speed of a GEPA stage at 0 ms simulated latency, as deployed: a Temporal dev server,
 * the simulator and `lsl worker` each in their own process; this script is only the client.
 *   1. the raw rollout rate: an evaluatePrompt workflow over N GSM8K test problems (window 32);
 *   2. gepaStage runs (GSM8K train pool, sim-small rollouts, sim-large reflecting, window 32)
 *      at |V| = 30 (the setting) and |V| = 100: metric calls per second.
 * The stage's rate as a fraction of the raw rate is the figure of merit (target >= 0.8). Each run
 * uses a fresh response cache (its own worker home), so no answer comes from a cache. Three
 * interleaved rounds (raw, |V| = 30, |V| = 100); the medians are reported.
 *
 *   npx tsx bench/stage-throughput.ts [rollouts=600] [budget=600]
 */
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { DEFAULT_INSTRUCTION } from '../src/cli/commands/eval';
import { drawSplits } from '../src/core/splits';
import { datasetsDir } from '../src/paths';
import { getTask } from '../src/tasks/registry';
import { startTemporal } from '../src/temporal/server';
import { WorkflowTypes } from '../src/workers/names';
import type { EvaluateInput, EvaluateResult } from '../src/workflows/evaluate';
import type { GepaStageInput, GepaStageResult } from '../src/workflows/gepa-stage';
import { startLsl } from '../tests/helpers/cli';

const WINDOW = 32;
const ROUNDS = 3;


function positive(value: string | undefined, fallback: number, what: string): number {
  const n = value === undefined ? fallback : Number(value);
  if (!Number.isInteger(n) || n < 100) throw new Error(`bench/stage-throughput.ts: ${what} must be an integer >= 100, got ${value}`);
  return n;
}

async function main(): Promise<void> {
  const rollouts = positive(process.argv[2], 600, 'rollouts');
  const budget = positive(process.argv[3], 600, 'budget');
  if (rollouts > 1319) throw new Error(`bench/stage-throughput.ts: rollouts must be <= 1319 (GSM8K test), got ${rollouts}`);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lsl-bench-stage-'));
  const children: ChildProcess[] = [];
  const server = await startTemporal();
  const connection = await Connection.connect({ address: server.address });
  const client = new Client({ connection, namespace: server.namespace });
  try {
    const sim = await startLsl(['sim', 'serve', '--port', '0', '--latency', '0'], {}, /http:\/\/127\.0\.0\.1:\d+/);
    children.push(sim.child);
    let workerNo = 0;
    /** A fresh `lsl worker` (own home, so an empty response cache) on its own queue. */
    const freshWorker = async (): Promise<string> => {
      const taskQueue = `bench-stage-${process.pid}-${++workerNo}`;
      const w = await startLsl(['worker'], {
        TEMPORAL_ADDRESS: server.address, LSL_TASK_QUEUE: taskQueue, LSL_HOME: path.join(tmp, `home-${workerNo}`), LSL_SIM_URL: sim.match[0],
      }, /lsl worker on /);
      children.push(w.child);
      // One worker at a time: the previous one is done.
      for (const c of children.slice(1, -1)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGTERM');
      return taskQueue;
    };
    const timed = async <R>(type: string, taskQueue: string, input: unknown): Promise<{ result: R; secs: number }> => {
      const t0 = process.hrtime.bigint();
      const handle = await client.workflow.start(type, { taskQueue, workflowId: `bench-${type}-${Date.now()}`, args: [input] });
      const result = (await handle.result()) as R;
      return { result, secs: Number(process.hrtime.bigint() - t0) / 1e9 };
    };

    const gsm8k = getTask('gsm8k');
    const testIds = (await gsm8k.load(datasetsDir(), 'test')).map((e) => e.id);
    const trainPool = (await gsm8k.load(datasetsDir(), 'train')).map((e) => e.id);

    // Warm-up (worker start-up, workflow bundle, sim) on a queue of its own, not measured.
    const warmQueue = await freshWorker();
    await timed<EvaluateResult>(WorkflowTypes.evaluatePrompt, warmQueue, {
      task: 'gsm8k', model: 'sim-small', instruction: 'Warm-up.', pool: 'test', ids: testIds.slice(0, 64), concurrency: WINDOW,
    } satisfies EvaluateInput);

    const stageInput = (val: number): GepaStageInput => {
      const splits = drawSplits({ trainPool, testPool: [], separatePools: true, sizes: { train: 60, val, test: 0 }, seed: 0 });
      return {
        stage: 'bench', task: 'gsm8k', pool: 'train', taskModel: 'sim-small', reflector: 'sim-large',
        trainIds: splits.train, valIds: splits.val, start: { kind: 'seed', seed: DEFAULT_INSTRUCTION },
        grant: { amount: Math.max(budget, 3 * val + 10), unit: 'metricCalls' }, config: { seed: 0 }, concurrency: WINDOW,
        modelTimeoutMs: 30_000, reflectorTimeoutMs: 30_000,
      };
    };
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

    console.log(`GEPA stage throughput at 0 ms simulated latency (${os.cpus().length} cores, ${os.cpus()[0]?.model ?? 'cpu'}, node ${process.version}, ${new Date().toISOString().slice(0, 10)}); ${ROUNDS} interleaved rounds, medians`);
    // Interleaved rounds: on a shared machine, load drifts; each ratio compares neighbours in time.
    const rows: Record<string, { rates: number[]; ratios: number[]; last?: GepaStageResult }> = { raw: { rates: [], ratios: [] } };
    for (let round = 1; round <= ROUNDS; round++) {
      const raw = await timed<EvaluateResult>(WorkflowTypes.evaluatePrompt, await freshWorker(), {
        task: 'gsm8k', model: 'sim-small', instruction: `${DEFAULT_INSTRUCTION} (round ${round})`, pool: 'test', ids: testIds.slice(0, rollouts), concurrency: WINDOW,
      } satisfies EvaluateInput);
      if (raw.result.cachedCalls !== 0) throw new Error(`the raw run hit the response cache ${raw.result.cachedCalls} times`);
      const rawRate = rollouts / raw.secs;
      rows.raw.rates.push(rawRate);
      let line = `round ${round}: raw ${rawRate.toFixed(1)} rollouts/s`;
      for (const val of [30, 100]) {
        const stage = await timed<GepaStageResult>(WorkflowTypes.gepaStage, await freshWorker(), stageInput(val));
        const rate = stage.result.metricCalls / stage.secs;
        const row = (rows[`V${val}`] ??= { rates: [], ratios: [] });
        row.rates.push(rate);
        row.ratios.push(rate / rawRate);
        row.last = stage.result;
        line += `; |V| = ${val}: ${rate.toFixed(1)} calls/s (${(rate / rawRate).toFixed(2)})`;
      }
      console.log(line);
    }
    console.log(`raw rollouts (evaluatePrompt, ${rollouts} GSM8K test problems, window ${WINDOW}): ${median(rows.raw.rates).toFixed(1)} rollouts/s`);
    for (const val of [30, 100]) {
      const row = rows[`V${val}`];
      const r = row.last!;
      console.log(
        `gepaStage |V| = ${String(val).padStart(3)}, grant ${stageInput(val).grant.amount}: ${median(row.rates).toFixed(1)} metric calls/s = ` +
          `${median(row.ratios).toFixed(2)} of the raw rate (each run: ${r.metricCalls} metric calls, ${r.ledger.totals.first.reflectionCalls} reflections, ` +
          `${r.iterations} iterations, ${r.accepted} accepted)`,
      );
    }
  } finally {
    for (const c of children) c.kill('SIGTERM');
    await connection.close();
    await server.shutdown();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error((err as Error).message);
  process.exit(1);
});
