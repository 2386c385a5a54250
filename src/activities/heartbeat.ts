/**
 * Model-call activities heartbeat while they wait on the endpoint (or on another worker's claim),
 * so a call lost with its worker is retried after the heartbeat timeout (seconds) instead of the
 * start-to-close timeout (minutes for a slow model).
 */
import { Context } from '@temporalio/activity';

/** Heartbeat period; the workflows' heartbeat timeout (MODEL_CALL_HEARTBEAT_TIMEOUT_MS) is several of these. */
export const HEARTBEAT_EVERY_MS = 3_000;

/** Runs `fn` in the current activity, heartbeating every few seconds until it settles. */
export async function heartbeating<T>(fn: () => Promise<T>): Promise<T> {
  const ctx = Context.current();
  ctx.heartbeat();
  const timer = setInterval(() => ctx.heartbeat(), HEARTBEAT_EVERY_MS);
  try {
    return await fn();
  } finally {
    clearInterval(timer);
  }
}

/** Who makes a model call, for the call claims: stable across the attempts of one activity. */
export function activityCaller(): { id: string; attempt: number } {
  const info = Context.current().info;
  return { id: `${info.workflowExecution?.workflowId ?? 'standalone'}/${info.activityId}`, attempt: info.attempt };
}
