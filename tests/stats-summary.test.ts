/**
 * The paired bootstrap (determinism, width and coverage against the normal approximation) and
 * summarizeResults on hand-built results whose numbers can be counted by hand.
 */
import { Rng } from '../src/core/random';
import { pairedBootstrap, quantileSorted, summarizeResults, type ProblemResult, mcnemarExact, wilson } from '../src/core/stats';

function normalCi(d: number[]): [number, number] {
  const n = d.length;
  const mean = d.reduce((s, v) => s + v, 0) / n;
  const sd = Math.sqrt(d.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1));
  return [mean - 1.96 * sd / Math.sqrt(n), mean + 1.96 * sd / Math.sqrt(n)];
}

/** Paired binary outcomes with P(only a) = pa, P(only b) = pb, P(both) = pBoth. */
function drawPairs(rng: Rng, n: number, pa: number, pb: number, pBoth: number): { a: number[]; b: number[] } {
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < n; i++) {
    const u = rng.next();
    if (u < pa) { a.push(1); b.push(0); }
    else if (u < pa + pb) { a.push(0); b.push(1); }
    else if (u < pa + pb + pBoth) { a.push(1); b.push(1); }
    else { a.push(0); b.push(0); }
  }
  return { a, b };
}

describe('paired bootstrap', () => {
  const { a, b } = drawPairs(Rng.fromSeed('fixture'), 120, 0.2, 0.1, 0.5);

  test('same seed, same interval; another seed, a slightly different one', () => {
    const x = pairedBootstrap(a, b, { seed: 7, resamples: 2000 });
    const y = pairedBootstrap(a, b, { seed: 7, resamples: 2000 });
    const z = pairedBootstrap(a, b, { seed: 8, resamples: 2000 });
    expect(y).toEqual(x);
    expect(x.resamples).toBe(2000);
    expect([z.low, z.high]).not.toEqual([x.low, x.high]);
    expect(Math.abs(z.low - x.low)).toBeLessThan(0.02);
  });

  test('the mean is the mean paired difference, and the interval matches the normal approximation in width and centre', () => {
    const r = pairedBootstrap(a, b, { seed: 1 }) // the default 10,000 resamples;
    const d = a.map((v, i) => v - b[i]);
    expect(r.mean).toBeCloseTo(d.reduce((s, v) => s + v, 0) / d.length, 15);
    const [nl, nh] = normalCi(d);
    expect((r.high - r.low) / (nh - nl)).toBeGreaterThan(0.9);
    expect((r.high - r.low) / (nh - nl)).toBeLessThan(1.1);
    expect(Math.abs((r.low + r.high) / 2 - r.mean)).toBeLessThan(0.01);
  });

  test('coverage: about 95% of intervals from repeated samples contain the true difference', () => {
    // True difference 0.2 - 0.1 = 0.1; 200 seeded datasets of 40 problems, 400 resamples each.
    const rng = Rng.fromSeed('coverage');
    let covered = 0;
    const datasets = 200;
    for (let t = 0; t < datasets; t++) {
      const { a: x, b: y } = drawPairs(rng, 40, 0.2, 0.1, 0.4);
      const r = pairedBootstrap(x, y, { seed: t, resamples: 400 });
      if (r.low <= 0.1 && 0.1 <= r.high) covered++;
    }
    expect(covered / datasets).toBeGreaterThan(0.89);
    expect(covered / datasets).toBeLessThan(0.985);
  });

  test('identical arms give a zero-width interval at zero; bad input is refused', () => {
    expect(pairedBootstrap([1, 0, 1], [1, 0, 1], { seed: 0, resamples: 50 })).toMatchObject({ mean: 0, low: 0, high: 0 });
    expect(() => pairedBootstrap([1], [1, 0], { seed: 0 })).toThrow(/1 and 2 scores/);
    expect(() => pairedBootstrap([], [], { seed: 0 })).toThrow(/no paired problems/);
    expect(() => pairedBootstrap([1], [0], { seed: 0, resamples: 0 })).toThrow(/resamples must be a whole number >= 1, got 0/);
  });

  test('quantiles interpolate linearly between order statistics (numpy default)', () => {
    expect(quantileSorted([0, 10, 20, 30], 0.5)).toBe(15);
    expect(quantileSorted([0, 10, 20, 30], 0.025)).toBeCloseTo(0.75, 12);
    expect(quantileSorted([5], 0.975)).toBe(5);
  });
});

function row(repeat: number, arm: string, model: string, id: string, score: number, sample = 0): ProblemResult {
  return { repeat, arm, model, id, sample, score, extracted: String(score), output: `out ${id}`, feedback: '' };
}

describe('summarizeResults', () => {
  // 10 problems on model L: matched solves p0..p4, lsl solves p0..p3 and p5..p8.
  // both = 4 (p0-p3), onlyLsl = 4 (p5-p8), onlyMatched = 1 (p4), neither = 1 (p9).
  const ids = Array.from({ length: 10 }, (_, i) => `p${i}`);
  const lslSolved = new Set(['p0', 'p1', 'p2', 'p3', 'p5', 'p6', 'p7', 'p8']);
  const matchedSolved = new Set(['p0', 'p1', 'p2', 'p3', 'p4']);
  const results = [
    ...ids.map((id) => row(0, 'matched', 'L', id, matchedSolved.has(id) ? 1 : 0)),
    ...ids.map((id) => row(0, 'lsl', 'L', id, lslSolved.has(id) ? 1 : 0)),
  ];

  test('accuracy, Wilson interval, discordant counts and McNemar counted by hand; the pair reads lsl - matched', () => {
    const s = summarizeResults(results, { resamples: 500 });
    expect(s.accuracies.map((a) => [a.arm, a.accuracy, a.problems, a.solved])).toEqual([
      ['lsl', 0.8, 10, 8],
      ['matched', 0.5, 10, 5],
    ]);
    expect([s.accuracies[0].low, s.accuracies[0].high]).toEqual(wilson(8, 10));
    expect(s.accuracies[0].passAtK).toEqual([]);
    expect(s.pairs).toHaveLength(1);
    const p = s.pairs[0];
    expect(p).toMatchObject({ a: 'lsl', b: 'matched', n: 10, both: 4, onlyA: 4, onlyB: 1, neither: 1 });
    expect(p.difference).toBeCloseTo(0.3, 15);
    expect(p.mcnemarP).toBe(mcnemarExact(4, 1));
    expect(p.mcnemarP).toBeCloseTo(0.375, 15); // 2 * (1 + 5) / 32
    expect(p.low).toBeLessThan(0.3);
    expect(p.high).toBeGreaterThan(0.3);
    expect(s.overRepeats).toBeNull();
  });

  test('input order does not change the summary', () => {
    const shuffled = Rng.fromSeed(3).shuffle(results);
    expect(summarizeResults(shuffled, { resamples: 500 })).toEqual(summarizeResults(results, { resamples: 500 }));
  });

  test('no discordant problems: difference 0, interval [0, 0], p = 1', () => {
    const same = [...ids.map((id) => row(0, 'base', 'L', id, 1)), ...ids.map((id) => row(0, 'seed', 'L', id, 1))];
    const p = summarizeResults(same, { resamples: 200 }).pairs[0];
    expect(p).toMatchObject({ a: 'base', b: 'seed', difference: 0, low: 0, high: 0, onlyA: 0, onlyB: 0, mcnemarP: 1 });
  });

  test('several samples: accuracy is the mean rate, pass@k per problem averaged, solved means a majority', () => {
    // p0: 3 of 4 correct, p1: 1 of 4, p2: 0 of 4.
    const rates: Record<string, number[]> = { p0: [1, 1, 0, 1], p1: [0, 0, 1, 0], p2: [0, 0, 0, 0] };
    const rows = Object.entries(rates).flatMap(([id, scores]) => scores.map((sc, k) => row(0, 'lsl', 'S', id, sc, k)));
    const [acc] = summarizeResults(rows).accuracies;
    expect(acc.samples).toBe(4);
    expect(acc.rollouts).toBe(12);
    expect(acc.accuracy).toBeCloseTo((0.75 + 0.25 + 0) / 3, 15);
    expect(acc.solved).toBe(1);
    expect(acc.passAtK.map((x) => x.k)).toEqual([1, 2, 4]);
    expect(acc.passAtK[0].value).toBeCloseTo(acc.accuracy, 15);
    // pass@2: p0 = 1 - C(1,2)/C(4,2) = 1, p1 = 1 - C(3,2)/C(4,2) = 0.5, p2 = 0.
    expect(acc.passAtK[1].value).toBeCloseTo(0.5, 15);
    expect(acc.passAtK[2].value).toBeCloseTo(2 / 3, 15);
  });

  test('repeats: mean, sd and the sign of the difference per repeat', () => {
    const rows: ProblemResult[] = [];
    // repeat r: lsl solves 6 + r of 10 and matched solves 7 of 10 (same first problems).
    for (let r = 0; r < 3; r++) {
      ids.forEach((id, i) => {
        rows.push(row(r, 'lsl', 'L', id, i < 6 + r ? 1 : 0));
        rows.push(row(r, 'matched', 'L', id, i < 7 ? 1 : 0));
      });
    }
    const s = summarizeResults(rows, { resamples: 200 });
    const lsl = s.overRepeats!.accuracies.find((a) => a.arm === 'lsl')!;
    expect(lsl.mean).toBeCloseTo(0.7, 12);
    expect(lsl.sd).toBeCloseTo(0.1, 12);
    const d = s.overRepeats!.differences[0];
    expect([d.a, d.b, d.repeats]).toEqual(['lsl', 'matched', 3]);
    expect(d.perRepeat.map((x) => x.sign)).toEqual(['-', '0', '+']);
    expect(d.signs).toEqual({ positive: 1, negative: 1, zero: 1 });
    expect(d.mean).toBeCloseTo(0, 12);
  });

  test('pairs only arms on the same model and repeat, over the problems both have', () => {
    const rows = [
      row(0, 'lsl', 'L', 'p0', 1), row(0, 'lsl', 'L', 'p1', 0), row(0, 'lsl', 'L', 'p2', 1),
      row(0, 'base', 'L', 'p0', 0), row(0, 'base', 'L', 'p1', 0),
      row(0, 'base', 'S', 'p0', 1),
    ];
    const s = summarizeResults(rows, { resamples: 100 });
    expect(s.pairs.map((p) => [p.model, p.a, p.b, p.n, p.accuracyA, p.accuracyB])).toEqual([['L', 'lsl', 'base', 2, 0.5, 0]]);
  });

  test('pair order: later cycles before lsl, lsl before matched and base, base before seed', () => {
    const arms = ['seed', 'base', 'lsl', 'matched', 'cycles-1', 'cycles-2'];
    const rows = arms.map((arm) => row(0, arm, 'L', 'p0', 1));
    const s = summarizeResults(rows, { resamples: 10 });
    expect(s.accuracies.map((a) => a.arm)).toEqual(['seed', 'base', 'lsl', 'cycles-1', 'cycles-2', 'matched']);
    const pairs = s.pairs.map((p) => `${p.a}-${p.b}`);
    for (const expected of ['cycles-2-cycles-1', 'cycles-1-lsl', 'lsl-matched', 'lsl-base', 'base-seed', 'matched-seed']) {
      expect(pairs).toContain(expected);
    }
    expect(pairs).toHaveLength(15);
    // Sorted in pair order: the latest cycle first, and lsl - matched before lsl - base.
    expect(pairs[0]).toBe('cycles-2-cycles-1');
    expect(pairs.indexOf('lsl-matched')).toBeLessThan(pairs.indexOf('lsl-base'));
    expect(pairs[pairs.length - 1]).toBe('base-seed');
  });

  test('bad rows are refused with their index; a duplicated rollout is named', () => {
    expect(() => summarizeResults([row(0, 'lsl', 'L', 'p0', 1.2)])).toThrow(/results\[0\]\.score must be a number in \[0, 1\], got 1.2/);
    expect(() => summarizeResults([row(0, 'lsl', 'L', 'p0', 1), row(0, 'lsl', 'L', 'p0', 0)])).toThrow(
      /results\[1\] repeats repeat 0, arm lsl, model L, problem p0, sample 0/,
    );
    expect(summarizeResults([])).toMatchObject({ accuracies: [], pairs: [], overRepeats: null });
  });
});
