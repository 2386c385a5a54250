/**
 * GEPA's strategies as small named functions, picked by name from the JSON config (as the gepa
 * package's strategy objects are): parent selection, which components to rewrite, minibatch
 * sampling and child acceptance. Each table's keys are the names a config may use; adding a
 * strategy is adding an entry. Every function draws only from the PRNG it is given.
 */
import type { Rng } from '../random';
import { currentBestIndex, frontierWeights } from './frontier';
import { minibatchAt } from './sampler';
import type {
  AcceptanceName, BatchSamplerName, Candidate, ComponentSelector, Fronts, PoolEntry, SamplerState, Selector,
} from './types';

export interface ParentChoice {
  pool: readonly PoolEntry[];
  /** Pruned-frontier weights of the pool (computed once per iteration by the caller). */
  weights(): number[];
  rng: Rng;
  epsilon: number;
}

/** Index into the pool of the next reflective mutation's parent. */
export type ParentSelector = (c: ParentChoice) => number;

const means = (pool: readonly PoolEntry[]) => pool.map((p) => p.valMean);

export const PARENT_SELECTORS: Record<Selector, ParentSelector> = {
  /** Proportional to the number of validation instances a candidate is (co-)best on. */
  pareto: (c) => c.rng.weightedIndex(c.weights()),
  current_best: (c) => currentBestIndex(means(c.pool)),
  epsilon_greedy: (c) => (c.rng.next() < c.epsilon ? c.rng.int(c.pool.length) : currentBestIndex(means(c.pool))),
};

/** Which of the parent's components the reflection rewrites; may advance the parent's pointer. */
export type ComponentChooser = (parent: Candidate) => string[];

export const COMPONENT_CHOOSERS: Record<ComponentSelector, ComponentChooser> = {
  round_robin: (parent) => {
    const p = parent.componentPointer % parent.order.length;
    parent.componentPointer = (p + 1) % parent.order.length;
    return [parent.order[p]];
  },
  all: (parent) => [...parent.order],
};

/** The minibatch of iteration `batchIndex + 1` and the sampler state after drawing it (never mutates `state`). */
export type BatchSampler = (
  state: SamplerState, trainIds: readonly string[], b: number, batchIndex: number, rng: Rng,
) => { ids: string[]; state: SamplerState };

export const BATCH_SAMPLERS: Record<BatchSamplerName, BatchSampler> = {
  /** Epoch-shuffled stream, padded with the least used ids (see sampler.ts). */
  epoch_shuffled: minibatchAt,
};

/** Whether a child's minibatch scores earn it a full validation, given its parent's on the same ids. */
export type Acceptance = (parentScores: readonly number[], childScores: readonly number[]) => boolean;

const sum = (xs: readonly number[]) => xs.reduce((s, x) => s + x, 0);

export const ACCEPTANCES: Record<AcceptanceName, Acceptance> = {
  strict_improvement: (parent, child) => sum(child) > sum(parent),
  improvement_or_equal: (parent, child) => sum(child) >= sum(parent),
};

/** The names each config field accepts (for validation and for the experiment config's schema). */
type Names<K> = [K, ...K[]];
export const SELECTORS = Object.keys(PARENT_SELECTORS) as Names<Selector>;
export const COMPONENT_SELECTORS = Object.keys(COMPONENT_CHOOSERS) as Names<ComponentSelector>;
export const BATCH_SAMPLER_NAMES = Object.keys(BATCH_SAMPLERS) as Names<BatchSamplerName>;
export const ACCEPTANCE_NAMES = Object.keys(ACCEPTANCES) as Names<AcceptanceName>;

/** Picks the parent of the next reflective mutation (frontier weights computed on demand). */
export function selectParent(selector: Selector, pool: readonly PoolEntry[], fronts: Fronts, rng: Rng, epsilon: number): number {
  if (pool.length === 0) throw new Error('selectParent: the pool is empty');
  return PARENT_SELECTORS[selector]({ pool, weights: () => frontierWeights(fronts, means(pool)), rng, epsilon });
}
