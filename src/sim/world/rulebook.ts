/** Shared pieces of every kind's rulebook: coverage, trap construction, answer-format choices. */
import type { Rng } from '../../core/random';
import { mentions } from '../text';
import type { FormatRule, Trap, WorldKind } from './types';

/** True when the lower-cased instruction states the trap's rule (mentions one of its keywords). */
export function covers(instructionLower: string, rule: Trap | FormatRule): boolean {
  return rule.keywords.some((k) => mentions(instructionLower, k));
}

/** A trap spec as the kind modules write it, with its detector over the instance's text. */
export interface TrapSpec<C> extends Omit<Trap, 'kind'> {
  detect(ctx: C): boolean;
}

export function trapsOf<C>(kind: WorldKind, specs: readonly TrapSpec<C>[]): { traps: Trap[]; detect(ctx: C): Trap[] } {
  const traps: Trap[] = specs.map(({ detect: _detect, ...t }) => ({ ...t, kind }));
  return {
    traps,
    detect: (ctx) => traps.filter((_, i) => specs[i].detect(ctx)),
  };
}

/** Picks one item; `weights` default to equal. */
export function pick<T>(rng: Rng, items: readonly T[], weights?: readonly number[]): T {
  return items[weights ? rng.weightedIndex(weights) : rng.int(items.length)];
}

/** Ways a model states a final answer when nobody asked for a format: extraction of `#### N` / `\boxed{}` fails on all. */
export const OFF_FORMAT_ENDINGS: readonly ((answer: string) => string)[] = [
  (a) => `The answer is ${a}.`,
  (a) => `Final answer: ${a}`,
  (a) => `**Answer:** ${a}`,
  (a) => `So the final answer is ${a}.`,
];
