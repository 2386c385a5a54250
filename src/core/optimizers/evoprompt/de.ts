/**
 * EvoPrompt-DE (Guo et al. 2023, alg. 1 and fig. 2): each generation visits every member p_i,
 * draws two other members as donors, and asks the optimizer model to mutate the parts where the
 * donors differ, combine them with the current best, and cross the result over with p_i; the
 * child replaces p_i when it is fitter.
 */
import { createSearchOptimizer, fitnessOf, generateRequest, propose } from '../common/engine';
import { generationWork, newGeneration, type Generation } from '../common/generation';
import type { SearchState } from '../common/types';
import { resolveEvoPromptConfig, type EvoPromptConfig } from './config';
import { componentAt } from './ga';
import { fillWork, initialStep, rankByFitness, refillStep, takeVariations, type InitStep, type Population } from './population';
import { differentialPrompt } from './prompts';

export interface DeGeneration extends Generation {
  kind: 'generation';
  component: string;
  /** Per member (in population order): [base p_i, donor 1, donor 2, best]. */
  plans: Array<[string, string, string, string]>;
  /** Child id per plan, or null when that request gave nothing new. */
  childOf: Array<string | null>;
}

export type EvoDeStep = InitStep | DeGeneration;
export type EvoDeState = SearchState<EvoPromptConfig, EvoDeStep, Population>;

export const evopromptDe = createSearchOptimizer<EvoPromptConfig, EvoDeStep, Population>({
  name: 'evoprompt-de',
  resolveConfig: (input) => resolveEvoPromptConfig('evoprompt-de', input),
  initAlgo: (state) => ({ members: [state.seedId] }),
  initialize: (state) => initialStep(state, state.config.populationSize),
  plannedCalls: (state) => state.algo.members.length * state.fitIds.length + state.valIds.length,
  begin(state, rng): EvoDeStep {
    const members = state.algo.members;
    const component = componentAt(state, state.iteration);
    // Too few members for the operator (variations that came back as duplicates): refill first.
    if (members.length < 3) return refillStep(state, members, state.config.populationSize, component);
    const best = rankByFitness(state, members)[0];
    const plans: DeGeneration['plans'] = [];
    {
      for (const base of members) {
        const others = rng.shuffle(members.filter((m) => m !== base));
        plans.push([base, others[0], others[1], best]);
      }
    }
    return { ...newGeneration(), kind: 'generation', component, plans, childOf: [] };
  },
  advance(state, step) {
    if (step.kind !== 'generation') return fillWork(state, step);
    const text = (id: string) => state.candidates[id].candidate.components[step.component];
    const multi = state.candidates[state.seedId].candidate.order.length > 1;
    return generationWork(
      state,
      step,
      () => step.plans.map(([base, d1, d2, best]) => generateRequest(state, differentialPrompt({
        donor1: text(d1), donor2: text(d2), best: text(best), base: text(base), component: multi ? step.component : undefined,
      }))),
      () => {
        // Each child competes only with the member it was made from.
        state.algo.members = state.algo.members.map((member) => {
          const k = step.plans.findIndex((p) => p[0] === member);
          const child = k < 0 ? null : step.childOf[k];
          if (child === null || state.candidates[child].fitness === null) return member;
          return fitnessOf(state, child) > fitnessOf(state, member) ? child : member;
        });
      },
    );
  },
  onGenerate(state, step, proposals) {
    if (step.kind !== 'generation') return takeVariations(state, step, proposals);
    step.childOf = proposals.map((text, k) => {
      if (text === null) return null;
      const [base, d1, d2, best] = step.plans[k];
      const id = propose(state, { parent: base, parents: [...new Set([base, best, d1, d2])], component: step.component, text, origin: 'differential' });
      if (id) step.children.push(id);
      return id;
    });
  },
  phaseOf: (step) => (step.kind === 'generation' ? step.phase : `${step.kind}-${step.phase}`),
});
