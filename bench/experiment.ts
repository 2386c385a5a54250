/**
 * Benchmark of examples/sim-gsm8k.yaml: total model calls, the share of wall time spent on
 * orchestration vs waiting on models, and the worker's peak memory.
 *
 * Runs the experiment twice against a dev server with a separate `lsl worker` process: at 0 ms
 * simulated latency (all orchestration: Temporal, activities, grading, the optimizer) and at
 * LATENCY ms. Orchestration share = T(0) / T(LATENCY); the rest is waiting on models.
 *   npx tsx bench/experiment.ts [latencyMs=100]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import YAML from 'yaml';
import { startSimulator } from '../src/sim';
import { startTemporal } from '../src/temporal/server';
import type { ExperimentResult } from '../src/workflows/experiment';
import { startWorkerProcess } from '../tests/helpers/cli';

const LATENCY = Number(process.argv[2] ?? 100);
const config = YAML.parse(fs.readFileSync(path.join(__dirname, '..', 'examples', 'sim-gsm8k.yaml'), 'utf8'));

function peakRssMb(pid: number): number {
  // VmHWM of the node process under bin/lsl (the shell execs node, so the pid is node's).
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+) kB/.exec(status)![1]) / 1024;
}

async function once(latencyMs: number) {
  const sim = await startSimulator({ port: 0, latencyMs });
  const server = await startTemporal();
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'lsl-bench-exp-'));
  const queue = `bench-${Date.now()}`;
  const worker = await startWorkerProcess(server.address, queue, { LSL_HOME: home, LSL_SIM_URL: sim.url });
  const connection = await Connection.connect({ address: server.address });
  const client = new Client({ connection });
  let peak = 0;
  const sampler = setInterval(() => { try { peak = Math.max(peak, peakRssMb(worker.child.pid!)); } catch { /* exited */ } }, 200);
  const t0 = Date.now();
  const r = (await client.workflow.execute('experiment', { taskQueue: queue, workflowId: `bench-exp-${latencyMs}-${Date.now()}`, args: [config] })) as ExperimentResult;
  const wallMs = Date.now() - t0;
  clearInterval(sampler);
  peak = Math.max(peak, peakRssMb(worker.child.pid!));
  const stats = sim.stats();
  await worker.kill('SIGTERM');
  await connection.close();
  await server.shutdown();
  await sim.close();
  const calls = Object.values(stats.models).reduce((a, m) => a + m.calls, 0);
  return { latencyMs, wallMs, calls, peakWorkerRssMb: Math.round(peak), status: r.status };
}

async function main() {
  const fast = await once(0);
  const slow = await once(LATENCY);
  const orchestration = fast.wallMs / slow.wallMs;
  const out = {
    machine: `${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, node ${process.version}`,
    date: new Date().toISOString().slice(0, 10),
    runs: [fast, slow],
    orchestrationShare: Number(orchestration.toFixed(3)),
    waitingShare: Number((1 - orchestration).toFixed(3)),
  };
  process.stdout.write(JSON.stringify(out, null, 2) + '\n');
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
