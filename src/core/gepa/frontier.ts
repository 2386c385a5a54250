/**
 * The Pareto frontier over validation instances and the parent selectors.
 *
 * For each validation instance the front is the set of pool candidates with the best score on
 * it (ties included). Pruning removes candidates that are never needed: scanning by ascending
 * mean validation score, a candidate is dropped when every front it is in still holds another
 * remaining candidate. Fronts only shrink as candidates are dropped, so a candidate kept once
 * stays kept; one ascending pass gives the same result as restarting the scan after each drop.
 * Parent selection over these weights is in strategies.ts.
 */
import type { Fronts } from './types';

export function createFronts(valCount: number): Fronts {
  // `best` is meaningful only where `holders` is non-empty (0 keeps the state JSON-clean).
  return { best: new Array<number>(valCount).fill(0), holders: Array.from({ length: valCount }, () => []) };
}

/** Adds pool candidate `index` with its per-instance scores to the fronts. */
export function addToFronts(fronts: Fronts, index: number, scores: readonly number[]): void {
  if (scores.length !== fronts.best.length) {
    throw new Error(`fronts: ${scores.length} scores for ${fronts.best.length} validation instances`);
  }
  for (let v = 0; v < scores.length; v++) {
    const s = scores[v];
    if (fronts.holders[v].length === 0 || s > fronts.best[v]) {
      fronts.best[v] = s;
      fronts.holders[v] = [index];
    } else if (s === fronts.best[v]) {
      fronts.holders[v].push(index);
    }
  }
}

/** Rebuilds fronts from scratch (used by tests to check the incremental version). */
export function buildFronts(scores: readonly (readonly number[])[], valCount: number): Fronts {
  const fronts = createFronts(valCount);
  scores.forEach((s, i) => addToFronts(fronts, i, s));
  return fronts;
}

/**
 * Weight of every pool candidate after pruning: the number of instances whose pruned front
 * holds it (0 for pruned candidates). `means[i]` is candidate i's mean validation score.
 */
export function frontierWeights(fronts: Fronts, means: readonly number[]): number[] {
  const n = means.length;
  const frontsOf: number[][] = Array.from({ length: n }, () => []);
  const remaining = new Array<number>(fronts.holders.length);
  for (let v = 0; v < fronts.holders.length; v++) {
    const h = fronts.holders[v];
    remaining[v] = h.length;
    for (const c of h) frontsOf[c].push(v);
  }
  const members: number[] = [];
  for (let c = 0; c < n; c++) if (frontsOf[c].length > 0) members.push(c);
  // Ascending mean; among equal means the newer candidate is considered (and dropped) first,
  // so of two interchangeable candidates the earlier one stays, as for the best candidate.
  members.sort((x, y) => means[x] - means[y] || y - x);
  const dropped = new Uint8Array(n);
  for (const c of members) {
    let needed = false;
    for (const v of frontsOf[c]) {
      if (remaining[v] < 2) {
        needed = true;
        break;
      }
    }
    if (!needed) {
      dropped[c] = 1;
      for (const v of frontsOf[c]) remaining[v] -= 1;
    }
  }
  const weights = new Array<number>(n).fill(0);
  for (const c of members) if (!dropped[c]) weights[c] = frontsOf[c].length;
  return weights;
}

/** Index of the best mean (ties: earliest). */
export function currentBestIndex(means: readonly number[]): number {
  let best = 0;
  for (let i = 1; i < means.length; i++) if (means[i] > means[best]) best = i;
  return best;
}
