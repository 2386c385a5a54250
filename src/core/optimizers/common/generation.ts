/**
 * One generation of proposals, the shape every search's iteration has: the optimizer model
 * writes new instructions (one generate batch), their fitness is measured (one evaluate batch),
 * the optimizer updates its population, and the fittest child is validated when it beats every
 * validated candidate's fitness.
 */
import type { GenerateRequest } from '../../optimizer';
import { fitnessRequests, validateIfBetter, type StepWork } from './engine';
import type { SearchState } from './types';

export interface Generation {
  phase: 'generate' | 'score' | 'select' | 'validate' | 'done';
  /** New candidates of this generation, in request order. */
  children: string[];
  /** The child sent to validation, if any. */
  validated: string | null;
}

export function newGeneration(): Generation {
  return { phase: 'generate', children: [], validated: null };
}

/**
 * The next work of a generation. `requests` are the proposal prompts; `select` runs once the
 * children's fitness is known (the population update).
 */
export function generationWork(
  state: SearchState,
  gen: Generation,
  requests: () => GenerateRequest[],
  select: () => void = () => {},
): StepWork {
  const s = state;
  for (;;) {
    switch (gen.phase) {
      case 'generate':
        gen.phase = 'score';
        return { kind: 'generate', purpose: 'propose', requests: requests() };
      case 'score': {
        gen.phase = 'select';
        if (gen.children.length === 0) {
          gen.phase = 'done';
          continue;
        }
        const reqs = fitnessRequests(s, gen.children);
        if (reqs.length > 0) return { kind: 'evaluate', purpose: 'fitness', requests: reqs };
        continue;
      }
      case 'select':
        select();
        gen.phase = 'validate';
        continue;
      case 'validate': {
        gen.phase = 'done';
        const work = validateIfBetter(s, gen.children, 'validation');
        if (work && work.kind === 'evaluate') {
          gen.validated = work.requests[0].candidate.id;
          return work;
        }
        continue;
      }
      case 'done':
        return { kind: 'end', outcome: generationOutcome(s, gen) };
    }
  }
}

/**
 * Why the generation ended: a child entered the validated pool; none beat the best fitness; the
 * model gave nothing new (failed, unreadable or duplicate replies); or the grant ran out first.
 */
export function generationOutcome(state: SearchState, gen: Generation): string {
  if (gen.validated !== null && state.candidates[gen.validated].poolIndex !== null) return 'validated';
  if (gen.children.length === 0) return 'no-new-instruction';
  if (state.budgetOut) return 'out-of-budget';
  return 'not-better';
}
