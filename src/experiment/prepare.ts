/**
 * Preparing an experiment for its workflow: validate the config (the one validation, see
 * load.ts), read the task's ids and draw each repeat's splits, and keep what the workflow may
 * know of each model (no endpoints, no keys). Reads data; no network.
 */
import {
  configHash, evaluationModels, planArms, planRepeats, planStages, type ModelInfo, type PreparedExperiment,
} from '../core/experiment';
import { drawSplits } from '../core/splits';
import { callPolicyOf } from '../llm/call-policy';
import type { ModelRegistry } from '../llm/registry';
import { assertDatasetFiles } from '../tasks/datasets';
import type { TaskRegistry } from '../tasks/registry';
import { taskPoolSizes, validateConfigValue } from './load';

export interface PrepareDeps {
  registry: ModelRegistry;
  tasks: TaskRegistry;
  datasetsDir: string;
  /** The lsl version recorded with the run. */
  version: string;
}

/** `baseQueue`: the experiment's task queue, where its rate-limited models' own queues hang (callPolicyOf). */
export async function prepareExperiment(deps: PrepareDeps, value: unknown, baseQueue: string): Promise<PreparedExperiment> {
  const { config } = await validateConfigValue(value, { registry: deps.registry, poolSizes: (t) => taskPoolSizes(t, deps.datasetsDir) });
  const t = deps.tasks.get(config.task);
  assertDatasetFiles(deps.datasetsDir, t.files);
  const trainIds = (await t.load(deps.datasetsDir, 'train')).map((e) => e.id);
  const testIds = t.separatePools ? (await t.load(deps.datasetsDir, 'test')).map((e) => e.id) : trainIds;
  const stages = planStages(config);
  const evalModels = evaluationModels(config);
  const names = new Set([config.models.large, config.models.small, ...stages.map((s) => s.reflector), ...evalModels.map((m) => m.model)]);
  const models: Record<string, ModelInfo> = {};
  for (const name of names) {
    const s = deps.registry.get(name);
    models[name] = {
      name, model: s.model, provider: s.provider, simulated: s.simulated, timeoutMs: s.timeoutMs, concurrency: s.concurrency,
      priceInputPerM: s.priceInputPerM, priceOutputPerM: s.priceOutputPerM, callPolicy: callPolicyOf(s, baseQueue),
    };
  }
  return {
    config,
    configHash: configHash(config),
    version: deps.version,
    stages,
    arms: planArms(config),
    repeats: planRepeats(config).map((r) => ({
      repeat: r.repeat,
      gepaSeed: r.gepaSeed,
      splits: drawSplits({ trainPool: trainIds, testPool: testIds, separatePools: t.separatePools, sizes: config.splits, seed: r.splitSeed }),
    })),
    evalModels,
    models,
    trainPool: 'train',
    testPool: t.separatePools ? 'test' : 'train',
  };
}
