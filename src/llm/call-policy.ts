/**
 * How a workflow calls one model, from its registry entry: the client timeout, how long an
 * outage is waited out, and the model's own task queue when the provider limits its rate. Plain
 * data, built where the registry is (the CLI, activities) and carried in workflow inputs, so a
 * workflow picks a call's queue from its input alone (never from its worker's environment).
 */
import type { ModelSpec } from './types';

export interface ModelCallPolicy {
  /** The model's client timeout. */
  timeoutMs: number;
  /** Transient failures are retried this long before the run blocks (default 24 h). */
  outageLimitMinutes?: number;
  /**
   * The task queue of this model's calls, for models with `rpm` (modelTaskQueue); absent, the
   * calls go on the workflow's own queue.
   */
  taskQueue?: string;
  /** Longest wait between retries (default 1 minute). */
  retryMaxIntervalMs?: number;
}

/**
 * The task queue of a model's calls when its entry states `rpm`: one queue per model, because
 * Temporal's activity rate limit (set by the workers from the same entry, src/workers/model-queues.ts)
 * holds for a whole task queue, across all its workers.
 */
export function modelTaskQueue(base: string, model: string): string {
  return `${base}.model.${model}`;
}

/** The call policy of a model whose workflows run on `baseQueue` (the queue the workers poll). */
export function callPolicyOf(spec: Pick<ModelSpec, 'name' | 'timeoutMs' | 'outageLimitMinutes' | 'rpm'>, baseQueue: string): ModelCallPolicy {
  return {
    timeoutMs: spec.timeoutMs,
    ...(spec.outageLimitMinutes !== undefined ? { outageLimitMinutes: spec.outageLimitMinutes } : {}),
    ...(spec.rpm !== undefined ? { taskQueue: modelTaskQueue(baseQueue, spec.name) } : {}),
  };
}
