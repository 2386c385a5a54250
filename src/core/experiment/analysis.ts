/**
 * The `analysis` block of an experiment config: which comparison answers the research question,
 * the rule's level and the smallest gain worth detecting, and the discordance assumed for the
 * power calculation of `lsl plan`. Optional in the file; left out, nothing changes in the parsed
 * config (so experiment ids stay what they were) and `analysisSettings` supplies the defaults.
 */
import { z } from 'zod';
import { minDetectableDifference } from '../stats/power';
import { problem, type ConfigProblem } from './problems';

/** What `analysis` may say (every field optional; defaults in DEFAULT_ANALYSIS). */
export interface AnalysisConfig {
  /** A − B on a model (a role, `large`/`small`, or a registry name). Default lsl − matched on large. */
  primary?: { a: string; b: string; model?: string };
  /** Share of test problems one arm solves and the other does not, assumed for the power calculation. */
  discordance?: number;
  /** Smallest gain worth detecting (a fraction: 0.03 = 3 points); `lsl plan` warns when the design cannot. */
  minDetectable?: number;
  /** Level of the tests and intervals. */
  alpha?: number;
  /** Target power of the plan's calculation. */
  power?: number;
  /** Score each stage's accepted candidates on the other model's validation set (analysis spend; default true). */
  transfer?: boolean;
}

export interface AnalysisSettings {
  primary: { a: string; b: string; model: string };
  discordance: number;
  minDetectable: number;
  alpha: number;
  power: number;
  transfer: boolean;
}

/**
 * Defaults. The discordance is an assumption until a pilot supplies one: two prompts of one
 * optimizer on one model typically disagree on 10-20% of grade-school math problems.
 */
export const DEFAULT_ANALYSIS: AnalysisSettings = {
  primary: { a: 'lsl', b: 'matched', model: 'large' },
  discordance: 0.15,
  minDetectable: 0.03,
  alpha: 0.05,
  power: 0.8,
  transfer: true,
};

export const analysisSchema = z
  .strictObject({
    primary: z
      .strictObject({
        a: z.string().min(1).describe('Treatment arm (e.g. lsl).'),
        b: z.string().min(1).describe('Control arm (e.g. matched).'),
        model: z.string().min(1).optional().describe('Model both are compared on: a role (large, small) or a registry name. Default large.'),
      })
      .optional()
      .describe('The comparison that answers the research question (default lsl − matched on large).'),
    discordance: z.number().gt(0).max(1).optional().describe('Assumed share of test problems solved by exactly one of the two arms (default 0.15), for the power calculation.'),
    minDetectable: z.number().gt(0).max(1).optional().describe('Smallest gain worth detecting, as a fraction (default 0.03 = 3 points).'),
    alpha: z.number().gt(0).lt(1).optional().describe('Level of the tests and intervals (default 0.05).'),
    power: z.number().gt(0).lt(1).optional().describe('Target power of the calculation in lsl plan (default 0.8).'),
    transfer: z.boolean().optional().describe("Score each stage's accepted candidates on the other model's validation set, as analysis spend apart from the optimization budgets, for the transfer and saturation curves (default true)."),
  })
  .describe('How the report answers the research question and how lsl plan sizes the design.');

/** Cross-field checks: the primary comparison names two different arms the config runs. */
export function analysisProblems(analysis: AnalysisConfig | undefined, armNames: readonly string[]): ConfigProblem[] {
  const primary = analysis?.primary;
  if (!primary) return [];
  const out: ConfigProblem[] = [];
  for (const side of ['a', 'b'] as const) {
    if (!armNames.includes(primary[side])) out.push(problem(['analysis', 'primary', side], `arm '${primary[side]}' is not in arms (${armNames.join(', ')})`));
  }
  if (primary.a === primary.b) out.push(problem(['analysis', 'primary', 'b'], `compares '${primary.a}' with itself`));
  return out;
}

/** The parsed block as stored in the config: only what was written. */
export function normalizeAnalysis(a: AnalysisConfig): AnalysisConfig {
  return JSON.parse(JSON.stringify(a)) as AnalysisConfig;
}

/** Settings with every default filled in, from a parsed config (or anything with an `analysis` field). */
export function analysisSettings(config: { analysis?: AnalysisConfig } | null | undefined): AnalysisSettings {
  const a = config?.analysis ?? {};
  return {
    primary: { ...DEFAULT_ANALYSIS.primary, ...(a.primary ?? {}), model: a.primary?.model ?? DEFAULT_ANALYSIS.primary.model },
    discordance: a.discordance ?? DEFAULT_ANALYSIS.discordance,
    minDetectable: a.minDetectable ?? DEFAULT_ANALYSIS.minDetectable,
    alpha: a.alpha ?? DEFAULT_ANALYSIS.alpha,
    power: a.power ?? DEFAULT_ANALYSIS.power,
    transfer: a.transfer ?? DEFAULT_ANALYSIS.transfer,
  };
}

/** The power figure of `lsl plan` and of the report's Answer section. */
export interface PowerPlan {
  primary: AnalysisSettings['primary'];
  /** Paired test problems per run. */
  n: number;
  repeats: number;
  discordance: number;
  /** Where the discordance came from: 'assumed (default)', 'config', or the pilot run it was measured on. */
  discordanceSource: string;
  alpha: number;
  power: number;
  /** Smallest true gain one run detects (a fraction); null when no gain can be detected. */
  minDetectable: number | null;
  /** The same with every repeat's problems pooled (repeats > 1), which assumes the repeats are independent draws. */
  pooledMinDetectable: number | null;
  /** The threshold (analysis.minDetectable) and whether the design misses it. */
  threshold: number;
  warning: string | null;
}

export const pts = (x: number) => `${(x * 100).toFixed(1)} points`;
export const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

/** Power of the primary comparison for a config's test size and repeats; `pilot` overrides the discordance. */
export function planPower(
  config: { analysis?: AnalysisConfig; splits: { test: number }; repeats: number; resplit?: boolean },
  pilot?: { discordance: number; source: string },
): PowerPlan {
  const s = analysisSettings(config);
  const discordance = pilot?.discordance ?? s.discordance;
  const source = pilot ? pilot.source : config.analysis?.discordance !== undefined ? 'config' : 'assumed (default)';
  const n = config.splits.test;
  const mdd = n >= 1 && discordance > 0 ? minDetectableDifference(n, discordance, { alpha: s.alpha, power: s.power }) : null;
  const pooled = config.repeats > 1 && n >= 1 && discordance > 0
    ? minDetectableDifference(n * config.repeats, discordance, { alpha: s.alpha, power: s.power }) : null;
  const threshold = s.minDetectable;
  let warning: string | null = null;
  if (mdd === null) warning = `with ${n} test problems and ${pct(discordance)} of them discordant, no difference can be detected with ${s.power * 100}% power`;
  else if (mdd > threshold + 1e-12) {
    warning = `the design detects only gains of ${pts(mdd)} or more, above the ${pts(threshold)} worth detecting (analysis.minDetectable): more test problems or repeats, or accept that smaller gains will read as inconclusive`;
  }
  return {
    primary: s.primary, n, repeats: config.repeats, discordance, discordanceSource: source, alpha: s.alpha, power: s.power,
    minDetectable: mdd, pooledMinDetectable: pooled, threshold, warning,
  };
}
