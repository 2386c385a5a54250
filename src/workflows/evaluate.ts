/**
 * evaluatePrompt: one instruction, one model, a list of examples, through a bounded window of
 * rollout activities. The per-example records go to the artifact store as JSONL; the result is
 * a small summary that references them.
 */
import { setHandler, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { RolloutRecord, TeachRecord } from '../activities';
import type { TeacherInput } from '../core/experiment/wst';
import { wilson } from '../core/stats';
import type { DataSplit } from '../tasks/types';
import { SearchAttributes } from '../workers/names';
import type { ModelCallPolicy } from '../llm/call-policy';
import { ModelBlocks, showBlocks } from './blocking';
import { progressQuery, resumeSignal } from './control';
import { modelCallActivities, runRollout, storage, teachingFor } from './rollouts';
import { mapWindowed } from './window';

export interface EvaluateInput {
  task: string;
  model: string;
  instruction: string;
  /** The data split the examples come from. */
  pool: DataSplit;
  /** Explicit example ids; otherwise the split's first `limit` (or all). */
  ids?: string[];
  limit?: number;
  /** Samples per problem (K); default 1. */
  samples?: number;
  temperature?: number;
  /** Rollouts in flight at once (default 32). */
  concurrency?: number;
  /** The model's client timeout (from the registry); sets the rollout activity's start-to-close. */
  modelTimeoutMs?: number;
  /** How the model is called (timeout, outage limit, task queue); from the registry (callPolicyOf). */
  callPolicy?: ModelCallPolicy;
  /** Set when the evaluation is part of an experiment (search attributes in the Web UI). */
  experimentId?: string;
  arm?: string;
  /** The run's response-cache scope (a scheduled re-run asks the models afresh); absent: shared cache. */
  cacheScope?: string;
  /** Teacher-then-student rollouts (wst): `instruction` is the teacher's prompt, `model` the student. */
  teacher?: TeacherInput;
}

/** The teacher's share of a teacher-then-student evaluation (its own model's calls). */
export interface TeacherUsage { model: string; inputTokens: number; outputTokens: number; usd: number; modelCalls: number; cachedCalls: number }

export interface EvaluateResult {
  task: string;
  model: string;
  n: number;
  samples: number;
  correct: number;
  accuracy: number;
  ci95: [number, number];
  /** lm-eval's flexible-extract accuracy where the grader reports it (GSM8K-style tasks). */
  flexibleAccuracy?: number;
  /** Rollouts the model refused for that example (context length, cut off, ...): scored 0, counted apart from wrong answers. */
  failedRollouts: number;
  /** Refused rollouts by cause (ModelCutOff, ModelContextLength, ...). */
  refusals: Record<string, number>;
  /** Answers graded wrong (refusals not included). */
  wrong: number;
  inputTokens: number;
  /** Reasoning tokens (inside outputTokens). */
  reasoningTokens: number;
  outputTokens: number;
  usd: number;
  /** Calls this run made to the model endpoint (retried attempts included) vs answers served from the response cache. */
  modelCalls: number;
  cachedCalls: number;
  /** Artifact key of the per-example JSONL. */
  resultsKey: string;
  /** Set for teacher-then-student rollouts: the teacher's calls (the fields above are the student's). */
  teacher?: TeacherUsage;
}

export interface EvaluateProgress {
  total: number;
  done: number;
  correct: number;
  /** Refused for their example so far. */
  refused: number;
  /** "blocked: model 'x': ..." while the model cannot be used (the run waits for resume), else null. */
  blocked: string | null;
}
export const evaluateProgressQuery = progressQuery<EvaluateProgress>();

export async function evaluatePrompt(input: EvaluateInput): Promise<EvaluateResult> {
  const samples = input.samples ?? 1;
  upsertSearchAttributes([
    { key: SearchAttributes.task, value: input.task },
    { key: SearchAttributes.model, value: input.model },
    { key: SearchAttributes.status, value: 'running' },
    { key: SearchAttributes.stage, value: 'evaluation' },
    ...(input.experimentId ? [{ key: SearchAttributes.experimentId, value: input.experimentId }] : []),
    ...(input.arm ? [{ key: SearchAttributes.arm, value: input.arm }] : []),
  ]);
  // Answer the query from the first task on (total 0 until the ids are listed), not only once they are.
  const progress: EvaluateProgress = { total: 0, done: 0, correct: 0, refused: 0, blocked: null };
  const blocks = new ModelBlocks((list, change) => showBlocks(list, 'running', change));
  setHandler(evaluateProgressQuery, () => ({ ...progress, blocked: blocks.summary() }));
  setHandler(resumeSignal, () => void blocks.resume());
  const ids = input.ids ?? (await storage.listExampleIds({ task: input.task, pool: input.pool, limit: input.limit }));
  const jobs = ids.flatMap((id) => Array.from({ length: samples }, (_, s) => ({ id, s })));
  const policy = input.callPolicy ?? { timeoutMs: input.modelTimeoutMs ?? 60_000 };
  const { rollout } = modelCallActivities(policy);
  const teaching = teachingFor(input.teacher);
  progress.total = jobs.length;

  const records: RolloutRecord[] = await mapWindowed(jobs, input.concurrency ?? 32, async ({ id, s }) => {
    const rec = await runRollout(rollout, {
      task: input.task, pool: input.pool, exampleId: id, model: input.model,
      instruction: input.instruction, sampleIndex: s, temperature: input.temperature,
      ...(input.cacheScope ? { cacheScope: input.cacheScope } : {}),
    }, blocks, policy.outageLimitMinutes, teaching);
    progress.done++;
    progress.correct += rec.score;
    if (rec.error) progress.refused++;
    return rec;
  });

  const resultsKey = await storage.storeJsonl({ rows: records.map((r) => ({ ...r, workflowId: workflowInfo().workflowId })) });
  const result = summarizeRecords(input, records, samples, resultsKey);
  upsertSearchAttributes([
    { key: SearchAttributes.status, value: 'completed' },
    { key: SearchAttributes.testAccuracy, value: result.accuracy },
  ]);
  return result;
}

/**
 * Calls made to the endpoint: each answer not served from the cache, each permanently failed
 * call, the earlier attempts of retried calls (each made a call that failed or was lost), and
 * the lost call of another caller whose claim a first attempt took over (a later attempt's
 * re-done call is its own earlier attempt, already counted).
 */
function callsMade(calls: Array<Pick<RolloutRecord, 'error' | 'cached' | 'attempt' | 'redone'>>): number {
  // A refusal is cached only when the model answered (a cut-off); a refused request never is.
  return calls.reduce((a, r) => a + (r.cached ? 0 : 1) + Math.max(0, r.attempt - 1) + (r.redone && r.attempt === 1 ? 1 : 0), 0);
}

function teacherUsage(model: string, taught: TeachRecord[]): TeacherUsage {
  return {
    model,
    inputTokens: taught.reduce((a, t) => a + t.inputTokens, 0),
    outputTokens: taught.reduce((a, t) => a + t.outputTokens, 0),
    usd: taught.reduce((a, t) => a + t.usd, 0),
    modelCalls: callsMade(taught),
    cachedCalls: taught.filter((t) => t.cached).length,
  };
}

export function summarizeRecords(input: { task: string; model: string; teacher?: Pick<TeacherInput, 'model'> }, records: RolloutRecord[], samples: number, resultsKey: string): EvaluateResult {
  const n = records.length;
  // A rollout whose teacher refused never called the student.
  const asked = records.filter((r) => !r.teacher?.error);
  const correct = records.reduce((a, r) => a + r.score, 0);
  const flex = records.filter((r) => typeof r.details?.flexibleScore === 'number');
  const live = records.filter((r) => !r.error);
  const refusals: Record<string, number> = {};
  for (const r of records) if (r.error) refusals[r.refusal ?? 'ModelRefusal'] = (refusals[r.refusal ?? 'ModelRefusal'] ?? 0) + 1;
  return {
    task: input.task,
    model: input.model,
    n: n / samples,
    samples,
    correct,
    accuracy: n ? correct / n : 0,
    ci95: wilson(Math.round(correct), n),
    flexibleAccuracy: flex.length === n && n > 0 ? flex.reduce((a, r) => a + (r.details!.flexibleScore as number), 0) / n : undefined,
    failedRollouts: n - live.length,
    refusals,
    wrong: live.length - live.reduce((a, r) => a + r.score, 0),
    inputTokens: records.reduce((a, r) => a + r.inputTokens, 0),
    reasoningTokens: records.reduce((a, r) => a + (r.reasoningTokens ?? 0), 0),
    outputTokens: records.reduce((a, r) => a + r.outputTokens, 0),
    usd: records.reduce((a, r) => a + r.usd, 0),
    modelCalls: callsMade(asked),
    cachedCalls: asked.filter((r) => r.cached).length,
    resultsKey,
    ...(input.teacher ? { teacher: teacherUsage(input.teacher.model, records.flatMap((r) => (r.teacher ? [r.teacher] : []))) } : {}),
  };
}
