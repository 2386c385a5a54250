/** The budget ledger: grants, reservations, recorded usage, re-done work, summaries. */
import {
  absorb,
  account,
  available,
  createLedger,
  estimateCost,
  grant,
  recordCacheHits,
  recordIterations,
  recordMetricCalls,
  recordUsage,
  release,
  reserve,
  spend,
  summarizeLedger,
  type Ledger,
} from '../src/core/budget';

describe('grants and reservations', () => {
  it('never let spend plus reservations exceed the grant', () => {
    const l = createLedger();
    grant(l, 'base/stage1', 100);
    expect(reserve(l, 'base/stage1', 60)).toEqual({ ok: true });
    expect(reserve(l, 'base/stage1', 41)).toEqual({ ok: false, requested: 41, available: 40, unit: 'metricCalls' });
    expect(reserve(l, 'base/stage1', 40)).toEqual({ ok: true });
    expect(available(l, 'base/stage1')).toBe(0);
    spend(l, 'base/stage1', 30);
    release(l, 'base/stage1', 20);
    expect(account(l, 'base/stage1')).toMatchObject({ metricCalls: 30, reserved: 50 });
    expect(available(l, 'base/stage1')).toBe(20);
    expect(reserve(l, 'base/stage1', 21).ok).toBe(false);
    expect(() => spend(l, 'base/stage1', 51)).toThrow('spends 51 metricCalls but holds only 50 reserved');
    expect(() => release(l, 'base/stage1', 51)).toThrow('releases 51 but holds only 50 reserved');
  });

  it('enforce iterations the same way', () => {
    const l = createLedger();
    grant(l, 's', 2, 'iterations');
    expect(reserve(l, 's', 1).ok).toBe(true);
    spend(l, 's', 1);
    expect(reserve(l, 's', 1).ok).toBe(true);
    expect(reserve(l, 's', 1).ok).toBe(false);
    spend(l, 's', 1);
    expect(account(l, 's').iterations).toBe(2);
    // Metric calls of an iterations-granted holder are recorded, not reserved.
    recordMetricCalls(l, 's', 16);
    expect(account(l, 's').metricCalls).toBe(16);
  });

  it('hold tokens and dollars against recorded spend plus an estimate', () => {
    const l = createLedger();
    grant(l, 's', 0.05, 'usd');
    const acc = account(l, 's');
    expect(estimateCost(acc, 'usd', 16)).toBe(0); // nothing known yet
    recordMetricCalls(l, 's', 10);
    recordUsage(l, 's', { model: 'gpt', inputTokens: 1000, outputTokens: 200, usd: 0.02, calls: 10 });
    expect(estimateCost(acc, 'usd', 16)).toBeCloseTo(0.032, 12);
    expect(reserve(l, 's', estimateCost(acc, 'usd', 16)).ok).toBe(false); // 0.02 + 0.032 > 0.05
    expect(reserve(l, 's', estimateCost(acc, 'usd', 15)).ok).toBe(true); // 0.02 + 0.03 fits, up to rounding
    expect(() => spend(l, 's', 0.01)).toThrow('spent by recording usage');
    release(l, 's', acc.reserved);
    const t = createLedger();
    grant(t, 's', 1000, 'tokens');
    recordMetricCalls(t, 's', 4);
    recordUsage(t, 's', { model: 'm', inputTokens: 300, outputTokens: 100, usd: 0 });
    expect(estimateCost(account(t, 's'), 'tokens', 6)).toBe(600);
    expect(reserve(t, 's', 600).ok).toBe(true);
    expect(reserve(t, 's', 1).ok).toBe(false);
  });

  it('refuse nonsense with a one-line error naming the holder', () => {
    const l = createLedger();
    expect(() => grant(l, 'a', -1)).toThrow('grant for holder "a" must be a finite number >= 0, got -1');
    expect(() => grant(l, 'a', 2.5)).toThrow('must be a whole number, got 2.5 for holder "a"');
    grant(l, 'a', 10);
    expect(() => grant(l, 'a', 10)).toThrow('holder "a" already has a grant of 10 metricCalls');
    expect(() => reserve(l, 'nobody', 1)).toThrow('reserve for holder "nobody", which has no grant');
    expect(() => recordMetricCalls(l, 'a', 1)).toThrow('holder "a" is granted metric calls: reserve and spend them');
    expect(() => recordUsage(l, 'a', { model: '', inputTokens: 1, outputTokens: 1, usd: 0 })).toThrow('needs a model name');
    expect(() => recordUsage(l, 'a', { model: 'm', inputTokens: NaN, outputTokens: 1, usd: 0 })).toThrow('input tokens of m for holder "a"');
    const it = createLedger();
    grant(it, 'b', 3, 'iterations');
    expect(() => recordIterations(it, 'b', 1)).toThrow('granted iterations');
  });
});

describe('recorded usage', () => {
  function twoStages(): Ledger {
    const l = createLedger();
    grant(l, 'base', 50);
    reserve(l, 'base', 20);
    spend(l, 'base', 20);
    recordCacheHits(l, 'base', 3);
    recordUsage(l, 'base', { model: 'large', inputTokens: 2000, outputTokens: 500, usd: 0.1, calls: 20 });
    recordUsage(l, 'base', { model: 'large', inputTokens: 800, outputTokens: 300, usd: 0.05, reflection: true });
    // A crash repeated 4 rollouts and one reflection.
    recordUsage(l, 'base', { model: 'large', inputTokens: 400, outputTokens: 100, usd: 0.02, calls: 4, redone: true });
    recordUsage(l, 'base', { model: 'large', inputTokens: 800, outputTokens: 300, usd: 0.05, reflection: true, redone: true });
    recordMetricCalls(l, 'evaluation', 30);
    recordUsage(l, 'evaluation', { model: 'small', inputTokens: 3000, outputTokens: 900, usd: 0.01, calls: 30 });
    recordUsage(l, 'evaluation', { model: 'large', inputTokens: 3000, outputTokens: 900, usd: 0.2, calls: 30 });
    return l;
  }

  it('keeps re-done work apart from first attempts, per holder and model', () => {
    const s = summarizeLedger(twoStages());
    const base = s.holders.find((h) => h.holder === 'base')!;
    expect(base).toMatchObject({ grant: { amount: 50, unit: 'metricCalls' }, spentOfGrant: 20, metricCalls: 20, redoneMetricCalls: 4, cacheHits: 3 });
    expect(base.first).toMatchObject({ calls: 20, reflectionCalls: 1, inputTokens: 2800, outputTokens: 800 });
    expect(base.first.usd).toBeCloseTo(0.15, 12);
    expect(base.redone).toMatchObject({ calls: 4, reflectionCalls: 1, inputTokens: 1200, outputTokens: 400 });
    expect(base.redone.usd).toBeCloseTo(0.07, 12);
    expect(s.holders.map((h) => h.holder)).toEqual(['base', 'evaluation']);
    expect(s.totals.metricCalls).toBe(50);
    expect(s.totals.redoneMetricCalls).toBe(4);
    expect(s.totals.byModel.map((m) => [m.model, m.first.calls, m.redone.calls])).toEqual([['large', 50, 4], ['small', 30, 0]]);
    expect(s.totals.first.inputTokens).toBe(2800 + 6000);
    // Plain JSON: a copy summarizes the same.
    expect(summarizeLedger(JSON.parse(JSON.stringify(twoStages())))).toEqual(s);
  });

  it('absorbs a finished stage into a central holder, within that holder\'s grant', () => {
    const stage = twoStages();
    const central = createLedger();
    grant(central, 'exp/base', 30);
    absorb(central, 'exp/base', stage.accounts.base);
    const h = summarizeLedger(central).holders[0];
    expect(h).toMatchObject({ spentOfGrant: 20, metricCalls: 20, redoneMetricCalls: 4, cacheHits: 3 });
    expect(h.byModel[0].first.reflectionCalls).toBe(1);
    expect(() => absorb(central, 'exp/base', stage.accounts.base)).toThrow('would spend 40 metricCalls, over its grant of 30');
    expect(account(central, 'exp/base').metricCalls).toBe(20); // a refused absorb changes nothing
  });

  it("keeps a reasoning model's hidden tokens (inside output tokens) per model, in totals and when absorbed; other models carry no field", () => {
    const l = createLedger();
    grant(l, 'lsl', 10);
    recordUsage(l, 'lsl', { model: 'gpt-5-high', inputTokens: 300, outputTokens: 2000, reasoningTokens: 1800, usd: 0.02, reflection: true });
    recordUsage(l, 'lsl', { model: 'gpt-5-high', inputTokens: 300, outputTokens: 1000, reasoningTokens: 900, usd: 0.01, reflection: true });
    recordUsage(l, 'lsl', { model: 'small', inputTokens: 100, outputTokens: 50, usd: 0.001, calls: 2 });
    const h = summarizeLedger(l).holders[0];
    expect(h.byModel.find((m) => m.model === 'gpt-5-high')!.first).toMatchObject({ outputTokens: 3000, reasoningTokens: 2700 });
    expect(h.byModel.find((m) => m.model === 'small')!.first).not.toHaveProperty('reasoningTokens');
    expect(h.first).toMatchObject({ outputTokens: 3050, reasoningTokens: 2700 });
    const central = createLedger();
    grant(central, 'exp/lsl', 10);
    absorb(central, 'exp/lsl', l.accounts.lsl);
    expect(summarizeLedger(central).totals.first.reasoningTokens).toBe(2700);
  });
});
