/**
 * PromptBreeder (Fernando et al. 2023, arXiv:2309.16797) as an optimizer: a population of units,
 * each a task prompt (a candidate) with its own mutation prompt, evolved by binary tournament.
 * One iteration is one tournament: the loser's place goes to the winner's task prompt changed by
 * a mutation operator drawn uniformly (operators.ts lists the subset and what is left out), and
 * a hypermutation also changes the mutation prompt the new unit carries.
 *
 * Initialization as in the paper: each unit's task prompt is written by the optimizer model from
 * a random mutation prompt, a random thinking style and the problem description (here: the seed
 * instruction, which also stays in the population as one unit).
 *
 * Departures, and why: fitness is measured on one fixed training subset rather than a fresh
 * random batch per evaluation, so every fitness compares like with like and a known program is
 * never scored twice; one task prompt per unit (the paper's units can hold two, applied in
 * sequence), because our candidates are single instructions per component; the paper's
 * population of 50 units is an option (`populationSize`), 10 by default, because initializing a
 * unit costs |F| metric calls of the stage's grant.
 */
import { z } from 'zod';
import type { Rng } from '../../random';
import { commonFields, parseOptimizerConfig } from '../common/config';
import { createSearchOptimizer, fitnessOf, generateRequest, propose } from '../common/engine';
import { generationWork, newGeneration, type Generation } from '../common/generation';
import type { SearchConfigBase, SearchState } from '../common/types';
import { MUTATION_PROMPTS } from './mutation-prompts';
import {
  edaPrompt, firstOrderHyperPrompt, firstOrderPrompt, initialPrompt, lamarckianPrompt, OPERATORS, zeroOrderHyperPrompt,
  zeroOrderPrompt, type Operator,
} from './operators';
import { THINKING_STYLES } from './thinking-styles';
import { binaryTournament } from './tournament';

export interface PromptBreederConfig extends SearchConfigBase {
  /** Units in the population (paper: 50). */
  populationSize: number;
  /** Operators drawn from, uniformly (all six by default). */
  operators: Operator[];
  /** Correct working-outs shown to the Lamarckian operator. */
  lamarckianExamples: number;
  /** Task prompts shown to the EDA operator at most. */
  edaPrompts: number;
}

const schema = z.strictObject({
  ...commonFields,
  populationSize: z.int().min(2).max(100).default(10),
  operators: z.array(z.enum(OPERATORS)).min(1).default([...OPERATORS]),
  lamarckianExamples: z.int().min(1).max(10).default(2),
  edaPrompts: z.int().min(2).max(50).default(10),
});

export interface Unit {
  candidate: string;
  mutationPrompt: string;
}

export interface PbAlgo {
  units: Unit[];
}

/** New units written from the problem description: at the start, or when fewer than two are left. */
export interface PbInit extends Generation {
  kind: 'init' | 'refill';
  component: string;
  /** The mutation prompt and thinking style of each initialization request. */
  seeds: Array<{ mutationPrompt: string; thinkingStyle: string }>;
  /** Unit per child, by child id. */
  unitOf: Record<string, string>;
}

export interface PbTournament extends Generation {
  kind: 'tournament';
  component: string;
  winner: number;
  loser: number;
  operator: Operator;
  /** For the hypermutations: whether the new mutation prompt has been written, and its text. */
  hyperDone: boolean;
  mutationPrompt: string;
  /** Thinking style for the zero-order hypermutation; working-outs for the Lamarckian operator. */
  thinkingStyle: string;
  workings: string[];
}

export type PbStep = PbInit | PbTournament;
export type PromptBreederState = SearchState<PromptBreederConfig, PbStep, PbAlgo>;

function componentAt(state: SearchState, iteration: number): string {
  const order = state.candidates[state.seedId].candidate.order;
  return order[(iteration - 1) % order.length];
}

function description(state: SearchState, component: string): string {
  return state.candidates[state.seedId].candidate.components[component];
}

/** The population's task prompts with repeats (by normalized text) removed, in unit order. */
function distinctPrompts(state: PromptBreederState, component: string): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const u of state.algo.units) {
    const text = state.candidates[u.candidate].candidate.components[component];
    const key = text.toLowerCase().replace(/\s+/g, ' ').trim();
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(text);
  }
  return out;
}

function tournamentPrompt(state: PromptBreederState, step: PbTournament): string {
  const multi = state.candidates[state.seedId].candidate.order.length > 1 ? step.component : undefined;
  const winner = state.algo.units[step.winner];
  const taskPrompt = state.candidates[winner.candidate].candidate.components[step.component];
  switch (step.operator) {
    case 'zero-order': return zeroOrderPrompt(description(state, step.component), multi);
    case 'eda': return edaPrompt(distinctPrompts(state, step.component).slice(0, state.config.edaPrompts), multi);
    case 'lamarckian':
      return lamarckianPrompt(step.workings.map((id) => ({ input: state.examples[id].input, solution: state.examples[id].correct! })), multi);
    default: return firstOrderPrompt(step.mutationPrompt, taskPrompt, multi);
  }
}

function populate(state: PromptBreederState, rng: Rng, kind: PbInit['kind'], count: number, component: string): PbInit {
  const seeds = Array.from({ length: count }, () => ({
    mutationPrompt: MUTATION_PROMPTS[rng.int(MUTATION_PROMPTS.length)],
    thinkingStyle: THINKING_STYLES[rng.int(THINKING_STYLES.length)],
  }));
  return { ...newGeneration(), kind, component, seeds, unitOf: {} };
}

export const promptBreeder = createSearchOptimizer<PromptBreederConfig, PbStep, PbAlgo>({
  name: 'promptbreeder',
  resolveConfig: (input) => parseOptimizerConfig('promptbreeder', schema, input) as PromptBreederConfig,
  initAlgo: () => ({ units: [] }),
  initialize(state, rng): PbInit {
    state.algo.units = [{ candidate: state.seedId, mutationPrompt: MUTATION_PROMPTS[rng.int(MUTATION_PROMPTS.length)] }];
    return populate(state, rng, 'init', state.config.populationSize - 1, state.candidates[state.seedId].candidate.order[0]);
  },
  plannedCalls: (state) => state.fitIds.length + state.valIds.length,
  begin(state, rng): PbStep {
    const component = componentAt(state, state.iteration);
    const units = state.algo.units;
    // Too few units for a tournament (initial prompts that came back as duplicates): write new ones first.
    if (units.length < 2) return populate(state, rng, 'refill', state.config.populationSize - units.length, component);
    const base = { ...newGeneration(), kind: 'tournament' as const, component, hyperDone: false, thinkingStyle: '', workings: [] as string[] };
    const { winner, loser } = binaryTournament(rng, units.map((u) => fitnessOf(state, u.candidate)));
    let operator = state.config.operators[rng.int(state.config.operators.length)];
    const solved = state.fitIds.filter((id) => state.examples[id]?.correct);
    if (operator === 'eda' && distinctPrompts(state, component).length < 2) operator = 'first-order';
    if (operator === 'lamarckian' && solved.length === 0) operator = 'first-order';
    const step: PbTournament = { ...base, winner, loser, operator, mutationPrompt: units[winner].mutationPrompt };
    if (operator === 'zero-order-hyper') step.thinkingStyle = THINKING_STYLES[rng.int(THINKING_STYLES.length)];
    if (operator === 'lamarckian') step.workings = rng.shuffle(solved).slice(0, state.config.lamarckianExamples);
    return step;
  },
  advance(state, step) {
    if (step.kind !== 'tournament') {
      const multi = state.candidates[state.seedId].candidate.order.length > 1 ? step.component : undefined;
      return generationWork(
        state,
        step,
        () => step.seeds.map((s) => generateRequest(state, initialPrompt(s.mutationPrompt, s.thinkingStyle, description(state, step.component), multi))),
        () => {
          step.children.forEach((id) => {
            if (state.candidates[id].fitness !== null) state.algo.units.push({ candidate: id, mutationPrompt: step.unitOf[id] });
          });
        },
      );
    }
    const hyper = step.operator === 'zero-order-hyper' || step.operator === 'first-order-hyper';
    if (hyper && !step.hyperDone) {
      const prompt = step.operator === 'zero-order-hyper'
        ? zeroOrderHyperPrompt(step.thinkingStyle, description(state, step.component))
        : firstOrderHyperPrompt(step.mutationPrompt);
      return { kind: 'generate', purpose: 'hypermutation', requests: [generateRequest(state, prompt)] };
    }
    return generationWork(state, step, () => [generateRequest(state, tournamentPrompt(state, step))], () => {
      const child = step.children[0];
      // The loser is overwritten by the mutated copy of the winner, fitter or not (the paper's rule).
      if (child !== undefined && state.candidates[child].fitness !== null) {
        state.algo.units[step.loser] = { candidate: child, mutationPrompt: step.mutationPrompt };
      }
    });
  },
  onGenerate(state, step, proposals) {
    if (step.kind !== 'tournament') {
      proposals.forEach((text, k) => {
        if (text === null) return;
        const id = propose(state, { parent: state.seedId, component: step.component, text, origin: 'initial' });
        if (id) {
          step.children.push(id);
          step.unitOf[id] = step.seeds[k].mutationPrompt;
        }
      });
      return;
    }
    const hyper = step.operator === 'zero-order-hyper' || step.operator === 'first-order-hyper';
    if (hyper && !step.hyperDone) {
      step.hyperDone = true;
      if (proposals[0] !== null) step.mutationPrompt = proposals[0];
      return;
    }
    const text = proposals[0];
    if (text === null) return;
    const winner = state.algo.units[step.winner].candidate;
    const id = propose(state, { parent: winner, component: step.component, text, origin: step.operator });
    if (id) step.children.push(id);
  },
  phaseOf: (step) => (step.kind === 'tournament' ? `${step.operator}-${step.phase}` : `${step.kind}-${step.phase}`),
});

export { OPERATORS, type Operator } from './operators';
export { binaryTournament } from './tournament';
export { MUTATION_PROMPTS } from './mutation-prompts';
export { THINKING_STYLES } from './thinking-styles';
