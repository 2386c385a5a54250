/**
 * The cost of the failure classification and blocking machinery (issue 9) on the raw rollout
 * rate: the same evaluatePrompt runs on a worker of this checkout and on a worker of a baseline
 * checkout (main before issue 9), side by side on one Temporal dev server and one simulator at
 * 0 ms latency. Rounds alternate baseline and current so a change in the machine's load hits
 * both alike; the ratio is current rate / baseline rate over all rounds of this one run.
 *
 *   git -C /work/main worktree add --detach /tmp/lsl-baseline <commit> && ln -s "$PWD/node_modules" /tmp/lsl-baseline/node_modules
 *   npx tsx bench/failure-overhead.ts /tmp/lsl-baseline [rollouts=600] [rounds=3]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { startTemporal } from '../src/temporal/server';
import { WorkflowTypes } from '../src/workers/names';
import { LSL_BIN, lslEnv, startLsl } from '../tests/helpers/cli';

const WINDOW = 64;

/** `<checkout>/bin/lsl worker` on its own queue and home; resolves once it polls. */
function startWorker(bin: string, env: Record<string, string>): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, ['worker'], { env: lslEnv(env), cwd: path.dirname(path.dirname(bin)), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const timer = setTimeout(() => reject(new Error(`${bin} worker: not polling after 120 s:\n${out}`)), 120_000);
    const onData = (d: Buffer) => {
      out += d.toString();
      if (/lsl worker on /.test(out)) {
        clearTimeout(timer);
        resolve(child);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => reject(new Error(`${bin} worker exited (${code}):\n${out}`)));
  });
}

async function main(): Promise<void> {
  const baseline = path.resolve(process.argv[2] ?? '');
  if (!process.argv[2] || !fs.existsSync(path.join(baseline, 'bin', 'lsl'))) {
    throw new Error('bench/failure-overhead.ts: give a baseline checkout (a git worktree of main before issue 9, with node_modules), see the header');
  }
  const n = Number(process.argv[3] ?? 600);
  const rounds = Number(process.argv[4] ?? 3);
  if (!Number.isInteger(n) || n < 100 || n > 1319) throw new Error(`bench/failure-overhead.ts: rollouts must be an integer in [100, 1319] (GSM8K test), got ${process.argv[3]}`);
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`bench/failure-overhead.ts: rounds must be a positive integer, got ${process.argv[4]}`);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lsl-bench-failure-'));
  const models = path.join(tmp, 'models.yaml');
  fs.writeFileSync(models, 'models:\n  - { name: sim-large, concurrency: 256 }\n');
  const children: ChildProcess[] = [];
  const server = await startTemporal();
  try {
    const sim = await startLsl(['sim', 'serve', '--port', '0', '--latency', '0'], {}, /http:\/\/127\.0\.0\.1:\d+/);
    children.push(sim.child);
    const sides = { baseline: path.join(baseline, 'bin', 'lsl'), current: LSL_BIN } as const;
    const queues: Record<string, string> = {};
    for (const [side, bin] of Object.entries(sides)) {
      queues[side] = `bench-failure-${side}-${process.pid}`;
      children.push(await startWorker(bin, {
        TEMPORAL_ADDRESS: server.address, LSL_TASK_QUEUE: queues[side], LSL_HOME: path.join(tmp, side), LSL_MODELS: models, LSL_SIM_URL: sim.match[0],
      }));
    }
    const connection = await Connection.connect({ address: server.address });
    const client = new Client({ connection, namespace: server.namespace });
    let runNo = 0;
    /** Seconds for `limit` fresh rollouts (its own instruction: nothing from the response cache). */
    const evaluate = async (side: string, limit: number): Promise<number> => {
      const input = {
        task: 'gsm8k', model: 'sim-large', pool: 'test', limit, concurrency: WINDOW, modelTimeoutMs: 30_000,
        instruction: `Solve the problem step by step. End with "#### <number>". (bench run ${++runNo} ${Date.now()})`,
      };
      const t0 = performance.now();
      const handle = await client.workflow.start(WorkflowTypes.evaluatePrompt, { taskQueue: queues[side], workflowId: `bench-failure-${process.pid}-${runNo}`, args: [input] });
      const r = (await handle.result()) as { modelCalls: number; cachedCalls: number; failedRollouts: number };
      const secs = (performance.now() - t0) / 1000;
      if (r.modelCalls !== limit || r.cachedCalls !== 0 || r.failedRollouts !== 0) {
        throw new Error(`${side} run ${runNo}: expected ${limit} fresh calls, got ${r.modelCalls} made, ${r.cachedCalls} cached, ${r.failedRollouts} failed`);
      }
      return secs;
    };
    const load = () => os.loadavg().map((l) => l.toFixed(2)).join(' ');
    console.log(`failure-overhead benchmark: ${os.cpus().length} cores, node ${process.version}, ${n} rollouts x ${rounds} rounds, window ${WINDOW}, load average ${load()}`);
    for (const side of Object.keys(sides)) await evaluate(side, 64); // warm-up: bundles, connections, the task's index
    const total: Record<string, number> = { baseline: 0, current: 0 };
    for (let i = 0; i < rounds; i++) {
      // Alternate which side goes first, so a drift in load is shared.
      for (const side of i % 2 ? ['current', 'baseline'] : ['baseline', 'current']) {
        const secs = await evaluate(side, n);
        total[side] += secs;
        console.log(`round ${i + 1} ${side.padEnd(8)}: ${(n / secs).toFixed(1).padStart(6)} rollouts/s (${secs.toFixed(2)} s)`);
      }
    }
    const rate = (side: string) => (n * rounds) / total[side];
    console.log(`baseline ${rate('baseline').toFixed(1)} rollouts/s, current ${rate('current').toFixed(1)} rollouts/s, ratio current/baseline ${(rate('current') / rate('baseline')).toFixed(3)}; load average ${load()}`);
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
