/**
 * A model's `rpm` holds for all workers together (issue 9, item 3): two `lsl worker` processes,
 * each with its own in-process simulator at 0 ms latency, serve an `lsl eval` of a model with
 * `rpm: 120`. Its calls go on the model's own task queue, whose activity rate limit (2/s) the
 * Temporal server enforces across both workers: counted by the two simulators' own stats, at
 * most 2.1 calls a second over 30 s, and both workers made some. A model without rpm, on the
 * same workers, runs faster than that (the limit, not the machine, is what holds the first back).
 */
import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import type { SimStats } from '../src/sim';
import { lastJsonLine, makeTempDir, runLsl, startWorkerProcess, writeRegistry, type LslProcess } from './helpers/cli';
import { testClient, testServer } from './helpers/temporal';

const LIMITED = 'sim-small';
const UNLIMITED = 'sim-large';
const RPM = 120;
const N = 80; // at 2/s about 40 s of calls: the 30 s window lies inside them
const WINDOW_MS = 30_000;

interface Sample { t: number; calls: number }
interface EvalSummary { workflowId: string; n: number; modelCalls: number; failedRollouts: number }

async function callsOf(simUrls: string[], model: string): Promise<number[]> {
  return Promise.all(simUrls.map(async (url) => {
    const stats = await (await fetch(`${url}/sim/stats`)).json() as SimStats;
    return stats.models[model]?.calls ?? 0;
  }));
}

/** Calls per second over the first `WINDOW_MS` from the last sample before the first call (the sample closing the window may count a few ms more: conservative). */
function windowRate(samples: Sample[]): number {
  const first = samples.findIndex((s) => s.calls > 0);
  const start = samples[Math.max(0, first - 1)];
  const end = samples.find((s) => s.t >= start.t + WINDOW_MS);
  if (first < 0 || !end) throw new Error(`calls did not last ${WINDOW_MS} ms: ${JSON.stringify(samples.at(-1))}`);
  return (end.calls - start.calls) / (WINDOW_MS / 1000);
}

/** Calls per second from the last sample before the first call to the first sample with all N: a lower bound. */
function overallRate(samples: Sample[]): number {
  const first = samples.findIndex((s) => s.calls > 0);
  const end = samples.find((s) => s.calls >= N);
  if (first < 0 || !end) throw new Error(`not all ${N} calls were seen: ${JSON.stringify(samples.at(-1))}`);
  return N / ((end.t - samples[Math.max(0, first - 1)].t) / 1000);
}

describe('rpm is shared by all workers (the model queue\'s Temporal rate limit)', () => {
  const dir = makeTempDir('rate-limit');
  const models = writeRegistry(dir, `  - { name: ${LIMITED}, rpm: ${RPM} }\n`);
  const workers: LslProcess[] = [];
  afterAll(async () => {
    for (const w of workers) await w.kill('SIGTERM');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const taskQueue = `rate-limit-${randomUUID()}`;
  const env = { LSL_HOME: path.join(dir, 'home'), LSL_MODELS: models, LSL_SIM_LATENCY_MS: '0' };
  let simUrls: string[] = [];
  const lsl = async <T>(args: string[]): Promise<T> => {
    const r = await runLsl([...args, '--no-worker', '--json'], { ...env, TEMPORAL_ADDRESS: testServer().address, LSL_TASK_QUEUE: taskQueue, LSL_SIM_URL: simUrls[0] }, 300_000);
    if (r.code !== 0) throw new Error(`lsl ${args.join(' ')} exited ${r.code}:\n${r.stderr}`);
    return lastJsonLine<T>(r);
  };
  const evalOf = (model: string) => lsl<EvalSummary>(['eval', '--task', 'gsm8k', '--model', model, '--limit', String(N), '--concurrency', '16']);
  /** The task queue each activity of a workflow was scheduled on, by activity type. */
  const queuesOf = async (workflowId: string) => {
    const client = await testClient();
    try {
      const events = (await client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
      const byType: Record<string, Set<string>> = {};
      for (const e of events) {
        const a = e.activityTaskScheduledEventAttributes;
        if (a) (byType[a.activityType!.name!] ??= new Set()).add(a.taskQueue!.name!);
      }
      return Object.fromEntries(Object.entries(byType).map(([k, v]) => [k, [...v]]));
    } finally {
      await client.connection.close();
    }
  };

  beforeAll(async () => {
    const { address, bundlePath } = testServer();
    // The suite's workflow bundle, so the workers start without webpack.
    await Promise.all([1, 2].map(async () => workers.push(await startWorkerProcess(address, taskQueue, { ...env, LSL_WORKFLOW_BUNDLE: bundlePath }))));
    simUrls = workers.map((w) => {
      const m = w.output().match(/simulator \(in-process, [^)]*\): (\S+)/);
      if (!m) throw new Error(`no in-process simulator line in the worker's output:\n${w.output()}`);
      return m[1];
    });
  }, 200_000);

  test(`two worker processes, ${LIMITED} at rpm ${RPM}: at most 2.1 calls a second over 30 s`, async () => {
    for (const w of workers) expect(w.output()).toContain(`rate-limited ${taskQueue}.model.${LIMITED}`);

    /** Runs the evaluation of `model`, sampling both simulators' count of its calls meanwhile. */
    const sampled = async (model: string) => {
      const samples: Sample[] = [];
      let running = true;
      const sampler = (async () => {
        while (running) {
          samples.push({ t: Date.now(), calls: (await callsOf(simUrls, model)).reduce((a, b) => a + b, 0) });
          await new Promise((r) => setTimeout(r, 100));
        }
      })();
      const summary = await evalOf(model).finally(() => (running = false));
      await sampler;
      expect(summary).toMatchObject({ n: N, modelCalls: N, failedRollouts: 0 });
      // The limited model's calls went on its own queue; the other's stayed on the workflow's.
      expect((await queuesOf(summary.workflowId)).rollout).toEqual([model === LIMITED ? `${taskQueue}.model.${LIMITED}` : taskQueue]);
      return samples;
    };

    // The control: no rpm, the workflow's own queue, as fast as the workers go.
    const controlRate = overallRate(await sampled(UNLIMITED));
    // The limited model.
    const rate = windowRate(await sampled(LIMITED));

    const perWorker = await callsOf(simUrls, LIMITED);
    process.stderr.write(`[rate-limit] ${LIMITED} at rpm ${RPM}: ${rate.toFixed(3)} calls/s over 30 s (workers ${perWorker.join(' + ')}); ${UNLIMITED} without rpm: ${controlRate.toFixed(2)} calls/s\n`);
    expect(perWorker.reduce((a, b) => a + b, 0)).toBe(N);
    for (const c of perWorker) expect(c).toBeGreaterThan(0); // both workers served the model's queue
    expect(rate).toBeLessThanOrEqual(2.1);
    expect(rate).toBeGreaterThan(1); // the limit paces the calls; it does not starve them
    expect(controlRate).toBeGreaterThan(2.1);
  }, 420_000);

  test(`a stage: ${LIMITED}'s rollouts on its own queue, the reflector's calls (no rpm) on the workflow's`, async () => {
    const before = (await callsOf(simUrls, LIMITED)).reduce((a, b) => a + b, 0);
    const stage = await lsl<{ workflowId: string }>(['optimize', '--task', 'gsm8k', '--model', LIMITED, '--reflector', UNLIMITED, '--budget', '24', '--train', '6', '--val', '5']);
    expect(await queuesOf(stage.workflowId)).toMatchObject({ rollout: [`${taskQueue}.model.${LIMITED}`], reflect: [taskQueue] });
    expect((await callsOf(simUrls, LIMITED)).reduce((a, b) => a + b, 0)).toBeGreaterThan(before);
  }, 300_000);
});
