/**
 * Which task queue a model's calls go on (issue 9, item 3): a pure function of the registry
 * entry and the workflow's base queue, carried in the workflow input; models without `rpm` keep
 * the workflow's own queue. The workers' side: one rate-limited queue per such model, at rpm / 60.
 */
import fs from 'node:fs';
import path from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import YAML from 'yaml';
import { createActivities } from '../src/activities';
import { callPolicyOf, modelTaskQueue } from '../src/llm/call-policy';
import { registryFromSpecs } from '../src/llm/registry';
import { modelQueueSettings } from '../src/workers/model-queues';
import { REPO, makeTempDir, writeRegistry } from './helpers/cli';
import { testDeps } from './helpers/deps';

const registry = registryFromSpecs([
  { name: 'limited', provider: 'openai-compatible', baseUrl: 'http://127.0.0.1:1/v1', model: 'm', rpm: 120, concurrency: 500 },
  { name: 'free', provider: 'openai-compatible', baseUrl: 'http://127.0.0.1:1/v1', model: 'm', concurrency: 4 },
  { name: 'slow', provider: 'openai-compatible', baseUrl: 'http://127.0.0.1:1/v1', model: 'm', rpm: 30, concurrency: 4 },
]);

describe('a model\'s task queue', () => {
  test('a model with rpm has its own queue under the base queue, named in the call policy', () => {
    expect(callPolicyOf(registry.get('limited'), 'lsl')).toEqual({
      timeoutMs: 120_000, outageLimitMinutes: 1440, taskQueue: 'lsl.model.limited',
    });
    expect(callPolicyOf(registry.get('limited'), 'test-q').taskQueue).toBe(modelTaskQueue('test-q', 'limited'));
  });

  test('a model without rpm names no queue: its calls stay on the workflow\'s own queue', () => {
    const policy = callPolicyOf(registry.get('free'), 'lsl');
    expect(policy).not.toHaveProperty('taskQueue');
    expect(policy).toEqual({ timeoutMs: 120_000, outageLimitMinutes: 1440 });
  });

  test('the derivation is pure: same entry and base, same policy, whatever the environment; the entry is not changed', () => {
    const spec = registry.get('limited');
    const before = JSON.stringify(spec);
    const saved = process.env.LSL_TASK_QUEUE;
    try {
      process.env.LSL_TASK_QUEUE = 'one';
      const a = callPolicyOf(spec, 'base');
      process.env.LSL_TASK_QUEUE = 'two';
      const b = callPolicyOf(spec, 'base');
      expect(b).toEqual(a);
      expect(a.taskQueue).toBe('base.model.limited');
    } finally {
      if (saved === undefined) delete process.env.LSL_TASK_QUEUE;
      else process.env.LSL_TASK_QUEUE = saved;
    }
    expect(JSON.stringify(spec)).toBe(before);
    // Plain JSON: it survives the workflow input's round trip unchanged.
    const policy = callPolicyOf(spec, 'base');
    expect(JSON.parse(JSON.stringify(policy))).toEqual(policy);
  });

  test('workers poll one queue per rate-limited model, at rpm / 60, with concurrency within the worker\'s slots', () => {
    expect(modelQueueSettings(registry, 'lsl', 200)).toEqual([
      { model: 'limited', options: { taskQueue: 'lsl.model.limited', maxTaskQueueActivitiesPerSecond: 2, maxConcurrentActivityTaskExecutions: 200 } },
      { model: 'slow', options: { taskQueue: 'lsl.model.slow', maxTaskQueueActivitiesPerSecond: 0.5, maxConcurrentActivityTaskExecutions: 4 } },
    ]);
    // The workers' queue is the one the workflow input names.
    for (const { model, options } of modelQueueSettings(registry, 'q', 8)) {
      expect(options.taskQueue).toBe(callPolicyOf(registry.get(model), 'q').taskQueue);
    }
    expect(modelQueueSettings(registryFromSpecs([registry.get('free')]), 'lsl', 200)).toEqual([]);
  });

  test('an experiment\'s prepared models name their queues under the experiment\'s own queue (the prepare activity\'s)', async () => {
    const dir = makeTempDir('model-queues');
    try {
      const deps = testDeps(dir, {}, writeRegistry(dir, '  - { name: sim-small, rpm: 120 }\n'));
      const config = YAML.parse(fs.readFileSync(path.join(REPO, 'examples', 'sim-gsm8k.yaml'), 'utf8'));
      const { prepareExperiment } = createActivities(deps);
      // (run's result type is not inferred from the function)
      const prepared = await new MockActivityEnvironment({ taskQueue: 'exp-q' }).run(() => prepareExperiment({ config })) as Awaited<ReturnType<typeof prepareExperiment>>;
      expect(prepared.models['sim-small'].callPolicy?.taskQueue).toBe('exp-q.model.sim-small');
      expect(prepared.models['sim-large'].callPolicy).not.toHaveProperty('taskQueue');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
