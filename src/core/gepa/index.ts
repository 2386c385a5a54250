/**
 * The GEPA optimizer core (pure: safe to import from Temporal workflows).
 *
 * The driver asks "what next?" and feeds results back; the core never awaits:
 * ```ts
 * let state = initGepaState({ config, seedCandidate, trainIds, valIds, grant: { amount: 300, unit: 'metricCalls' } });
 * for (;;) {
 *   const action = nextAction(state, { nowMs, stopRequested, usdSpent });
 *   if (action.kind === 'done') break;               // action.reason says why
 *   if (action.kind === 'evaluate') {
 *     // run renderCandidate(action.candidate) on action.exampleIds of action.split (one metric call each)
 *     state = applyResult(state, action, { results: { [id]: { score, feedback, output, input, failed? } } });
 *   } else {
 *     // send action.prompt to the reflection model
 *     state = applyResult(state, action, { rawText }); // or { error } when the call failed for good
 *   }
 *   recordUsage(state, { model, inputTokens, outputTokens, usd, reflection?, redone? }); // per model call
 * }
 * const summary = summarize(state);
 * ```
 * `nextAction` is idempotent while an action is pending (the same action comes back), and the
 * state is plain JSON at every step: save it anywhere, reload it, and the run continues
 * exactly. `nextAction`/`applyResult` update the state in place.
 *
 * The seed is always validated first (its |V| calls must fit the grant: initGepaState checks).
 * Stop conditions (budget, signal, wall clock, dollars, iterations, no improvement, score
 * threshold, and "stalled": many iterations in a row that cost no metric call) are checked
 * between iterations, so an iteration in flight always completes. An iteration starts only
 * when its worst case (b + b + |V|, less known parent scores; a merge: |V|) can be reserved;
 * when it cannot, the run ends with reason 'budget' and the state is left exactly at the
 * iteration boundary, so a later stage continues as if there had been no break.
 *
 * Stages: `continueGepaState(state, { grant })` runs a new stage on the same pool and PRNG (the
 * matched arm); `initGepaState({ ..., carry: carryFrom(prev), spendOffset })` starts a fresh
 * pool from a new seed while continuing the PRNG and sampler (the lsl arm).
 */
export * from './types';
export { defaultGepaConfig, resolveGepaConfig, validateGepaConfig, RESERVATION_POLICIES } from './config';
export {
  PARENT_SELECTORS, COMPONENT_CHOOSERS, BATCH_SAMPLERS, ACCEPTANCES, SELECTORS, COMPONENT_SELECTORS, BATCH_SAMPLER_NAMES, ACCEPTANCE_NAMES,
  selectParent, type ParentSelector, type ComponentChooser, type BatchSampler, type Acceptance,
} from './strategies';
export { renderCandidate, candidateHash, seedCandidateFrom, textHash64 } from './candidate';
export {
  initGepaState,
  nextAction,
  applyResult,
  recordUsage,
  continueGepaState,
  carryFrom,
  stageSpend,
  cumulativeSpend,
  type InitGepaArgs,
  type GepaCarry,
} from './engine';
export { summarize, progress, iterationOutcomes } from './summary';
export { gepaOptimizer } from './optimizer';
export { fillTrain, fillVal, countMissingTrain, countMissingVal } from './cache';
export { driveGepa, answer, type GepaDriver, type DriveOptions } from './drive';
export { buildReflectionPrompt, parseReflection, truncateMiddle, capRecord, feedbackFor, type ParsedInstruction } from './reflection';
export { frontierWeights, currentBestIndex, addToFronts, buildFronts, createFronts } from './frontier';
export { createSampler, minibatchAt, epochLength } from './sampler';
export { findMerge, mergeSubset, mergeComponents, hasDesirableComponent, ancestorsOf, tripletKey, type MergePlan } from './merge';
