/**
 * The report's first section: the answer to the research question. The primary comparison
 * (analysis.primary, default lsl − matched on the large model), its interval and exact McNemar
 * p per repeat, the mean over repeats with the seeds each arm won, the verdict by the rule
 * written next to it, the power the design had, and, when a stage of either arm stopped before
 * spending its grant, a sentence saying so.
 */
import { analysisSettings, pts, type AnalysisConfig } from '../core/experiment/analysis';
import { answerPrimary, minDetectableDifference, ruleText, secondaryPairs, type PrimaryAnswer, type PrimaryComparison, type SecondaryPair } from '../core/stats';
import type { Block } from './blocks';
import type { DocumentContext } from './document';
import { formatCount, formatP, formatPercent, formatPoints, formatPointsInterval } from './format';
import { earlyStopSentence, stoppedEarly } from './stops';
import type { ModelRecord, ReportInput } from './types';

/** The primary comparison of a report: analysis.primary with its model resolved from a role to a registry name. */
export function primaryComparison(input: { config: unknown; models: ReadonlyArray<Pick<ModelRecord, 'role' | 'name'>> }): PrimaryComparison {
  const s = analysisSettings(input.config as { analysis?: AnalysisConfig } | null);
  const byRole = input.models.find((m) => m.role === s.primary.model)?.name;
  return { a: s.primary.a, b: s.primary.b, model: byRole ?? s.primary.model };
}

export function primaryAnswer(ctx: DocumentContext): PrimaryAnswer {
  const s = analysisSettings(ctx.input.config as { analysis?: AnalysisConfig } | null);
  return answerPrimary(ctx.summary, primaryComparison(ctx.input), { alpha: s.alpha, minDetectable: s.minDetectable });
}

/** Secondary pairs keyed for the pairs table: `${repeat}/${model}/${a}/${b}` -> Holm-adjusted p. */
export function holmByPair(ctx: DocumentContext): Map<string, SecondaryPair> {
  return new Map(secondaryPairs(ctx.summary, primaryComparison(ctx.input)).map((p) => [`${p.repeat}/${p.model}/${p.a}/${p.b}`, p]));
}

function powerBlocks(ctx: DocumentContext, answer: PrimaryAnswer): Block[] {
  const s = analysisSettings(ctx.input.config as { analysis?: AnalysisConfig } | null);
  const rows = answer.perRepeat;
  if (rows.length === 0) return [];
  const n = Math.round(rows.reduce((t, p) => t + p.n, 0) / rows.length);
  const observed = rows.reduce((t, p) => t + (p.onlyA + p.onlyB) / p.n, 0) / rows.length;
  const opts = { alpha: s.alpha, power: s.power };
  const mddObserved = observed > 0 ? minDetectableDifference(n, observed, opts) : null;
  const mddPlanned = minDetectableDifference(n, s.discordance, opts);
  const say = (mdd: number | null) => (mdd === null ? 'no difference of any size' : `a true difference of ${pts(mdd)}`);
  const text =
    `Power: with ${formatCount(n)} paired test problems per run, the exact McNemar test at α = ${s.alpha} detects ${say(mddObserved)} with ${s.power * 100}% power ` +
    `at the discordance this run observed (${formatPercent(observed)} of problems solved by exactly one arm${rows.length > 1 ? ', mean over repeats' : ''}); ` +
    `at the plan's discordance of ${formatPercent(s.discordance)} it detects ${say(mddPlanned)}. The smallest gain worth detecting is ${pts(s.minDetectable)} (analysis.minDetectable).`;
  const blocks: Block[] = [{ kind: 'paragraph', text }];
  const mdd = mddObserved ?? Infinity;
  if (mdd > s.minDetectable + 1e-12) {
    blocks.push({
      kind: 'notice',
      tone: 'warning',
      text: `This design could not have detected a gain of ${pts(s.minDetectable)}: a true difference smaller than ${mddObserved === null ? 'any size' : pts(mddObserved)} would usually read as inconclusive. More test problems or repeats would (lsl plan prints the figure before a run).`,
    });
  }
  return blocks;
}

/** Sentences for every stage of the two arms that ended with grant left (shared stages once). */
function earlyStops(input: ReportInput, c: PrimaryComparison): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const arm of [...input.arms].sort((x, y) => x.repeat - y.repeat)) {
    if (arm.arm !== c.a && arm.arm !== c.b) continue;
    for (const st of arm.stages) {
      const key = `${arm.repeat}/${st.stage}`;
      if (seen.has(key) || !stoppedEarly(st)) continue;
      seen.add(key);
      const users = input.arms.filter((a) => a.repeat === arm.repeat && (a.arm === c.a || a.arm === c.b) && a.stages.some((x) => x.stage === st.stage)).map((a) => a.arm);
      out.push(`${input.repeats > 1 ? `Repeat ${arm.repeat}: ` : ''}${earlyStopSentence(st, input.models, users)}`);
    }
  }
  return out;
}

export function answerSection(ctx: DocumentContext): Block[] {
  const answer = primaryAnswer(ctx);
  const { a, b, model } = answer.comparison;
  const multi = ctx.input.repeats > 1;
  const blocks: Block[] = [
    { kind: 'heading', level: 2, text: 'Answer' },
    {
      kind: 'paragraph',
      text: `Question: on ${model}, does the ${a} arm's prompt do better on the held-out test split than the ${b} arm's? Primary comparison: ${a} − ${b} on ${model} (analysis.primary); every other comparison below is secondary.`,
    },
  ];
  if (answer.verdict === null) {
    blocks.push({ kind: 'notice', tone: 'warning', text: `No answer: ${answer.because}.` });
  } else {
    const interval = answer.overRepeats
      ? `mean difference ${formatPoints(answer.overRepeats.mean)} over ${answer.overRepeats.repeats} repeats, ${(1 - answer.rule.alpha) * 100}% t interval ${formatPointsInterval(answer.overRepeats.low, answer.overRepeats.high)}; seeds won: ${a} ${answer.overRepeats.wonA}, ${b} ${answer.overRepeats.wonB}, ties ${answer.overRepeats.ties}`
      : `difference ${formatPoints(answer.perRepeat[0].difference)}, paired bootstrap interval ${formatPointsInterval(answer.perRepeat[0].low, answer.perRepeat[0].high)}, exact McNemar p = ${formatP(answer.perRepeat[0].mcnemarP)}`;
    blocks.push({ kind: 'paragraph', text: `Answer: ${answer.verdict} — ${interval}; ${answer.because}.` });
  }
  if (answer.perRepeat.length > 0) {
    blocks.push({
      kind: 'table',
      header: [...(multi ? ['Repeat'] : []), 'Problems', `Accuracy ${a}`, `Accuracy ${b}`, 'Difference', '95% CI (paired bootstrap)', `Only ${a} solves`, `Only ${b} solves`, 'McNemar exact p', 'Verdict (this run)'],
      rows: answer.perRepeat.map((p) => [
        ...(multi ? [String(p.repeat)] : []),
        formatCount(p.n), formatPercent(p.accuracyA), formatPercent(p.accuracyB), formatPoints(p.difference), formatPointsInterval(p.low, p.high),
        formatCount(p.onlyA), formatCount(p.onlyB), formatP(p.mcnemarP), p.verdict,
      ]),
      numeric: [...(multi ? [true] : []), true, true, true, true, true, true, true, true, false],
    });
  }
  for (const sentence of earlyStops(ctx.input, answer.comparison)) blocks.push({ kind: 'paragraph', text: `Budget: ${sentence}` });
  blocks.push(...powerBlocks(ctx, answer));
  blocks.push({ kind: 'paragraph', text: `Rule (fixed before the run): ${ruleText(answer.rule)}` });
  return blocks;
}
