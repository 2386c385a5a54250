/**
 * Merge (system-aware crossover): two frontier candidates that descend from a common ancestor
 * along different lines are combined component by component, each component taken from the
 * side that changed it relative to the ancestor.
 */
import type { Rng } from '../random';
import { candidateHash } from './candidate';
import type { Candidate, PoolEntry } from './types';

/** How many random pairs are tried before giving up on finding a merge this iteration. */
const PAIR_ATTEMPTS = 10;

export interface MergePlan {
  i: number;
  j: number;
  ancestor: number;
  components: Record<string, string>;
  order: string[];
  hash: string;
  triplet: string;
}

/** Pool indexes of all ancestors of pool candidate `index` (not itself). */
export function ancestorsOf(pool: readonly PoolEntry[], index: number, indexById: ReadonlyMap<string, number>): Set<number> {
  const seen = new Set<number>();
  const stack = [...pool[index].candidate.parents];
  while (stack.length > 0) {
    const id = stack.pop()!;
    const k = indexById.get(id);
    if (k === undefined || seen.has(k)) continue;
    seen.add(k);
    stack.push(...pool[k].candidate.parents);
  }
  return seen;
}

/** True when some component was kept from the ancestor by one side and changed by the other. */
export function hasDesirableComponent(ancestor: Candidate, a: Candidate, b: Candidate): boolean {
  return ancestor.order.some((name) => {
    const t = ancestor.components[name];
    const x = a.components[name];
    const y = b.components[name];
    return (t === x || t === y) && x !== y;
  });
}

/**
 * The merged components: from the side that changed a component; when both changed it
 * differently, from the side with the better mean validation score (ties: `a`).
 */
export function mergeComponents(
  ancestor: Candidate,
  a: Candidate,
  b: Candidate,
  meanA: number,
  meanB: number,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of ancestor.order) {
    const t = ancestor.components[name];
    const x = a.components[name];
    const y = b.components[name];
    if (x === y) out[name] = x;
    else if (t === x) out[name] = y;
    else if (t === y) out[name] = x;
    else out[name] = meanB > meanA ? y : x;
  }
  return out;
}

/**
 * Looks for a merge among the frontier's candidates: a random pair, neither an ancestor of the
 * other, with a common ancestor no better than either that has a desirable component; the
 * ancestor is drawn weighted by its mean score (uniformly when all weights are 0). Triplets
 * already tried and merges equal to a pool candidate are passed over. Null when none is found.
 */
export function findMerge(pool: readonly PoolEntry[], weights: readonly number[], rng: Rng, tried: ReadonlySet<string>): MergePlan | null {
  const frontier: number[] = [];
  weights.forEach((w, i) => { if (w > 0) frontier.push(i); });
  if (frontier.length < 2 || pool.length < 3) return null;
  const indexById = new Map(pool.map((p, i) => [p.candidate.id, i]));
  const hashes = new Set(pool.map((p) => p.hash));
  const triedNow = new Set(tried);
  for (let attempt = 0; attempt < PAIR_ATTEMPTS; attempt++) {
    const x = rng.int(frontier.length);
    let y = rng.int(frontier.length - 1);
    if (y >= x) y++;
    const i = Math.min(frontier[x], frontier[y]);
    const j = Math.max(frontier[x], frontier[y]);
    const ancI = ancestorsOf(pool, i, indexById);
    const ancJ = ancestorsOf(pool, j, indexById);
    if (ancI.has(j) || ancJ.has(i)) continue;
    const ci = pool[i].candidate;
    const cj = pool[j].candidate;
    const mi = pool[i].valMean;
    const mj = pool[j].valMean;
    const options = [...ancI]
      .filter((k) => ancJ.has(k))
      .sort((p, q) => p - q)
      .filter((k) => {
        const a = pool[k];
        return !triedNow.has(tripletKey(ci, cj, a.candidate)) && a.valMean <= mi && a.valMean <= mj &&
          hasDesirableComponent(a.candidate, ci, cj);
      });
    if (options.length === 0) continue;
    const k = options[rng.weightedIndex(options.map((o) => Math.max(0, pool[o].valMean)))];
    const anc = pool[k].candidate;
    const triplet = tripletKey(ci, cj, anc);
    triedNow.add(triplet);
    const components = mergeComponents(anc, ci, cj, mi, mj);
    const order = [...anc.order];
    const hash = candidateHash({ components, order });
    if (hashes.has(hash)) continue;
    return { i, j, ancestor: k, components, order, hash, triplet };
  }
  return null;
}

export function tripletKey(a: Candidate, b: Candidate, ancestor: Candidate): string {
  return `${a.id}+${b.id}<${ancestor.id}`;
}

/**
 * `size` validation ids where the two parents disagree most usefully: alternately one where
 * `a` scores higher and one where `b` does, then ties; returned in validation order.
 */
export function mergeSubset(
  valIds: readonly string[],
  scoresA: readonly number[],
  scoresB: readonly number[],
  size: number,
  rng: Rng,
): string[] {
  const aBetter: number[] = [];
  const bBetter: number[] = [];
  const ties: number[] = [];
  for (let v = 0; v < valIds.length; v++) {
    if (scoresA[v] > scoresB[v]) aBetter.push(v);
    else if (scoresB[v] > scoresA[v]) bBetter.push(v);
    else ties.push(v);
  }
  const qa = rng.shuffle(aBetter);
  const qb = rng.shuffle(bBetter);
  const qt = rng.shuffle(ties);
  const chosen: number[] = [];
  while (chosen.length < size && (qa.length > 0 || qb.length > 0)) {
    if (qa.length > 0) chosen.push(qa.shift()!);
    if (chosen.length < size && qb.length > 0) chosen.push(qb.shift()!);
  }
  while (chosen.length < size && qt.length > 0) chosen.push(qt.shift()!);
  return chosen.sort((p, q) => p - q).map((v) => valIds[v]);
}
