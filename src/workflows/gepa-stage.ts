/**
 * gepaStage: one optimization stage, durably, for ANY optimizer of the interface in
 * src/core/optimizer (GEPA by default; `optimizer` in the input picks another by name). The pure
 * optimizer decides what to do next; this workflow only runs what it asks for (rollouts through a
 * bounded window, generations on the optimizer's own model, every request of a batch at once)
 * and feeds the results back. Long stages continue-as-new carrying a reference to the saved state.
 *
 * The workflow type keeps its name `gepaStage`: it is durable (histories, running stages,
 * `temporal workflow start --type gepaStage`, the replay fixture), while what runs is generic.
 */
import {
  ActivityFailure, allHandlersFinished, ApplicationFailure, condition, continueAsNew,
  setHandler, upsertMemo, upsertSearchAttributes, workflowInfo,
} from '@temporalio/workflow';
import type { RolloutRecord } from '../activities';
import type { Grant, HolderAccount } from '../core/budget';
import type { GepaConfigInput, GepaProgress } from '../core/gepa';
import {
  getOptimizer, renderCandidate, seedCandidateFrom, STOP_REQUESTED,
  type GenerateOutcome, type Optimizer, type OptimizerEvaluateAction, type OptimizerGenerateAction,
  type OptimizerProgress, type OptimizerStart, type OptimizerStateBase, type OptimizerSummary, type RolloutOutcome,
} from '../core/optimizer';
import type { DataSplit } from '../tasks/types';
import { SearchAttributes } from '../workers/names';
import { pauseSignal, progressQuery, resumeSignal, stopSignal, warnOnUnknownSignals } from './control';
import { modelFailureDetails } from '../llm/failure-kind';
import type { ModelCallPolicy } from '../llm/call-policy';
import { ModelBlocks, showBlocks } from './blocking';
import { modelCallActivities, runRollout, storage, teachingFor, type Teaching } from './rollouts';
import type { TeacherInput } from '../core/experiment/wst';
import { mapWindowed } from './window';

/** Where a stage starts: a seed prompt, an earlier stage's exact state, or a fresh pool from an earlier stage's best. */
export type StageStart =
  | { kind: 'seed'; seed: string | { components: Record<string, string>; order?: string[] } }
  | { kind: 'continue'; stateKey: string }
  | { kind: 'best-of'; stateKey: string };

export interface StageInput {
  /** Stage name in the ledger and search attributes (base, lsl, matched, ...). */
  stage: string;
  /** The optimizer, by its registry name (src/core/optimizer/registry.ts); default gepa. */
  optimizer?: string;
  experimentId?: string;
  arm?: string;
  task: string;
  /** The data split the train and val ids come from (GSM8K: 'train'; single-file tasks: either). */
  pool: DataSplit;
  taskModel: string;
  /** The optimizer's own model (GEPA: the reflector), which runs its generate actions. */
  reflector: string;
  trainIds: string[];
  valIds: string[];
  start: StageStart;
  grant: Grant;
  /** The optimizer's own settings (checked by its resolveConfig); GEPA's are GepaConfigInput. */
  config?: GepaConfigInput | Record<string, unknown>;
  /** Rollouts in flight at once (default 32). */
  concurrency?: number;
  /** Client timeouts of the task model and the reflector (from the registry). */
  modelTimeoutMs?: number;
  reflectorTimeoutMs?: number;
  /** How the task model and the reflector are called (outage limit, own queue); from the registry. */
  callPolicy?: ModelCallPolicy;
  reflectorCallPolicy?: ModelCallPolicy;
  temperature?: number;
  /** The run's response-cache scope (a scheduled re-run asks the models afresh); absent: shared cache. */
  cacheScope?: string;
  /**
   * Teacher-then-student rollouts (wst): the candidates are the teacher's prompts, `taskModel` is
   * the student whose score they get. The optimizer does not know: only the rollout changes.
   */
  teacher?: TeacherInput;
  /** Test hook: continue-as-new after this many iterations in one run (besides Temporal's suggestion). */
  continueAsNewEvery?: number;
  /** Set by continue-as-new: the saved state to resume from. */
  resume?: { stateKey: string; startedAtMs: number; runs: number };
}

/** The name the experiment and `lsl optimize` have always used. */
export type GepaStageInput = StageInput;

export interface StageResult {
  stage: string;
  optimizer: string;
  taskModel: string;
  reflector: string;
  stopReason: string | null;
  seedScore: number;
  bestScore: number;
  bestCandidate: { id: string; text: string; components: Record<string, string>; order: string[] };
  metricCalls: number;
  cumulativeMetricCalls: number;
  grant: Grant;
  iterations: number;
  accepted: number;
  /** Why each iteration ended (values add up to `iterations`). */
  outcomes: Record<string, number>;
  candidates: number;
  /** Artifact keys: the final optimizer state (for later stages) and the full summary. */
  stateKey: string;
  summaryKey: string;
  /** Learning curve and ledger, small enough to carry. */
  learningCurve: OptimizerSummary['learningCurve'];
  ledger: OptimizerSummary['ledger'];
  /** The stage's raw ledger account, for the experiment's central ledger. */
  account: HolderAccount;
  wallMs: number;
  continuedAsNew: number;
}

export type GepaStageResult = StageResult;

/** The optimizer's progress (GEPA's has more fields: frontier, stage iterations, last accepted) and the stage's controls. */
export type StageProgress = OptimizerProgress & Partial<Omit<GepaProgress, keyof OptimizerProgress>> & {
  stage: string;
  paused: boolean;
  stopRequested: boolean;
  /** "blocked: model 'x': ..." while a model cannot be used (the stage waits for resume), else null. */
  blocked?: string | null;
  /** One line per signal the stage did not understand (a misspelt `pause`). */
  warnings?: string[];
};

/** What the query answers for a GEPA stage. */
export type GepaStageProgress = StageProgress & GepaProgress;

export const stageProgressQuery = progressQuery<StageProgress>();

/**
 * Generations (GEPA's reflections) are model calls, so regular activities like rollouts (never
 * local activities: a local activity holds the workflow task open, delaying signals and queries,
 * and its retries are not visible in history).
 */
const reflectActivity = (policy: ModelCallPolicy) => modelCallActivities(policy).reflect;

/** Characters of rollout text returned inline when a request needs text and names no cap. */
const DEFAULT_TEXT_CHARS = 2000;

type State = OptimizerStateBase;

export async function gepaStage(input: StageInput): Promise<StageResult> {
  const startedAtMs = input.resume?.startedAtMs ?? Date.now();
  const optimizer = getOptimizer(input.optimizer);
  let paused = false;
  let stopRequested = false;
  let state: State = await openState(optimizer, input);

  // A model the stage cannot use holds its calls until `resume` (which also ends a pause).
  const blocks = new ModelBlocks((list, change) => showBlocks(list, paused ? 'paused' : 'running', change));
  setHandler(pauseSignal, () => void (paused = true));
  setHandler(resumeSignal, () => {
    paused = false;
    blocks.resume();
  });
  setHandler(stopSignal, () => void (stopRequested = true));
  const warnings: string[] = [];
  warnOnUnknownSignals((message) => void warnings.push(message));
  setHandler(stageProgressQuery, () => ({ ...optimizer.progress(state), stage: input.stage, paused, stopRequested, blocked: blocks.summary(), ...(warnings.length ? { warnings } : {}) }));

  upsertSearchAttributes([
    { key: SearchAttributes.stage, value: input.stage },
    { key: SearchAttributes.status, value: 'running' },
    { key: SearchAttributes.task, value: input.task },
    { key: SearchAttributes.model, value: input.taskModel },
    ...(input.experimentId ? [{ key: SearchAttributes.experimentId, value: input.experimentId }] : []),
    ...(input.arm ? [{ key: SearchAttributes.arm, value: input.arm }] : []),
  ]);

  const calls: StageCalls = {
    blocks,
    rollout: modelCallActivities(input.callPolicy ?? { timeoutMs: input.modelTimeoutMs ?? 60_000 }).rollout,
    reflect: reflectActivity(input.reflectorCallPolicy ?? { timeoutMs: input.reflectorTimeoutMs ?? 60_000 }),
    teaching: teachingFor(input.teacher),
  };
  let iterationsThisRun = 0;
  let lastIteration = optimizer.progress(state).iteration;
  let lastBest = bestOf(optimizer, state);

  for (;;) {
    if (paused && !stopRequested) {
      upsertSearchAttributes([{ key: SearchAttributes.status, value: 'paused' }]);
      await condition(() => !paused || stopRequested);
      upsertSearchAttributes([{ key: SearchAttributes.status, value: 'running' }]);
    }
    // Between actions: continue-as-new when history grows (or the test hook says so). GEPA only
    // finishes an iteration inside the next nextAction call, so there is rarely a moment with no
    // iteration in flight; its state resumes exactly from any point with nothing pending.
    if (optimizer.isQuiescent(state)) {
      const { iteration, stopReason } = optimizer.progress(state);
      if (iteration !== lastIteration) {
        iterationsThisRun += iteration - lastIteration;
        lastIteration = iteration;
      }
      const hook = input.continueAsNewEvery !== undefined && iterationsThisRun >= input.continueAsNewEvery;
      if ((workflowInfo().continueAsNewSuggested || hook) && !stopRequested && !stopReason) {
        const stateKey = await storage.storeJson({ value: state });
        await condition(allHandlersFinished);
        return continueAsNew<typeof gepaStage>({
          ...input,
          resume: { stateKey, startedAtMs, runs: (input.resume?.runs ?? 0) + 1 },
        });
      }
    }
    // Optimizers check stop conditions only between iterations: a stop ends after the current one.
    const action = optimizer.nextAction(state, { nowMs: Date.now(), stopRequested });
    if (action.kind === 'done') break;
    const result = action.kind === 'evaluate'
      ? { kind: 'evaluate' as const, results: await evaluate(optimizer, state, action, calls, input) }
      : { kind: 'generate' as const, outputs: await generate(optimizer, state, action, calls, input) };
    state = optimizer.applyResult(state, action, result);
    const best = bestOf(optimizer, state);
    if (best !== lastBest) {
      lastBest = best;
      upsertSearchAttributes([{ key: SearchAttributes.bestValScore, value: best }]);
    }
  }

  const summary = optimizer.summarize(state);
  const [stateKey, summaryKey] = [await storage.storeJson({ value: state }), await storage.storeJson({ value: summary })];
  upsertSearchAttributes([{ key: SearchAttributes.status, value: summary.stopReason === STOP_REQUESTED ? 'stopped' : 'completed' }]);
  upsertMemo({ stopReason: summary.stopReason, summaryKey });
  return {
    stage: input.stage,
    optimizer: optimizer.name,
    taskModel: input.taskModel,
    reflector: input.reflector,
    stopReason: summary.stopReason,
    seedScore: summary.seed.valMean,
    bestScore: summary.best.valMean,
    bestCandidate: { id: summary.best.candidate.id, text: summary.best.text, components: summary.best.candidate.components, order: summary.best.candidate.order },
    metricCalls: summary.metricCalls,
    cumulativeMetricCalls: summary.cumulativeMetricCalls,
    grant: input.grant,
    iterations: summary.iterations,
    accepted: summary.accepted,
    outcomes: summary.outcomes,
    candidates: summary.pool.length,
    stateKey,
    summaryKey,
    learningCurve: summary.learningCurve,
    ledger: summary.ledger,
    account: optimizer.account(state),
    wallMs: Date.now() - startedAtMs,
    continuedAsNew: input.resume?.runs ?? 0,
  };
}

async function openState(optimizer: Optimizer<State>, input: StageInput): Promise<State> {
  if (input.resume) return (await storage.loadJson({ key: input.resume.stateKey })) as State;
  const s = input.start;
  let start: OptimizerStart<State>;
  if (s.kind === 'seed') start = { kind: 'seed', seed: seedCandidateFrom(s.seed) };
  else {
    const previous = (await storage.loadJson({ key: s.stateKey })) as State;
    // States saved before the interface existed are GEPA's.
    const made = previous.optimizer ?? 'gepa';
    if (made !== optimizer.name) {
      throw ApplicationFailure.nonRetryable(`stage ${input.stage}: cannot ${s.kind === 'continue' ? 'continue' : 'start from the best of'} a ${made} state with optimizer ${optimizer.name}`, 'OptimizerMismatch');
    }
    start = { kind: s.kind, previous };
  }
  return optimizer.init({ config: input.config, start, trainIds: input.trainIds, valIds: input.valIds, grant: input.grant, holder: input.stage });
}

function bestOf(optimizer: Optimizer<State>, state: State): number {
  return optimizer.progress(state).bestValMean ?? -1;
}

/** The stage's model calls and the blocks that hold them. */
interface StageCalls {
  blocks: ModelBlocks;
  rollout: ReturnType<typeof modelCallActivities>['rollout'];
  reflect: ReturnType<typeof reflectActivity>;
  teaching?: Teaching;
}

/** Every request's rollouts through one bounded window; results aligned with the requests. */
async function evaluate(
  optimizer: Optimizer<State>,
  state: State,
  action: OptimizerEvaluateAction,
  calls: StageCalls,
  input: StageInput,
): Promise<Array<Record<string, RolloutOutcome>>> {
  const jobs = action.requests.flatMap((req, r) => req.exampleIds.map((id) => ({ r, id })));
  const instructions = action.requests.map((req) => renderCandidate(req.candidate));
  const inline = action.requests.map((req) => (req.needsText ? req.textChars ?? DEFAULT_TEXT_CHARS : 0));
  const records: RolloutRecord[] = await mapWindowed(jobs, input.concurrency ?? 32, ({ r, id }) =>
    runRollout(calls.rollout, {
      task: input.task, pool: input.pool, exampleId: id, model: input.taskModel, instruction: instructions[r],
      sampleIndex: 0, temperature: input.temperature, inlineOutputChars: inline[r],
      ...(input.cacheScope ? { cacheScope: input.cacheScope } : {}),
    }, calls.blocks, input.callPolicy?.outageLimitMinutes, calls.teaching));
  // Refused rollouts were paid for too (a cut-off answer, an empty completion): their tokens count.
  // A teacher's call is the teacher model's usage in the same stage (wst: two calls per rollout).
  // Re-done work is what the gateway's call claims say it is: an attempt after one that may have
  // been paid (a lost worker, a timeout), never one after calls the server refused (an outage's 503s).
  for (const rec of records) {
    for (const [model, c] of [...(rec.teacher ? [[rec.teacher.model, rec.teacher] as const] : []), [input.taskModel, rec] as const]) {
      if (!c.inputTokens && !c.outputTokens && !c.usd) continue;
      optimizer.recordUsage(state, {
        model, inputTokens: c.inputTokens, outputTokens: c.outputTokens, usd: c.usd,
        ...('reasoningTokens' in c && c.reasoningTokens ? { reasoningTokens: c.reasoningTokens } : {}), redone: !!c.redone,
      });
    }
  }
  const results = action.requests.map(() => ({}) as Record<string, RolloutOutcome>);
  records.forEach((rec, k) => {
    results[jobs[k].r][jobs[k].id] = { score: rec.score, feedback: rec.feedback, output: rec.output, input: rec.input, failed: Boolean(rec.error) };
  });
  return results;
}

/** Every request of a generate action at once on the optimizer's model; usage recorded in request order. */
async function generate(
  optimizer: Optimizer<State>,
  state: State,
  action: OptimizerGenerateAction,
  calls: StageCalls,
  input: StageInput,
): Promise<GenerateOutcome[]> {
  const outs = await Promise.all(action.requests.map(async (req) => {
    try {
      // A reflector the stage cannot use blocks the stage here until resumed.
      return await calls.blocks.call(input.reflector, () => calls.reflect({
        model: input.reflector, prompt: req.prompt,
        ...(req.temperature !== undefined ? { temperature: req.temperature } : {}),
        ...(req.sampleIndex !== undefined ? { sampleIndex: req.sampleIndex } : {}),
        ...(input.cacheScope ? { cacheScope: input.cacheScope } : {}),
      }), input.reflectorCallPolicy?.outageLimitMinutes);
    } catch (err) {
      // A generation refused for good (e.g. the prompt is over the context) ends the optimizer's step, not the stage.
      const cause = err instanceof ActivityFailure ? err.cause : undefined;
      const spent = cause instanceof ApplicationFailure ? modelFailureDetails(cause)?.spent : undefined;
      return { error: (cause ?? (err as Error)).message, spent };
    }
  }));
  return outs.map((out) => {
    if ('error' in out) {
      if (out.spent) optimizer.recordUsage(state, { model: input.reflector, ...out.spent, reflection: true });
      return { error: out.error };
    }
    optimizer.recordUsage(state, {
      model: input.reflector, inputTokens: out.inputTokens, outputTokens: out.outputTokens, usd: out.usd, reflection: true,
      ...(out.reasoningTokens ? { reasoningTokens: out.reasoningTokens } : {}), redone: !!out.redone,
    });
    return { rawText: out.rawText, truncated: out.finishReason === 'length' };
  });
}
