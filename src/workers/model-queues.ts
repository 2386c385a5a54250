/**
 * Rate limits shared by every worker, the Temporal way: a model whose registry entry states
 * `rpm` has its calls on a task queue of its own (callPolicyOf puts its name in the workflow
 * input), and each worker polls that queue with an activity-only worker whose
 * `maxTaskQueueActivitiesPerSecond` is the entry's rpm / 60. The server enforces that rate for
 * the queue as a whole, across all its workers (so every worker must load the same rpm: the last
 * poller's setting wins). How many of the model's calls one worker runs at once is the entry's
 * `concurrency`, within the worker's activity slots.
 */
import { Worker, type NativeConnection } from '@temporalio/worker';
import type { Activities } from '../activities';
import { modelTaskQueue } from '../llm/call-policy';
import type { ModelRegistry } from '../llm/registry';

/** The queue and its settings for each rate-limited model of the registry (pure). */
export function modelQueueSettings(registry: Pick<ModelRegistry, 'all'>, baseQueue: string, workerSlots: number) {
  return registry.all().filter((spec) => spec.rpm !== undefined).map((spec) => ({
    model: spec.name,
    options: {
      taskQueue: modelTaskQueue(baseQueue, spec.name),
      maxTaskQueueActivitiesPerSecond: spec.rpm! / 60,
      maxConcurrentActivityTaskExecutions: Math.min(spec.concurrency, workerSlots),
    },
  }));
}

export async function createModelQueueWorkers(opts: {
  connection: NativeConnection; namespace: string; baseQueue: string; registry: ModelRegistry; activities: Activities; workerSlots: number;
}): Promise<Worker[]> {
  return Promise.all(modelQueueSettings(opts.registry, opts.baseQueue, opts.workerSlots).map(({ options }) => Worker.create({
    connection: opts.connection,
    namespace: opts.namespace,
    activities: opts.activities,
    ...options,
  })));
}
