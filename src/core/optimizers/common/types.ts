/**
 * The data every population search (OPRO, EvoPrompt, PromptBreeder) shares: candidates with
 * their fitness on a fixed set of training examples, the validated pool, the budget ledger, the
 * PRNG and the work in flight. Plain JSON: a saved state resumes exactly.
 */
import type { RngState } from '../../random';
import type { Ledger } from '../../budget';
import type { GepaStopConfig } from '../../gepa/types';
import type {
  CandidateRef,
  OptimizerEvaluateAction,
  OptimizerGenerateAction,
  OptimizerStateBase,
} from '../../optimizer';

/** The same stop rules as GEPA's (iterations, no improvement, score, wall clock, dollars, stalled). */
export type SearchStopConfig = GepaStopConfig;

/** Settings every search has; each optimizer adds its own. */
export interface SearchConfigBase {
  /** Seeds the PRNG behind every random choice. */
  seed: number;
  /** Size of the fixed training subset a candidate's fitness is measured on (all training ids when absent). */
  fitnessExamples?: number;
  /** Sampling temperature of the optimizer model's calls. */
  temperature: number;
  /** Characters kept of a training example's input or output (for exemplars and working-outs). */
  maxRecordChars: number;
  stop: SearchStopConfig;
}

export interface SearchCandidate {
  candidate: CandidateRef;
  hash: string;
  /** The operator that made it ("seed", "meta-prompt", "crossover", "lamarckian", ...). */
  origin: string;
  iteration: number;
  /** Scores on the fitness ids known so far. */
  fit: Record<string, number>;
  /** Mean over all fitness ids once they are all known. */
  fitness: number | null;
  /** Scores on validation ids known so far. */
  val: Record<string, number>;
  /** Position in the pool once fully validated. */
  poolIndex: number | null;
  /** Its fitness evaluation did not fit the budget. */
  dropped?: boolean;
  /** Cumulative metric calls when its fitness became known. */
  discoveredAtSpend: number;
}

export interface PoolEntry {
  id: string;
  /** Aligned with state.valIds. */
  valScores: number[];
  valMean: number;
}

export interface SearchCounters {
  /** Stage iterations started. */
  iterations: number;
  generateCalls: number;
  /** Optimizer-model calls that failed for good. */
  generateFailures: number;
  /** Replies with no usable instruction (no fenced block, truncated, empty). */
  unparsed: number;
  /** Proposals whose text was already known. */
  duplicates: number;
  /** Candidates whose fitness was measured. */
  evaluated: number;
  /** Candidates dropped because their fitness evaluation no longer fit the grant. */
  dropped: number;
  validated: number;
  sinceImprovement: number;
  idleStreak: number;
  /** Metric calls of the iteration in flight (for the idle check). */
  iterationCalls: number;
  /** Best validation mean when the iteration in flight started. */
  bestAtStart: number | null;
}

/** A training example as an exemplar or a working-out: its input and one correct output, capped. */
export interface ExampleRecord {
  input: string;
  correct?: string;
}

export type SearchAction = OptimizerEvaluateAction | OptimizerGenerateAction;

export interface SearchState<Config extends SearchConfigBase = SearchConfigBase, Step = unknown, Algo = unknown>
  extends OptimizerStateBase {
  version: 1;
  config: Config;
  holder: string;
  ledger: Ledger;
  trainIds: string[];
  valIds: string[];
  /** The fixed training subset fitness is measured on. */
  fitIds: string[];
  rng: RngState;
  nextSeq: number;
  nextCandidate: number;
  /** Distinct sample index of every optimizer-model call (part of the response cache key). */
  nextSample: number;
  candidates: Record<string, SearchCandidate>;
  /** Candidate ids in the order they were made. */
  order: string[];
  byHash: Record<string, string>;
  pool: PoolEntry[];
  seedId: string;
  /** Best fitness among validated candidates: a new candidate is validated only when it beats it. */
  bestFitness: number | null;
  examples: Record<string, ExampleRecord>;
  /** Global iteration number, carried across stages. */
  iteration: number;
  outcomes: Record<string, number>;
  counters: SearchCounters;
  learningCurve: Array<{ spend: number; best: number; candidateId: string; iteration: number }>;
  /** Metric calls spent by earlier stages on this line of optimization. */
  spendOffset: number;
  /** 'seed' until the seed is scored, 'init' while an initial population is made, then 'search'. */
  phase: 'seed' | 'init' | 'search';
  /** The iteration (or initialization) in flight, in the optimizer's own terms. */
  step: Step | null;
  pending: SearchAction | null;
  /** A fitness or validation evaluation did not fit the grant: the run ends after this iteration. */
  budgetOut: boolean;
  startedAtMs: number | null;
  stopReason: string | null;
  /** The optimizer's own lasting state (population, mutation prompts, ...). */
  algo: Algo;
}
