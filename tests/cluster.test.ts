/**
 * lsl on the production-style cluster (scripts/cluster.sh): the Temporal server on PostgreSQL,
 * artifacts, response cache and reports in MinIO, and `lsl worker` processes that share nothing
 * else (each its own LSL_HOME, as on separate machines).
 *
 * - two workers, each with its own in-process simulator: results.jsonl byte-equal to the
 *   one-machine run; `lsl report <id>` from a third directory;
 * - a worker killed with SIGKILL mid-stage, while calls of its own are provably in flight (its
 *   proxy to the simulator holds their answers back): its calls are retried within 30 s, the calls
 *   paid twice are no more than those in flight and each shows in the ledger as re-done work; then
 *   the Temporal server killed and restarted mid-run: the same results again.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import YAML from 'yaml';
import type { RunningSimulator } from '../src/sim';
import type { ExperimentProgress, ExperimentResult } from '../src/workflows/experiment';
import { REPO, lastJsonLine, makeTempDir, runLsl, startWorkerProcess, waitFor, type LslProcess } from './helpers/cli';
import { restartTemporal, useCluster, type ClusterEnv } from './helpers/cluster';
import { writeWorkflowBundle } from './helpers/bundle';
import { startHoldProxy, type HoldProxy } from './helpers/hold-proxy';
import { startTestSimulator } from './helpers/sim';

const CONFIG = path.join(REPO, 'tests/fixtures/configs/cluster-gsm8k.yaml');
// The workflow code bundled once for every worker here (bundling at each start takes minutes under load).
let BUNDLE: string;

let cluster: ClusterEnv;
let sim: RunningSimulator;
let refJsonl: Buffer;
let refSimCalls: number;
const workers: LslProcess[] = [];
const proxies: HoldProxy[] = [];

beforeAll(async () => {
  cluster = await useCluster();
  BUNDLE = await writeWorkflowBundle(makeTempDir('cluster-bundle'));
  sim = await startTestSimulator({ latencyMs: 60 });
  // The one-machine reference: embedded dev server, local store, the shared simulator (to count calls).
  const home = makeTempDir('cluster-ref');
  sim.reset();
  const ref = await runLsl(['run', CONFIG, '--json'], { LSL_HOME: home, LSL_SIM_URL: sim.url, LSL_WORKFLOW_BUNDLE: BUNDLE }, 400_000);
  if (ref.code !== 0) throw new Error(ref.stderr);
  refSimCalls = sim.stats().totals.calls;
  refJsonl = fs.readFileSync(path.join(lastJsonLine<{ reportDir: string }>(ref).reportDir, 'results.jsonl'));
}, 45 * 60_000);

afterEach(async () => {
  for (const w of workers.splice(0)) await w.kill('SIGKILL');
  for (const p of proxies.splice(0)) await p.close();
});

afterAll(async () => {
  await sim?.close();
});

/** The environment of a machine of the cluster: its own home, the shared store prefix and task queue. */
function machine(name: string, prefix: string, taskQueue: string, extra: Record<string, string | undefined> = {}) {
  return {
    ...cluster, LSL_STORE: `${cluster.LSL_STORE}/${prefix}`, LSL_HOME: makeTempDir(`cluster-${name}`),
    LSL_TASK_QUEUE: taskQueue, LSL_WORKFLOW_BUNDLE: BUNDLE, ...extra,
  };
}

async function worker(env: Record<string, string | undefined>): Promise<LslProcess> {
  // Room for a loaded machine: a worker opens its store and connects to the server first.
  const w = await startWorkerProcess(cluster.TEMPORAL_ADDRESS, env.LSL_TASK_QUEUE!, env, 180_000);
  workers.push(w);
  return w;
}

test('two workers with their own homes and MinIO: results.jsonl equals the one-machine run; `lsl report` from a third directory', async () => {
  const prefix = `t-${randomUUID().slice(0, 8)}`;
  const taskQueue = `cluster-${prefix}`;
  // No LSL_SIM_URL: each worker serves the sim-* models with its own in-process simulator.
  const a = await worker(machine('a', prefix, taskQueue));
  const b = await worker(machine('b', prefix, taskQueue));
  expect(a.output()).toMatch(/simulator \(in-process/);
  expect(b.output()).toMatch(/store s3:\/\//);

  const id = `exp-cluster-${prefix}`;
  const run = await runLsl(['run', CONFIG, '--no-worker', '--json', '--id', id], machine('c', prefix, taskQueue), 600_000);
  if (run.code !== 0) throw new Error(run.stderr);
  const summary = lastJsonLine<{ status: string; report: string; reportDir: string }>(run);
  expect(summary.status).toBe('completed');
  // Both workers did the work (each has answered rollouts: its own cache of sim answers is empty, the store has them).
  expect(fs.readFileSync(path.join(summary.reportDir, 'results.jsonl'))).toEqual(refJsonl);

  // A third machine that only shares the store and the server.
  const third = machine('d', prefix, taskQueue);
  const rep = await runLsl(['report', id], third, 120_000);
  if (rep.code !== 0) throw new Error(rep.stderr);
  const html = rep.stdout.trim().split('\n').find((l) => l.endsWith('.html'))!;
  expect(html.startsWith(third.LSL_HOME)).toBe(true);
  expect(fs.readFileSync(path.join(path.dirname(html), 'results.jsonl'))).toEqual(refJsonl);
  expect(fs.readFileSync(html, 'utf8')).toMatch(/cluster-gsm8k/);
}, 900_000);

interface Pending { activityId: string; identity: string; state: string; attempt: number }

async function pendingOf(client: Client, ids: string[]): Promise<Map<string, Pending>> {
  const out = new Map<string, Pending>();
  for (const id of ids) {
    const d = await client.workflow.getHandle(id).describe().catch(() => undefined);
    for (const pa of d?.raw.pendingActivities ?? []) {
      out.set(`${id}/${pa.activityId}`, {
        activityId: pa.activityId ?? '', identity: pa.lastWorkerIdentity ?? '', attempt: pa.attempt ?? 1,
        // PENDING_ACTIVITY_STATE_STARTED is 2 (the enum arrives as a number).
        state: Number(pa.state) === 2 ? 'STARTED' : String(pa.state),
      });
    }
  }
  return out;
}

/** The open workflows of a test's task queue (the experiment, its stages and evaluations). */
async function openWorkflows(client: Client, taskQueue: string): Promise<string[]> {
  const ids: string[] = [];
  for await (const w of client.workflow.list({ query: `TaskQueue="${taskQueue}" AND ExecutionStatus="Running"` })) ids.push(w.workflowId);
  return ids;
}

test('SIGKILL of a worker mid-stage: lost calls retried within 30 s, double-paid calls in the ledger; a Temporal server restart mid-run: same results', async () => {
  const prefix = `k-${randomUUID().slice(0, 8)}`;
  const taskQueue = `cluster-${prefix}`;
  // Each worker reaches the shared simulator through its own proxy, which knows its calls in flight.
  proxies.push(await startHoldProxy(sim.url), await startHoldProxy(sim.url));
  const env = (name: string, simUrl = sim.url) => machine(name, prefix, taskQueue, { LSL_SIM_URL: simUrl });
  sim.reset();
  const victim = await worker(env('w1', proxies[0].url));
  await worker(env('w2', proxies[1].url));
  const connection = await Connection.connect({ address: cluster.TEMPORAL_ADDRESS });
  const client = new Client({ connection, namespace: cluster.TEMPORAL_NAMESPACE });
  const id = `exp-kill-${prefix}`;
  try {
    await client.workflow.start('experiment', { taskQueue, workflowId: id, args: [YAML.parse(fs.readFileSync(CONFIG, 'utf8'))] });
    await waitFor('base to be under way', async () =>
      (await client.workflow.getHandle(`${id}-r0-base`).query<{ spent: number }>('progress')).spent >= 20, 300_000);

    // The kill lands while the victim provably waits on its model: its answers are held back from
    // now on (the simulator has answered and counted them), and it dies with one or more in flight.
    proxies[0].hold();
    await waitFor('a model call in flight on the worker to be killed', async () => proxies[0].inFlight() > 0, 120_000);
    // The workflows its calls can belong to, listed before the kill (held calls keep them open): a
    // query after it may wait on the dead worker's sticky queue, past the heartbeat timeout.
    const stages = (await client.workflow.getHandle(id).query<ExperimentProgress>('progress')).stages.map((s) => s.workflowId);
    const open = [...new Set([...(await openWorkflows(client, taskQueue)), ...stages])];
    await victim.kill('SIGKILL');
    const killedAt = Date.now();
    const heldCalls = proxies[0].inFlight();
    const identity = `${victim.pid}@${os.hostname()}`;
    // Describing is the server's alone: no worker is asked.
    const lost = new Map([...(await pendingOf(client, open)).entries()].filter(([, p]) => p.identity === identity && p.state === 'STARTED'));
    expect(lost.size).toBeGreaterThanOrEqual(1);

    // Each lost call is picked up again (started by the surviving worker, or done) — when?
    const retriedAfter = new Map<string, number>();
    const lostIn = [...new Set([...lost.keys()].map((k) => k.slice(0, k.lastIndexOf('/'))))];
    await waitFor('every lost call to be retried', async () => {
      const now = await pendingOf(client, lostIn);
      for (const k of lost.keys()) {
        if (retriedAfter.has(k)) continue;
        const p = now.get(k);
        if (!p || (p.identity !== identity && p.state === 'STARTED')) retriedAfter.set(k, Date.now() - killedAt);
      }
      return retriedAfter.size === lost.size;
    }, 120_000);
    const slowest = Math.max(...retriedAfter.values());
    process.stderr.write(`cluster test: ${lost.size} activities started on the killed worker (${heldCalls} model calls held in flight); slowest retried after ${(slowest / 1000).toFixed(1)} s\n`);
    expect(slowest).toBeLessThanOrEqual(30_000);

    // Mid-run, the Temporal server is killed and started again on its PostgreSQL database.
    await waitFor('a stage to complete', async () =>
      (await client.workflow.getHandle(id).query<ExperimentProgress>('progress')).stages.some((s) => s.status === 'completed'), 300_000);
    await restartTemporal();

    const result = (await client.workflow.getHandle(id).result()) as ExperimentResult;
    expect(result.status).toBe('completed');
    const doublePaid = sim.stats().totals.calls - refSimCalls;
    // A lost call may be a rollout or a reflection: the ledger keeps their re-done counts apart.
    const redone = result.ledger.totals.redone.calls + result.ledger.totals.redone.reflectionCalls;
    process.stderr.write(`cluster test: ${doublePaid} calls paid twice, ${redone} re-done calls in the ledger\n`);
    // The held calls were paid and never answered to their worker, so each was paid again; no
    // more than the calls in flight at the kill were; every one of them is re-done work.
    expect(doublePaid).toBeGreaterThanOrEqual(heldCalls);
    expect(doublePaid).toBeLessThanOrEqual(lost.size);
    expect(redone).toBeGreaterThanOrEqual(doublePaid);

    const third = env('reader');
    const rep = await runLsl(['report', id], third, 120_000);
    if (rep.code !== 0) throw new Error(rep.stderr);
    const html = rep.stdout.trim().split('\n').find((l) => l.endsWith('.html'))!;
    expect(fs.readFileSync(path.join(path.dirname(html), 'results.jsonl'))).toEqual(refJsonl);
  } finally {
    // A failed test leaves no run behind on the shared cluster (an ended one cannot be terminated).
    await client.workflow.getHandle(id).terminate('cluster test ended').catch(() => undefined);
    await connection.close();
  }
}, 900_000);
