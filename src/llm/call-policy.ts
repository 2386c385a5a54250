/**
 * How a workflow calls one model, from its registry entry: the client timeout, how long an
 * outage is waited out, and the model's own task queue when the provider limits its rate. Plain
 * data, built where the registry is (the CLI, activities) and carried in workflow inputs.
 */
import type { ModelSpec } from './types';

export interface ModelCallPolicy {
  /** The model's client timeout. */
  timeoutMs: number;
  /** Transient failures are retried this long before the run blocks (default 24 h). */
  outageLimitMinutes?: number;
  /** Calls go on the model's own rate-limited task queue (models with `rpm`; see modelTaskQueue). */
  ownQueue?: boolean;
  /** Longest wait between retries (default 1 minute). */
  retryMaxIntervalMs?: number;
}

/**
 * The task queue of a model's calls when its entry states `rpm`: one queue per model, so the
 * server's task-queue rate limit (set by the workers from the same entry) holds across workers.
 */
export function modelTaskQueue(base: string, model: string): string {
  return `${base}/model/${model}`;
}

export function callPolicyOf(spec: Pick<ModelSpec, 'timeoutMs' | 'outageLimitMinutes'>): ModelCallPolicy {
  return {
    timeoutMs: spec.timeoutMs,
    ...(spec.outageLimitMinutes !== undefined ? { outageLimitMinutes: spec.outageLimitMinutes } : {}),
    // Not yet: the workers do not poll the models' queues (createModelQueueWorkers is not wired
    // into createLslWorker), so a call put there would wait until its outage limit.
  };
}
