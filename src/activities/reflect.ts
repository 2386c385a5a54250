/**
 * One reflection: the reflection prompt to the reflecting model, the raw answer back. Parsing and
 * acceptance are the optimizer core's job. Prompt and raw output are kept as artifacts.
 */
import { Context } from '@temporalio/activity';
import type { ActivityDeps } from './deps';
import { activityCaller, heartbeating } from './heartbeat';

export interface ReflectInput {
  model: string;
  prompt: string;
  temperature?: number;
  /** Tells apart samples of the same prompt (part of the response cache key); default 0. */
  sampleIndex?: number;
  /** The run's response-cache scope (scheduled re-runs); absent: shared cache. */
  cacheScope?: string;
}

export interface ReflectOutput {
  rawText: string;
  finishReason: string;
  promptKey: string;
  outputKey: string;
  inputTokens: number;
  outputTokens: number;
  usd: number;
  cached: boolean;
  attempt: number;
  /** Hidden reasoning tokens (inside outputTokens), and the artifact of a server's reasoning text. */
  reasoningTokens?: number;
  reasoningKey?: string;
  /** Paid again after an earlier attempt, or another worker, may already have paid for this call (re-done work). */
  redone?: boolean;
}

export function createReflectActivities(deps: ActivityDeps) {
  return {
    reflect: (input: ReflectInput): Promise<ReflectOutput> => heartbeating(async () => {
      const promptKey = await deps.store.put(input.prompt);
      const res = await deps.gateway.chat(input.model, {
        messages: [{ role: 'user', content: input.prompt }],
        sampleIndex: input.sampleIndex ?? 0,
        temperature: input.temperature,
        cacheScope: input.cacheScope,
        caller: activityCaller(),
      });
      const outputKey = await deps.store.put(res.text);
      return {
        // A completion cut off by the token limit is marked so the core rejects it as truncated:
        // the iteration ends as a malformed reflection (counted, paid, never retried: the same
        // prompt would be cut off again). A refused reflection throws; the stage records it so.
        rawText: res.text,
        finishReason: res.finishReason,
        promptKey,
        outputKey,
        inputTokens: res.inputTokens,
        outputTokens: res.outputTokens,
        usd: res.usd,
        cached: res.cached,
        attempt: Context.current().info.attempt,
        ...(res.reasoningTokens ? { reasoningTokens: res.reasoningTokens } : {}),
        ...(res.reasoning ? { reasoningKey: await deps.store.put(res.reasoning) } : {}),
        ...(res.redone ? { redone: true } : {}),
      };
    }),
  };
}
