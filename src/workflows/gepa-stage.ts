/**
 * gepaStage: one GEPA optimization stage, durably. The pure core decides what to do next; this
 * workflow only runs what it asks for (rollouts through a bounded window, reflections) and feeds
 * the results back. Long stages continue-as-new carrying a reference to the saved state.
 */
import {
  allHandlersFinished, condition, continueAsNew, defineQuery, defineSignal, proxyActivities,
  setHandler, upsertMemo, upsertSearchAttributes, workflowInfo,
} from '@temporalio/workflow';
import type { Activities, RolloutRecord } from '../activities';
import type { Grant, HolderAccount } from '../core/budget';
import {
  applyResult, carryFrom, continueGepaState, cumulativeSpend, initGepaState, nextAction, progress, recordUsage,
  renderCandidate, summarize, type EvaluateAction, type ExampleResult, type GepaConfigInput, type GepaProgress,
  type GepaState, type GepaSummary, type ReflectAction,
} from '../core/gepa';
import type { PoolName } from '../tasks/types';
import { SearchAttributes } from '../workers/names';
import { rolloutActivity, rolloutTimeoutFor, runRollout, storage } from './rollouts';
import { mapWindowed } from './window';

/** Where a stage starts: a seed prompt, an earlier stage's exact state, or a fresh pool from an earlier stage's best. */
export type StageStart =
  | { kind: 'seed'; seed: string | { components: Record<string, string>; order?: string[] } }
  | { kind: 'continue'; stateKey: string }
  | { kind: 'best-of'; stateKey: string };

export interface GepaStageInput {
  /** Stage name in the ledger and search attributes (base, lsl, matched, ...). */
  stage: string;
  experimentId?: string;
  arm?: string;
  task: string;
  /** Pool the train and val ids come from (GSM8K: 'train'; single-file tasks: either). */
  pool: PoolName;
  taskModel: string;
  reflector: string;
  trainIds: string[];
  valIds: string[];
  start: StageStart;
  grant: Grant;
  config?: GepaConfigInput;
  /** Rollouts in flight at once (default 32). */
  concurrency?: number;
  /** Client timeouts of the task model and the reflector (from the registry). */
  modelTimeoutMs?: number;
  reflectorTimeoutMs?: number;
  temperature?: number;
  /** Test hook: continue-as-new after this many iterations in one run (besides Temporal's suggestion). */
  continueAsNewEvery?: number;
  /** Set by continue-as-new: the saved state to resume from. */
  resume?: { stateKey: string; startedAtMs: number; runs: number };
}

export interface GepaStageResult {
  stage: string;
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
  candidates: number;
  /** Artifact keys: the final optimizer state (for later stages) and the full summary. */
  stateKey: string;
  summaryKey: string;
  /** Learning curve and ledger, small enough to carry. */
  learningCurve: GepaSummary['learningCurve'];
  ledger: GepaSummary['ledger'];
  /** The stage's raw ledger account, for the experiment's central ledger. */
  account: HolderAccount;
  wallMs: number;
  continuedAsNew: number;
}

export interface StageProgress extends GepaProgress {
  stage: string;
  paused: boolean;
  stopRequested: boolean;
}

export const stageProgressQuery = defineQuery<StageProgress>('progress');
export const pauseSignal = defineSignal('pause');
export const resumeSignal = defineSignal('resume');
export const stopSignal = defineSignal('stop');

/**
 * Reflections are model calls, so regular activities like rollouts (never local activities: a
 * local activity holds the workflow task open, delaying signals and queries, and its retries are
 * not visible in history).
 */
const reflectActivity = (timeoutMs: number) =>
  proxyActivities<Activities>({
    startToCloseTimeout: rolloutTimeoutFor(timeoutMs),
    retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 25 },
  }).reflect;

export async function gepaStage(input: GepaStageInput): Promise<GepaStageResult> {
  const startedAtMs = input.resume?.startedAtMs ?? Date.now();
  let paused = false;
  let stopRequested = false;
  let state: GepaState = await openState(input);

  setHandler(pauseSignal, () => void (paused = true));
  setHandler(resumeSignal, () => void (paused = false));
  setHandler(stopSignal, () => void (stopRequested = true));
  setHandler(stageProgressQuery, () => ({ ...progress(state), stage: input.stage, paused, stopRequested }));

  upsertSearchAttributes([
    { key: SearchAttributes.stage, value: input.stage },
    { key: SearchAttributes.status, value: 'running' },
    { key: SearchAttributes.task, value: input.task },
    { key: SearchAttributes.model, value: input.taskModel },
    ...(input.experimentId ? [{ key: SearchAttributes.experimentId, value: input.experimentId }] : []),
    ...(input.arm ? [{ key: SearchAttributes.arm, value: input.arm }] : []),
  ]);

  const rollout = rolloutActivity(rolloutTimeoutFor(input.modelTimeoutMs ?? 60_000));
  const reflect = reflectActivity(input.reflectorTimeoutMs ?? 60_000);
  const inlineChars = state.config.reflection.maxRecordChars;
  let iterationsThisRun = 0;
  let lastIteration = state.iteration;
  let lastBest = bestOf(state);

  for (;;) {
    if (paused && !stopRequested) {
      upsertSearchAttributes([{ key: SearchAttributes.status, value: 'paused' }]);
      await condition(() => !paused || stopRequested);
      upsertSearchAttributes([{ key: SearchAttributes.status, value: 'running' }]);
    }
    // Between actions: continue-as-new when history grows (or the test hook says so). The core
    // only finishes an iteration inside the next nextAction call, so there is rarely a moment
    // with no iteration in flight; its state resumes exactly from any point with nothing pending.
    if (!state.pending && state.pool.length > 0) {
      if (state.iteration !== lastIteration) {
        iterationsThisRun += state.iteration - lastIteration;
        lastIteration = state.iteration;
      }
      const hook = input.continueAsNewEvery !== undefined && iterationsThisRun >= input.continueAsNewEvery;
      if ((workflowInfo().continueAsNewSuggested || hook) && !stopRequested && !state.stopReason) {
        const stateKey = await storage.storeJson({ value: state });
        await condition(allHandlersFinished);
        return continueAsNew<typeof gepaStage>({
          ...input,
          resume: { stateKey, startedAtMs, runs: (input.resume?.runs ?? 0) + 1 },
        });
      }
    }
    // The core checks stop conditions only between iterations: a stop ends after the current one.
    const action = nextAction(state, { nowMs: Date.now(), stopRequested });
    if (action.kind === 'done') break;
    if (action.kind === 'evaluate') {
      const records = await evaluate(action, rollout, input, inlineChars);
      for (const r of records) {
        if (r.error) continue;
        recordUsage(state, { model: input.taskModel, inputTokens: r.inputTokens, outputTokens: r.outputTokens, usd: r.usd, redone: r.attempt > 1 && !r.cached });
      }
      const results: Record<string, ExampleResult> = {};
      for (const r of records) results[r.id] = { score: r.score, feedback: r.feedback, output: r.output, input: r.input, failed: Boolean(r.error) };
      state = applyResult(state, action, { results });
    } else {
      state = applyResult(state, action, await runReflection(action, reflect, input, (u) => recordUsage(state, u)));
    }
    const best = bestOf(state);
    if (best !== lastBest) {
      lastBest = best;
      upsertSearchAttributes([{ key: SearchAttributes.bestScore, value: best }]);
    }
  }

  const summary = summarize(state);
  const [stateKey, summaryKey] = [await storage.storeJson({ value: state }), await storage.storeJson({ value: summary })];
  upsertSearchAttributes([{ key: SearchAttributes.status, value: summary.stopReason === 'stop-requested' ? 'stopped' : 'completed' }]);
  upsertMemo({ stopReason: summary.stopReason, summaryKey });
  const seed = summary.pool.find((c) => c.candidate.origin === 'seed') ?? summary.pool[0];
  return {
    stage: input.stage,
    taskModel: input.taskModel,
    reflector: input.reflector,
    stopReason: summary.stopReason,
    seedScore: seed.valMean,
    bestScore: summary.best.valMean,
    bestCandidate: { id: summary.best.candidate.id, text: summary.best.text, components: summary.best.candidate.components, order: summary.best.candidate.order },
    metricCalls: summary.metricCalls,
    cumulativeMetricCalls: summary.cumulativeMetricCalls,
    grant: input.grant,
    iterations: summary.counts.iterations,
    accepted: summary.counts.accepted,
    candidates: summary.pool.length,
    stateKey,
    summaryKey,
    learningCurve: summary.learningCurve,
    ledger: summary.ledger,
    account: state.ledger.accounts[state.holder],
    wallMs: Date.now() - startedAtMs,
    continuedAsNew: input.resume?.runs ?? 0,
  };
}

async function openState(input: GepaStageInput): Promise<GepaState> {
  if (input.resume) return (await storage.loadJson({ key: input.resume.stateKey })) as GepaState;
  const start = input.start;
  if (start.kind === 'seed') {
    return initGepaState({ config: input.config, seedCandidate: start.seed, trainIds: input.trainIds, valIds: input.valIds, grant: input.grant, holder: input.stage });
  }
  const prev = (await storage.loadJson({ key: start.stateKey })) as GepaState;
  if (start.kind === 'continue') {
    return continueGepaState(prev, { grant: input.grant, holder: input.stage, stop: input.config?.stop });
  }
  // A fresh pool seeded with the earlier stage's best, continuing its PRNG and sampler.
  const best = summarize(prev).best.candidate;
  return initGepaState({
    config: { ...prev.config, ...input.config, stop: { ...input.config?.stop } },
    seedCandidate: { components: best.components, order: best.order },
    trainIds: input.trainIds, valIds: input.valIds, grant: input.grant, holder: input.stage,
    carry: carryFrom(prev), spendOffset: cumulativeSpend(prev),
  });
}

function bestOf(state: GepaState): number {
  return state.pool.reduce((m, e) => Math.max(m, e.valMean), -1);
}

async function evaluate(
  action: EvaluateAction,
  rollout: ReturnType<typeof rolloutActivity>,
  input: GepaStageInput,
  inlineChars: number,
): Promise<RolloutRecord[]> {
  const instruction = renderCandidate(action.candidate);
  // Only minibatch rollouts feed reflection: validation rollouts return no text inline.
  const inline = action.split === 'train' ? inlineChars : 0;
  return mapWindowed(action.exampleIds, input.concurrency ?? 32, (id) =>
    runRollout(rollout, {
      task: input.task, pool: input.pool, exampleId: id, model: input.taskModel, instruction,
      sampleIndex: 0, temperature: input.temperature, inlineOutputChars: inline,
    }));
}

async function runReflection(
  action: ReflectAction,
  reflect: ReturnType<typeof reflectActivity>,
  input: GepaStageInput,
  record: (u: Parameters<typeof recordUsage>[1]) => void,
): Promise<{ rawText: string; truncated?: boolean } | { error: string }> {
  try {
    const out = await reflect({ model: input.reflector, prompt: action.prompt });
    record({ model: input.reflector, inputTokens: out.inputTokens, outputTokens: out.outputTokens, usd: out.usd, reflection: true, redone: out.attempt > 1 && !out.cached });
    return { rawText: out.rawText, truncated: out.finishReason === 'length' };
  } catch (err) {
    // A reflection that fails for good (e.g. the endpoint refuses the prompt) ends the iteration, not the stage.
    return { error: (err as Error).message };
  }
}
