/**
 * ReportInput: everything a finished (or stopped) experiment hands to the report writer. Plain
 * JSON (no Dates, no Maps, no functions) so it can be stored as an artifact and passed between
 * activities; the per-problem test results may instead come from a loader (see writeReport).
 */
import type { ProblemResult } from '../core/stats';

export type { ProblemResult } from '../core/stats';

/** seed, base, lsl, matched, small-only, or cycles-k (k rounds of S then L after base; `cycle-k` is read the same way). */
export type ArmName = 'seed' | 'base' | 'lsl' | 'matched' | 'small-only' | 'wst' | `cycles-${number}` | `cycle-${number}`;

/** A budget: how much an arm or stage may spend, in the unit the config chose. */
export interface Grant {
  amount: number;
  /** 'metricCalls' (default), 'iterations', 'tokens' or 'usd' (as src/core/budget's BudgetUnit). */
  unit: string;
}

/** What a stage actually spent; the ledger records every quantity whatever the grant's unit. */
export interface Spent {
  metricCalls: number;
  reflectionCalls: number;
  inputTokens: number;
  outputTokens: number;
  usd: number;
  wallMs: number;
  /** Metric calls run again after a crash or retry (not billed twice, not hidden). */
  redoneMetricCalls: number;
}

export interface LearningCurvePoint {
  /** Metric calls spent, cumulative within the arm (a stage continues its arm's count). */
  spend: number;
  /** Best mean validation score of any candidate found so far. */
  best: number;
}

export interface CandidateRecord {
  /** Unique within the experiment (e.g. `base/3`). */
  id: string;
  /** Ids of the parent candidates (none for a seed, two for a merge). */
  parents: string[];
  /** How it came to be: 'seed', 'reflection', 'merge', or 'inherited' for a stage's starting pool. */
  origin: string;
  /** Metric calls the arm had spent when the candidate was found. */
  discoveredAtSpend: number;
  /** Mean validation score. */
  valMean: number;
  /** The candidate's instruction text (components joined, each under its name, when there are several). */
  text: string;
}

export interface StageRecord {
  /** Stage name, unique within the experiment: 'base', 'lsl', 'matched', 'small-only', 'cycles-2-s1', ... */
  stage: string;
  /** Registry name of the model that ran the rollouts. */
  taskModel: string;
  /** Registry name of the model that reflected. */
  reflector: string;
  grant: Grant;
  spent: Spent;
  learningCurve: LearningCurvePoint[];
  candidates: CandidateRecord[];
  /**
   * Why the stage ended: 'budget' (grant spent), 'stalled' (every training minibatch it drew was
   * already perfect), 'no-improvement', 'wall-clock', 'stop-requested', 'blocked', ...; null or
   * absent when not recorded.
   */
  stopReason?: string | null;
  /** Spend in the grant's unit; when absent it is read from `spent` (metric calls, tokens, dollars). */
  spentOfGrant?: number;
  /**
   * The stage's candidates scored on the other model's validation set (a stage on S: on L; on L:
   * on S), for the transfer and saturation curves. Analysis spend, not the stage's budget.
   */
  transfer?: TransferScore[];
}

export interface TransferScore {
  /** Candidate id, as in `candidates`. */
  candidate: string;
  /** Registry name of the model it was scored on. */
  model: string;
  /** Mean score on that model's validation set. */
  valMean: number;
}

export interface ArmRecord {
  arm: ArmName;
  /** Index of the repeated run (0-based). */
  repeat: number;
  /** False when the run was stopped or failed before this arm's last stage ended. */
  finished: boolean;
  /** The prompt the arm yields (its best candidate; the seed prompt for `seed`). */
  finalPrompt: string;
  /** Set when `finalPrompt` is a teacher's prompt (wst): the teacher model that writes each problem's instruction with it. */
  teacher?: string;
  /** Total budget granted to the arm. */
  grant: Grant;
  /** Stages the arm's prompt depends on, in order, shared ones included (lsl: base then lsl); empty for `seed`. */
  stages: StageRecord[];
}

export interface ModelRecord {
  /** 'large', 'small' or 'reflector' (one registry model may appear under several roles). */
  role: string;
  /** Registry name (what results[].model and stages[].taskModel refer to). */
  name: string;
  /** Model id sent to the endpoint. */
  model: string;
  provider: string;
  simulated: boolean;
  /** USD per million tokens, when known. */
  priceInputPerM?: number;
  priceOutputPerM?: number;
}

/** Test-time model usage (evaluation is not optimization budget). */
export interface EvaluationLedgerEntry {
  model: string;
  calls: number;
  inputTokens: number;
  outputTokens: number;
  usd: number;
}

export interface ReportInput {
  experimentId: string;
  name: string;
  /** lsl version that ran the experiment. */
  version: string;
  /** Further versions worth stating (node, Temporal SDK, dataset checksums...), shown as given. */
  versions?: Record<string, string>;
  configHash: string;
  /** ISO 8601 timestamps. */
  startedAt: string;
  finishedAt: string;
  status: 'completed' | 'stopped' | 'failed';
  /** True when any model was the simulator: the report then carries a banner on every format. */
  simulated: boolean;
  /** The experiment config as given (shown as YAML; keys that look like secrets are redacted). */
  config: unknown;
  /** Task name, e.g. 'gsm8k'. */
  task: string;
  splits: { seed: number; train: string[]; val: string[]; test: string[] };
  models: ModelRecord[];
  /** Number of repeated runs (different seeds). */
  repeats: number;
  arms: ArmRecord[];
  /** `analysis`: transfer scoring's usage (candidates on the other model's validation set), apart from every budget. */
  evaluation: { ledger: EvaluationLedgerEntry[]; analysis?: EvaluationLedgerEntry[] };
  /** Test-split results per problem and sample; omit when passing `loadResults` to writeReport. */
  results?: ProblemResult[];
}

/** The files writeReport leaves in its output directory (absolute paths). */
export interface ReportFiles {
  markdown: string;
  html: string;
  latex: string;
  jsonl: string;
  /** The statistics of the report (summarizeResults of results.jsonl) as JSON. */
  summary: string;
  /** One SVG file per chart, referenced by report.md (report.html inlines them). */
  charts: string[];
}
