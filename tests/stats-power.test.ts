/**
 * Power of the paired design, Holm's adjustment and Student t quantiles against values computed
 * independently, once (scripts/stats-reference/make_power.py -> tests/fixtures/stats/power.json):
 * the smallest detectable difference by SIMULATING the paired experiment and applying scipy's
 * exact binomial test, Holm by statsmodels, t by scipy.
 */
import reference from './fixtures/stats/power.json';
import { holmAdjust, mcnemarPower, minDetectableDifference, studentTCdf, studentTQuantile } from '../src/core/stats';

describe('smallest detectable difference vs a simulation of the paired design (within 0.5 points)', () => {
  test.each(reference.minDetectable)('n = $n, discordance $discordance', ({ n, discordance, alpha, power, minDetectable }) => {
    const mdd = minDetectableDifference(n, discordance, { alpha, power });
    if (minDetectable === null) {
      expect(mdd).toBeNull();
      return;
    }
    expect(mdd).not.toBeNull();
    expect(Math.abs(mdd! - minDetectable)).toBeLessThan(0.005);
  });

  test('the fixture covers the demo size and GSM8K’s full test split', () => {
    expect(reference.minDetectable.map((c) => c.n)).toEqual(expect.arrayContaining([100, 1319]));
  });
});

describe('exact power of the McNemar test', () => {
  test('under no difference it rejects at most alpha of the time (the exact test is conservative)', () => {
    for (const [n, psi] of [[30, 0.3], [100, 0.2], [500, 0.1]]) {
      const p = mcnemarPower(n, psi, 0);
      expect(p).toBeLessThanOrEqual(0.05);
      expect(p).toBeGreaterThan(0.01);
    }
  });

  test('power rises with the difference and with n; the detectable difference falls with n', () => {
    expect(mcnemarPower(100, 0.2, 0.05)).toBeLessThan(mcnemarPower(100, 0.2, 0.1));
    expect(mcnemarPower(100, 0.2, 0.1)).toBeLessThan(mcnemarPower(400, 0.2, 0.1));
    expect(minDetectableDifference(400, 0.2)!).toBeLessThan(minDetectableDifference(100, 0.2)!);
    // At the detectable difference the power is the target, just above it.
    const mdd = minDetectableDifference(100, 0.2)!;
    expect(mcnemarPower(100, 0.2, mdd)).toBeGreaterThanOrEqual(0.8);
    expect(mcnemarPower(100, 0.2, mdd - 0.002)).toBeLessThan(0.8);
  });

  test('bad designs are named', () => {
    expect(() => minDetectableDifference(0, 0.2)).toThrow(/n \(paired problems\) must be a whole number >= 1/);
    expect(() => minDetectableDifference(10, 0)).toThrow(/discordance must be in \(0, 1\]/);
    expect(() => mcnemarPower(10, 0.1, 0.2)).toThrow(/needs more discordant problems/);
  });
});

test.each(reference.holm)('Holm adjustment vs statsmodels: $p', ({ p, adjusted }) => {
  holmAdjust(p).forEach((v, i) => expect(v).toBeCloseTo(adjusted[i], 12));
});

test.each(reference.studentT)('Student t quantile vs scipy: p $p, df $df', ({ p, df, q }) => {
  expect(studentTQuantile(p, df)).toBeCloseTo(q, 8);
  expect(studentTCdf(q, df)).toBeCloseTo(p, 10);
});
