/**
 * Durable evaluation as deployed: a Temporal dev server, the simulator and `lsl worker` each in
 * their own process; this script is only the client starting evaluatePrompt runs.
 *   1. raw rollout throughput at 0 ms simulated latency (rollouts/s, windows of 64 and 128);
 *   2. at 200 ms latency and 32 rollouts in flight: wall time / (calls x latency / concurrency);
 *   3. the worker's peak RSS (VmHWM, plus VmRSS sampled every 100 ms) over a 1,000-rollout evaluation.
 * Every run uses its own instruction, so no answer comes from the response cache.
 *
 *   npx tsx bench/eval-throughput.ts [rollouts=1000] [latency-window=32]
 */
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import { startTemporal } from '../src/temporal/server';
import { WorkflowTypes } from '../src/workers/names';
import type { EvaluateInput, EvaluateResult } from '../src/workflows/evaluate';
import { startLsl } from '../tests/helpers/cli';

const LATENCY_MS = 200;


function procStatusKb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no ${field} in /proc/${pid}/status`);
  return Number(m[1]);
}

/** User + system CPU seconds a process has used so far (USER_HZ is 100 on Linux). */
function cpuSeconds(pid: number): number {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** The dev server's process: the one whose command line holds `start-dev` and its port. */
function serverPid(address: string): number | undefined {
  const port = address.split(':').pop()!;
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const args = fs.readFileSync(`/proc/${d}/cmdline`, 'utf8').split('\0');
      if (args.includes('start-dev') && args.includes(port)) return Number(d);
    } catch {
      // the process ended while we looked
    }
  }
  return undefined;
}

/**
 * Where one rollout's cycle goes, from the run's history (event times, medians in ms): activity
 * waiting for a worker, activity running (the model call included), and the workflow task that
 * schedules the next rollout (waiting, then running).
 */
async function cycleBreakdown(handle: WorkflowHandle): Promise<string> {
  const at = (e: temporal.api.history.v1.IHistoryEvent) => Number(e.eventTime!.seconds) * 1000 + (e.eventTime!.nanos ?? 0) / 1e6;
  const time = new Map<string, number>();
  const parts: Record<string, number[]> = { 'activity schedule-to-start': [], 'activity start-to-close': [], 'workflow task schedule-to-start': [], 'workflow task start-to-close': [] };
  let wftScheduled = 0;
  let wftStarted = 0;
  for (const e of (await handle.fetchHistory()).events ?? []) {
    const t = at(e);
    time.set(String(e.eventId), t);
    if (e.activityTaskStartedEventAttributes) parts['activity schedule-to-start'].push(t - time.get(String(e.activityTaskStartedEventAttributes.scheduledEventId))!);
    if (e.activityTaskCompletedEventAttributes) parts['activity start-to-close'].push(t - time.get(String(e.activityTaskCompletedEventAttributes.startedEventId))!);
    if (e.workflowTaskScheduledEventAttributes) wftScheduled = t;
    if (e.workflowTaskStartedEventAttributes) {
      parts['workflow task schedule-to-start'].push(t - wftScheduled);
      wftStarted = t;
    }
    if (e.workflowTaskCompletedEventAttributes) parts['workflow task start-to-close'].push(t - wftStarted);
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
  return Object.entries(parts).map(([k, xs]) => `${k} ${median(xs).toFixed(1)}`).join(', ');
}

const mb = (kb: number) => `${(kb / 1024).toFixed(0)} MB`;

async function main(): Promise<void> {
  const n = Number(process.argv[2] ?? 1000);
  if (!Number.isInteger(n) || n < 100 || n > 1319) throw new Error(`bench/eval-throughput.ts: rollouts must be an integer in [100, 1319] (GSM8K test), got ${process.argv[2]}`);
  const window = Number(process.argv[3] ?? 32);
  if (!Number.isInteger(window) || window < 1 || window > 64) throw new Error(`bench/eval-throughput.ts: latency-window must be an integer in [1, 64], got ${process.argv[3]}`);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lsl-bench-eval-'));
  // sim-large with room for 128 calls in flight per worker, and the same profile on the slow simulator.
  const models = path.join(tmp, 'models.yaml');
  fs.writeFileSync(models, [
    'models:',
    '  - { name: sim-large, concurrency: 256 }',
    "  - { name: sim-large-slow, provider: sim, baseUrl: '${LSL_SIM_SLOW_URL}/v1', model: sim-large, concurrency: 256, timeoutMs: 30000, priceInputPerM: 2, priceOutputPerM: 8 }",
    '',
  ].join('\n'));

  const children: ChildProcess[] = [];
  const server = await startTemporal();
  try {
    const url = /http:\/\/127\.0\.0\.1:\d+/;
    const fast = await startLsl(['sim', 'serve', '--port', '0', '--latency', '0'], {}, url);
    children.push(fast.child);
    const slow = await startLsl(['sim', 'serve', '--port', '0', '--latency', String(LATENCY_MS)], {}, url);
    children.push(slow.child);
    const taskQueue = `bench-eval-${process.pid}`;
    const worker = await startLsl(['worker'], {
      TEMPORAL_ADDRESS: server.address, LSL_TASK_QUEUE: taskQueue, LSL_HOME: path.join(tmp, 'home'), LSL_MODELS: models,
      LSL_SIM_URL: fast.match[0], LSL_SIM_SLOW_URL: slow.match[0],
    }, /lsl worker on /);
    children.push(worker.child);
    const pid = worker.child.pid!;
    let sampledPeakKb = 0;
    const sampler = setInterval(() => {
      try {
        sampledPeakKb = Math.max(sampledPeakKb, procStatusKb(pid, 'VmRSS'));
      } catch {
        // the worker exited; the run that needed it fails on its own
      }
    }, 100);

    const connection = await Connection.connect({ address: server.address });
    const client = new Client({ connection, namespace: server.namespace });
    let runNo = 0;
    const tempPid = serverPid(server.address);
    const cpuOf = { worker: pid, simulator: fast.child.pid!, 'slow simulator': slow.child.pid!, ...(tempPid ? { 'Temporal server': tempPid } : {}) };
    const cpuNow = () => Object.fromEntries(Object.entries(cpuOf).map(([k, p]) => [k, cpuSeconds(p)]));
    /** CPU seconds each process spent since `before`, as text. */
    const cpuSince = (before: Record<string, number>, wall: number) => Object.entries(cpuNow())
      .map(([k, v]) => `${k} ${(v - before[k]).toFixed(1)} s`).join(', ') + ` (wall ${wall.toFixed(1)} s, ${os.cpus().length} cores)`;
    let lastCpu = '';
    let lastHandle: WorkflowHandle | undefined;
    const evaluate = async (model: string, limit: number, concurrency: number) => {
      const input: EvaluateInput = {
        task: 'gsm8k', model, pool: 'test', limit, concurrency, modelTimeoutMs: 30_000,
        instruction: `Solve the problem step by step. End with "#### <number>". (bench run ${++runNo} ${Date.now()})`,
      };
      const cpu0 = cpuNow();
      const t0 = performance.now();
      const handle = await client.workflow.start(WorkflowTypes.evaluatePrompt, { taskQueue, workflowId: `bench-eval-${process.pid}-${runNo}`, args: [input] });
      const result = await handle.result() as EvaluateResult;
      const secs = (performance.now() - t0) / 1000;
      lastHandle = handle;
      if (result.modelCalls !== limit || result.cachedCalls !== 0 || result.failedRollouts !== 0) {
        throw new Error(`run ${runNo}: expected ${limit} fresh calls, got ${result.modelCalls} made, ${result.cachedCalls} cached, ${result.failedRollouts} failed`);
      }
      lastCpu = cpuSince(cpu0, secs);
      return secs;
    };

    console.log(`evaluatePrompt benchmark: ${os.cpus().length} cores (${os.cpus()[0]?.model ?? 'cpu'}), node ${process.version}, load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
    await evaluate('sim-large', 64, 64); // warm-up: workflow bundle, connections, the task's index in the worker
    const afterWarmupKb = procStatusKb(pid, 'VmHWM');
    sampledPeakKb = 0;

    const t64 = await evaluate('sim-large', n, 64);
    const peakKb = procStatusKb(pid, 'VmHWM');
    console.log(`throughput, 0 ms latency, window  64: ${(n / t64).toFixed(1).padStart(6)} rollouts/s  (${n} rollouts in ${t64.toFixed(2)} s)`);
    console.log(`  CPU: ${lastCpu}`);
    console.log(`worker peak RSS over that ${n}-rollout evaluation: VmHWM ${mb(peakKb)} (after warm-up ${mb(afterWarmupKb)}; sampled VmRSS max ${mb(sampledPeakKb)})`);
    const t128 = await evaluate('sim-large', n, 128);
    console.log(`throughput, 0 ms latency, window 128: ${(n / t128).toFixed(1).padStart(6)} rollouts/s  (${n} rollouts in ${t128.toFixed(2)} s)`);
    console.log(`  CPU: ${lastCpu}`);

    const calls = 20 * window; // ideal wall time 4 s at 200 ms
    const ideal = (calls * LATENCY_MS) / window / 1000;
    const tSlow = await evaluate('sim-large-slow', calls, window);
    console.log(`latency ${LATENCY_MS} ms, window ${window}: ${calls} calls in ${tSlow.toFixed(2)} s, ideal ${ideal.toFixed(2)} s, ratio ${(tSlow / ideal).toFixed(3)}`);
    console.log(`  CPU: ${lastCpu}`);
    console.log(`  per rollout (median ms): ${await cycleBreakdown(lastHandle!)}`);
    console.log(`worker VmHWM at the end: ${mb(procStatusKb(pid, 'VmHWM'))}; load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);

    clearInterval(sampler);
    await connection.close();
  } finally {
    for (const c of children) c.kill('SIGTERM');
    await server.shutdown();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error((err as Error).message);
  process.exit(1);
});
