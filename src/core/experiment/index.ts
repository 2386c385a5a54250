/**
 * The experiment: its configuration, validation, dry-run plan and run plan (pure; safe in workflows).
 * - config: `parseExperimentConfig`, `configHash`, `experimentIdFor`, `experimentJsonSchema`
 * - validate: `validateExperimentConfig` (registry, task, data and budget checks)
 * - stages: `planStages`, `planArms`, `planRepeats` (what each arm runs: the single source of truth)
 * - plan: `planExperiment` (`lsl plan`; rendered as text by src/cli/plan-text.ts)
 * - prepared: the workflow's contract (`PreparedExperiment`, `StageRef`, `ReportSources`)
 * - run-plan: every decision of the experiment workflow (`nextStages`, `startEvaluations`, ...)
 */
export * from './config';
export * from './problems';
export * from './catalog';
export * from './stages';
export { DEFAULT_TOKEN_ESTIMATES, tokenEstimates, planExperiment } from './plan';
export type { TokenEstimates, StagePlan, EvaluationPlan, PlanTotals, ModelTotals, ExperimentPlan } from './plan';
export * from './validate';
export * from './prepared';
export * from './run-plan';
export { canonicalJson } from './canonical';
export * from './analysis';
export * from './wst';
