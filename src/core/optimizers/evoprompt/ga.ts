/**
 * EvoPrompt-GA (Guo et al. 2023, alg. 1 and fig. 1): each generation makes N children, each from
 * two parents drawn by roulette wheel and crossed over then mutated by the optimizer model;
 * the next population is the N fittest of parents and children.
 */
import { createSearchOptimizer, fitnessOf, generateRequest, propose } from '../common/engine';
import { generationWork, newGeneration, type Generation } from '../common/generation';
import type { SearchState } from '../common/types';
import { resolveEvoPromptConfig, type EvoPromptConfig } from './config';
import { fillWork, initialStep, rankByFitness, refillStep, takeVariations, type InitStep, type Population } from './population';
import { crossoverPrompt } from './prompts';
import { rouletteTwo } from './roulette';

export interface GaGeneration extends Generation {
  kind: 'generation';
  component: string;
  /** Parent pairs (candidate ids) of each request, in order. */
  pairs: Array<[string, string]>;
}

export type EvoGaStep = InitStep | GaGeneration;
export type EvoGaState = SearchState<EvoPromptConfig, EvoGaStep, Population>;

/** The component a generation rewrites: round robin over the components. */
export function componentAt(state: SearchState, iteration: number): string {
  const order = state.candidates[state.seedId].candidate.order;
  return order[(iteration - 1) % order.length];
}

export const evopromptGa = createSearchOptimizer<EvoPromptConfig, EvoGaStep, Population>({
  name: 'evoprompt-ga',
  resolveConfig: (input) => resolveEvoPromptConfig('evoprompt-ga', input),
  initAlgo: (state) => ({ members: [state.seedId] }),
  initialize: (state) => initialStep(state, state.config.populationSize),
  plannedCalls: (state) => state.config.populationSize * state.fitIds.length + state.valIds.length,
  begin(state, rng): EvoGaStep {
    const members = state.algo.members;
    const component = componentAt(state, state.iteration);
    // Too few members for the operator (variations that came back as duplicates): refill first.
    if (members.length < 2) return refillStep(state, members, state.config.populationSize, component);
    const pairs: Array<[string, string]> = [];
    {
      const fitness = members.map((id) => fitnessOf(state, id));
      for (let k = 0; k < state.config.populationSize; k++) {
        const [i, j] = rouletteTwo(rng, fitness);
        pairs.push([members[i], members[j]]);
      }
    }
    return { ...newGeneration(), kind: 'generation', component, pairs };
  },
  advance(state, step) {
    if (step.kind !== 'generation') return fillWork(state, step);
    const multi = state.candidates[state.seedId].candidate.order.length > 1;
    return generationWork(
      state,
      step,
      () => step.pairs.map(([a, b]) => generateRequest(state, crossoverPrompt(
        state.candidates[a].candidate.components[step.component],
        state.candidates[b].candidate.components[step.component],
        multi ? step.component : undefined,
      ))),
      () => {
        const measured = step.children.filter((id) => state.candidates[id].fitness !== null);
        state.algo.members = rankByFitness(state, [...state.algo.members, ...measured]).slice(0, state.config.populationSize);
      },
    );
  },
  onGenerate(state, step, proposals) {
    if (step.kind !== 'generation') return takeVariations(state, step, proposals);
    proposals.forEach((text, k) => {
      if (text === null) return;
      const [a, b] = step.pairs[k];
      const id = propose(state, { parent: a, parents: a === b ? [a] : [a, b], component: step.component, text, origin: 'crossover' });
      if (id) step.children.push(id);
    });
  },
  phaseOf: (step) => (step.kind === 'generation' ? step.phase : `${step.kind}-${step.phase}`),
});
