/**
 * A GEPA stage whose task model and reflector are both the simulator's reasoning profile
 * (`sim-reasoning`, which refuses `max_tokens` and a non-default temperature with OpenAI's 400,
 * as OpenAI's reasoning models do): the stage completes, the reasoning tokens are in its ledger
 * and priced as output, and the simulator refused nothing, so the gateway never sent max_tokens.
 * The profile's skill is lowered so that GEPA has mistakes to reflect on (the shipped one solves
 * every minibatch, and the stage would end 'stalled' without a reflection).
 */
import type { RunningSimulator } from '../src/sim';
import { WorkflowTypes } from '../src/workers/names';
import type { GepaStageInput, GepaStageResult } from '../src/workflows/gepa-stage';
import { startTestSimulator } from './helpers/sim';
import { startTestWorker, type TestWorker } from './helpers/temporal';
import { gsm8kStageInput, removeTempDirs, stageDeps, tempDir } from './stage-setup';

// The registry's sim-reasoning price, $ per million tokens.
const PRICE_IN = 1.25;
const PRICE_OUT = 10;

let sim: RunningSimulator;
let worker: TestWorker;
afterAll(async () => {
  await worker?.stop();
  await sim?.close();
  removeTempDirs();
});

test('a GEPA stage through the reasoning profile completes, with reasoning tokens in the ledger, priced, and no max_tokens sent', async () => {
  // A weaker skill than the shipped profile's, so some minibatches are imperfect and the reflector is called.
  sim = await startTestSimulator({ profiles: { 'sim-reasoning': { skill: 0.45 } } });
  worker = await startTestWorker(stageDeps(sim.url, tempDir('stage-reasoning')));
  const base = await gsm8kStageInput({ budget: 80, train: 15, val: 9 });
  const input: GepaStageInput = { ...base, taskModel: 'sim-reasoning', reflector: 'sim-reasoning' };
  const result = (await worker.client.workflow
    .start(WorkflowTypes.gepaStage, { taskQueue: worker.taskQueue, workflowId: `stage-reasoning-${Date.now()}`, args: [input] })
    .then((h) => h.result())) as GepaStageResult;

  expect(result.stopReason).toBe('budget');
  expect(result.iterations).toBeGreaterThan(0);
  expect(Object.values(result.outcomes).reduce((a, b) => a + b, 0)).toBe(result.iterations);
  const stats = sim.stats().models['sim-reasoning'];
  // The profile answers 400 to max_tokens or temperature 0: not one call was refused.
  expect(stats.errors).toBe(0);
  expect(stats.taskCalls).toBeGreaterThan(0);
  expect(stats.reflectionCalls).toBeGreaterThan(0);
  expect(stats.reasoningTokens).toBeGreaterThan(0);

  // The ledger: reasoning tokens counted (inside output tokens) for rollouts and reflections alike...
  const usage = result.account.byModel['sim-reasoning'];
  const first = usage.first;
  const all = { reasoning: (first.reasoningTokens ?? 0) + (usage.redone.reasoningTokens ?? 0), usd: first.usd + usage.redone.usd };
  expect(first.reasoningTokens ?? 0).toBeGreaterThan(0);
  expect(first.reasoningTokens!).toBeLessThan(first.outputTokens);
  // ...every reasoning token the simulator spent is there (answers the response cache served again add their tokens, not their price)...
  expect(all.reasoning).toBeGreaterThanOrEqual(stats.reasoningTokens);
  // ...and billed as output: the stage paid exactly the simulator's tokens at the registry's price.
  expect(all.usd).toBeCloseTo((stats.promptTokens * PRICE_IN + stats.completionTokens * PRICE_OUT) / 1e6, 9);
}, 300_000);
