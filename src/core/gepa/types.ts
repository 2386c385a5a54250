/** The data of the GEPA optimizer core: configuration, state, actions, results, summary. */
import type { RngState } from '../random';
import type { Grant, Ledger } from '../budget';
import type { GenerateOutcome, OptimizerProgress, OptimizerStepContext, OptimizerSummary, RolloutOutcome } from '../optimizer/types';
import type { StopRules } from '../optimizer/stop';

/** A program: named text components (instructions) in a fixed order, and its lineage. */
export interface Candidate {
  id: string;
  components: Record<string, string>;
  order: string[];
  parents: string[];
  /** Cumulative metric calls spent when it was accepted (before its full validation). */
  discoveredAtSpend: number;
  iteration: number;
  origin: 'seed' | 'reflection' | 'merge';
  /** Round-robin position of the component it will have changed next. */
  componentPointer: number;
}

export type Selector = 'pareto' | 'current_best' | 'epsilon_greedy';
export type ComponentSelector = 'round_robin' | 'all';
export type BatchSamplerName = 'epoch_shuffled';
export type AcceptanceName = 'strict_improvement' | 'improvement_or_equal';
/**
 * How an iteration holds budget before it asks for metric calls.
 * - worst-case: at its start, everything it may need (b parent + b child + |V| validation; a
 *   merge: its whole validation). An iteration that might not fit is never started, so up to
 *   b + b + |V| - 1 calls of a grant can stay unspent.
 * - per-step: what the next step needs (b parent + b child up front; |V| only once a child is
 *   accepted on its minibatch; a merge: its subset, then the rest of |V|). When the validation
 *   of an accepted child no longer fits, the run ends with reason budget and the child is not
 *   added (counted as outcome validation-unaffordable). Spend stays ≤ grant either way.
 */
export type ReservationPolicy = 'worst-case' | 'per-step';

/** GEPA's stop rules are every optimizer's (src/core/optimizer/stop.ts). */
export type GepaStopConfig = StopRules;

export interface GepaConfig {
  /** Seeds the one PRNG behind selection, sampling and merge. */
  seed: number;
  /** b: examples per reflection minibatch. */
  minibatchSize: number;
  /** A minibatch whose every score reaches this is skipped. */
  perfectScore: number;
  selector: Selector;
  /** For epsilon_greedy: chance of a uniform pick from the pool. */
  epsilon: number;
  componentSelector: ComponentSelector;
  /** How minibatches are drawn from the training ids (strategies.ts). Absent in states saved before it existed. */
  batchSampler?: BatchSamplerName;
  /** When a child's minibatch scores earn it a full validation (strategies.ts). Absent in older states. */
  acceptance?: AcceptanceName;
  /**
   * Parallel proposals (the reference since 0.1.4): (parent, minibatch) proposals per round,
   * their parent minibatches, reflections, children and validations each asked for in one batch.
   * 1 (the default, absent in older states) is the one-proposal-at-a-time loop.
   */
  proposals?: number;
  /** Distinct parents per round (divides proposals): 1 = the same parent n times, n = n independent parents. */
  proposalParents?: number;
  /** Which minibatch-accepted children of a round are validated: all, the best, or the top k (a number). */
  proposalKeep?: 'all' | 'best' | number;
  /** How budget is held (ReservationPolicy). Absent in states saved before it existed: worst-case. */
  reservation?: ReservationPolicy;
  useMerge: boolean;
  /** Hard cap on accepted merges. */
  maxMerge: number;
  /** Validation ids a merged candidate is first tried on. */
  mergeSubsetSize: number;
  /** Reuse known scores of the same candidate text (no metric call). */
  cache: boolean;
  stop: GepaStopConfig;
  reflection: {
    /** Characters of one rendered example (input + output + feedback) in a reflection prompt. */
    maxRecordChars: number;
    /** Examples per reflection prompt (failures first); all of the minibatch when absent. */
    maxRecords?: number;
  };
}

/** A partial configuration: anything left out takes its default. */
export type GepaConfigInput = Partial<Omit<GepaConfig, 'stop' | 'reflection'>> & {
  stop?: Partial<GepaStopConfig>;
  reflection?: Partial<GepaConfig['reflection']>;
};

export type StopReason =
  | 'budget'
  | 'max-iterations'
  | 'no-improvement'
  | 'score-threshold'
  | 'wall-clock'
  | 'max-usd'
  | 'stop-requested'
  | 'stalled';

export type EvaluatePurpose =
  | 'seed-val'
  | 'parent-minibatch'
  | 'child-minibatch'
  | 'child-val'
  | 'merge-subset'
  | 'merge-val';

export interface EvaluateAction {
  kind: 'evaluate';
  /** Sequence number of the action in this state's life (a stable idempotency key). */
  seq: number;
  purpose: EvaluatePurpose;
  candidateId: string;
  candidate: Candidate;
  split: 'train' | 'val';
  /** Only ids whose score is not known yet: each is one metric call. */
  exampleIds: string[];
}

/** One example as the reflection model sees it (fields already capped). */
export interface ReflectionRecord {
  exampleId: string;
  input: string;
  output: string;
  feedback: string;
  score: number;
  passed: boolean;
}

export interface ReflectAction {
  kind: 'reflect';
  seq: number;
  /** The parent whose component is being rewritten. */
  candidateId: string;
  component: string;
  currentText: string;
  /** The whole reflection request, ready to send as the user message. */
  prompt: string;
  records: ReflectionRecord[];
}

export interface DoneAction { kind: 'done'; reason: StopReason }

/** Several evaluations at once (parallel proposals): results come back aligned with `requests`. */
export interface EvaluateBatchAction {
  kind: 'evaluate-batch';
  seq: number;
  purpose: 'parent-minibatches' | 'child-minibatches' | 'child-vals';
  requests: Array<Pick<EvaluateAction, 'candidateId' | 'candidate' | 'split' | 'exampleIds'>>;
}

/** Several reflections at once (parallel proposals): outcomes come back aligned with `requests`. */
export interface ReflectBatchAction {
  kind: 'reflect-batch';
  seq: number;
  requests: Array<Omit<ReflectAction, 'kind' | 'seq'> & { /** Proposal index: tells identical prompts apart. */ sampleIndex: number }>;
}

export type PendingAction = EvaluateAction | ReflectAction | EvaluateBatchAction | ReflectBatchAction;

export type GepaAction = PendingAction | DoneAction;

/** One rollout's outcome (the optimizer interface's; `failed`: a per-example refusal, scored 0). */
export type ExampleResult = RolloutOutcome;

export interface EvaluationResult { results: Record<string, ExampleResult> }

/** The reflection's text (`truncated`: stopped at the length limit), or why there is none. */
export type ReflectionResult = GenerateOutcome;

/** Clock, stop signal and dollars seen by nextAction (the larger of usdSpent and the ledger's counts). */
export type StepContext = OptimizerStepContext;

/**
 * A train result kept for reuse: the score, and what reflection needs (capped). Results of
 * rejected children keep only the score (they are never reflected on unless accepted later).
 */
export interface CachedTrainResult {
  score: number;
  output?: string;
  feedback?: string;
  failed?: boolean;
}

export interface CacheEntry {
  train: Record<string, CachedTrainResult>;
  val: Record<string, number>;
}

export interface PoolEntry {
  candidate: Candidate;
  hash: string;
  /** Scores on every validation id, aligned with state.valIds. */
  valScores: number[];
  valMean: number;
}

export interface SamplerState {
  /** The current epoch's order (padded to a multiple of b). */
  order: string[];
  /** Epoch of `order`; -1 before the first draw. */
  epoch: number;
  /** Times each id was put in an epoch order (padding included). */
  useCounts: Record<string, number>;
}

/** Per validation instance: the best score and the pool indexes holding it. */
export interface Fronts {
  best: number[];
  holders: number[][];
}

export interface LearningPoint {
  /** Cumulative metric calls when this best was known (after the validation finished). */
  spend: number;
  best: number;
  candidateId: string;
  iteration: number;
}

export interface StageCounters {
  iterations: number;
  accepted: number;
  rejected: number;
  skipped: number;
  reflectionCalls: number;
  reflectionRejections: number;
  reflectionFailures: number;
  /** Of reflectionRejections: cut off at the length limit (absent in states saved before it existed). */
  reflectionTruncations?: number;
  /** Children whose text equals a pool candidate's (rejected without evaluation). */
  duplicates: number;
  mergesTried: number;
  mergesAccepted: number;
  /** Parallel proposals: children accepted on their minibatch but not among those kept (proposalKeep); absent in older states. */
  notKept?: number;
  /** Per-step reservation: accepted children or merges whose validation no longer fitted the grant (absent in older states). */
  unaffordable?: number;
  /** Iterations since the best mean validation score last rose. */
  sinceImprovement: number;
  /** Consecutive iterations that spent no metric call. */
  idleStreak: number;
}

export interface ReflectiveStep {
  kind: 'reflective';
  step: 'parent-minibatch' | 'reflect' | 'child-minibatch' | 'child-val';
  parentIndex: number;
  minibatch: string[];
  /** Metric calls spent by this iteration so far (for the idle check). */
  spentCalls: number;
  parentResults: Record<string, CachedTrainResult>;
  components: string[];
  /** Index into `components` of the next reflection. */
  reflectIndex: number;
  newTexts: Record<string, string>;
  child: Candidate | null;
  childHash: string | null;
  childResults: Record<string, CachedTrainResult>;
  childVal: Record<string, number>;
}

export interface MergeStep {
  kind: 'merge';
  step: 'merge-subset' | 'merge-val';
  spentCalls: number;
  parentIndexes: [number, number];
  ancestorIndex: number;
  merged: Candidate;
  mergedHash: string;
  subset: string[];
  mergedVal: Record<string, number>;
}

export interface SeedStep {
  kind: 'seed';
  step: 'seed-val';
  spentCalls: number;
  seedVal: Record<string, number>;
}

/** One proposal of a parallel round (a reflective iteration's data, without its own step). */
export interface Proposal {
  parentIndex: number;
  minibatch: string[];
  /** Global iteration number of this proposal (its sampler position). */
  iteration: number;
  /** Where this proposal ended, or null while it is still going. */
  ended: null | 'skipped' | 'reflection-failed' | 'reflection-malformed' | 'reflection-truncated' | 'duplicate' | 'not-better' | 'not-kept' | 'unaffordable' | 'accepted';
  parentResults: Record<string, CachedTrainResult>;
  components: string[];
  newTexts: Record<string, string>;
  child: Candidate | null;
  childHash: string | null;
  childResults: Record<string, CachedTrainResult>;
  childVal: Record<string, number>;
}

export interface ParallelStep {
  kind: 'parallel';
  step: 'parent-minibatches' | 'reflections' | 'child-minibatches' | 'child-vals';
  spentCalls: number;
  proposals: Proposal[];
}

export type InFlight = SeedStep | ReflectiveStep | MergeStep | ParallelStep;

export interface LastAccepted {
  iteration: number;
  candidateId: string;
  origin: Candidate['origin'];
  valMean: number;
  spend: number;
}

/** Everything the optimizer knows: plain JSON, so a run resumes exactly from a saved copy. */
export interface GepaState {
  version: 1;
  /** The optimizer interface's name of this state's optimizer (absent in states saved before it existed). */
  optimizer: 'gepa';
  config: GepaConfig;
  holder: string;
  trainIds: string[];
  valIds: string[];
  rng: RngState;
  sampler: SamplerState;
  /** Global iteration number (also the sampler position); carried across stages. */
  iteration: number;
  pool: PoolEntry[];
  poolIndexByHash: Record<string, number>;
  fronts: Fronts;
  cache: Record<string, CacheEntry>;
  /** Inputs of train examples, once per id (capped), for reflection records. */
  trainInputs: Record<string, string>;
  ledger: Ledger;
  /** Metric calls spent on this state by earlier stages (so spends are cumulative). */
  spendOffset: number;
  nextCandidateNumber: number;
  nextSeq: number;
  seedCandidate: Candidate;
  inFlight: InFlight | null;
  pending: PendingAction | null;
  merge: { due: number; lastIterationFoundNew: boolean; triedTriplets: string[] };
  counters: StageCounters;
  learningCurve: LearningPoint[];
  lastAccepted: LastAccepted | null;
  startedAtMs: number | null;
  stopReason: StopReason | null;
}

export interface GepaProgress extends OptimizerProgress {
  optimizer: 'gepa';
  iteration: number;
  stageIterations: number;
  phase: InFlight['step'] | 'between-iterations' | 'done';
  spent: number;
  grant: Grant;
  metricCalls: number;
  cumulativeMetricCalls: number;
  bestValMean: number | null;
  poolSize: number;
  frontierSize: number;
  lastAccepted: LastAccepted | null;
  stopReason: StopReason | null;
  outcomes: Record<IterationOutcome, number>;
}

/** Why an iteration ended: every iteration ends in exactly one of these. */
export type IterationOutcome =
  | 'accepted'
  | 'not-better'
  | 'skipped-perfect-minibatch'
  | 'duplicate'
  | 'reflection-failed'
  | 'reflection-malformed'
  | 'reflection-truncated'
  | 'merge-accepted'
  | 'merge-rejected'
  /** Per-step reservation: accepted on its minibatch (or merge subset), but |V| no longer fitted; the run ended. */
  | 'validation-unaffordable'
  /** Parallel proposals: better on its minibatch, but not among the round's kept children (proposalKeep). */
  | 'not-kept';

export interface SummaryCandidate {
  candidate: Candidate;
  hash: string;
  text: string;
  valMean: number;
  /** Aligned with GepaSummary.valIds. */
  valScores: number[];
  discoveredAtSpend: number;
  origin: Candidate['origin'];
}

/** The optimizer interface's summary, and GEPA's own: the frontier, the counters, the global iteration. */
export interface GepaSummary extends OptimizerSummary {
  optimizer: 'gepa';
  holder: string;
  stopReason: StopReason | null;
  valIds: string[];
  best: SummaryCandidate;
  seed: SummaryCandidate;
  pool: SummaryCandidate[];
  outcomes: Record<IterationOutcome, number>;
  /** Candidates on the pruned Pareto frontier with the number of instances they are (co-)best on. */
  frontier: Array<{ id: string; instances: number }>;
  learningCurve: LearningPoint[];
  counts: Omit<StageCounters, 'sinceImprovement' | 'idleStreak'>;
  /** Metric calls of this stage and cumulatively over the state's stages. */
  metricCalls: number;
  cumulativeMetricCalls: number;
  iteration: number;
}
