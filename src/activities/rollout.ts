/**
 * One rollout: one example, one instruction, one sample: a model call plus grading. Returns a
 * compact record; the full output goes to the artifact store. Idempotent through the gateway's
 * response cache, so a retried or re-run rollout never pays for its model call twice.
 */
import { Context } from '@temporalio/activity';
import { refusalOf } from '../llm/errors';
import type { ChatResult } from '../llm/types';
import type { DataSplit } from '../tasks/types';
import type { ActivityDeps } from './deps';
import { findExample } from './examples';
import { activityCaller, heartbeating } from './heartbeat';

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
  /** The run's response-cache scope (scheduled re-runs); absent: shared cache. */
  cacheScope?: string;
}

/** What one model call cost, and whether it was work done again. */
export interface CallSpend {
  inputTokens: number;
  outputTokens: number;
  usd: number;
  cached: boolean;
  /** Activity attempt (> 1 after a retry or a crashed worker). Whether the call was re-done work is `redone`, from the call claims. */
  attempt: number;
  /** Paid again after an earlier attempt, or another worker, may already have paid for this call (re-done work). */
  redone?: boolean;
}

export interface RolloutRecord extends CallSpend {
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
  details?: Record<string, unknown>;
  /**
   * Set when the model refused this example (a context-length error, a content filter, an empty
   * or cut-off completion): the one-line reason, also in `feedback`. Scored 0 and counted apart
   * from wrong answers. Account and outage failures are never records: the run blocks instead.
   */
  error?: string;
  /** The refusal's type (ModelContextLength, ModelCutOff, ...), for counting refusals by cause. */
  refusal?: string;
  /** Hidden reasoning tokens (inside outputTokens). */
  reasoningTokens?: number;
  /** Artifact key of a reasoning model's reasoning text (kept, never graded). */
  reasoningKey?: string;
  /** Set for a teacher-then-student rollout (wst): the teacher's call that wrote this problem's instruction. */
  teacher?: TeachRecord;
}

/** A teacher's call (wst): it read the problem with its prompt and wrote an instruction for it. */
export interface TeachInput {
  task: string;
  pool: DataSplit;
  exampleId: string;
  /** The teacher model. */
  model: string;
  /** The teacher's prompt (the candidate being optimized). */
  prompt: string;
  sampleIndex: number;
  temperature?: number;
  cacheScope?: string;
}

export interface TeachRecord extends CallSpend {
  model: string;
  /** The instruction it wrote for the problem ('' when refused). */
  instruction: string;
  /** The problem as the teacher read it (after its prompt): the input of an RL trainer's teacher (`lsl export --format wst-jsonl`). */
  problem: string;
  /** Set when the teacher refused this problem (its reason): the rollout is then a recorded refusal too. */
  error?: string;
  refusal?: string;
}

export function createRolloutActivities(deps: ActivityDeps) {
  return {
    /** The teacher reads the problem as a task model would (its prompt, then the question) and writes an instruction. */
    teach: (input: TeachInput): Promise<TeachRecord> => heartbeating(async () => {
      const example = await findExample(deps, input.task, input.pool, input.exampleId);
      const messages = deps.tasks.get(input.task).buildMessages(input.prompt, example);
      const base = { model: input.model, problem: example.question, attempt: Context.current().info.attempt };
      try {
        const res = await deps.gateway.chat(input.model, { messages, sampleIndex: input.sampleIndex, temperature: input.temperature, cacheScope: input.cacheScope, caller: activityCaller() });
        const spent = { inputTokens: res.inputTokens, outputTokens: res.outputTokens, usd: res.usd, cached: res.cached, ...(res.redone ? { redone: true } : {}) };
        // A cut-off instruction is not the teacher's whole instruction: a refusal, never handed to the student.
        if (res.cutOff) return { ...base, ...spent, instruction: '', error: `teacher: ${res.cutOff}`, refusal: 'ModelCutOff' };
        return { ...base, ...spent, instruction: res.text.trim() };
      } catch (err) {
        const refusal = refusalOf(err);
        if (!refusal) throw err;
        const spent = refusal.spent ?? { inputTokens: 0, outputTokens: 0, usd: 0 };
        return {
          ...base, instruction: '', inputTokens: spent.inputTokens, outputTokens: spent.outputTokens, usd: spent.usd, cached: false,
          error: `teacher: ${refusal.reason}`, refusal: refusal.type,
        };
      }
    }),
    rollout: (input: RolloutInput): Promise<RolloutRecord> => heartbeating(async () => {
      const task = deps.tasks.get(input.task);
      const example = await findExample(deps, input.task, input.pool, input.exampleId);
      const messages = task.buildMessages(input.instruction, example);
      const inline = input.inlineOutputChars ?? 0;
      const base = { id: example.id, sampleIndex: input.sampleIndex, input: inline > 0 ? example.question.slice(0, inline) : '', attempt: Context.current().info.attempt };
      let res: ChatResult;
      try {
        res = await deps.gateway.chat(input.model, { messages, sampleIndex: input.sampleIndex, temperature: input.temperature, cacheScope: input.cacheScope, caller: activityCaller() });
      } catch (err) {
        // Refused for this example only: a recorded failure with its reason, never retried.
        const refusal = refusalOf(err);
        if (!refusal) throw err;
        const spent = refusal.spent ?? { inputTokens: 0, outputTokens: 0, reasoningTokens: 0, usd: 0 };
        return {
          ...base, score: 0, extracted: null, feedback: refusal.reason, output: '', outputKey: '',
          inputTokens: spent.inputTokens, outputTokens: spent.outputTokens, usd: spent.usd, cached: false,
          ...(spent.reasoningTokens ? { reasoningTokens: spent.reasoningTokens } : {}),
          error: refusal.reason, refusal: refusal.type,
        };
      }
      const outputKey = await deps.store.put(res.text);
      const reasoning = {
        ...(res.reasoningTokens ? { reasoningTokens: res.reasoningTokens } : {}),
        ...(res.reasoning ? { reasoningKey: await deps.store.put(res.reasoning) } : {}),
      };
      if (res.cutOff) {
        // Not the model's whole answer: neither graded nor a wrong answer, a refusal with its reason.
        return {
          ...base, score: 0, extracted: null, feedback: res.cutOff, output: inline > 0 ? res.text.slice(0, inline) : '', outputKey,
          inputTokens: res.inputTokens, outputTokens: res.outputTokens, usd: res.usd, cached: res.cached, ...reasoning,
          error: res.cutOff, refusal: 'ModelCutOff',
        };
      }
      const grade = await task.grade(res.text, example);
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
        ...(res.redone ? { redone: true } : {}),
        details: grade.details,
        ...reasoning,
      };
    }),
  };
}
