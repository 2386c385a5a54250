/**
 * EvoPrompt's population: N members (paper: N = 10), filled from the seed and N - 1 variations of
 * it written by the optimizer model, ranked by fitness on the training subset (the paper's dev set).
 */
import { fitnessOf, generateRequest, propose } from '../common/engine';
import { generationWork, newGeneration, type Generation } from '../common/generation';
import type { SearchState } from '../common/types';
import type { EvoPromptConfig } from './config';
import { variationPrompt } from './prompts';

export interface Population {
  /** Candidate ids of the members. */
  members: string[];
}

/** Fills the population with variations of `base`: at the start, or when too few members are left. */
export interface InitStep extends Generation {
  kind: 'init' | 'refill';
  component: string;
  base: string;
  /** Variations asked for. */
  count: number;
}

/** The ids ranked by fitness, best first; ties keep the earlier candidate first. */
export function rankByFitness(state: SearchState, ids: readonly string[]): string[] {
  const at = new Map(state.order.map((id, i) => [id, i]));
  return [...ids].sort((a, b) => fitnessOf(state, b) - fitnessOf(state, a) || at.get(a)! - at.get(b)!);
}

export function initialStep(state: SearchState, size: number): InitStep | null {
  if (size <= 1) return null;
  const component = state.candidates[state.seedId].candidate.order[0];
  return { ...newGeneration(), kind: 'init', component, base: state.seedId, count: size - 1 };
}

/** A generation that refills a population of `members` (fewer than the operators need) up to `size`. */
export function refillStep(state: SearchState, members: readonly string[], size: number, component: string): InitStep {
  return { ...newGeneration(), kind: 'refill', component, base: rankByFitness(state, members)[0], count: size - members.length };
}

export function variationRequests(state: SearchState, step: InitStep) {
  const text = state.candidates[step.base].candidate.components[step.component];
  const multi = state.candidates[state.seedId].candidate.order.length > 1;
  return Array.from({ length: step.count }, () => generateRequest(state, variationPrompt(text, multi ? step.component : undefined)));
}

export function takeVariations(state: SearchState, step: InitStep, proposals: readonly (string | null)[]): void {
  for (const text of proposals) {
    if (text === null) continue;
    const id = propose(state, { parent: step.base, component: step.component, text, origin: 'variation' });
    if (id) step.children.push(id);
  }
}

/** The members and their measured variations, best first, at most `size`. */
export function fillPopulation(state: SearchState, members: readonly string[], step: InitStep, size: number): string[] {
  const measured = step.children.filter((id) => state.candidates[id].fitness !== null);
  return rankByFitness(state, [...new Set([...members, ...measured])]).slice(0, size);
}

/** The work of an initialization or refill step. */
export function fillWork(state: SearchState<EvoPromptConfig, unknown, Population>, step: InitStep) {
  return generationWork(state, step, () => variationRequests(state, step), () => {
    state.algo.members = fillPopulation(state, state.algo.members, step, state.config.populationSize);
  });
}
