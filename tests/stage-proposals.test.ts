/**
 * GEPA with parallel proposals (proposals = 4) as a durable stage on the real dev server and the
 * simulator with latency jitter on, so the calls of each batch complete in a different order in
 * each run. Two runs, each with its own worker and a fresh response cache (nothing replayed from
 * the first), end in the same result, and spend stays within the grant.
 */
import { WorkflowTypes } from '../src/workers/names';
import type { GepaStageResult } from '../src/workflows/gepa-stage';
import type { RunningSimulator } from '../src/sim';
import { startTestSimulator } from './helpers/sim';
import { startTestWorker } from './helpers/temporal';
import { gsm8kStageInput, outcomeOf, poolOf, removeTempDirs, stageDeps, tempDir } from './stage-setup';

let sim: RunningSimulator;

beforeAll(async () => {
  sim = await startTestSimulator({ latencyMs: { mean: 40, jitter: 35 } });
});

afterAll(async () => {
  await sim?.close();
  removeTempDirs();
});

async function run(id: string) {
  const deps = stageDeps(sim.url, tempDir(`stage-proposals-${id}`));
  const worker = await startTestWorker(deps);
  try {
    const input = await gsm8kStageInput({ budget: 150, train: 20, val: 8, config: { proposals: 4, seed: 5 } });
    const handle = await worker.client.workflow.start(WorkflowTypes.gepaStage, {
      taskQueue: worker.taskQueue, workflowId: `stage-proposals-${id}-${Date.now()}`, args: [input],
    });
    const result = (await handle.result()) as GepaStageResult;
    return { result, pool: await poolOf(deps.store, result) };
  } finally {
    await worker.stop();
  }
}

test('with proposals = 4 the stage ends the same whatever order its calls complete in, within its grant', async () => {
  const first = await run('a');
  const second = await run('b');
  for (const { result } of [first, second]) {
    expect(result.metricCalls).toBeLessThanOrEqual(150);
    expect(Object.values(result.outcomes).reduce((a, b) => a + b, 0)).toBe(result.iterations);
    // Rounds of 4: several proposals were made.
    expect(result.iterations).toBeGreaterThanOrEqual(4);
  }
  expect(outcomeOf(second.result)).toEqual(outcomeOf(first.result));
  expect(second.pool).toEqual(first.pool);
}, 600_000);
