/**
 * The experiment workflow's contract, as plain JSON: what `prepare` hands the workflow (the
 * validated config with its stages, arms, repeats and splits drawn), and what the workflow hands
 * the report (`ReportSources`: keys of the artifacts the stages and evaluations left).
 */
import type { ModelCallPolicy } from '../../llm/call-policy';
import type { HolderAccount } from '../budget';
import type { Splits } from '../splits';
import type { ExperimentConfig } from './config';
import type { PlannedArm, PlannedStage } from './stages';

/** What the workflow may know of a model: its registry spec without endpoint or key. */
export interface ModelInfo {
  name: string;
  model: string;
  provider: string;
  simulated: boolean;
  timeoutMs: number;
  concurrency: number;
  priceInputPerM?: number;
  priceOutputPerM?: number;
  /** How workflows call it (outage limit, own rate-limited queue); absent in runs prepared before it existed. */
  callPolicy?: ModelCallPolicy;
}

export interface PreparedRepeat {
  repeat: number;
  gepaSeed: number;
  splits: Splits;
}

export interface PreparedExperiment {
  config: ExperimentConfig;
  configHash: string;
  version: string;
  stages: PlannedStage[];
  arms: PlannedArm[];
  repeats: PreparedRepeat[];
  evalModels: Array<{ ref: string; model: string }>;
  models: Record<string, ModelInfo>;
  /** Data split the train/val ids come from, and the one the test ids come from. */
  trainPool: 'train';
  testPool: 'train' | 'test';
}

export interface StageRef {
  stage: string;
  taskModel: string;
  reflector: string;
  grant: { amount: number; unit: string };
  summaryKey: string;
  account: HolderAccount;
  wallMs: number;
  /** Stage whose exact state this one continued (its candidates are not listed again). */
  continued?: string;
  /** Its candidates scored on the other model's validation set (analysis spend; absent when none). */
  transfer?: Array<{ candidate: string; model: string; valMean: number }>;
}

export type ExperimentStatus = 'completed' | 'stopped' | 'failed';

export interface ArmSource {
  arm: string;
  repeat: number;
  finished: boolean;
  finalPrompt: string;
  /** Set when `finalPrompt` is a teacher's prompt (wst): the teacher model that writes each problem's instruction with it. */
  teacher?: string;
  grant: { amount: number; unit: string };
  stages: StageRef[];
}

export interface EvaluationSource {
  repeat: number;
  arm: string;
  model: string;
  resultsKey: string;
}

export interface ReportSources {
  experimentId: string;
  prepared: PreparedExperiment;
  startedAt: string;
  finishedAt: string;
  status: ExperimentStatus;
  arms: ArmSource[];
  evaluations: EvaluationSource[];
  evaluationLedger: AnalysisLedgerEntry[];
  /** Transfer scoring's usage (analysis spend, apart from the stages' budgets); absent when none ran. */
  analysisLedger?: AnalysisLedgerEntry[];
}

/** One model's usage outside the optimization budgets (test evaluation, analysis). */
export interface AnalysisLedgerEntry { model: string; calls: number; inputTokens: number; outputTokens: number; usd: number }
