/** The epoch-shuffled minibatch stream, on its own and inside the optimizer. */
import { createSampler, epochLength, initGepaState, minibatchAt, type SamplerState } from '../src/core/gepa';
import { Rng } from '../src/core/random';
import { ids, resultsFor, runWith } from './gepa-drivers';

function stream(train: string[], b: number, batches: number, seed = 1): { batches: string[][]; state: SamplerState } {
  const rng = Rng.fromSeed(seed);
  let state = createSampler();
  const out: string[][] = [];
  for (let k = 0; k < batches; k++) {
    const next = minibatchAt(state, train, b, k, rng);
    out.push(next.ids);
    state = next.state;
  }
  return { batches: out, state };
}

describe('the minibatch stream', () => {
  it('covers every id once per epoch and reshuffles at each epoch boundary', () => {
    const train = ids('t', 9);
    const { batches } = stream(train, 3, 9);
    const epochs = [batches.slice(0, 3).flat(), batches.slice(3, 6).flat(), batches.slice(6, 9).flat()];
    for (const e of epochs) expect([...e].sort()).toEqual([...train].sort());
    expect(epochs[1]).not.toEqual(epochs[0]);
    expect(epochs[2]).not.toEqual(epochs[1]);
  });

  it('pads with the least-used ids when |train| is not a multiple of b, keeping use balanced', () => {
    const train = ids('t', 10);
    expect(epochLength(10, 3)).toBe(12);
    const { batches, state } = stream(train, 3, 4 * 10); // 10 epochs of 4 batches
    for (const batch of batches) {
      expect(batch).toHaveLength(3);
      expect(new Set(batch).size).toBe(3); // padding never repeats an id inside a batch
    }
    const uses = train.map((id) => batches.flat().filter((x) => x === id).length);
    expect(uses.reduce((a, b) => a + b, 0)).toBe(120);
    expect(Math.max(...uses) - Math.min(...uses)).toBeLessThanOrEqual(1);
    expect(train.map((id) => state.useCounts[id])).toEqual(uses);
    // The first epoch's two pads are the earliest-shuffled ids (all used once so far).
    const first = batches.slice(0, 4).flat();
    expect(first.slice(10)).toEqual(first.slice(0, 2));
  });

  it('continues identically from a saved sampler and PRNG state', () => {
    const train = ids('t', 7);
    const full = stream(train, 2, 12, 5).batches;
    const rng = Rng.fromSeed(5);
    let state = createSampler();
    const resumed: string[][] = [];
    for (let k = 0; k < 5; k++) {
      const next = minibatchAt(state, train, 2, k, rng);
      resumed.push(next.ids);
      state = next.state;
    }
    const saved = JSON.parse(JSON.stringify({ state, rng: rng.state() }));
    const rng2 = new Rng(saved.rng);
    state = saved.state;
    for (let k = 5; k < 12; k++) {
      const next = minibatchAt(state, train, 2, k, rng2);
      resumed.push(next.ids);
      state = next.state;
    }
    expect(resumed).toEqual(full);
    expect(() => minibatchAt(state, train, 2, 0, rng2)).toThrow('already past');
  });
});

describe('the optimizer\'s use of the stream', () => {
  it('advances the position on skipped iterations too', () => {
    // Every score is perfect: every iteration is skipped right after the parent's minibatch.
    const train = ids('t', 6);
    const state = initGepaState({
      config: { cache: false, stop: { maxIterations: 6 } },
      seedCandidate: 'perfect',
      trainIds: train,
      valIds: ids('v', 2),
      grant: { amount: 1000, unit: 'metricCalls' },
    });
    const minibatches: string[][] = [];
    runWith(state, {
      evaluate: (a) => {
        if (a.purpose === 'parent-minibatch') minibatches.push(a.exampleIds);
        return resultsFor(a, () => 1);
      },
      reflect: () => {
        throw new Error('a skipped iteration must not reflect');
      },
    });
    expect(state.counters.skipped).toBe(6);
    expect(minibatches).toHaveLength(6);
    // Epochs of two batches of three: iterations 1-2 are epoch 0, 3-4 epoch 1, 5-6 epoch 2.
    for (const e of [0, 1, 2]) expect([...minibatches[2 * e], ...minibatches[2 * e + 1]].sort()).toEqual([...train].sort());
    expect(state.iteration).toBe(6);
  });
});
