/**
 * Model calls as seen from a workflow: the activity proxies and their retry policy, and the
 * wrapper that blocks on a model the run cannot use. Per-example refusals come back from the
 * rollout activity as recorded failures; nothing that fails otherwise ever becomes a score.
 */
import { proxyActivities } from '@temporalio/workflow';
import type { Activities, RolloutInput, RolloutRecord } from '../activities';
import type { ModelCallPolicy } from '../llm/call-policy';
import type { ModelBlocks } from './blocking';

export type { ModelCallPolicy };

export const storage = proxyActivities<Activities>({
  startToCloseTimeout: '2 minutes',
  retry: { maximumAttempts: 5 },
});

export const DEFAULT_OUTAGE_LIMIT_MINUTES = 24 * 60;

/**
 * Model calls heartbeat every few seconds while they wait (src/activities/heartbeat.ts), so a call
 * lost with a crashed worker is retried after the heartbeat timeout, whatever the model's own
 * timeout; start-to-close sits just above the provider timeout (plus grading time) as the bound
 * on a live but stuck call. Transient failures are retried with backoff (a 429's Retry-After
 * first) for as long as the outage limit allows (schedule-to-close); then the call fails with a
 * timeout and the workflow blocks. Account failures and refusals are non-retryable.
 */
export const MODEL_CALL_HEARTBEAT_TIMEOUT_MS = 15_000;

export function modelCallActivities(policy: ModelCallPolicy) {
  return proxies(rolloutTimeoutFor(policy.timeoutMs), policy);
}

function proxies(startToCloseMs: number, policy: Omit<ModelCallPolicy, 'timeoutMs'>) {
  return proxyActivities<Activities>({
    startToCloseTimeout: startToCloseMs,
    heartbeatTimeout: Math.min(MODEL_CALL_HEARTBEAT_TIMEOUT_MS, startToCloseMs),
    scheduleToCloseTimeout: (policy.outageLimitMinutes ?? DEFAULT_OUTAGE_LIMIT_MINUTES) * 60_000,
    // A rate-limited model's own queue, named in the input (callPolicyOf); else the workflow's.
    ...(policy.taskQueue ? { taskQueue: policy.taskQueue } : {}),
    // No attempt cap (unlimited): the schedule-to-close timeout is the outage limit.
    retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: policy.retryMaxIntervalMs ?? 60_000 },
  });
}

/** The rollout activity with this start-to-close timeout (other settings at their defaults). */
export function rolloutActivity(startToCloseMs: number) {
  return proxies(startToCloseMs, {}).rollout;
}

/**
 * Runs one rollout. A per-example refusal is a record the activity returns; a model the run
 * cannot use blocks it (with `blocks`) until resumed, then the same rollout is made again.
 */
export function runRollout(
  rollout: (i: RolloutInput) => Promise<RolloutRecord>,
  input: RolloutInput,
  blocks?: ModelBlocks,
  outageLimitMinutes?: number,
): Promise<RolloutRecord> {
  return blocks ? blocks.call(input.model, () => rollout(input), outageLimitMinutes) : rollout(input);
}

/** Start-to-close for a rollout given the model's client timeout: room for the call and for grading. */
export function rolloutTimeoutFor(modelTimeoutMs: number): number {
  return Math.round(modelTimeoutMs * 1.5) + 15_000;
}
