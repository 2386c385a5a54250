/**
 * Wall time of a GEPA stage with parallel proposals (1, 4 and 8 per round) against the physical
 * limit, and the best validation score each reaches. As deployed: a Temporal dev server, an
 * `lsl worker` process per run (own home, so an empty response cache), the simulator in this
 * process; GSM8K train pool, sim-small rollouts, sim-large reflecting, grant 400 metric calls,
 * |V| 30, |train| 60, b 3, 32 calls in flight.
 *
 *   1. Wall time, one seed, at 2 s mean simulated latency with ±1 s jitter (uniform) on every
 *      call: the physical limit is (metric calls + reflection calls) × 2 s / 32, the time those
 *      calls take when the window is always full.
 *   2. Best validation score over `seeds` seeds, the same stage at 0 ms latency (the simulator's
 *      answers do not depend on latency; the wall-time seed's scores are checked to be equal),
 *      as mean and standard error per proposals setting.
 *
 *   npx tsx bench/gepa-proposals.ts [seeds=6] [wallSeed=1] [phases=wall,scores] [proposals=1,4,8] [gepa settings as JSON]
 *
 * The settings (for example '{"proposalKeep":2}') apply to every proposals > 1 run.
 */
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { startSimulator, type RunningSimulator } from '../src/sim';
import { startTemporal } from '../src/temporal/server';
import { WorkflowTypes } from '../src/workers/names';
import type { GepaStageResult } from '../src/workflows/gepa-stage';
import { spawnLsl } from '../tests/helpers/cli';
import { gsm8kStageInput } from '../tests/stage-setup';

const GRANT = 400;
const VAL = 30;
const WINDOW = 32;
const LATENCY = { mean: 2000, jitter: 1000 };
const PROPOSALS = [1, 4, 8];

interface Run { result: GepaStageResult; secs: number; reflections: number }

async function main(): Promise<void> {
  const seeds = Number(process.argv[2] ?? 6);
  const wallSeed = Number(process.argv[3] ?? 1);
  const phases = process.argv[4] ?? 'wall,scores';
  const onlyProposals = process.argv[5] ? process.argv[5].split(',').map(Number) : PROPOSALS;
  const extra = process.argv[6] ? (JSON.parse(process.argv[6]) as Record<string, unknown>) : {};
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lsl-bench-proposals-'));
  const children: ChildProcess[] = [];
  const sims: RunningSimulator[] = [];
  const server = await startTemporal();
  const connection = await Connection.connect({ address: server.address });
  const client = new Client({ connection, namespace: server.namespace });
  let workerNo = 0;
  /** A fresh `lsl worker` (own home: empty response cache) on its own queue, the previous one stopped. */
  const freshWorker = async (simUrl: string): Promise<string> => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGTERM');
    const taskQueue = `bench-proposals-${process.pid}-${++workerNo}`;
    const w = spawnLsl(['worker'], {
      TEMPORAL_ADDRESS: server.address, LSL_TASK_QUEUE: taskQueue, LSL_HOME: path.join(tmp, `home-${workerNo}`), LSL_SIM_URL: simUrl,
    });
    children.push(w.child);
    // Bundling the workflows takes long on a loaded machine; the clock starts once the worker is up.
    await w.waitFor(/lsl worker on /, 600_000);
    return taskQueue;
  };
  let scoreQueue: string | undefined;
  /** Wall-time runs get a fresh worker (nothing from a cache); score runs share one (the simulator's answers are the same from the cache). */
  const stage = async (simUrl: string, seed: number, proposals: number, fresh: boolean): Promise<Run> => {
    const taskQueue = fresh ? await freshWorker(simUrl) : (scoreQueue ??= await freshWorker(simUrl));
    const input = await gsm8kStageInput({ budget: GRANT, train: 60, val: VAL, seed, config: proposals > 1 ? { ...extra, proposals } : { proposals }, concurrency: WINDOW, modelTimeoutMs: 60_000 });
    const t0 = process.hrtime.bigint();
    const handle = await client.workflow.start(WorkflowTypes.gepaStage, { taskQueue, workflowId: `bench-proposals-${proposals}-${seed}-${Date.now()}`, args: [input] });
    const result = (await handle.result()) as GepaStageResult;
    const secs = Number(process.hrtime.bigint() - t0) / 1e9;
    return { result, secs, reflections: result.ledger.totals.first.reflectionCalls };
  };
  try {
    const slow = await startSimulator({ tasks: ['gsm8k'], port: 0, host: '127.0.0.1', latencyMs: LATENCY });
    sims.push(slow);
    const fast = await startSimulator({ tasks: ['gsm8k'], port: 0, host: '127.0.0.1', latencyMs: 0 });
    sims.push(fast);
    const started = new Date();
    console.log(`GEPA stage wall time vs proposals (${os.cpus().length} cores, ${os.cpus()[0]?.model ?? 'cpu'}, node ${process.version}, ${started.toISOString()}, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')})`);
    console.log(`grant ${GRANT}, |V| ${VAL}, |train| 60, b 3, window ${WINDOW}, latency ${LATENCY.mean} ms ± ${LATENCY.jitter} ms, seed ${wallSeed}${process.argv[6] ? `, settings ${process.argv[6]}` : ''}`);
    console.log('');
    console.log('| proposals | wall s | metric calls | reflections | physical limit s | wall / limit | best val | iterations | accepted |');
    console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
    const wall = new Map<number, Run>();
    for (const n of phases.includes('wall') ? onlyProposals : []) {
      const r = await stage(slow.url, wallSeed, n, true);
      wall.set(n, r);
      const limit = ((r.result.metricCalls + r.reflections) * LATENCY.mean) / 1000 / WINDOW;
      console.log(`| ${n} | ${r.secs.toFixed(1)} | ${r.result.metricCalls} | ${r.reflections} | ${limit.toFixed(1)} | ${(r.secs / limit).toFixed(2)} | ${r.result.bestScore.toFixed(3)} | ${r.result.iterations} | ${r.result.accepted} |`);
    }
    console.log(`load average after the wall-time runs: ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
    console.log('');
    console.log(`Best validation score at 0 ms latency, seeds 1..${seeds} (mean ± standard error, sd, min..max):`);
    console.log('');
    console.log('| proposals | best val mean ± SE | sd | min..max | metric calls (mean) |');
    console.log('| --- | --- | --- | --- | --- |');
    for (const n of phases.includes('scores') ? onlyProposals : []) {
      const best: number[] = [];
      const calls: number[] = [];
      for (let seed = 1; seed <= seeds; seed++) {
        const r = await stage(fast.url, seed, n, false);
        if (seed === wallSeed && wall.has(n) && r.result.bestScore !== wall.get(n)!.result.bestScore) {
          throw new Error(`proposals ${n}, seed ${seed}: best ${r.result.bestScore} at 0 ms but ${wall.get(n)!.result.bestScore} at 2 s latency`);
        }
        best.push(r.result.bestScore);
        calls.push(r.result.metricCalls);
        process.stderr.write(`proposals ${n} seed ${seed}: best ${r.result.bestScore.toFixed(3)} (${r.result.metricCalls} calls, stop ${r.result.stopReason}, ${r.secs.toFixed(0)} s)\n`);
      }
      const mean = best.reduce((a, b) => a + b, 0) / best.length;
      const sd = Math.sqrt(best.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, best.length - 1));
      const se = sd / Math.sqrt(best.length);
      console.log(`| ${n} | ${mean.toFixed(3)} ± ${se.toFixed(3)} | ${sd.toFixed(3)} | ${Math.min(...best).toFixed(3)}..${Math.max(...best).toFixed(3)} | ${(calls.reduce((a, b) => a + b, 0) / calls.length).toFixed(0)} |`);
    }
    console.log(`total ${((Date.now() - started.getTime()) / 1000).toFixed(0)} s; load average at the end ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  } finally {
    for (const c of children) c.kill('SIGTERM');
    for (const s of sims) await s.close();
    await connection.close();
    await server.shutdown();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error((err as Error).stack ?? err);
  process.exit(1);
});
