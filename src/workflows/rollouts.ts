/** Rollouts as seen from a workflow: the activity proxy, its retry policy, and recorded permanent failures. */
import { ActivityFailure, ApplicationFailure, proxyActivities } from '@temporalio/workflow';
import type { Activities, RolloutInput, RolloutRecord } from '../activities';

export const storage = proxyActivities<Activities>({
  startToCloseTimeout: '2 minutes',
  retry: { maximumAttempts: 5 },
});

/**
 * Model calls are short, heartbeat-free activities: the start-to-close timeout sits just above
 * the provider timeout (plus grading time), so a call lost with a crashed worker is retried
 * soon. Bounded retries with backoff; a 429's Retry-After overrides the delay.
 */
export function rolloutActivity(timeoutMs: number) {
  return proxyActivities<Activities>({
    startToCloseTimeout: timeoutMs,
    retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 25 },
  }).rollout;
}

/** Runs one rollout; a permanent (non-retryable) failure becomes a recorded score of 0, not a failed workflow. */
export async function runRollout(rollout: (i: RolloutInput) => Promise<RolloutRecord>, input: RolloutInput): Promise<RolloutRecord> {
  try {
    return await rollout(input);
  } catch (err) {
    const cause = err instanceof ActivityFailure ? err.cause : undefined;
    if (cause instanceof ApplicationFailure && cause.nonRetryable) {
      return {
        id: input.exampleId, sampleIndex: input.sampleIndex, score: 0, extracted: null,
        feedback: `the model call failed: ${cause.type ?? 'error'}: ${cause.message}`,
        output: '', outputKey: '', input: '', inputTokens: 0, outputTokens: 0, usd: 0, cached: false, attempt: 0,
        error: `${cause.type ?? 'ApplicationFailure'}: ${cause.message}`,
      };
    }
    throw err;
  }
}

/** Start-to-close for a rollout given the model's client timeout: room for the call and for grading. */
export function rolloutTimeoutFor(modelTimeoutMs: number): number {
  return Math.round(modelTimeoutMs * 1.5) + 15_000;
}
