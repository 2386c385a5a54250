/**
 * The shape every prompt optimizer has, so one durable stage workflow can drive any of them
 * (GEPA, OPRO, EvoPrompt, PromptBreeder, a toy random search). It is GEPA's ask/feed shape:
 * a state machine over plain-JSON state that never awaits.
 *
 *   state = optimizer.init(args)
 *   loop: action = optimizer.nextAction(state, ctx)
 *         'evaluate' → run every request's rollouts (metric calls on the task model)
 *         'generate' → run every prompt on the optimizer's own model (reflector / proposer)
 *         'done'     → stop
 *         state = optimizer.applyResult(state, action, result)
 *
 * Rules every implementation keeps:
 * - All randomness comes from a PRNG stored in the state; a state saved at any point where
 *   `pendingAction(state)` is null (or even with one pending: it is re-issued) resumes exactly.
 * - Budget goes through the ledger in the state (`state.ledger`, `state.holder`): reserve
 *   before asking for metric calls, spend what came back, release the rest. Spend ≤ grant.
 * - A batch action (several requests at once) gets its results aligned with its requests, and
 *   the outcome never depends on the order in which the calls completed.
 * - `nextAction` may update the state in place; `applyResult` returns the state.
 */
import type { Grant, HolderAccount, Ledger, LedgerSummary, UsageRecord } from '../budget';

/** A program: named text components in a fixed order, and its lineage. */
export interface CandidateRef {
  id: string;
  components: Record<string, string>;
  order: string[];
  parents: string[];
}

/** Rollouts of one candidate on some examples of one split. */
export interface EvaluateRequest {
  candidate: CandidateRef;
  split: 'train' | 'val';
  /** Only ids whose score is not known yet: each is one metric call. */
  exampleIds: string[];
  /** The optimizer reads the outputs and feedback (they come back inline, capped). */
  needsText?: boolean;
  /** With needsText: characters of output and input returned inline (the stage's default otherwise). */
  textChars?: number;
}

/** One call to the optimizer's own model (GEPA: the reflector; OPRO: the optimizer LLM). */
export interface GenerateRequest {
  /** The whole request, sent as the user message. */
  prompt: string;
  /** Sampling temperature for this call (the model's default when absent). */
  temperature?: number;
  /** Distinguishes identical prompts sampled several times (part of the cache key). */
  sampleIndex?: number;
}

export interface OptimizerEvaluateAction {
  kind: 'evaluate';
  /** Sequence number of the action in this state's life (a stable idempotency key). */
  seq: number;
  /** What the calls are for, in the optimizer's own words (for progress and logs). */
  purpose: string;
  requests: EvaluateRequest[];
}

export interface OptimizerGenerateAction {
  kind: 'generate';
  seq: number;
  purpose: string;
  requests: GenerateRequest[];
}

export interface OptimizerDoneAction { kind: 'done'; reason: string }

export type OptimizerAction = OptimizerEvaluateAction | OptimizerGenerateAction | OptimizerDoneAction;

/** One rollout's outcome. */
export interface RolloutOutcome {
  score: number;
  feedback: string;
  output: string;
  input: string;
  /** A per-example refusal (recorded with its reason in feedback), not a wrong answer. */
  failed?: boolean;
}

/** One generation's outcome: the text, or why there is none (that call only). */
export type GenerateOutcome =
  | { rawText: string; /** The model stopped at its length limit. */ truncated?: boolean }
  | { error: string };

export type OptimizerResult =
  | { kind: 'evaluate'; /** Aligned with the action's requests. */ results: Array<Record<string, RolloutOutcome>> }
  | { kind: 'generate'; /** Aligned with the action's requests. */ outputs: GenerateOutcome[] };

/** The stop reason every optimizer gives when `ctx.stopRequested` ended it (the stage then reports `stopped`). */
export const STOP_REQUESTED = 'stop-requested';

export interface OptimizerStepContext {
  nowMs: number;
  stopRequested?: boolean;
  /** Dollars spent as the caller counts them. */
  usdSpent?: number;
}

/** Where a stage starts. */
export type OptimizerStart<State> =
  | { kind: 'seed'; seed: { components: Record<string, string>; order: string[] } }
  /** An earlier stage's exact state, continued with a new grant. */
  | { kind: 'continue'; previous: State }
  /** A fresh run seeded with an earlier stage's best, continuing its PRNG where the optimizer can. */
  | { kind: 'best-of'; previous: State };

export interface OptimizerInitArgs<State> {
  /** The optimizer's own settings, as JSON (validated by `resolveConfig`). */
  config: unknown;
  start: OptimizerStart<State>;
  trainIds: string[];
  valIds: string[];
  grant: Grant;
  /** Ledger holder name (the stage). */
  holder: string;
}

/** Scores of one candidate, as every optimizer reports them. */
export interface ScoredCandidate {
  candidate: CandidateRef;
  text: string;
  valMean: number;
  /** Aligned with OptimizerSummary.valIds. */
  valScores: number[];
  /** Cumulative metric calls when it was found. */
  discoveredAtSpend: number;
  origin: string;
}

/** The end-of-stage summary every optimizer produces (GEPA's GepaSummary has this shape and more). */
export interface OptimizerSummary {
  optimizer: string;
  holder: string;
  stopReason: string | null;
  valIds: string[];
  best: ScoredCandidate;
  seed: ScoredCandidate;
  pool: ScoredCandidate[];
  learningCurve: Array<{ spend: number; best: number; candidateId: string; iteration: number }>;
  ledger: LedgerSummary;
  /** Why each iteration ended, by outcome name; the values add up to `iterations`. */
  outcomes: Record<string, number>;
  iterations: number;
  accepted: number;
  metricCalls: number;
  cumulativeMetricCalls: number;
}

export interface OptimizerProgress {
  optimizer: string;
  iteration: number;
  phase: string;
  spent: number;
  grant: Grant;
  metricCalls: number;
  bestValMean: number | null;
  poolSize: number;
  stopReason: string | null;
  /** Why the iterations so far ended (as OptimizerSummary.outcomes; the one in flight is not counted yet). */
  outcomes?: Record<string, number>;
}

/** The state fields the stage workflow relies on; the rest is the optimizer's own. */
export interface OptimizerStateBase {
  optimizer: string;
  holder: string;
  ledger: Ledger;
}

export interface Optimizer<State extends OptimizerStateBase = OptimizerStateBase> {
  /** The name a config picks it by (`optimizer: gepa`). */
  readonly name: string;
  /** Checks and completes a JSON config; throws one line naming the bad field. */
  resolveConfig(config: unknown): unknown;
  init(args: OptimizerInitArgs<State>): State;
  nextAction(state: State, ctx: OptimizerStepContext): OptimizerAction;
  applyResult(state: State, action: OptimizerAction, result: OptimizerResult): State;
  /** Tokens and dollars of a call, counted against the stage's account. */
  recordUsage(state: State, usage: UsageRecord): void;
  /** True when no action is outstanding: a safe point to save state and continue-as-new. */
  isQuiescent(state: State): boolean;
  summarize(state: State): OptimizerSummary;
  progress(state: State): OptimizerProgress;
  account(state: State): HolderAccount;
}
