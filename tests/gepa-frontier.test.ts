/** Pareto fronts, pruning and the parent selectors on hand-made score matrices. */
import fc from 'fast-check';
import {
  addToFronts,
  buildFronts,
  createFronts,
  currentBestIndex,
  frontierWeights,
  selectParent,
  type PoolEntry,
} from '../src/core/gepa';
import { Rng } from '../src/core/random';

const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

function weightsOf(matrix: number[][]): number[] {
  return frontierWeights(buildFronts(matrix, matrix[0].length), matrix.map(mean));
}

function poolOf(matrix: number[][]): PoolEntry[] {
  return matrix.map((s, i) => ({
    candidate: { id: `c${i}`, components: { instruction: `p${i}` }, order: ['instruction'], parents: [], discoveredAtSpend: 0, iteration: i, origin: 'seed', componentPointer: 0 },
    hash: `h${i}`,
    valScores: s,
    valMean: mean(s),
  }));
}

/** The pruning rule as the spec words it: rescan from the start after every removal. */
function pruneLiterally(matrix: number[][]): number[] {
  const n = matrix.length;
  const V = matrix[0].length;
  const fronts: Array<Set<number>> = [];
  for (let v = 0; v < V; v++) {
    const best = Math.max(...matrix.map((s) => s[v]));
    fronts.push(new Set(matrix.flatMap((s, c) => (s[v] === best ? [c] : []))));
  }
  const members = [...new Set(fronts.flatMap((f) => [...f]))];
  members.sort((x, y) => mean(matrix[x]) - mean(matrix[y]) || y - x);
  const removed = new Set<number>();
  for (let found = true; found; ) {
    found = false;
    for (const c of members) {
      if (removed.has(c)) continue;
      const dominated = fronts.every((f) => !f.has(c) || [...f].some((o) => o !== c && !removed.has(o)));
      if (dominated) {
        removed.add(c);
        found = true;
        break;
      }
    }
  }
  const weights = new Array<number>(n).fill(0);
  for (const c of members) if (!removed.has(c)) weights[c] = fronts.filter((f) => f.has(c)).length;
  return weights;
}

describe('fronts', () => {
  it('keep every candidate that is the sole best somewhere', () => {
    expect(weightsOf([[1, 0, 0], [0, 1, 0], [0, 0, 1]])).toEqual([1, 1, 1]);
  });

  it('drop a candidate whose every best score is shared with one that stays', () => {
    // c1 ties c0 on v0 and on v2 (everyone has 0 there) and is never alone: pruned.
    expect(weightsOf([[1, 1, 0], [1, 0, 0]])).toEqual([3, 0]);
  });

  it('keep the earlier of two interchangeable candidates', () => {
    expect(weightsOf([[1, 0], [1, 0]])).toEqual([2, 0]);
  });

  it('prune by ascending mean: the weaker of two overlapping candidates goes first', () => {
    // c0 (mean 0.5) and c1 (mean 0.75) both hold v0; c1 alone holds v1; c2 alone holds v2.
    const m = [
      [1, 0, 0, 1],
      [1, 1, 0, 1],
      [0, 0, 1, 0],
    ];
    expect(weightsOf(m)).toEqual([0, 3, 1]);
  });

  it('match the literal rescanning rule on random matrices with many ties', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 7 }).chain((n) =>
          fc.integer({ min: 1, max: 6 }).chain((V) =>
            fc.array(fc.array(fc.constantFrom(0, 0.5, 1), { minLength: V, maxLength: V }), { minLength: n, maxLength: n }),
          ),
        ),
        (matrix) => {
          expect(weightsOf(matrix)).toEqual(pruneLiterally(matrix));
        },
      ),
      { numRuns: 300, seed: 11 },
    );
  });

  it('are the same built incrementally or at once, and track the best score per instance', () => {
    const m = [[0.2, 0.5], [0.5, 0.5], [0.1, 0.9]];
    const fronts = createFronts(2);
    m.forEach((s, i) => addToFronts(fronts, i, s));
    expect(fronts).toEqual(buildFronts(m, 2));
    expect(fronts.best).toEqual([0.5, 0.9]);
    expect(fronts.holders).toEqual([[1], [2]]);
    expect(() => addToFronts(fronts, 3, [1])).toThrow('1 scores for 2 validation instances');
  });
});

describe('parent selection', () => {
  const draws = 30000;

  function frequencies(matrix: number[][], selector: 'pareto' | 'current_best' | 'epsilon_greedy', epsilon = 0.1): number[] {
    const pool = poolOf(matrix);
    const fronts = buildFronts(matrix, matrix[0].length);
    const rng = Rng.fromSeed(3);
    const counts = new Array<number>(matrix.length).fill(0);
    for (let k = 0; k < draws; k++) counts[selectParent(selector, pool, fronts, rng, epsilon)]++;
    return counts.map((c) => c / draws);
  }

  it('pareto: in proportion to the number of instances a candidate is best on; pruned never', () => {
    const m = [
      [1, 1, 0, 0],
      [0, 0, 1, 0],
      [0.5, 0.5, 0.5, 0], // best only on the all-zero v3, which c0 and c1 share: pruned
    ];
    expect(weightsOf(m)).toEqual([3, 2, 0]);
    const f = frequencies(m, 'pareto');
    expect(f[0]).toBeCloseTo(3 / 5, 1);
    expect(f[1]).toBeCloseTo(2 / 5, 1);
    expect(f[2]).toBe(0);
  });

  it('current_best: the best mean, the earliest on ties', () => {
    expect(currentBestIndex([0.2, 0.7, 0.7, 0.1])).toBe(1);
    expect(frequencies([[0, 1], [1, 1], [1, 1]], 'current_best')).toEqual([0, 1, 0]);
  });

  it('epsilon_greedy: the best with probability 1 - epsilon, otherwise uniform', () => {
    const m = [[0], [0.5], [1], [0.2]];
    expect(frequencies(m, 'epsilon_greedy', 0)).toEqual([0, 0, 1, 0]);
    const f = frequencies(m, 'epsilon_greedy', 0.2);
    expect(f[2]).toBeCloseTo(0.8 + 0.2 / 4, 1);
    expect(f[0]).toBeCloseTo(0.05, 1);
    expect(f[0]).toBeGreaterThan(0);
  });
});
