/**
 * The dry-run plan (`lsl plan <config>`): per arm and stage, how many metric calls, reflection
 * calls, tokens and dollars a run can take, plus the test evaluation, before anything is spent.
 *
 * Estimation model (stated in the rendered plan too):
 * - a rollout costs `overhead + instruction + question` input tokens and `output` output tokens;
 * - a reflection costs `overhead + template + instruction + b x (question + output + feedback)`
 *   input tokens and `reflectionOutput` output tokens; one per iteration per changed component;
 * - iterations are counted as if each evaluated its child and rejected it (2b metric calls and
 *   the reflections), which gives the most reflection calls a grant allows (a reflection rejected
 *   for its format costs only b, so a run with many of those can exceed this count);
 * - under an `iterations` budget, metric calls are counted as if every child were accepted
 *   (2b + |V| each, plus merges when enabled), an upper bound;
 * - a stage fits when its grant covers validating its start (|V|, except when it continues
 *   base's state) plus one accepted iteration (2b + |V|).
 * Test evaluation is exact: |test| x K calls per arm and evaluation model.
 * A wst stage's rollouts are two calls each (the teacher's, then the student's), and so are its
 *   test evaluations and transfer scorings: the teacher's calls are counted as `teacherCalls`.
 * Transfer scoring (analysis.transfer, on by default) is an upper bound: |V| calls on the other
 *   model for each candidate a stage can accept (its start, and as many as its metric calls pay
 *   2b + |V| each for, or a merge's subsample + |V|).
 */
import type { ModelSpec } from '../../llm/types';
import { formatAmount } from '../budget';
import { analysisSettings } from './analysis';
import { isPriced, type ModelCatalog } from './catalog';
import { armName, experimentIdFor, type BudgetUnit, type ExperimentConfig } from './config';
import { transferModel } from './run-plan';
import { evaluationModels, planStages, type PlannedStage } from './stages';

export { planArms, planRepeats, planStages, evaluationModels, resolveModel, splitGrant } from './stages';
export type { PlannedArm, PlannedRepeat, PlannedStage, StartsFrom } from './stages';

/** Mean token counts the plan multiplies out. */
export interface TokenEstimates {
  /** The problem text of one example (the user message). */
  meanQuestionTokens: number;
  /** One answer of the task model. */
  meanOutputTokens: number;
  /** The instruction being optimized (system message); it grows as rules are added. */
  instructionTokens: number;
  /** Grader feedback per example shown to the reflector. */
  feedbackTokens: number;
  /** The fixed text of a reflection request. */
  reflectionTemplateTokens: number;
  /** The new instruction a reflection writes. */
  reflectionOutputTokens: number;
  /** Chat formatting per call. */
  messageOverheadTokens: number;
}

/** Defaults for a math word-problem task; pass measured means from the task's data when known. */
export const DEFAULT_TOKEN_ESTIMATES = {
  meanQuestionTokens: 150,
  meanOutputTokens: 250,
  feedbackTokens: 60,
  reflectionTemplateTokens: 250,
  messageOverheadTokens: 8,
} as const;

/** Room for the rules reflection adds to an instruction during a run. */
const INSTRUCTION_GROWTH_TOKENS = 300;

/** Token estimates for a config: the given values, the rest from defaults and the seed prompt's size. */
export function tokenEstimates(config: ExperimentConfig, given: Partial<TokenEstimates> = {}): TokenEstimates {
  for (const [key, value] of Object.entries(given)) {
    if (value !== undefined && !(typeof value === 'number' && Number.isFinite(value) && value >= 0)) {
      throw new Error(`token estimate ${key} must be a number >= 0, got ${String(value)}`);
    }
  }
  const seedChars = config.seed.order.reduce((n, k) => n + config.seed.components[k].length, 0);
  // About 4 characters per token for English text; the seed only grows during optimization.
  const instructionTokens = given.instructionTokens ?? Math.ceil(seedChars / 4) + INSTRUCTION_GROWTH_TOKENS;
  return {
    meanQuestionTokens: given.meanQuestionTokens ?? DEFAULT_TOKEN_ESTIMATES.meanQuestionTokens,
    meanOutputTokens: given.meanOutputTokens ?? DEFAULT_TOKEN_ESTIMATES.meanOutputTokens,
    instructionTokens,
    feedbackTokens: given.feedbackTokens ?? DEFAULT_TOKEN_ESTIMATES.feedbackTokens,
    reflectionTemplateTokens: given.reflectionTemplateTokens ?? DEFAULT_TOKEN_ESTIMATES.reflectionTemplateTokens,
    reflectionOutputTokens: given.reflectionOutputTokens ?? instructionTokens,
    messageOverheadTokens: given.messageOverheadTokens ?? DEFAULT_TOKEN_ESTIMATES.messageOverheadTokens,
  };
}

export interface StagePlan extends PlannedStage {
  /** Metric calls to validate the starting candidate on this stage's model (0 when continuing base's state). */
  startValidation: number;
  iterations: number;
  metricCalls: number;
  reflectionCalls: number;
  inputTokens: number;
  outputTokens: number;
  /** Null when a model involved has no price. */
  usd: number | null;
  /** The smallest grant (in the budget unit) that fits the start validation and one accepted iteration; null if unknown. */
  minimumGrant: number | null;
  fits: boolean;
  /** Transfer scoring of its candidates: the model they are scored on (null: none) and at most how many calls. */
  transferModel: string | null;
  transferCalls: number;
  /** Calls to the teacher (wst): one per metric call and per transfer call (0 without a teacher). */
  teacherCalls: number;
  /** Why it does not fit, in words (absent when it fits). */
  shortfall?: string;
}

export interface EvaluationPlan {
  arm: string;
  /** As written in `evaluation.models` (role or name). */
  modelRef: string;
  model: string;
  calls: number;
  inputTokens: number;
  outputTokens: number;
  usd: number | null;
  /** The teacher's calls of a wst arm's evaluation (absent otherwise), inside the tokens and dollars above. */
  teacherCalls?: number;
}

export interface PlanTotals {
  metricCalls: number;
  reflectionCalls: number;
  evaluationCalls: number;
  /** Transfer scoring (analysis spend, apart from the optimization budgets): an upper bound. */
  analysisCalls: number;
  /** The wst teacher's calls (one beside each of its arm's rollouts). */
  teacherCalls: number;
  /** metricCalls + reflectionCalls + evaluationCalls + analysisCalls + teacherCalls. */
  modelCalls: number;
  inputTokens: number;
  outputTokens: number;
  usd: number | null;
}

export interface ModelTotals {
  model: string;
  /** Optimization rollouts plus test evaluation calls. */
  rollouts: number;
  reflections: number;
  inputTokens: number;
  outputTokens: number;
  usd: number | null;
  simulated: boolean;
}

export interface ExperimentPlan {
  experimentId: string;
  name: string;
  task: string;
  unit: BudgetUnit;
  b1: number;
  b2: number;
  repeats: number;
  splits: ExperimentConfig['splits'];
  models: ExperimentConfig['models'];
  minibatchSize: number;
  reflectionsPerIteration: number;
  samples: number;
  estimates: TokenEstimates;
  stages: StagePlan[];
  evaluation: EvaluationPlan[];
  perRepeat: PlanTotals;
  /** perRepeat x repeats. */
  total: PlanTotals;
  /** Over all repeats. */
  byModel: ModelTotals[];
  notes: string[];
}

interface CallShape { input: number; output: number }

function specOf(models: ModelCatalog, name: string): ModelSpec {
  if (!models.names().includes(name)) throw new Error(`plan: unknown model '${name}' (known: ${models.names().join(', ')})`);
  return models.get(name);
}

function callUsd(call: CallShape, spec: ModelSpec): number | null {
  if (!isPriced(spec)) return null;
  return (call.input * (spec.priceInputPerM as number) + call.output * (spec.priceOutputPerM as number)) / 1e6;
}

function addUsd(a: number | null, b: number | null): number | null {
  return a === null || b === null ? null : a + b;
}

/** Floor that forgives floating-point dust (0.3 / 0.1 is 2.9999999999999996). */
function floorSafe(x: number): number {
  return Math.floor(x + 1e-9);
}

function planStage(
  config: ExperimentConfig,
  stage: PlannedStage,
  models: ModelCatalog,
  rollout: CallShape,
  reflection: CallShape,
  c: number,
): StagePlan {
  const V = config.splits.val;
  const b = config.gepa.minibatchSize;
  const V0 = stage.startsFrom === 'base-state' ? 0 : V;
  const G = stage.grant;
  const task = specOf(models, stage.taskModel);
  const reflector = specOf(models, stage.reflector);
  // A wst rollout is the teacher's call and the student's: the grant pays for both.
  const taught = stage.teacher ? 2 : 1;
  const rolloutUsd = addUsd(callUsd(rollout, task), stage.teacher ? callUsd(rollout, specOf(models, stage.teacher)) : 0);
  const reflectionUsd = callUsd(reflection, reflector);
  const rolloutTok = taught * (rollout.input + rollout.output);
  const reflectionTok = reflection.input + reflection.output;
  const oneIterationCalls = 2 * b + V;

  let iterations: number;
  let metricCalls: number;
  let minimumGrant: number | null;
  switch (config.budget.unit) {
    case 'metricCalls':
      metricCalls = G;
      iterations = Math.max(0, floorSafe((G - V0) / (2 * b)));
      minimumGrant = V0 + oneIterationCalls;
      break;
    case 'iterations': {
      iterations = G;
      const merges = config.gepa.merge ? Math.min(config.gepa.maxMerge, iterations) : 0;
      metricCalls = V0 + iterations * oneIterationCalls + merges * (Math.min(5, V) + V);
      minimumGrant = 1;
      break;
    }
    case 'tokens':
    case 'usd': {
      // The cost of one rollout and of one rejected iteration, in the budget's unit.
      const perRollout = config.budget.unit === 'tokens' ? rolloutTok : rolloutUsd;
      const perReflection = config.budget.unit === 'tokens' ? reflectionTok : reflectionUsd;
      if (perRollout === null || perReflection === null || perRollout <= 0) {
        iterations = 0;
        metricCalls = 0;
        minimumGrant = null;
      } else {
        iterations = Math.max(0, floorSafe((G - V0 * perRollout) / (2 * b * perRollout + c * perReflection)));
        metricCalls = Math.min(V0 + 2 * b * iterations, floorSafe(G / perRollout));
        minimumGrant = (V0 + oneIterationCalls) * perRollout + c * perReflection;
      }
      break;
    }
  }
  const reflectionCalls = c * iterations;
  const usd = addUsd(
    rolloutUsd === null ? null : metricCalls * rolloutUsd,
    reflectionCalls === 0 ? 0 : reflectionUsd === null ? null : reflectionCalls * reflectionUsd,
  );
  const fits = minimumGrant !== null && G >= minimumGrant - 1e-12;
  const scoredOn = analysisSettings(config).transfer ? transferModel(config, stage.taskModel) : null;
  // Each accepted candidate costs at least its minibatch pair and a full validation (a merge: its subsample and |V|).
  const perAccept = config.gepa.merge ? Math.min(oneIterationCalls, Math.min(5, V) + V) : oneIterationCalls;
  const candidates = (V0 > 0 ? 1 : 0) + Math.max(0, floorSafe((metricCalls - V0) / perAccept));
  const plan: StagePlan = {
    ...stage,
    startValidation: V0,
    iterations,
    metricCalls,
    reflectionCalls,
    inputTokens: taught * metricCalls * rollout.input + reflectionCalls * reflection.input,
    outputTokens: taught * metricCalls * rollout.output + reflectionCalls * reflection.output,
    usd,
    minimumGrant,
    fits,
    transferModel: scoredOn,
    transferCalls: scoredOn === null ? 0 : candidates * V,
    teacherCalls: 0,
  };
  if (stage.teacher) plan.teacherCalls = metricCalls + plan.transferCalls;
  if (!fits) {
    const unit = config.budget.unit;
    const parts = `${V0 ? `|V| = ${V} to validate its start on ${stage.taskModel} + ` : ''}2b = ${2 * b} + |V| = ${V} for an accepted child`;
    plan.shortfall = minimumGrant === null
      ? rolloutUsd === null || reflectionUsd === null
        ? `a ${formatAmount(G, unit)} grant cannot be planned: ${!isPriced(task) ? stage.taskModel : stage.reflector} has no price`
        : `a ${formatAmount(G, unit)} grant cannot limit ${stage.taskModel}: its rollouts cost nothing at the registry's prices`
      : unit === 'metricCalls'
        ? `grant of ${formatAmount(G, unit)} cannot fit one iteration: it needs ${minimumGrant} (${parts})`
        : unit === 'iterations'
          ? `grant of ${formatAmount(G, unit)} allows no iteration: it needs at least 1`
          : `grant of ${formatAmount(G, unit)} cannot fit one iteration: it needs about ${formatAmount(unit === 'tokens' ? Math.ceil(minimumGrant) : minimumGrant, unit)} (${V0 + oneIterationCalls} rollouts and ${c} reflection(s) at the estimated sizes)`;
  }
  return plan;
}

function emptyTotals(): PlanTotals {
  return { metricCalls: 0, reflectionCalls: 0, evaluationCalls: 0, analysisCalls: 0, teacherCalls: 0, modelCalls: 0, inputTokens: 0, outputTokens: 0, usd: 0 };
}

/** The dry-run plan of a validated config. `models` must know every model the config names. */
export function planExperiment(
  config: ExperimentConfig,
  models: ModelCatalog,
  estimates: Partial<TokenEstimates> = {},
): ExperimentPlan {
  const est = tokenEstimates(config, estimates);
  const b = config.gepa.minibatchSize;
  const c = config.gepa.componentSelector === 'all' ? config.seed.order.length : 1;
  const rollout: CallShape = {
    input: est.messageOverheadTokens + est.instructionTokens + est.meanQuestionTokens,
    output: est.meanOutputTokens,
  };
  const reflection: CallShape = {
    input: est.messageOverheadTokens + est.reflectionTemplateTokens + est.instructionTokens
      + b * (est.meanQuestionTokens + est.meanOutputTokens + est.feedbackTokens),
    output: est.reflectionOutputTokens,
  };
  const planned = planStages(config);
  const stages = planned.map((s) => planStage(config, s, models, rollout, reflection, c));
  const teacherOfArm = new Map(planned.filter((s) => s.teacher).map((s) => [s.arm, s.teacher as string]));

  const evaluation: EvaluationPlan[] = [];
  const calls = config.splits.test * config.evaluation.samples;
  for (const arm of config.arms) {
    const teacher = teacherOfArm.get(armName(arm));
    for (const { ref, model } of evaluationModels(config)) {
      const usdEach = addUsd(callUsd(rollout, specOf(models, model)), teacher ? callUsd(rollout, specOf(models, teacher)) : 0);
      const n = teacher ? 2 * calls : calls;
      evaluation.push({
        arm: armName(arm), modelRef: ref, model, calls,
        inputTokens: n * rollout.input, outputTokens: n * rollout.output,
        usd: usdEach === null ? null : calls * usdEach,
        ...(teacher ? { teacherCalls: calls } : {}),
      });
    }
  }

  const perRepeat = emptyTotals();
  const perModel = new Map<string, ModelTotals>();
  const modelRow = (name: string): ModelTotals => {
    let row = perModel.get(name);
    if (!row) {
      row = { model: name, rollouts: 0, reflections: 0, inputTokens: 0, outputTokens: 0, usd: 0, simulated: specOf(models, name).simulated };
      perModel.set(name, row);
    }
    return row;
  };
  const charge = (name: string, n: number, call: CallShape, kind: 'rollouts' | 'reflections') => {
    if (n === 0) return;
    const row = modelRow(name);
    const each = callUsd(call, specOf(models, name));
    row[kind] += n * config.repeats;
    row.inputTokens += n * call.input * config.repeats;
    row.outputTokens += n * call.output * config.repeats;
    row.usd = addUsd(row.usd, each === null ? null : n * each * config.repeats);
  };
  /** Tokens and dollars of `n` rollout-sized calls on `model` not yet in any stage's or evaluation's row. */
  const addRollouts = (model: string, n: number) => {
    const each = callUsd(rollout, specOf(models, model));
    perRepeat.inputTokens += n * rollout.input;
    perRepeat.outputTokens += n * rollout.output;
    perRepeat.usd = addUsd(perRepeat.usd, each === null ? null : n * each);
  };
  for (const s of stages) {
    perRepeat.metricCalls += s.metricCalls;
    perRepeat.reflectionCalls += s.reflectionCalls;
    perRepeat.inputTokens += s.inputTokens;
    perRepeat.outputTokens += s.outputTokens;
    perRepeat.usd = addUsd(perRepeat.usd, s.usd);
    charge(s.taskModel, s.metricCalls, rollout, 'rollouts');
    charge(s.reflector, s.reflectionCalls, reflection, 'reflections');
    if (s.transferModel !== null && s.transferCalls > 0) {
      perRepeat.analysisCalls += s.transferCalls;
      addRollouts(s.transferModel, s.transferCalls);
      charge(s.transferModel, s.transferCalls, rollout, 'rollouts');
    }
    if (s.teacher && s.teacherCalls > 0) {
      // The stage's own teacher calls are in its tokens and dollars already; its transfer scorings' are not.
      perRepeat.teacherCalls += s.teacherCalls;
      addRollouts(s.teacher, s.transferCalls);
      charge(s.teacher, s.teacherCalls, rollout, 'rollouts');
    }
  }
  for (const e of evaluation) {
    perRepeat.evaluationCalls += e.calls;
    perRepeat.inputTokens += e.inputTokens;
    perRepeat.outputTokens += e.outputTokens;
    perRepeat.usd = addUsd(perRepeat.usd, e.usd);
    charge(e.model, e.calls, rollout, 'rollouts');
    const teacher = teacherOfArm.get(e.arm);
    if (teacher && e.teacherCalls) {
      perRepeat.teacherCalls += e.teacherCalls;
      charge(teacher, e.teacherCalls, rollout, 'rollouts');
    }
  }
  perRepeat.modelCalls = perRepeat.metricCalls + perRepeat.reflectionCalls + perRepeat.evaluationCalls + perRepeat.analysisCalls + perRepeat.teacherCalls;
  const n = config.repeats;
  const total: PlanTotals = {
    metricCalls: perRepeat.metricCalls * n,
    reflectionCalls: perRepeat.reflectionCalls * n,
    evaluationCalls: perRepeat.evaluationCalls * n,
    analysisCalls: perRepeat.analysisCalls * n,
    teacherCalls: perRepeat.teacherCalls * n,
    modelCalls: perRepeat.modelCalls * n,
    inputTokens: perRepeat.inputTokens * n,
    outputTokens: perRepeat.outputTokens * n,
    usd: perRepeat.usd === null ? null : perRepeat.usd * n,
  };

  const notes: string[] = [];
  for (const s of stages) if (s.shortfall) notes.push(`stage ${s.stage}: ${s.shortfall}`);
  const unpriced = [...perModel.values()].filter((r) => r.usd === null).map((r) => r.model);
  if (unpriced.length) notes.push(`no price for ${unpriced.join(', ')}: dollar figures involving them are unknown (?)`);
  const simulated = [...perModel.values()].filter((r) => r.simulated).map((r) => r.model);
  if (simulated.length) notes.push(`${simulated.join(', ')} ${simulated.length > 1 ? 'are' : 'is'} simulated: dollars use the registry's made-up prices`);

  return {
    experimentId: experimentIdFor(config),
    name: config.name,
    task: config.task,
    unit: config.budget.unit,
    b1: config.budget.b1,
    b2: config.budget.b2,
    repeats: n,
    splits: { ...config.splits },
    models: { ...config.models },
    minibatchSize: b,
    reflectionsPerIteration: c,
    samples: config.evaluation.samples,
    estimates: est,
    stages,
    evaluation,
    perRepeat,
    total,
    byModel: [...perModel.values()],
    notes,
  };
}
