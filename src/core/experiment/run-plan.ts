/**
 * The run plan: every decision the experiment workflow makes, as pure functions of the prepared
 * experiment and the results so far (plain JSON, safe in workflow code, unit-tested without
 * Temporal). The workflow only carries them out: it starts what `nextStages` and
 * `startEvaluations` return as child workflows and feeds the results back.
 *
 * A run moves through phases: preparing → optimizing (stages start as soon as the stage they
 * start from has completed) → evaluating (every finished arm's prompt on the test split, with
 * each evaluation model) → reporting → done.
 */
import {
  absorb, createLedger, grant, recordCacheHits, recordUsage, summarizeAccount, summarizeLedger,
  type BudgetUnit, type HolderAccount, type Ledger, type LedgerSummary,
} from '../budget';
import type { ModelCallPolicy } from '../../llm/call-policy';
import { renderCandidate, type GepaConfigInput, type SummaryCandidate } from '../gepa';
import { analysisSettings } from './analysis';
import { DEFAULT_OPTIMIZER, optimizerSettings, type GepaSettings, type ExperimentConfig } from './config';
import type {
  AnalysisLedgerEntry, ArmSource, EvaluationSource, ExperimentStatus, PreparedExperiment, PreparedRepeat, ReportSources, StageRef,
} from './prepared';
import type { PlannedStage } from './stages';
import { teacherPrompt, type TeacherInput } from './wst';

/** Rollouts one child keeps in flight at most, whatever the model's own concurrency. */
export const MAX_IN_FLIGHT = 32;

export type StageStatus = 'pending' | 'running' | 'completed' | 'stopped' | 'skipped' | 'failed';

export interface StageRow {
  repeat: number;
  stage: string;
  arm: string;
  status: StageStatus;
  workflowId: string;
  grant: number;
  unit: string;
  spent?: number;
  best?: number;
}

export interface EvaluationRow {
  repeat: number;
  arm: string;
  model: string;
  status: StageStatus;
  workflowId: string;
  accuracy?: number;
}

/** One child blocked on one model (a wrong key, no credit, an outage past its limit). */
export interface ChildBlock {
  workflowId: string;
  /** What the child is: "stage base", "test evaluation of arm lsl on sim-large", ... */
  child: string;
  model: string;
  /** One line naming the model and the cause (the child's own). */
  reason: string;
}

export interface ExperimentProgress {
  experimentId: string;
  phase: 'preparing' | 'optimizing' | 'evaluating' | 'reporting' | 'done';
  paused: boolean;
  stopRequested: boolean;
  stages: StageRow[];
  evaluations: EvaluationRow[];
  /** Every running child's blocks; the run goes on where it can and waits for resume. */
  blocks: ChildBlock[];
  /** The blocks in one line ("blocked: model 'x': ... (stage base, stage lsl)"), else null. */
  blocked: string | null;
}

/** What the experiment shows as its LslStatus while it runs. */
export type LiveStatus = 'running' | 'paused' | 'stopping' | 'blocked';

export interface ArmOutcome {
  arm: string;
  repeat: number;
  finished: boolean;
  finalPrompt: string;
  grant: number;
  spent: number;
  unit: string;
  testAccuracy: Record<string, number>;
  /** Each stage the arm's prompt depends on: why it ended and what it left of its grant (in `unit`). */
  stages: Array<{ stage: string; stopReason: string | null; grant: number; spent: number; unspent: number }>;
}

export interface ExperimentResult {
  experimentId: string;
  status: ExperimentStatus;
  configHash: string;
  simulated: boolean;
  report: { dir: string; html: string; markdown: string; latex: string; jsonl: string };
  arms: ArmOutcome[];
  ledger: LedgerSummary;
  reportSourcesKey: string;
}

/** How a stage's optimizer starts (the stage workflow's `StageStart`). */
export type StageStartInput =
  | { kind: 'seed'; seed: { components: Record<string, string>; order: string[] } }
  | { kind: 'continue'; stateKey: string }
  | { kind: 'best-of'; stateKey: string };

/** A stage child's input (assignable to the stage workflow's input). */
export interface StageInput {
  stage: string;
  experimentId: string;
  arm: string;
  task: string;
  pool: 'train';
  taskModel: string;
  reflector: string;
  trainIds: string[];
  valIds: string[];
  start: StageStartInput;
  grant: { amount: number; unit: BudgetUnit };
  /** The optimizer the stage runs, by registry name. */
  optimizer: string;
  /** GEPA's settings, or the other optimizer's own (with the repeat's seed). */
  config: GepaConfigInput | Record<string, unknown>;
  concurrency: number;
  modelTimeoutMs: number;
  reflectorTimeoutMs: number;
  callPolicy?: ModelCallPolicy;
  reflectorCallPolicy?: ModelCallPolicy;
  /** The run's response-cache scope (a scheduled re-run asks the models afresh); absent: shared cache. */
  cacheScope?: string;
  /** Set for teacher-then-student rollouts (wst): the candidate is the teacher's prompt. */
  teacher?: TeacherInput;
}

/** An evaluation child's input (assignable to evaluatePrompt's input). */
export interface EvaluationInput {
  task: string;
  model: string;
  instruction: string;
  pool: 'train' | 'test';
  ids: string[];
  samples: number;
  temperature: number;
  concurrency: number;
  modelTimeoutMs: number;
  callPolicy?: ModelCallPolicy;
  experimentId: string;
  arm: string;
  cacheScope?: string;
  /** Set for teacher-then-student rollouts (wst): `instruction` is the teacher's prompt. */
  teacher?: TeacherInput;
}

/** A transfer scoring's input: a stage's candidate on the other model's validation set (evaluatePrompt's input). */
export type TransferInput = Omit<EvaluationInput, 'pool' | 'samples' | 'temperature'> & { pool: 'train'; samples: 1 };

export interface StageCall { workflowId: string; repeat: number; stage: string; input: StageInput }
/** `candidate` is the report's candidate id (`<stage>/<id>`). */
export interface TransferCall { workflowId: string; repeat: number; stage: string; candidate: string; model: string; input: TransferInput }
export interface EvaluationCall { workflowId: string; repeat: number; arm: string; model: string; input: EvaluationInput }

/** What the plan reads of a finished stage (the stage workflow's result has it). */
export interface StageOutcome {
  stopReason: string | null;
  bestScore: number;
  bestCandidate: { text: string };
  stateKey: string;
  summaryKey: string;
  account: HolderAccount;
  wallMs: number;
}

/** What the plan reads of a finished evaluation (evaluatePrompt's result has it). */
export interface EvaluationOutcome {
  accuracy: number;
  resultsKey: string;
  inputTokens: number;
  outputTokens: number;
  usd: number;
  modelCalls: number;
  cachedCalls: number;
  /** The teacher's calls of a teacher-then-student evaluation (another model's usage). */
  teacher?: { model: string; inputTokens: number; outputTokens: number; usd: number; modelCalls: number; cachedCalls: number };
}

/** Everything a run has decided and learnt so far. */
export interface ExperimentRun {
  prepared: PreparedExperiment;
  /** The answer of the `progress` query (the same object the workflow answers with). */
  progress: ExperimentProgress;
  /** The central ledger: each stage's grant, its account once done, and the evaluation's usage. */
  ledger: Ledger;
  /** Finished stages by `stageKey`. */
  outcomes: Record<string, StageOutcome>;
  /** Finished evaluations by workflow id. */
  evaluated: Record<string, { accuracy: number; resultsKey: string }>;
  /** Transfer scorings in plan order, and the mean validation score of each finished one by workflow id. */
  transfers: TransferCall[];
  transferred: Record<string, number>;
  /** Set for a run that must not reuse other runs' responses (a scheduled re-run): its own cache keys. */
  cacheScope?: string;
}

export const stageKey = (repeat: number, stage: string): string => `${repeat}/${stage}`;
const holderOf = (repeat: number, stage: string): string => `r${repeat}/${stage}`;
const STOPPED = 'stop-requested';

/**
 * A run id safe as a directory name and in a URL: a schedule appends its action's timestamp
 * (`2026-12-01T21:00:00Z`) to the workflow id; the colons go, the date stays.
 */
export function safeRunId(workflowId: string): string {
  return workflowId.replace(/[^A-Za-z0-9._-]+/g, '');
}

/** The progress before the config is prepared (the query answers from the first task on). */
export function initialProgress(experimentId: string): ExperimentProgress {
  return { experimentId, phase: 'preparing', paused: false, stopRequested: false, stages: [], evaluations: [], blocks: [], blocked: null };
}

// ---- blocks: a child that cannot use a model says so; the experiment shows it until resumed

/** Replaces what is known of one child's blocks (none: it was resumed, or it ended). */
export function childBlocked(p: ExperimentProgress, workflowId: string, child: string, blocks: Array<{ model: string; reason: string }>): void {
  p.blocks = [...p.blocks.filter((b) => b.workflowId !== workflowId), ...blocks.map((b) => ({ workflowId, child, model: b.model, reason: b.reason }))];
  p.blocked = blockedLine(p.blocks);
}

/** One line: each distinct reason once, with the children it holds. */
export function blockedLine(blocks: ChildBlock[]): string | null {
  if (!blocks.length) return null;
  const byReason = new Map<string, string[]>();
  for (const b of blocks) byReason.set(b.reason, [...(byReason.get(b.reason) ?? []), b.child]);
  return `blocked: ${[...byReason].map(([reason, children]) => `${reason} (${children.join(', ')})`).join('; ')}`;
}

/** A stop first, then a pause, then any block; else running. */
export function liveStatus(p: ExperimentProgress): LiveStatus {
  return p.stopRequested ? 'stopping' : p.paused ? 'paused' : p.blocks.length ? 'blocked' : 'running';
}

// ---- control: signals change only these flags; the next decision reads them

export function requestPause(p: ExperimentProgress): void {
  p.paused = true;
}

export function requestResume(p: ExperimentProgress): void {
  p.paused = false;
}

/** A stop also ends a pause: nothing new starts, running stages end after their iteration. */
export function requestStop(p: ExperimentProgress): void {
  p.stopRequested = true;
  p.paused = false;
}

/** Grants every stage of every repeat its budget and lists it as pending. */
export function startRun(progress: ExperimentProgress, prepared: PreparedExperiment, opts: { cacheScope?: string } = {}): ExperimentRun {
  const unit = prepared.config.budget.unit;
  const ledger = createLedger();
  for (const r of prepared.repeats) {
    for (const s of prepared.stages) {
      grant(ledger, holderOf(r.repeat, s.stage), s.grant, unit);
      progress.stages.push({
        repeat: r.repeat, stage: s.stage, arm: s.arm, status: 'pending',
        workflowId: `${progress.experimentId}-r${r.repeat}-${s.stage}`, grant: s.grant, unit,
      });
    }
  }
  progress.phase = 'optimizing';
  return { prepared, progress, ledger, outcomes: {}, evaluated: {}, transfers: [], transferred: {}, ...(opts.cacheScope ? { cacheScope: opts.cacheScope } : {}) };
}

/** GEPA's settings in the engine's own names and units, for one repeat's seed. */
export function gepaSettings(g: GepaSettings, seed: number): GepaConfigInput {
  return {
    seed, minibatchSize: g.minibatchSize, selector: g.selector, epsilon: g.epsilon, componentSelector: g.componentSelector,
    useMerge: g.merge, maxMerge: g.maxMerge, perfectScore: g.perfectScore,
    ...(g.proposals !== undefined ? { proposals: g.proposals } : {}),
    ...(g.reservation !== undefined ? { reservation: g.reservation } : {}),
    stop: {
      noImprovementIterations: g.stop.noImprovementIterations,
      scoreThreshold: g.stop.scoreThreshold,
      maxWallClockMs: g.stop.maxWallClockMinutes === undefined ? undefined : g.stop.maxWallClockMinutes * 60_000,
    },
  };
}

function plannedStage(run: ExperimentRun, stage: string): PlannedStage {
  const s = run.prepared.stages.find((x) => x.stage === stage);
  if (!s) throw new Error(`run plan: no stage '${stage}' in the prepared experiment`);
  return s;
}

function rowOf(run: ExperimentRun, repeat: number, stage: string): StageRow {
  const row = run.progress.stages.find((x) => x.repeat === repeat && x.stage === stage);
  if (!row) throw new Error(`run plan: no stage row r${repeat}/${stage}`);
  return row;
}

/** Where a stage starts: the seed prompt, or the state of the stage it comes after. */
export function stageStart(config: ExperimentConfig, s: PlannedStage, before: StageOutcome | undefined): StageStartInput {
  if (s.startsFrom === 'seed') return { kind: 'seed', seed: { components: config.seed.components, order: config.seed.order } };
  if (s.startsFrom === 'teacher-seed') return { kind: 'seed', seed: { components: { instruction: teacherPrompt(config) }, order: ['instruction'] } };
  if (!before) throw new Error(`run plan: stage ${s.stage} starts from ${s.after}, which has no result`);
  return s.startsFrom === 'base-state' ? { kind: 'continue', stateKey: before.stateKey } : { kind: 'best-of', stateKey: before.stateKey };
}

/** Teacher-then-student mode for rollouts whose student is a stage's or an evaluation's model (absent: no teacher). */
function teacherOf(prepared: PreparedExperiment, teacher: string | undefined): { teacher?: TeacherInput } {
  if (!teacher) return {};
  const info = prepared.models[teacher];
  return { teacher: { model: teacher, frame: renderCandidate(prepared.config.seed), callPolicy: info.callPolicy ?? { timeoutMs: info.timeoutMs } } };
}

/** The call policies that are known (runs prepared before they existed have none). */
function policies<T extends Record<string, ModelCallPolicy | undefined>>(p: T): Partial<T> {
  return Object.fromEntries(Object.entries(p).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** The input of one stage of one repeat. */
export function stageInput(run: ExperimentRun, r: PreparedRepeat, s: PlannedStage): StageInput {
  const { prepared } = run;
  const cfg = prepared.config;
  const before = s.after ? run.outcomes[stageKey(r.repeat, s.after)] : undefined;
  return {
    stage: s.stage, experimentId: run.progress.experimentId, arm: s.arm, task: cfg.task, pool: prepared.trainPool,
    taskModel: s.taskModel, reflector: s.reflector, trainIds: r.splits.train, valIds: r.splits.val,
    start: stageStart(cfg, s, before), grant: { amount: s.grant, unit: cfg.budget.unit }, optimizer: s.optimizer,
    config: s.optimizer === DEFAULT_OPTIMIZER ? gepaSettings(cfg.gepa, r.gepaSeed) : optimizerSettings(s.optimizer, cfg.optimizers?.[s.optimizer], r.gepaSeed),
    concurrency: Math.min(MAX_IN_FLIGHT, prepared.models[s.taskModel].concurrency),
    modelTimeoutMs: prepared.models[s.taskModel].timeoutMs, reflectorTimeoutMs: prepared.models[s.reflector].timeoutMs,
    ...policies({ callPolicy: prepared.models[s.taskModel].callPolicy, reflectorCallPolicy: prepared.models[s.reflector].callPolicy }),
    ...(run.cacheScope ? { cacheScope: run.cacheScope } : {}),
    ...teacherOf(prepared, s.teacher),
  };
}

/**
 * Which stages start now (marked running), after marking skipped every pending stage that never
 * can: a stop was requested, or the stage it starts from was skipped, failed or stopped. A stage
 * whose start is done waits while the run is paused.
 */
export function nextStages(run: ExperimentRun): StageCall[] {
  const { progress } = run;
  const calls: StageCall[] = [];
  // Rows are in plan order, every stage after the one it starts from: skips cascade in one pass.
  for (const row of progress.stages) {
    if (row.status !== 'pending') continue;
    const s = plannedStage(run, row.stage);
    const dep = s.after ? rowOf(run, row.repeat, s.after).status : 'completed';
    if (progress.stopRequested || dep === 'skipped' || dep === 'failed' || dep === 'stopped') {
      row.status = 'skipped';
      continue;
    }
    if (dep !== 'completed' || progress.paused) continue;
    const r = run.prepared.repeats[row.repeat];
    calls.push({ workflowId: row.workflowId, repeat: row.repeat, stage: row.stage, input: stageInput(run, r, s) });
    row.status = 'running';
  }
  return calls;
}

/** True when no stage is pending or running: optimization is over. */
export function stagesSettled(run: ExperimentRun): boolean {
  return run.progress.stages.every((s) => s.status !== 'pending' && s.status !== 'running');
}

export function stageFinished(run: ExperimentRun, call: Pick<StageCall, 'repeat' | 'stage'>, res: StageOutcome): void {
  absorb(run.ledger, holderOf(call.repeat, call.stage), res.account);
  const row = rowOf(run, call.repeat, call.stage);
  row.status = res.stopReason === STOPPED ? 'stopped' : 'completed';
  row.spent = summarizeAccount(call.stage, res.account).spentOfGrant ?? undefined;
  row.best = res.bestScore;
  run.outcomes[stageKey(call.repeat, call.stage)] = res;
}

/** The stage's child failed: the arms that need it do not finish; the others go on. */
export function stageFailed(run: ExperimentRun, call: Pick<StageCall, 'repeat' | 'stage'>): void {
  rowOf(run, call.repeat, call.stage).status = 'failed';
}

// ---- analysis: transfer scoring (each stage's candidates on the other model's validation set)

/** The model a stage's candidates are scored on for transfer: L for a stage on S, S for one on L; null otherwise. */
export function transferModel(config: ExperimentConfig, taskModel: string): string | null {
  const { large, small } = config.models;
  if (large === small) return null;
  return taskModel === small ? large : taskModel === large ? small : null;
}

/** A finished stage whose candidates transfer scoring needs: the summaries to read (its own, and the one it continued). */
export interface TransferStage { repeat: number; stage: string; summaryKey: string; continuedSummaryKey?: string }

/**
 * The finished stages whose candidates are scored on the other model, in plan order: none when
 * `analysis.transfer` is off or a stop was requested. Runs after every stage has settled, so the
 * extra calls (and any answers they put in the response cache) cannot change a stage's result.
 */
export function transferStages(run: ExperimentRun): TransferStage[] {
  if (!analysisSettings(run.prepared.config).transfer || run.progress.stopRequested) return [];
  return run.progress.stages.flatMap((row): TransferStage[] => {
    const res = run.outcomes[stageKey(row.repeat, row.stage)];
    const s = plannedStage(run, row.stage);
    if (!res || transferModel(run.prepared.config, s.taskModel) === null) return [];
    const prev = s.startsFrom === 'base-state' && s.after ? run.outcomes[stageKey(row.repeat, s.after)] : undefined;
    return [{ repeat: row.repeat, stage: row.stage, summaryKey: res.summaryKey, ...(prev ? { continuedSummaryKey: prev.summaryKey } : {}) }];
  });
}

/**
 * The transfer scorings to run (recorded in the run, in plan order): every candidate a stage
 * accepted into its pool (not the ones it continued from the stage before), on the other model's
 * validation set of the same repeat, with one sample as the stage's own validation uses. A text
 * already scored on that model in the repeat is not scored again.
 */
export function startTransfers(
  run: ExperimentRun,
  stages: TransferStage[],
  poolOf: (summaryKey: string) => Array<Pick<SummaryCandidate, 'candidate' | 'text'>>,
): TransferCall[] {
  const { prepared, progress } = run;
  const scored = new Set<string>();
  const calls: TransferCall[] = [];
  for (const t of stages) {
    const s = plannedStage(run, t.stage);
    const model = transferModel(prepared.config, s.taskModel)!;
    const inherited = new Set(t.continuedSummaryKey ? poolOf(t.continuedSummaryKey).map((c) => c.candidate.id) : []);
    for (const c of poolOf(t.summaryKey)) {
      const key = `${t.repeat}\u0000${model}\u0000${c.text}`;
      if (inherited.has(c.candidate.id) || scored.has(key)) continue;
      scored.add(key);
      calls.push({
        workflowId: `${progress.experimentId}-r${t.repeat}-transfer-${t.stage}-${c.candidate.id}-${model}`,
        repeat: t.repeat, stage: t.stage, candidate: `${t.stage}/${c.candidate.id}`, model,
        input: {
          task: prepared.config.task, model, instruction: c.text, pool: prepared.trainPool, ids: prepared.repeats[t.repeat].splits.val,
          samples: 1, concurrency: Math.min(MAX_IN_FLIGHT, prepared.models[model].concurrency),
          modelTimeoutMs: prepared.models[model].timeoutMs, ...policies({ callPolicy: prepared.models[model].callPolicy }),
          experimentId: progress.experimentId, arm: s.arm,
          ...(run.cacheScope ? { cacheScope: run.cacheScope } : {}),
          ...teacherOf(prepared, s.teacher),
        },
      });
    }
  }
  run.transfers.push(...calls);
  return calls;
}

/** An evaluation's usage in the central ledger under `holder`: the model's, and its teacher's (wst). */
function recordEvaluationUsage(run: ExperimentRun, holder: string, model: string, res: EvaluationOutcome): void {
  recordUsage(run.ledger, holder, {
    model, inputTokens: res.inputTokens, outputTokens: res.outputTokens, usd: res.usd, calls: res.modelCalls + res.cachedCalls,
  });
  const t = res.teacher;
  if (t) recordUsage(run.ledger, holder, { model: t.model, inputTokens: t.inputTokens, outputTokens: t.outputTokens, usd: t.usd, calls: t.modelCalls + t.cachedCalls });
}

/** Records a transfer scoring's usage in the central ledger as analysis spend (no stage's grant), its cache hits, and its score. */
export function transferFinished(run: ExperimentRun, call: TransferCall, res: EvaluationOutcome): void {
  recordEvaluationUsage(run, 'analysis', call.model, res);
  // Answers the stages already put in the response cache (lsl's start was validated on L by base): no new call.
  recordCacheHits(run.ledger, 'analysis', res.cachedCalls + (res.teacher?.cachedCalls ?? 0));
  run.transferred[call.workflowId] = res.accuracy;
}

/** Each arm of each repeat: finished or not, its prompt, its grant and the stages it ran. */
export function armSources(run: ExperimentRun): ArmSource[] {
  const { prepared } = run;
  const unit = prepared.config.budget.unit;
  return prepared.repeats.flatMap((r) => prepared.arms.map((plan): ArmSource => {
    const chain = plan.stages.map((name) => ({ plan: plannedStage(run, name), res: run.outcomes[stageKey(r.repeat, name)] }));
    const finished = chain.every((c) => c.res && c.res.stopReason !== STOPPED);
    const finalPrompt = plan.yields
      ? run.outcomes[stageKey(r.repeat, plan.yields)]?.bestCandidate.text ?? ''
      : renderCandidate(prepared.config.seed);
    return {
      arm: plan.arm, repeat: r.repeat, finished, finalPrompt, ...(plan.teacher ? { teacher: plan.teacher } : {}),
      grant: { amount: chain.reduce((a, c) => a + c.plan.grant, 0), unit },
      stages: chain.filter((c) => c.res).map(({ plan: p, res }): StageRef => ({
        stage: p.stage, taskModel: p.taskModel, reflector: p.reflector, grant: { amount: p.grant, unit },
        summaryKey: res.summaryKey, account: res.account, wallMs: res.wallMs,
        continued: p.startsFrom === 'base-state' ? p.after ?? undefined : undefined,
        ...transferOf(run, r.repeat, p.stage),
      })),
    };
  }));
}

/** A stage's finished transfer scorings, in plan order (absent when there are none). */
function transferOf(run: ExperimentRun, repeat: number, stage: string): Pick<StageRef, 'transfer'> {
  const transfer = run.transfers
    .filter((t) => t.repeat === repeat && t.stage === stage && run.transferred[t.workflowId] !== undefined)
    .map((t) => ({ candidate: t.candidate, model: t.model, valMean: run.transferred[t.workflowId] }));
  return transfer.length ? { transfer } : {};
}

/**
 * The evaluations to run, in plan order (repeat, arm, evaluation model), listed as running: every
 * finished arm's prompt with each evaluation model; none after a stop.
 */
export function startEvaluations(run: ExperimentRun): EvaluationCall[] {
  const { prepared, progress } = run;
  const cfg = prepared.config;
  progress.phase = 'evaluating';
  if (progress.stopRequested) return [];
  const calls: EvaluationCall[] = [];
  for (const a of armSources(run)) {
    if (!a.finished) continue;
    const r = prepared.repeats[a.repeat];
    for (const m of prepared.evalModels) {
      const workflowId = `${progress.experimentId}-r${a.repeat}-eval-${a.arm}-${m.model}`;
      progress.evaluations.push({ repeat: a.repeat, arm: a.arm, model: m.model, status: 'running', workflowId });
      calls.push({
        workflowId, repeat: a.repeat, arm: a.arm, model: m.model,
        input: {
          task: cfg.task, model: m.model, instruction: a.finalPrompt, pool: prepared.testPool, ids: r.splits.test,
          samples: cfg.evaluation.samples, temperature: cfg.evaluation.temperature,
          concurrency: Math.min(MAX_IN_FLIGHT, prepared.models[m.model].concurrency), modelTimeoutMs: prepared.models[m.model].timeoutMs,
          ...policies({ callPolicy: prepared.models[m.model].callPolicy }),
          experimentId: progress.experimentId, arm: a.arm,
          ...(run.cacheScope ? { cacheScope: run.cacheScope } : {}),
          ...teacherOf(prepared, a.teacher),
        },
      });
    }
  }
  return calls;
}

/** Records an evaluation's usage in the central ledger (in the order evaluations finish) and its accuracy. */
export function evaluationFinished(run: ExperimentRun, call: EvaluationCall, res: EvaluationOutcome): void {
  recordEvaluationUsage(run, 'evaluation', call.model, res);
  run.evaluated[call.workflowId] = { accuracy: res.accuracy, resultsKey: res.resultsKey };
  const row = run.progress.evaluations.find((e) => e.workflowId === call.workflowId);
  if (row) {
    row.status = 'completed';
    row.accuracy = res.accuracy;
  }
}

/** failed if a stage failed, else stopped if a stop was requested, else completed. */
export function runStatus(run: ExperimentRun): ExperimentStatus {
  if (run.progress.stages.some((s) => s.status === 'failed')) return 'failed';
  return run.progress.stopRequested ? 'stopped' : 'completed';
}

/** What the report is written from; evaluations in plan order, whatever order they finished in. */
export function reportSources(run: ExperimentRun, times: { startedAt: string; finishedAt: string }): ReportSources {
  run.progress.phase = 'reporting';
  const evaluations: EvaluationSource[] = run.progress.evaluations.flatMap((e) => {
    const done = run.evaluated[e.workflowId];
    return done ? [{ repeat: e.repeat, arm: e.arm, model: e.model, resultsKey: done.resultsKey }] : [];
  });
  const holders = summarizeLedger(run.ledger).holders;
  const usageOf = (holder: string): AnalysisLedgerEntry[] => (holders.find((h) => h.holder === holder)?.byModel ?? []).map((m) => ({
    model: m.model, calls: m.first.calls, inputTokens: m.first.inputTokens, outputTokens: m.first.outputTokens, usd: m.first.usd,
  }));
  const analysis = usageOf('analysis');
  return {
    experimentId: run.progress.experimentId, prepared: run.prepared, ...times, status: runStatus(run),
    arms: armSources(run), evaluations,
    evaluationLedger: usageOf('evaluation'),
    ...(analysis.length ? { analysisLedger: analysis } : {}),
  };
}

/** The workflow's result once the report is written. */
export function experimentResult(
  run: ExperimentRun,
  sources: ReportSources,
  report: { dir: string; files: { html: string; markdown: string; latex: string; jsonl: string } },
  reportSourcesKey: string,
): ExperimentResult {
  run.progress.phase = 'done';
  const { prepared } = run;
  const ledger = summarizeLedger(run.ledger);
  const stageSpent = (repeat: number, s: StageRef) => ledger.holders.find((h) => h.holder === holderOf(repeat, s.stage))?.spentOfGrant ?? 0;
  const spentOf = (repeat: number, stages: StageRef[]) => stages.reduce((a, s) => a + stageSpent(repeat, s), 0);
  return {
    experimentId: sources.experimentId,
    status: sources.status,
    configHash: prepared.configHash,
    simulated: Object.values(prepared.models).some((m) => m.simulated),
    report: { dir: report.dir, html: report.files.html, markdown: report.files.markdown, latex: report.files.latex, jsonl: report.files.jsonl },
    arms: sources.arms.map((a) => ({
      arm: a.arm, repeat: a.repeat, finished: a.finished, finalPrompt: a.finalPrompt, grant: a.grant.amount, unit: prepared.config.budget.unit,
      spent: spentOf(a.repeat, a.stages),
      stages: a.stages.map((s) => ({
        stage: s.stage, stopReason: run.outcomes[stageKey(a.repeat, s.stage)]?.stopReason ?? null, grant: s.grant.amount,
        spent: stageSpent(a.repeat, s), unspent: Math.max(0, s.grant.amount - stageSpent(a.repeat, s)),
      })),
      testAccuracy: Object.fromEntries(run.progress.evaluations.flatMap((e) => {
        const done = e.repeat === a.repeat && e.arm === a.arm ? run.evaluated[e.workflowId] : undefined;
        return done ? [[e.model, done.accuracy]] : [];
      })),
    })),
    ledger,
    reportSourcesKey,
  };
}
