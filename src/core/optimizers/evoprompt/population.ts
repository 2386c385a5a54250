/**
 * EvoPrompt's population: N members (paper: N = 10), filled from the seed and N - 1 variations of
 * it written by the optimizer model, ranked by fitness on the training subset (the paper's dev set).
 */
import { fitnessOf, generateRequest, propose } from '../common/engine';
import { newGeneration, type Generation } from '../common/generation';
import type { SearchState } from '../common/types';
import { variationPrompt } from './prompts';

export interface Population {
  /** Candidate ids of the members. */
  members: string[];
}

export interface InitStep extends Generation {
  kind: 'init';
  component: string;
}

/** The ids ranked by fitness, best first; ties keep the earlier candidate first. */
export function rankByFitness(state: SearchState, ids: readonly string[]): string[] {
  const at = new Map(state.order.map((id, i) => [id, i]));
  return [...ids].sort((a, b) => fitnessOf(state, b) - fitnessOf(state, a) || at.get(a)! - at.get(b)!);
}

export function initialStep(state: SearchState, size: number): InitStep | null {
  if (size <= 1) return null;
  const component = state.candidates[state.seedId].candidate.order[0];
  return { ...newGeneration(), kind: 'init', component };
}

export function variationRequests(state: SearchState, step: InitStep, size: number) {
  const seedText = state.candidates[state.seedId].candidate.components[step.component];
  const multi = state.candidates[state.seedId].candidate.order.length > 1;
  return Array.from({ length: size - 1 }, () => generateRequest(state, variationPrompt(seedText, multi ? step.component : undefined)));
}

export function takeVariations(state: SearchState, step: InitStep, proposals: readonly (string | null)[]): void {
  for (const text of proposals) {
    if (text === null) continue;
    const id = propose(state, { parent: state.seedId, component: step.component, text, origin: 'variation' });
    if (id) step.children.push(id);
  }
}

/** The first population: the seed and its measured variations, best first. */
export function fillPopulation(state: SearchState, step: InitStep, size: number): string[] {
  const measured = step.children.filter((id) => state.candidates[id].fitness !== null);
  return rankByFitness(state, [state.seedId, ...measured]).slice(0, size);
}
