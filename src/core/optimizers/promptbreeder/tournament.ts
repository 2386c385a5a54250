/**
 * The binary tournament of PromptBreeder (Fernando et al. 2023, sec. 3): two units drawn at
 * random compete on fitness; the loser's place is taken by a mutated copy of the winner.
 */
import type { Rng } from '../../random';

/** Two distinct unit positions; the first is the winner (higher fitness; ties: the lower position). */
export function binaryTournament(rng: Rng, fitness: readonly number[]): { winner: number; loser: number } {
  if (fitness.length < 2) throw new Error('tournament: needs at least two units');
  const a = rng.int(fitness.length);
  let b = rng.int(fitness.length - 1);
  if (b >= a) b += 1;
  const aWins = fitness[a] > fitness[b] || (fitness[a] === fitness[b] && a < b);
  return aWins ? { winner: a, loser: b } : { winner: b, loser: a };
}
