/**
 * The experiment configuration, its validation and the dry-run plan (pure; safe in workflows).
 * - config: `parseExperimentConfig`, `configHash`, `experimentIdFor`, `experimentJsonSchema`
 * - validate: `validateExperimentConfig` (registry, task, data and budget checks)
 * - stages: `planStages`, `planArms`, `planRepeats` (what each arm runs: the single source of truth)
 * - plan: `planExperiment`, `renderPlan` (`lsl plan`)
 */
export * from './config';
export * from './problems';
export * from './catalog';
export * from './stages';
export {
  DEFAULT_TOKEN_ESTIMATES, tokenEstimates, planExperiment, renderPlan, formatAmount, formatInt, formatUsd,
} from './plan';
export type { TokenEstimates, StagePlan, EvaluationPlan, PlanTotals, ModelTotals, ExperimentPlan } from './plan';
export * from './validate';
export { canonicalJson } from './canonical';
