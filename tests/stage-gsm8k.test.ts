/**
 * The GEPA stage on the real dev server with the simulator: GSM8K, sim-small rollouts, sim-large
 * reflecting, 300 metric calls, |V| = 30. It must beat the seed instruction; the same stage forced
 * to continue-as-new every 2 iterations must end in exactly the same result; no run's history may
 * reach 10,000 events.
 */
import { DEFAULT_INSTRUCTION } from '../src/cli/commands/eval';
import { WorkflowTypes } from '../src/workers/names';
import type { GepaStageResult } from '../src/workflows/gepa-stage';
import { startTestSimulator } from './helpers/sim';
import { startTestWorker, type TestWorker } from './helpers/temporal';
import { gsm8kStageInput, outcomeOf, poolOf, removeTempDirs, runChain, stageDeps, tempDir, type RunHistory } from './stage-setup';
import type { RunningSimulator } from '../src/sim';

const BUDGET = 300;
const VAL = 30;

let sim: RunningSimulator;
const workers: TestWorker[] = [];
let plain: { result: GepaStageResult; runs: RunHistory[]; worker: TestWorker & { deps: ReturnType<typeof stageDeps> } };
let chained: typeof plain;

async function runStage(id: string, continueAsNewEvery?: number): Promise<typeof plain> {
  // Each run has its own worker, response cache and store, so neither answers the other from a cache.
  const deps = stageDeps(sim.url, tempDir(`stage-${id}`));
  const worker = Object.assign(await startTestWorker(deps), { deps });
  workers.push(worker);
  const input = await gsm8kStageInput({ budget: BUDGET, val: VAL, continueAsNewEvery });
  const workflowId = `stage-gsm8k-${id}-${Date.now()}`;
  const handle = await worker.client.workflow.start(WorkflowTypes.gepaStage, { taskQueue: worker.taskQueue, workflowId, args: [input] });
  const result = (await handle.result()) as GepaStageResult;
  const runs = await runChain(worker.client, workflowId, handle.firstExecutionRunId);
  return { result, runs, worker };
}

beforeAll(async () => {
  sim = await startTestSimulator();
  [plain, chained] = await Promise.all([runStage('plain'), runStage('chained', 2)]);
});

afterAll(async () => {
  for (const w of workers) await w.stop();
  await sim?.close();
  removeTempDirs();
});

test('the stage raises the best validation score above the seed instruction, within its grant', () => {
  const r = plain.result;
  expect(r.stopReason).toBe('budget');
  expect(r.seedScore).toBeGreaterThanOrEqual(0);
  expect(r.bestScore).toBeGreaterThan(r.seedScore);
  expect(r.metricCalls).toBeLessThanOrEqual(BUDGET);
  // Budget stop: the next iteration's worst case (2b + |V|) did not fit.
  expect(BUDGET - r.metricCalls).toBeLessThan(2 * 3 + VAL);
  expect(r.accepted).toBeGreaterThanOrEqual(1);
  expect(r.candidates).toBe(r.accepted + 1);
  expect(r.bestCandidate.text).not.toBe(DEFAULT_INSTRUCTION);
  expect(r.bestCandidate.text.length).toBeGreaterThan(DEFAULT_INSTRUCTION.length);
  // The learning curve starts at the seed's score after its validation and ends at the best.
  expect(r.learningCurve[0]).toMatchObject({ spend: VAL, best: r.seedScore });
  expect(r.learningCurve[r.learningCurve.length - 1].best).toBe(r.bestScore);
  expect(r.ledger.totals.metricCalls).toBe(r.metricCalls);
});

test('forced to continue-as-new every 2 iterations, the stage ends in exactly the same result', async () => {
  expect(chained.result.continuedAsNew).toBeGreaterThanOrEqual(2);
  expect(chained.runs.length).toBe(chained.result.continuedAsNew + 1);
  expect(chained.runs.slice(0, -1).every((r) => r.continuedAsNew)).toBe(true);
  expect(plain.result.continuedAsNew).toBe(0);
  expect(plain.runs).toHaveLength(1);

  expect(outcomeOf(chained.result)).toEqual(outcomeOf(plain.result));
  // The summary artifact is content-addressed: equal keys mean byte-identical pools, lineage,
  // per-instance scores, frontier, curve and ledger.
  expect(chained.result.summaryKey).toBe(plain.result.summaryKey);
  const pool = await poolOf(plain.worker.deps.store, plain.result);
  expect(await poolOf(chained.worker.deps.store, chained.result)).toEqual(pool);
  expect(pool.pool.map((c) => c.candidate.parents.length)).toEqual([0, ...pool.pool.slice(1).map(() => 1)]);
});

test('every run of both stages stays under 10,000 history events', () => {
  const all = [...plain.runs, ...chained.runs];
  expect(all.length).toBeGreaterThanOrEqual(4);
  for (const run of all) {
    expect(run.events).toBeGreaterThan(10);
    expect(run.events).toBeLessThan(10_000);
  }
  // Continuing as new really splits the history: each run of the chain is shorter than the single run.
  expect(Math.max(...chained.runs.map((r) => r.events))).toBeLessThan(plain.runs[0].events);
});

test('every iteration of the stage ended in exactly one counted outcome, in the result, the summary and the progress query', async () => {
  for (const { result: r, worker } of [plain, chained]) {
    const sum = (o: Record<string, number>) => Object.values(o).reduce((a, b) => a + b, 0);
    expect(sum(r.outcomes)).toBe(r.iterations);
    expect(r.outcomes.accepted).toBe(r.accepted);
    const summary = await worker.deps.store.getJson<{ outcomes: Record<string, number>; iterations: number }>(r.summaryKey);
    expect(summary.outcomes).toEqual(r.outcomes);
    expect(sum(summary.outcomes)).toBe(summary.iterations);
  }
  expect(chained.result.outcomes).toEqual(plain.result.outcomes);
});
