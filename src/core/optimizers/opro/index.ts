/**
 * OPRO (Yang et al. 2023, "Large Language Models as Optimizers", arXiv:2309.03409) as an
 * optimizer: each step shows the optimizer model the best instructions so far with their scores
 * and a few task exemplars, samples several new instructions from it, measures their fitness on
 * the training subset, and keeps them in the trajectory; the fittest new one is validated when
 * it beats every validated candidate.
 *
 * The paper's defaults (sec. 5.1): 8 instructions per step at optimizer temperature 1.0, the 20
 * best instructions in the meta-prompt, 3 exemplars sampled from the training set at each step,
 * scores on a training subset, up to 200 steps. Here the stage's grant ends the run; set
 * `stop.maxIterations: 200` for the paper's step limit. With several components, step t
 * rewrites component t mod n of the fittest candidate.
 */
import { z } from 'zod';
import { commonFields, parseOptimizerConfig } from '../common/config';
import { createSearchOptimizer, propose, generateRequest } from '../common/engine';
import { generationWork, newGeneration, type Generation } from '../common/generation';
import type { SearchConfigBase, SearchState } from '../common/types';
import { buildMetaPrompt, trajectory, type Exemplar } from './meta-prompt';

export interface OproConfig extends SearchConfigBase {
  /** Instructions sampled per step (paper: 8). */
  proposalsPerStep: number;
  /** Instructions shown in the meta-prompt (paper: 20). */
  maxInstructions: number;
  /** Task exemplars per meta-prompt (paper: 3). */
  exemplars: number;
}

const schema = z.strictObject({
  ...commonFields,
  proposalsPerStep: z.int().min(1).max(64).default(8),
  maxInstructions: z.int().min(1).default(20),
  exemplars: z.int().min(0).default(3),
});

export interface OproStep extends Generation {
  component: string;
  /** The fittest candidate when the step began: proposals replace one of its components. */
  base: string;
  prompt: string;
}

export type OproState = SearchState<OproConfig, OproStep, Record<string, never>>;

/** The fittest measured candidate (ties: the earliest). */
function fittestOverall(state: SearchState): string {
  let best = state.seedId;
  for (const id of state.order) {
    const f = state.candidates[id].fitness;
    if (f !== null && f > (state.candidates[best].fitness ?? -Infinity)) best = id;
  }
  return best;
}

export const opro = createSearchOptimizer<OproConfig, OproStep, Record<string, never>>({
  name: 'opro',
  resolveConfig: (input) => parseOptimizerConfig('opro', schema, input) as OproConfig,
  initAlgo: () => ({}),
  plannedCalls: (state) => state.config.proposalsPerStep * state.fitIds.length + state.valIds.length,
  begin(state, rng) {
    const base = fittestOverall(state);
    const order = state.candidates[base].candidate.order;
    const component = order[(state.iteration - 1) % order.length];
    const scored = state.order
      .map((id) => state.candidates[id])
      .filter((c) => c.fitness !== null)
      .map((c) => ({ text: c.candidate.components[component], score: c.fitness! }));
    // Exemplars: problems with a known right solution first, drawn at random each step.
    const known = state.fitIds.filter((id) => state.examples[id]);
    const withSolution = rng.shuffle(known.filter((id) => state.examples[id].correct));
    const without = rng.shuffle(known.filter((id) => !state.examples[id].correct));
    const exemplars: Exemplar[] = [...withSolution, ...without].slice(0, state.config.exemplars)
      .map((id) => ({ input: state.examples[id].input, solution: state.examples[id].correct }));
    const prompt = buildMetaPrompt({
      instructions: trajectory(scored, state.config.maxInstructions),
      exemplars,
      component: order.length > 1 ? component : undefined,
    });
    return { ...newGeneration(), component, base, prompt };
  },
  advance: (state, step) =>
    generationWork(state, step, () => Array.from({ length: state.config.proposalsPerStep }, () => generateRequest(state, step.prompt))),
  onGenerate(state, step, proposals) {
    for (const text of proposals) {
      if (text === null) continue;
      const id = propose(state, { parent: step.base, component: step.component, text, origin: 'meta-prompt' });
      if (id) step.children.push(id);
    }
  },
  phaseOf: (step) => step.phase,
});
