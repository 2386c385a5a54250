/** Merge: construction, the validation subset, acceptance, the hard cap, the zero-weight fallback. */
import {
  ancestorsOf,
  findMerge,
  frontierWeights,
  buildFronts,
  hasDesirableComponent,
  initGepaState,
  mergeComponents,
  mergeSubset,
  summarize,
  tripletKey,
  type Candidate,
  type GepaState,
  type PoolEntry,
} from '../src/core/gepa';
import { Rng } from '../src/core/random';
import { ids, resultsFor, runWith } from './gepa-drivers';

function cand(id: string, components: Record<string, string>, parents: string[] = []): Candidate {
  return { id, components, order: Object.keys(components), parents, discoveredAtSpend: 0, iteration: 0, origin: parents.length ? 'reflection' : 'seed', componentPointer: 0 };
}

function entry(c: Candidate, valScores: number[]): PoolEntry {
  return { candidate: c, hash: `h-${c.id}`, valScores, valMean: valScores.reduce((a, b) => a + b, 0) / valScores.length };
}

describe('merge construction', () => {
  const anc = cand('a', { x: 'x0', y: 'y0', z: 'z0', w: 'w0' });
  const left = cand('l', { x: 'x1', y: 'y0', z: 'zL', w: 'w0' }, ['a']);
  const right = cand('r', { x: 'x0', y: 'y1', z: 'zR', w: 'w0' }, ['a']);

  it('takes each component from the side that changed it, from the better side when both did', () => {
    expect(mergeComponents(anc, left, right, 0.6, 0.5)).toEqual({ x: 'x1', y: 'y1', z: 'zL', w: 'w0' });
    expect(mergeComponents(anc, left, right, 0.5, 0.6)).toEqual({ x: 'x1', y: 'y1', z: 'zR', w: 'w0' });
    // Equal scores: the first side.
    expect(mergeComponents(anc, left, right, 0.5, 0.5).z).toBe('zL');
  });

  it('needs a component one side kept from the ancestor and the other changed', () => {
    expect(hasDesirableComponent(anc, left, right)).toBe(true);
    const bothChanged = cand('b', { x: 'x2', y: 'y2', z: 'z2', w: 'w0' });
    const alsoChanged = cand('c', { x: 'x3', y: 'y3', z: 'z3', w: 'w0' });
    expect(hasDesirableComponent(anc, bothChanged, alsoChanged)).toBe(false);
    expect(hasDesirableComponent(anc, anc, anc)).toBe(false);
  });
});

describe('the merge validation subset', () => {
  const valIds = ids('v', 8);
  const a = [1, 1, 1, 1, 0, 0, 0.5, 0.5];
  const b = [0, 0, 0, 0, 1, 1, 0.5, 0.5];

  it('alternates ids where each parent is better, then fills with ties', () => {
    const subset = mergeSubset(valIds, a, b, 5, Rng.fromSeed(1));
    expect(subset).toHaveLength(5);
    const aWins = subset.filter((id) => a[valIds.indexOf(id)] > b[valIds.indexOf(id)]);
    const bWins = subset.filter((id) => b[valIds.indexOf(id)] > a[valIds.indexOf(id)]);
    expect([aWins.length, bWins.length]).toEqual([3, 2]);
    // Only two ids favour b: a larger subset takes both, then the rest of a's, then ties.
    const seven = mergeSubset(valIds, a, b, 7, Rng.fromSeed(1));
    expect(seven.filter((id) => ['v4', 'v5'].includes(id))).toEqual(['v4', 'v5']);
    expect(seven.filter((id) => ['v6', 'v7'].includes(id))).toHaveLength(1);
    expect(mergeSubset(valIds, a, b, 20, Rng.fromSeed(1))).toEqual(valIds);
  });

  it('differs with the PRNG only in which ids of a group it takes', () => {
    const picks = new Set<string>();
    for (let s = 0; s < 30; s++) picks.add(mergeSubset(valIds, a, b, 3, Rng.fromSeed(s)).join(','));
    expect(picks.size).toBeGreaterThan(1);
    for (const p of picks) expect(p.split(',').filter((id) => ['v4', 'v5'].includes(id))).toHaveLength(1);
  });
});

describe('finding a merge', () => {
  // c0 -> c1 -> {c2, c3}: c2 changed x, c3 changed y; both ancestors score 0 everywhere.
  const pool = [
    entry(cand('c0', { x: 'x0', y: 'y0', z: 'z0' }), [0, 0]),
    entry(cand('c1', { x: 'x0', y: 'y0', z: 'z1' }, ['c0']), [0, 0]),
    entry(cand('c2', { x: 'x1', y: 'y0', z: 'z1' }, ['c1']), [1, 0]),
    entry(cand('c3', { x: 'x0', y: 'y1', z: 'z1' }, ['c1']), [0, 1]),
  ];
  const weights = frontierWeights(buildFronts(pool.map((p) => p.valScores), 2), pool.map((p) => p.valMean));

  it('combines two frontier candidates over a common ancestor', () => {
    expect(weights).toEqual([0, 0, 1, 1]);
    const plan = findMerge(pool, weights, Rng.fromSeed(1), new Set());
    expect(plan).toMatchObject({ i: 2, j: 3, components: { x: 'x1', y: 'y1', z: 'z1' }, order: ['x', 'y', 'z'] });
    expect(ancestorsOf(pool, 3, new Map(pool.map((p, k) => [p.candidate.id, k])))).toEqual(new Set([1, 0]));
  });

  it('draws the ancestor uniformly when every ancestor weight is 0 (where the reference throws)', () => {
    const chosen = new Set<number>();
    for (let s = 0; s < 60; s++) chosen.add(findMerge(pool, weights, Rng.fromSeed(s), new Set())!.ancestor);
    expect(chosen).toEqual(new Set([0, 1]));
  });

  it('passes over triplets already tried, and pairs where one descends from the other', () => {
    const tried = new Set([0, 1].map((a) => tripletKey(pool[2].candidate, pool[3].candidate, pool[a].candidate)));
    expect(findMerge(pool, weights, Rng.fromSeed(1), tried)).toBeNull();
    const line = [pool[0], pool[1], entry(cand('c2', { x: 'x1', y: 'y0', z: 'z1' }, ['c1']), [1, 0]), entry(cand('c3', { x: 'x1', y: 'y1', z: 'z1' }, ['c2']), [0, 1])];
    const w = frontierWeights(buildFronts(line.map((p) => p.valScores), 2), line.map((p) => p.valMean));
    expect(findMerge(line, w, Rng.fromSeed(1), new Set())).toBeNull();
  });
});

// A two-component task: x helps the first three examples of every six, y the last three; each
// also costs the other group a little. Reflection raises the quality of the component it edits.
const quality = (text: string, letter: string) => Number(new RegExp(`${letter}(\\d+)`).exec(text)![1]);
function twoSkillScore(clash: boolean) {
  return (text: string, id: string) => {
    const qx = quality(text, 'X');
    const qy = quality(text, 'Y');
    const xGroup = Number(id.slice(1)) % 6 < 3;
    let s = xGroup ? 0.5 + 0.3 * qx - 0.1 * qy : 0.5 + 0.3 * qy - 0.1 * qx;
    if (clash && qx > 0 && qy > 0) s -= 0.6; // the two rules contradict each other
    return Math.max(0, Math.min(0.99, Math.round(s * 100) / 100));
  };
}

function mergeRun(seed: number, maxMerge: number, clash = false) {
  const score = twoSkillScore(clash);
  const state = initGepaState({
    config: { seed, useMerge: true, maxMerge, stop: { maxIterations: 12 } },
    seedCandidate: { components: { x: 'X0', y: 'Y0' } },
    trainIds: ids('t', 6),
    valIds: ids('v', 6),
    grant: { amount: 2000, unit: 'metricCalls' },
  });
  const subsets: Array<{ candidateId: string; text: string; ids: string[] }> = [];
  const mergeVals: Array<{ candidateId: string; ids: string[] }> = [];
  runWith(
    state,
    {
      evaluate: (a) => resultsFor(a, score),
      reflect: (a) => ({ rawText: '```\n' + a.currentText[0] + (quality(a.currentText, a.currentText[0]) + 1) + '\n```' }),
    },
    (a) => {
      if (a.kind !== 'evaluate') return;
      const text = Object.values(a.candidate.components).join(' ');
      if (a.purpose === 'merge-subset') subsets.push({ candidateId: a.candidateId, text, ids: a.exampleIds });
      if (a.purpose === 'merge-val') mergeVals.push({ candidateId: a.candidateId, ids: a.exampleIds });
    },
  );
  return { state, subsets, mergeVals, score };
}

function checkMergesAgainstLineage(state: GepaState): number {
  const pool = state.pool;
  const byId = new Map(pool.map((p, k) => [p.candidate.id, k]));
  let merges = 0;
  pool.forEach((p, k) => {
    if (p.candidate.origin !== 'merge') return;
    merges++;
    const [i, j] = p.candidate.parents.map((id) => byId.get(id)!);
    const ai = ancestorsOf(pool, i, byId);
    const aj = ancestorsOf(pool, j, byId);
    expect(ai.has(j) || aj.has(i)).toBe(false);
    expect(i).toBeLessThan(k);
    const fits = [...ai].filter((a) => aj.has(a)).some((a) =>
      pool[a].valMean <= pool[i].valMean && pool[a].valMean <= pool[j].valMean &&
      hasDesirableComponent(pool[a].candidate, pool[i].candidate, pool[j].candidate) &&
      JSON.stringify(mergeComponents(pool[a].candidate, pool[i].candidate, pool[j].candidate, pool[i].valMean, pool[j].valMean)) ===
        JSON.stringify(p.candidate.components));
    expect(fits).toBe(true);
  });
  return merges;
}

describe('merges inside the optimizer', () => {
  it('are built from the lineage, tried on 5 validation ids, accepted when they match the better parent, then fully validated', () => {
    let accepted = 0;
    for (let seed = 1; seed <= 8; seed++) {
      const { state, subsets, mergeVals, score } = mergeRun(seed, 5);
      const s = summarize(state);
      expect(checkMergesAgainstLineage(state)).toBe(s.counts.mergesAccepted);
      expect(subsets).toHaveLength(s.counts.mergesTried);
      for (const sub of subsets) {
        expect(sub.ids).toHaveLength(5);
        const merged = s.pool.find((p) => p.candidate.id === sub.candidateId);
        const validated = mergeVals.find((m) => m.candidateId === sub.candidateId);
        expect(Boolean(merged)).toBe(Boolean(validated));
        if (!merged) continue;
        // Acceptance rule: merged sum on the subset >= the better parent's sum there.
        const parentSums = merged.candidate.parents.map((pid) => {
          const parent = s.pool.find((p) => p.candidate.id === pid)!;
          return sub.ids.reduce((t, id) => t + parent.valScores[s.valIds.indexOf(id)], 0);
        });
        expect(sub.ids.reduce((t, id) => t + score(sub.text, id), 0)).toBeGreaterThanOrEqual(Math.max(...parentSums) - 1e-9);
        // The full validation asks only for the ids the subset did not cover.
        expect([...validated!.ids, ...sub.ids].sort()).toEqual([...s.valIds].sort());
        expect(merged.candidate.discoveredAtSpend).toBeGreaterThan(0);
      }
      accepted += s.counts.mergesAccepted;
    }
    expect(accepted).toBeGreaterThan(4);
  });

  it('stop at the hard cap of accepted merges', () => {
    const perSeed = [1, 2, 5, 7, 10, 11].map((seed) => [mergeRun(seed, 5).state.counters.mergesAccepted, mergeRun(seed, 1).state.counters.mergesAccepted]);
    expect(perSeed.some(([uncapped]) => uncapped >= 2)).toBe(true);
    for (const [uncapped, capped] of perSeed) expect(capped).toBe(Math.min(1, uncapped));
  });

  it('are rejected, without full validation, when the merged candidate does worse on the subset', () => {
    let tried = 0;
    for (let seed = 1; seed <= 8; seed++) {
      const { state, subsets, mergeVals } = mergeRun(seed, 5, true);
      tried += subsets.length;
      expect(mergeVals).toHaveLength(0);
      expect(state.counters.mergesAccepted).toBe(0);
      expect(state.counters.mergesTried).toBe(subsets.length);
      expect(state.pool.every((p) => p.candidate.origin !== 'merge')).toBe(true);
    }
    expect(tried).toBeGreaterThan(0);
  });

  it('never happen when merge is off', () => {
    const score = twoSkillScore(false);
    const state = initGepaState({
      config: { seed: 1, stop: { maxIterations: 12 } },
      seedCandidate: { components: { x: 'X0', y: 'Y0' } },
      trainIds: ids('t', 6),
      valIds: ids('v', 6),
      grant: { amount: 2000, unit: 'metricCalls' },
    });
    const purposes = new Set<string>();
    runWith(state, {
      evaluate: (a) => {
        purposes.add(a.purpose);
        return resultsFor(a, score);
      },
      reflect: (a) => ({ rawText: '```\n' + a.currentText[0] + (quality(a.currentText, a.currentText[0]) + 1) + '\n```' }),
    });
    expect(purposes.has('merge-subset')).toBe(false);
    expect(state.counters.accepted).toBeGreaterThan(1);
  });
});
