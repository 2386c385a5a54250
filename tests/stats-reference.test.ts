/**
 * The statistics against values computed independently, once, by statsmodels / scipy / exact
 * rational arithmetic (scripts/stats-reference/make_reference.py -> tests/fixtures/stats/reference.json),
 * plus the edge cases a stopped or tiny run produces.
 */
import fc from 'fast-check';
import reference from './fixtures/stats/reference.json';
import { accuracy, mcnemarExact, meanAndSd, passAtK, wilson, signOf, countSigns, reportedKs } from '../src/core/stats';

function closeTo(actual: number, expected: number, rel = 1e-9): void {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(rel * Math.max(1e-300, Math.abs(expected)) + 1e-15);
}

describe('Wilson interval vs statsmodels proportion_confint(method="wilson")', () => {
  test.each(reference.wilson)('$correct of $n at alpha $alpha', ({ correct, n, z, low, high }) => {
    const [l, h] = wilson(correct, n, z);
    closeTo(l, low);
    closeTo(h, high);
  });

  test('Newcombe (1998) textbook example: 81 of 263 gives 0.2553 to 0.3662', () => {
    const [l, h] = wilson(81, 263);
    expect(l.toFixed(4)).toBe('0.2553');
    expect(h.toFixed(4)).toBe('0.3662');
  });

  test('edge cases: n = 0 is the whole unit interval; all or none correct touch 1 or 0 exactly', () => {
    expect(wilson(0, 0)).toEqual([0, 1]);
    expect(wilson(30, 30)[1]).toBe(1);
    expect(wilson(30, 30)[0]).toBeGreaterThan(0.88);
    expect(wilson(0, 30)[0]).toBe(0);
    expect(wilson(0, 30)[1]).toBeLessThan(0.12);
  });

  test('fractional successes (mean rate of several samples) interpolate between neighbours', () => {
    const [l, h] = wilson(7.5, 20);
    expect(l).toBeGreaterThan(wilson(7, 20)[0]);
    expect(h).toBeLessThan(wilson(8, 20)[1]);
  });

  test('bad input names the argument', () => {
    expect(() => wilson(5, 3)).toThrow(/correct must be in \[0, n=3\], got 5/);
    expect(() => wilson(1, -1)).toThrow(/n must be a number >= 0/);
    expect(() => wilson(1, 2, 0)).toThrow(/z must be a positive number/);
  });

  test('property: the interval lies in [0, 1] and contains the observed proportion', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5000 }), fc.double({ min: 0, max: 1, noNaN: true }), (n, f) => {
        const c = Math.round(f * n);
        const [l, h] = wilson(c, n);
        return l >= 0 && h <= 1 && l <= c / n + 1e-12 && h >= c / n - 1e-12 && l < h;
      }),
    );
  });
});

describe('exact McNemar vs statsmodels mcnemar(exact=True) and scipy binomtest', () => {
  test.each(reference.mcnemar)('b=$b c=$c', ({ b, c, p, scipyBinomtestP }) => {
    const ours = mcnemarExact(b, c);
    if (p === 0) expect(ours).toBeLessThan(1e-300);
    else closeTo(ours, p, 1e-9);
    if (scipyBinomtestP > 1e-300) closeTo(ours, scipyBinomtestP, 1e-9);
  });

  test('no discordant pairs gives p = 1; the test is symmetric in b and c', () => {
    expect(mcnemarExact(0, 0)).toBe(1);
    fc.assert(fc.property(fc.nat(400), fc.nat(400), (b, c) => mcnemarExact(b, c) === mcnemarExact(c, b)));
  });

  test('bad counts are refused', () => {
    expect(() => mcnemarExact(-1, 2)).toThrow(/b must be a whole number >= 0, got -1/);
    expect(() => mcnemarExact(1, 2.5)).toThrow(/c must be a whole number >= 0, got 2.5/);
  });
});

describe('pass@k vs the exact rational value and Chen et al.\'s numpy formula', () => {
  test.each(reference.passAtK)('n=$n c=$c k=$k', ({ n, c, k, exact, numpy }) => {
    closeTo(passAtK(n, c, k), exact, 1e-12);
    closeTo(passAtK(n, c, k), numpy, 1e-12);
  });

  test('with k = 1 it is the fraction correct; all correct gives 1; none gives 0', () => {
    expect(passAtK(8, 3, 1)).toBeCloseTo(3 / 8, 15);
    expect(passAtK(8, 8, 4)).toBe(1);
    expect(passAtK(8, 0, 8)).toBe(0);
  });

  test('property: pass@k never decreases with k or with c', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 200 }), fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }), (n, fc1, fk) => {
        const c = Math.floor(fc1 * n);
        const k = 1 + Math.floor(fk * (n - 1));
        const v = passAtK(n, c, k);
        const moreK = k < n ? passAtK(n, c, k + 1) : v;
        const moreC = c < n ? passAtK(n, c + 1, k) : v;
        return v >= 0 && v <= 1 && moreK >= v - 1e-12 && moreC >= v - 1e-12;
      }),
    );
  });

  test('bad arguments are refused; reported k values stop at K', () => {
    expect(() => passAtK(5, 6, 1)).toThrow(/c \(correct\) must be a whole number in \[0, n=5\], got 6/);
    expect(() => passAtK(5, 2, 6)).toThrow(/k must be a whole number in \[1, n=5\], got 6/);
    expect(reportedKs(1)).toEqual([1]);
    expect(reportedKs(8)).toEqual([1, 2, 5, 8]);
    expect(reportedKs(10)).toEqual([1, 2, 5, 10]);
  });
});

describe('aggregation over repeats vs numpy mean and std(ddof=1)', () => {
  test.each(reference.repeats)('$values', ({ values, mean, sd }) => {
    const r = meanAndSd(values);
    closeTo(r.mean, mean, 1e-12);
    if (sd === null) expect(r.sd).toBeNull();
    else closeTo(r.sd!, sd, 1e-9);
    expect(r.n).toBe(values.length);
  });

  test('signs per repeat, with float noise counted as a tie', () => {
    const signs = [0.05, -0.02, 0.1 + 0.2 - 0.3, 0].map((x) => signOf(x));
    expect(signs).toEqual(['+', '-', '0', '0']);
    expect(countSigns(signs)).toEqual({ positive: 1, negative: 1, zero: 2 });
  });

  test('accuracy is the mean score; empty and out-of-range input are refused', () => {
    expect(accuracy([1, 0, 1, 1])).toBe(0.75);
    expect(() => accuracy([])).toThrow(/no scores/);
    expect(() => accuracy([1, 1.5])).toThrow(/score #1 is 1.5/);
    expect(() => meanAndSd([])).toThrow(/no values/);
  });
});
