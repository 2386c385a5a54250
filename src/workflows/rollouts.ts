/**
 * Model calls as seen from a workflow: the activity proxies and their retry policy, and the
 * wrapper that blocks on a model the run cannot use. Per-example refusals come back from the
 * rollout activity as recorded failures; nothing that fails otherwise ever becomes a score.
 */
import { proxyActivities } from '@temporalio/workflow';
import type { Activities, RolloutInput, RolloutRecord, TeachInput, TeachRecord } from '../activities';
import { studentInstruction, type TeacherInput } from '../core/experiment/wst';
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

/** Teacher-then-student mode (wst): the teacher and its call activity. */
export interface Teaching {
  teacher: TeacherInput;
  teach: (i: TeachInput) => Promise<TeachRecord>;
}

export function teachingFor(teacher: TeacherInput | undefined): Teaching | undefined {
  return teacher ? { teacher, teach: modelCallActivities(teacher.callPolicy).teach } : undefined;
}

/**
 * Runs one rollout. A per-example refusal is a record the activity returns; a model the run
 * cannot use blocks it (with `blocks`) until resumed, then the same rollout is made again.
 *
 * With `teaching`, `input.instruction` is the teacher's prompt: the teacher writes this problem's
 * instruction first (its own activity, cached like any call), then the student answers with it.
 * The record carries the teacher's call; reflection reads the instruction beside the answer.
 */
export async function runRollout(
  rollout: (i: RolloutInput) => Promise<RolloutRecord>,
  input: RolloutInput,
  blocks?: ModelBlocks,
  outageLimitMinutes?: number,
  teaching?: Teaching,
): Promise<RolloutRecord> {
  const call = <T>(model: string, fn: () => Promise<T>, limit?: number) => (blocks ? blocks.call(model, fn, limit) : fn());
  if (!teaching) return call(input.model, () => rollout(input), outageLimitMinutes);
  const { teacher, teach } = teaching;
  const taught = await call(teacher.model, () => teach({
    task: input.task, pool: input.pool, exampleId: input.exampleId, model: teacher.model, prompt: input.instruction,
    sampleIndex: input.sampleIndex, temperature: input.temperature, ...(input.cacheScope ? { cacheScope: input.cacheScope } : {}),
  }), teacher.callPolicy.outageLimitMinutes);
  if (taught.error) {
    // The teacher refused this problem: the rollout is a recorded refusal; the student is not asked.
    return {
      id: input.exampleId, sampleIndex: input.sampleIndex, score: 0, extracted: null, feedback: taught.error, output: '', outputKey: '', input: '',
      inputTokens: 0, outputTokens: 0, usd: 0, cached: false, attempt: 1, error: taught.error, refusal: taught.refusal ?? 'ModelRefusal', teacher: taught,
    };
  }
  const rec = await call(input.model, () => rollout({ ...input, instruction: studentInstruction(teacher.frame, taught.instruction) }), outageLimitMinutes);
  const shown = input.inlineOutputChars ? `Teacher's instruction for this problem:\n${taught.instruction}\n\nStudent's answer:\n${rec.output}` : rec.output;
  return { ...rec, output: shown, teacher: taught };
}

/** Start-to-close for a rollout given the model's client timeout: room for the call and for grading. */
export function rolloutTimeoutFor(modelTimeoutMs: number): number {
  return Math.round(modelTimeoutMs * 1.5) + 15_000;
}
