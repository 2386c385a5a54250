/**
 * The stage workflow drives any optimizer of the interface: a toy random search over a fixed
 * list of instructions (tests/fixtures/optimizers) runs as a durable gepaStage on the real dev
 * server and the simulator, with no change to the workflow: only its registry entry, in a
 * workflow bundle of the worker's own workflows. It continues-as-new midway and ends the same.
 */
import fs from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { WorkflowTypes } from '../src/workers/names';
import type { GepaStageResult } from '../src/workflows/gepa-stage';
import type { RunningSimulator } from '../src/sim';
import { startTestSimulator } from './helpers/sim';
import { startTestWorker, type TestWorker } from './helpers/temporal';
import { gsm8kStageInput, removeTempDirs, runChain, stageDeps, tempDir } from './stage-setup';

const INSTRUCTIONS = [
  'Solve the problem step by step. End with: #### <number>',
  'Think carefully about each quantity, then give the final answer after ####.',
  'Answer with only the final number after ####.',
];

let sim: RunningSimulator;
let worker: TestWorker & { deps: ReturnType<typeof stageDeps> };

beforeAll(async () => {
  sim = await startTestSimulator();
  const { code } = await bundleWorkflowCode({
    workflowsPath: require.resolve('./fixtures/optimizers/workflows'),
    logger: { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error: (m: string) => console.error(m) } as never,
  });
  const bundlePath = path.join(tempDir('toy-bundle'), 'workflow-bundle.js');
  fs.writeFileSync(bundlePath, code);
  const deps = stageDeps(sim.url, tempDir('stage-optimizer'));
  worker = Object.assign(await startTestWorker(deps, { workflowBundlePath: bundlePath }), { deps });
});

afterAll(async () => {
  await worker?.stop();
  await sim?.close();
  removeTempDirs();
});

async function run(id: string, continueAsNewEvery?: number) {
  const input = {
    ...(await gsm8kStageInput({ budget: 200, train: 10, val: 8, continueAsNewEvery })),
    optimizer: 'random-search',
    config: { instructions: INSTRUCTIONS, iterations: 4, perAction: 2, seed: 3 },
  };
  const workflowId = `stage-optimizer-${id}-${Date.now()}`;
  const handle = await worker.client.workflow.start(WorkflowTypes.gepaStage, { taskQueue: worker.taskQueue, workflowId, args: [input] });
  const result = (await handle.result()) as GepaStageResult;
  return { result, runs: await runChain(worker.client, workflowId, handle.firstExecutionRunId) };
}

test('a toy random-search optimizer runs as a durable stage through the unchanged workflow', async () => {
  const before = sim.stats().totals.calls;
  const { result: r } = await run('plain');
  expect(r.optimizer).toBe('random-search');
  expect(r.stopReason).toBe('max-iterations');
  expect(r.iterations).toBe(4);
  // Every iteration ended in one counted outcome.
  expect(Object.values(r.outcomes).reduce((a, b) => a + b, 0)).toBe(r.iterations);
  // The seed and each new instruction validated once on |V| = 8, each rollout one simulator call.
  expect(r.metricCalls).toBe(8 * r.candidates);
  expect(r.candidates).toBeGreaterThanOrEqual(2);
  expect(sim.stats().totals.calls - before).toBe(r.metricCalls);
  expect([...INSTRUCTIONS, r.bestCandidate.text]).toContain(r.bestCandidate.text);
  expect(r.bestScore).toBeGreaterThanOrEqual(r.seedScore);
  const summary = await worker.deps.store.getJson<{ optimizer: string; pool: unknown[] }>(r.summaryKey);
  expect(summary.optimizer).toBe('random-search');
  expect(summary.pool).toHaveLength(r.candidates);

  // The same stage continued-as-new after every iteration ends exactly the same (its calls answered from the response cache).
  const chained = (await run('chained', 1));
  expect(chained.runs.length).toBeGreaterThan(2);
  const same = (x: GepaStageResult) => [x.bestCandidate, x.metricCalls, x.iterations, x.outcomes, x.learningCurve, x.candidates];
  expect(same(chained.result)).toEqual(same(r));
});
