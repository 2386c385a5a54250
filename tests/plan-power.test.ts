/**
 * The `analysis` config block and the power line of `lsl plan`: defaults that leave existing
 * experiment ids alone, cross-field checks naming the path, the figure for the configured test
 * size and repeats (from the config's discordance, or a pilot's), and the warning threshold.
 */
import {
  analysisSettings,
  configHash,
  DEFAULT_ANALYSIS,
  experimentIdFor,
  parseExperimentConfig,
  planPower,
  readExperimentConfig,
} from '../src/core/experiment';
import { renderPowerPlan } from '../src/cli/plan-text';
import { minDetectableDifference } from '../src/core/stats';

const base = {
  name: 'pw',
  task: 'gsm8k',
  splits: { train: 30, val: 20, test: 100 },
  seed: { instruction: 'Solve.' },
  models: { large: 'sim-large', small: 'sim-small' },
  budget: { b1: 100, b2: 60 },
};

test('without an analysis block the parsed config (and so its id) is unchanged; defaults come from analysisSettings', () => {
  const c = parseExperimentConfig(base);
  expect('analysis' in c).toBe(false);
  expect(analysisSettings(c)).toEqual(DEFAULT_ANALYSIS);
  expect(DEFAULT_ANALYSIS).toMatchObject({ primary: { a: 'lsl', b: 'matched', model: 'large' }, minDetectable: 0.03, alpha: 0.05, power: 0.8 });
  const withBlock = parseExperimentConfig({ ...base, analysis: { discordance: 0.1 } });
  expect(configHash(withBlock)).not.toBe(configHash(c));
  // Idempotent: the parsed config parses to itself.
  expect(parseExperimentConfig(JSON.parse(JSON.stringify(withBlock)))).toEqual(withBlock);
  expect(experimentIdFor(parseExperimentConfig(JSON.parse(JSON.stringify(c))))).toBe(experimentIdFor(c));
});

test('analysis fields are read with their defaults filled in', () => {
  const c = parseExperimentConfig({ ...base, analysis: { primary: { a: 'lsl', b: 'small-only' }, minDetectable: 0.05 } });
  expect(analysisSettings(c)).toEqual({ ...DEFAULT_ANALYSIS, primary: { a: 'lsl', b: 'small-only', model: 'large' }, minDetectable: 0.05 });
});

test('analysis.transfer switches transfer scoring (default on); anything but a boolean is refused with its path', () => {
  expect(analysisSettings(parseExperimentConfig(base)).transfer).toBe(true);
  const offCfg = parseExperimentConfig({ ...base, analysis: { transfer: false } });
  expect(analysisSettings(offCfg).transfer).toBe(false);
  expect(experimentIdFor(offCfg)).not.toBe(experimentIdFor(parseExperimentConfig(base)));
  const bad = readExperimentConfig({ ...base, analysis: { transfer: 'no' } });
  expect(bad.config).toBeNull();
  expect(bad.problems.map((p) => p.path)).toEqual(['analysis.transfer']);
});

test('a primary comparison naming an arm that does not run, or one arm twice, is refused with its path', () => {
  const r = readExperimentConfig({ ...base, arms: ['seed', 'base', 'lsl'], analysis: { primary: { a: 'lsl', b: 'matched' } } });
  expect(r.config).toBeNull();
  expect(r.problems.map((p) => `${p.path}: ${p.message}`)).toEqual(["analysis.primary.b: arm 'matched' is not in arms (seed, base, lsl)"]);
  const same = readExperimentConfig({ ...base, analysis: { primary: { a: 'lsl', b: 'lsl' } } });
  expect(same.problems.map((p) => p.path)).toEqual(['analysis.primary.b']);
  const bad = readExperimentConfig({ ...base, analysis: { discordance: 0, extra: 1 } });
  expect(bad.problems.map((p) => `${p.path}: ${p.message}`)).toEqual(['analysis.discordance: must be > 0, got 0', 'analysis.extra: unknown key']);
});

test('the plan states the smallest detectable difference for the test size and warns above the threshold', () => {
  const c = parseExperimentConfig(base);
  const p = planPower(c);
  expect(p.n).toBe(100);
  expect(p.discordance).toBe(0.15);
  expect(p.discordanceSource).toBe('assumed (default)');
  expect(p.minDetectable).toBeCloseTo(minDetectableDifference(100, 0.15)!, 12);
  expect(p.minDetectable!).toBeGreaterThan(0.09);
  expect(p.pooledMinDetectable).toBeNull();
  const text = renderPowerPlan(p);
  expect(text).toContain(`Power (lsl − matched on large; exact McNemar, paired, α = 0.05, 80% power, discordance 15.0%, assumed (default)): smallest detectable difference ${(p.minDetectable! * 100).toFixed(1)} points with 100 test problems per run`);
  expect(text).toMatch(/WARNING: the design detects only gains of \d+\.\d points or more, above the 3\.0 points worth detecting \(analysis\.minDetectable\)/);
});

test('repeats give a pooled figure; a big test split and a lenient threshold clear the warning', () => {
  const c = parseExperimentConfig({ ...base, splits: { ...base.splits, test: 1319 }, repeats: 3, analysis: { discordance: 0.1, minDetectable: 0.05 } });
  const p = planPower(c);
  expect(p.discordanceSource).toBe('config');
  expect(p.minDetectable).toBeCloseTo(minDetectableDifference(1319, 0.1)!, 12);
  expect(p.pooledMinDetectable).toBeCloseTo(minDetectableDifference(3957, 0.1)!, 12);
  expect(p.pooledMinDetectable!).toBeLessThan(p.minDetectable!);
  expect(p.warning).toBeNull();
  expect(renderPowerPlan(p)).toContain('pooling 3 repeats (if they were independent draws of problems)');
  expect(renderPowerPlan(p)).not.toContain('WARNING');
});

test('a pilot supplies the discordance; a design too small for anything says so', () => {
  const c = parseExperimentConfig(base);
  const p = planPower(c, { discordance: 0.3, source: 'measured on pilot exp-x' });
  expect(p.discordance).toBe(0.3);
  expect(renderPowerPlan(p)).toContain('discordance 30.0%, measured on pilot exp-x');
  const tiny = planPower(parseExperimentConfig({ ...base, splits: { ...base.splits, test: 10 } }));
  expect(tiny.minDetectable).toBeNull();
  expect(renderPowerPlan(tiny)).toContain('WARNING: with 10 test problems and 15.0% of them discordant, no difference can be detected with 80% power');
});
