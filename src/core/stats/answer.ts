/**
 * The answer to the research question, by a rule written down before the data are seen. The
 * primary comparison (default lsl − matched on the large model) is one pair of the summary; the
 * rule reads its paired bootstrap interval and exact McNemar p (one run) or the mean over repeats
 * with its t interval and the seeds each arm won (several runs). Every other pair is secondary,
 * with Holm-adjusted p-values.
 */
import { holmAdjust } from './holm';
import { studentTQuantile } from './student-t';
import type { ArmPair, ResultsSummary } from './summary';

export type Verdict = 'supported' | 'not supported' | 'inconclusive at this sample size';

export interface AnswerRule {
  /** Level of the McNemar test and of the intervals (0.05: 95% intervals). */
  alpha: number;
  /** The smallest gain worth detecting (a fraction: 0.03 = 3 points). */
  minDetectable: number;
}

export const DEFAULT_RULE: AnswerRule = { alpha: 0.05, minDetectable: 0.03 };

/** The rule in words, printed in the report next to the verdict it gave. */
export function ruleText(rule: AnswerRule): string {
  const pts = `${+(rule.minDetectable * 100).toFixed(2)} points`;
  const level = `${+((1 - rule.alpha) * 100).toFixed(2)}%`;
  return (
    `One run: "supported" when the paired bootstrap ${level} interval of A − B lies entirely above 0 and the exact McNemar p is below ${rule.alpha}; ` +
    `"not supported" when the interval's upper end is below +${pts} (the data rule out a gain of the size the design is meant to find, or show a loss); ` +
    `otherwise "inconclusive at this sample size". Several repeats: the same rule on the mean difference over repeats with its Student t ${level} interval, ` +
    `where "supported" also needs A to have won more seeds than B.`
  );
}

export interface PrimaryComparison {
  a: string;
  b: string;
  /** Registry name of the model both arms were evaluated on. */
  model: string;
}

export interface RepeatsEvidence {
  repeats: number;
  mean: number;
  /** Student t interval of the mean difference over repeats. */
  low: number;
  high: number;
  /** Seeds in which A's accuracy was higher, lower, equal. */
  wonA: number;
  wonB: number;
  ties: number;
}

export interface PrimaryAnswer {
  comparison: PrimaryComparison;
  rule: AnswerRule;
  /** The primary pair in each repeat that has it (empty when an arm has no results on the model). */
  perRepeat: Array<ArmPair & { verdict: Verdict }>;
  /** Present with two or more repeats. */
  overRepeats: RepeatsEvidence | null;
  verdict: Verdict | null;
  /** Which clause of the rule decided, in words; why there is no verdict when verdict is null. */
  because: string;
}

function notSupported(high: number, rule: AnswerRule): { verdict: Verdict; because: string } {
  return {
    verdict: 'not supported',
    because: high < 0 ? 'the interval lies below 0: B is better' : `the interval's upper end is below the +${+(rule.minDetectable * 100).toFixed(2)} points worth detecting`,
  };
}

function singleVerdict(low: number, high: number, p: number, rule: AnswerRule): { verdict: Verdict; because: string } {
  if (low > 0 && p < rule.alpha) return { verdict: 'supported', because: `the interval lies above 0 and McNemar p < ${rule.alpha}` };
  if (high < rule.minDetectable) return notSupported(high, rule);
  return {
    verdict: 'inconclusive at this sample size',
    because: low <= 0 ? 'the interval includes 0 and gains of the size worth detecting' : `the interval lies above 0 but McNemar p is not below ${rule.alpha}`,
  };
}

/** Applies the rule to the primary comparison of a summary. */
export function answerPrimary(summary: ResultsSummary, comparison: PrimaryComparison, rule: AnswerRule = DEFAULT_RULE): PrimaryAnswer {
  // The summary orders each pair treatment-first; the configured comparison may name it either way.
  const perRepeat = summary.pairs.flatMap((p): Array<ArmPair & { verdict: Verdict }> => {
    if (p.model !== comparison.model) return [];
    let pair: ArmPair | null = null;
    if (p.a === comparison.a && p.b === comparison.b) pair = p;
    else if (p.a === comparison.b && p.b === comparison.a) {
      pair = { ...p, a: p.b, b: p.a, accuracyA: p.accuracyB, accuracyB: p.accuracyA, difference: -p.difference, low: -p.high, high: -p.low, onlyA: p.onlyB, onlyB: p.onlyA };
    }
    return pair ? [{ ...pair, verdict: singleVerdict(pair.low, pair.high, pair.mcnemarP, rule).verdict }] : [];
  });
  if (perRepeat.length === 0) {
    return { comparison, rule, perRepeat, overRepeats: null, verdict: null, because: `no repeat has test results of both ${comparison.a} and ${comparison.b} on ${comparison.model}` };
  }
  if (perRepeat.length === 1) {
    const p = perRepeat[0];
    return { comparison, rule, perRepeat, overRepeats: null, ...singleVerdict(p.low, p.high, p.mcnemarP, rule) };
  }
  const diffs = perRepeat.map((p) => p.difference);
  const R = diffs.length;
  const mean = diffs.reduce((s, v) => s + v, 0) / R;
  const sd = Math.sqrt(diffs.reduce((s, v) => s + (v - mean) ** 2, 0) / (R - 1));
  const half = studentTQuantile(1 - rule.alpha / 2, R - 1) * (sd / Math.sqrt(R));
  const tol = 1e-12;
  const overRepeats: RepeatsEvidence = {
    repeats: R, mean, low: mean - half, high: mean + half,
    wonA: diffs.filter((d) => d > tol).length, wonB: diffs.filter((d) => d < -tol).length, ties: diffs.filter((d) => Math.abs(d) <= tol).length,
  };
  let decided: { verdict: Verdict; because: string };
  if (overRepeats.low > 0 && overRepeats.wonA > overRepeats.wonB) decided = { verdict: 'supported', because: `the interval over ${R} repeats lies above 0 and ${comparison.a} won more seeds` };
  else if (overRepeats.high < rule.minDetectable) decided = notSupported(overRepeats.high, rule);
  else {
    decided = {
      verdict: 'inconclusive at this sample size',
      because: overRepeats.low > 0 ? `the interval over ${R} repeats lies above 0 but ${comparison.a} did not win more seeds` : `the interval over ${R} repeats includes 0 and gains of the size worth detecting`,
    };
  }
  return { comparison, rule, perRepeat, overRepeats, ...decided };
}

export interface SecondaryPair extends ArmPair {
  /** Holm-adjusted McNemar p over every secondary pair of the summary (one family). */
  holmP: number;
}

/** Every pair but the primary one, with Holm-adjusted p-values (all repeats and models are one family). */
export function secondaryPairs(summary: ResultsSummary, comparison: PrimaryComparison): SecondaryPair[] {
  const isPrimary = (p: ArmPair) => p.model === comparison.model && ((p.a === comparison.a && p.b === comparison.b) || (p.a === comparison.b && p.b === comparison.a));
  const rest = summary.pairs.filter((p) => !isPrimary(p));
  const adjusted = holmAdjust(rest.map((p) => p.mcnemarP));
  return rest.map((p, i) => ({ ...p, holmP: adjusted[i] }));
}
