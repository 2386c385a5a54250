/**
 * Each population search improves on the seed instruction on the simulated GSM8K task within a
 * 200-call grant (task model sim-small, optimizer model sim-large). Determinism and exact
 * resume are shown on the toy task (optimizers-core.test.ts) and through a worker crash
 * (stage-optimizers-crash.test.ts).
 */
import type OpenAI from 'openai';
import type { Optimizer, OptimizerStateBase } from '../src/core/optimizer';
import { SEARCH_OPTIMIZERS } from '../src/core/optimizers';
import type { RunningSimulator } from '../src/sim';
import { simClient, startTestSimulator } from './helpers/sim';
import { loadSimTask, runOnSimulator, type SimTask } from './helpers/sim-optimize';

let sim: RunningSimulator;
let client: OpenAI;
let task: SimTask;

beforeAll(async () => {
  sim = await startTestSimulator();
  client = simClient(sim);
  task = await loadSimTask(16, 12);
});
afterAll(() => sim.close());

const SEED = 'Solve the math word problem.';

async function optimize(name: string, seed: number) {
  const o = SEARCH_OPTIMIZERS[name] as Optimizer<OptimizerStateBase>;
  const state = o.init({
    config: { seed, fitnessExamples: 10, ...(name === 'opro' ? { proposalsPerStep: 4 } : { populationSize: 4 }) },
    start: { kind: 'seed', seed: { components: { instruction: SEED }, order: ['instruction'] } },
    trainIds: task.trainIds, valIds: task.valIds, grant: { amount: 200, unit: 'metricCalls' }, holder: name,
  });
  const end = await runOnSimulator(o, state, { client, task, taskModel: 'sim-small', optimizerModel: 'sim-large' });
  return o.summarize(end);
}

describe.each(Object.keys(SEARCH_OPTIMIZERS))('%s on the simulator', (name) => {
  it('beats the seed within its grant', async () => {
    const a = await optimize(name, 1);
    expect(a.metricCalls).toBeLessThanOrEqual(200);
    expect(a.best.valMean).toBeGreaterThan(a.seed.valMean);
    expect(a.best.text).not.toBe(SEED);
    expect(a.best.candidate.parents.length).toBeGreaterThan(0);
  });
});
