/**
 * One rollout: one example, one instruction, one sample: a model call plus grading. Returns a
 * compact record; the full output goes to the artifact store. Idempotent through the gateway's
 * response cache, so a retried or re-run rollout never pays for its model call twice.
 */
import { Context } from '@temporalio/activity';
import type { DataSplit } from '../tasks/types';
import type { ActivityDeps } from './deps';
import { findExample } from './examples';

export interface RolloutInput {
  task: string;
  /** The data split the example is in. */
  pool: DataSplit;
  exampleId: string;
  model: string;
  instruction: string;
  sampleIndex: number;
  temperature?: number;
  /** Characters of the output to return inline (for reflection); the rest stays in the artifact. */
  inlineOutputChars?: number;
}

export interface RolloutRecord {
  id: string;
  sampleIndex: number;
  score: number;
  extracted: string | null;
  feedback: string;
  /** Start of the output (up to inlineOutputChars); the full text is at outputKey. */
  output: string;
  outputKey: string;
  /** The problem text as the model saw it (for reflection datasets). */
  input: string;
  inputTokens: number;
  outputTokens: number;
  usd: number;
  cached: boolean;
  /** Activity attempt (> 1 after a retry or a crashed worker): a non-cached call then is re-done work. */
  attempt: number;
  details?: Record<string, unknown>;
  /** Set when the rollout failed permanently (e.g. the endpoint refused the request): scored 0. */
  error?: string;
}

export function createRolloutActivities(deps: ActivityDeps) {
  return {
    async rollout(input: RolloutInput): Promise<RolloutRecord> {
      const task = deps.tasks.get(input.task);
      const example = await findExample(deps, input.task, input.pool, input.exampleId);
      const messages = task.buildMessages(input.instruction, example);
      const res = await deps.gateway.chat(input.model, {
        messages,
        sampleIndex: input.sampleIndex,
        temperature: input.temperature,
      });
      const grade = await task.grade(res.text, example);
      const outputKey = await deps.store.put(res.text);
      const inline = input.inlineOutputChars ?? 0;
      return {
        id: example.id,
        sampleIndex: input.sampleIndex,
        score: grade.score,
        extracted: grade.extracted,
        feedback: grade.feedback,
        output: inline > 0 ? res.text.slice(0, inline) : '',
        outputKey,
        input: inline > 0 ? example.question.slice(0, inline) : '',
        inputTokens: res.inputTokens,
        outputTokens: res.outputTokens,
        usd: res.usd,
        cached: res.cached,
        attempt: Context.current().info.attempt,
        details: grade.details,
      };
    },
  };
}
