/**
 * Roulette-wheel selection (EvoPrompt's GA, Guo et al. 2023, sec. 3.2): a member is picked with
 * probability proportional to its fitness; uniform when every fitness is zero.
 */
import type { Rng } from '../../random';

/** Two distinct positions of `fitness`, each drawn by roulette wheel (the second among the rest). */
export function rouletteTwo(rng: Rng, fitness: readonly number[]): [number, number] {
  if (fitness.length < 2) throw new Error('roulette: needs at least two members');
  const first = rng.weightedIndex(fitness);
  const rest = fitness.map((f, i) => (i === first ? 0 : Math.max(0, f)));
  const restIdx = fitness.map((_, i) => i).filter((i) => i !== first);
  const second = rest.some((w) => w > 0) ? rng.weightedIndex(rest) : restIdx[rng.int(restIdx.length)];
  return [first, second];
}
