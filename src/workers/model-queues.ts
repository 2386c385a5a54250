/**
 * Rate limits shared by every worker, the Temporal way: a model whose registry entry states
 * `rpm` has its calls on a task queue of its own (see callPolicyOf), and each worker polls that
 * queue with an activity-only worker whose `maxTaskQueueActivitiesPerSecond` is the entry's rpm
 * / 60. The server enforces that rate for the queue as a whole, across all workers; how many of
 * the model's calls one worker runs at once is the entry's `concurrency`.
 */
import { Worker, type NativeConnection } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from '../activities';
import { modelTaskQueue } from '../llm/call-policy';

export async function createModelQueueWorkers(opts: { connection: NativeConnection; namespace: string; baseQueue: string; deps: ActivityDeps }): Promise<Worker[]> {
  const limited = opts.deps.registry.all().filter((spec) => spec.rpm);
  if (!limited.length) return [];
  const activities = createActivities(opts.deps);
  return Promise.all(limited.map((spec) => Worker.create({
    connection: opts.connection,
    namespace: opts.namespace,
    taskQueue: modelTaskQueue(opts.baseQueue, spec.name),
    activities,
    maxTaskQueueActivitiesPerSecond: spec.rpm! / 60,
    maxConcurrentActivityTaskExecutions: spec.concurrency,
  })));
}
