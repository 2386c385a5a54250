/**
 * A prepared experiment built by hand (no registry, no data): the input of the run plan in its
 * unit tests and what the mocked `prepareExperiment` activity returns in the workflow tests.
 * Example ids name their repeat and split (`r0-val-3`), so a test can tell which split went where.
 */
import {
  configHash, evaluationModels, parseExperimentConfig, planArms, planRepeats, planStages,
  type ExperimentConfigInput, type ModelInfo, type PreparedExperiment,
} from '../../src/core/experiment';
import type { HolderAccount } from '../../src/core/budget';

/** The seed prompt P0 of TINY. */
export const P0 = 'Solve the math problem step by step.';

export const TINY: ExperimentConfigInput = {
  name: 'tiny',
  task: 'gsm8k',
  splits: { train: 6, val: 4, test: 5, seed: 3 },
  seed: { instruction: P0 },
  models: { large: 'L', small: 'S' },
  budget: { unit: 'metricCalls', b1: 90, b2: 60 },
  arms: ['seed', 'base', 'lsl', 'matched', 'small-only'],
  gepa: { minibatchSize: 3 },
  evaluation: { models: ['large', 'small'] },
};

export function preparedFor(raw: ExperimentConfigInput = TINY, concurrency = 64): PreparedExperiment {
  const config = parseExperimentConfig(raw);
  const stages = planStages(config);
  const evalModels = evaluationModels(config);
  const names = new Set([config.models.large, config.models.small, ...stages.map((s) => s.reflector), ...evalModels.map((m) => m.model)]);
  const models: Record<string, ModelInfo> = {};
  for (const name of names) {
    models[name] = { name, model: `${name}-model`, provider: 'sim', simulated: true, timeoutMs: name === 'L' ? 7000 : 3000, concurrency };
  }
  const ids = (repeat: number, split: string, n: number) => Array.from({ length: n }, (_, i) => `r${repeat}-${split}-${i}`);
  return {
    config,
    configHash: configHash(config),
    version: '0.0.0-test',
    stages,
    arms: planArms(config),
    repeats: planRepeats(config).map((r) => ({
      repeat: r.repeat,
      gepaSeed: r.gepaSeed,
      splits: {
        seed: r.splitSeed,
        train: ids(r.repeat, 'train', config.splits.train),
        val: ids(r.repeat, 'val', config.splits.val),
        test: ids(r.repeat, 'test', config.splits.test),
      },
    })),
    evalModels,
    models,
    trainPool: 'train',
    testPool: 'test',
  };
}

/** A stage's own ledger account after `metricCalls` first-attempt rollouts on `model`. */
export function accountOf(metricCalls: number, amount: number, model: string, unit: 'metricCalls' = 'metricCalls'): HolderAccount {
  return {
    grant: { amount, unit },
    reserved: 0,
    metricCalls,
    redoneMetricCalls: 0,
    cacheHits: 0,
    iterations: 0,
    byModel: {
      [model]: {
        first: { calls: metricCalls, reflectionCalls: 0, inputTokens: 10 * metricCalls, outputTokens: 5 * metricCalls, usd: 0.001 * metricCalls },
        redone: { calls: 0, reflectionCalls: 0, inputTokens: 0, outputTokens: 0, usd: 0 },
      },
    },
  };
}
