/**
 * The world of numeric word problems (GSM8K, SVAMP, GSM-Hard): difficulty from the number of
 * solution steps and the size of the numbers, traps read off the wording, answers that end in
 * `#### N` when asked, and wrong answers a model plausibly gives (an intermediate result, off
 * by a little, a unit or a percentage misapplied).
 */
import type { Rng } from '../../core/random';
import { clamp, normalizeText } from '../text';
import { OFF_FORMAT_ENDINGS, pick, trapsOf, type TrapSpec } from './rulebook';
import type { AnswerPlan, FormatRule, InstanceFacts, KindWorld, RenderedAnswer, SimInstance } from './types';

interface NumericContext {
  /** Lower-cased, whitespace-collapsed question. */
  q: string;
  steps: number;
}

const UNIT_PAIRS: readonly [RegExp, RegExp][] = [
  [/\bhours?\b/, /\bminutes?\b/], [/\bminutes?\b/, /\bseconds?\b/], [/\bdays?\b/, /\bweeks?\b/],
  [/\bhours?\b/, /\bdays?\b/], [/\bweeks?\b/, /\b(months?|years?)\b/], [/\bmonths?\b/, /\byears?\b/],
  [/\b(dollars?|\$)/, /\bcents?\b/], [/\b(feet|foot)\b/, /\binch(es)?\b/], [/\byards?\b/, /\b(feet|foot)\b/],
  [/\bmeters?\b/, /\b(centimeters?|kilometers?|cm|km)\b/], [/\bpounds?\b/, /\bounces?\b/],
  [/\bgallons?\b/, /\b(quarts?|cups?|ounces?|pints?)\b/], [/\bliters?\b/, /\b(milliliters?|ml)\b/],
];

const SPECS: readonly TrapSpec<NumericContext>[] = [
  {
    name: 'percentages', weight: 0.5,
    detect: ({ q }) => /%|\bpercent/.test(q),
    keywords: ['percent'],
    rule: 'When the problem gives a percentage, turn it into a decimal times the quantity it refers to (20% of 50 is 0.2 x 50 = 10) and check which base amount the percentage applies to.',
    altRule: 'Turn every percent into a decimal of the right base amount before combining it with other numbers; a percent increase adds to the original.',
    vagueRule: 'Pay close attention to the numbers given in the problem.',
    wrongRule: 'Apply any increase or discount to the final total only.',
  },
  {
    name: 'unit-conversion', weight: 0.45,
    detect: ({ q }) => /\bdozens?\b/.test(q) || UNIT_PAIRS.some(([a, b]) => a.test(q) && b.test(q)),
    keywords: ['convert', 'conversion', 'same unit'],
    rule: 'Convert all quantities to the same unit before combining them (60 minutes in an hour, 7 days in a week, 100 cents in a dollar, 12 in a dozen) and answer in the unit the question asks for.',
    altRule: 'Before any arithmetic, do the unit conversions so every quantity is in the same unit as the question.',
    vagueRule: 'Keep track of what each number measures.',
    wrongRule: 'Give the answer in the smallest unit that appears in the problem.',
  },
  {
    name: 'fractions', weight: 0.35,
    detect: ({ q }) => /\b(half|halves|third|thirds|quarters?|fourths?|fifths?|twice|\d+\/\d+)\b/.test(q),
    keywords: ['fraction'],
    rule: 'For fractions such as half, a third or 3/4, identify exactly which amount the fraction is taken of before multiplying.',
    altRule: 'Apply each fraction (half of, a third of, 2/5 of) to the specific quantity it refers to, not to the running total.',
    vagueRule: 'Be careful with parts of quantities.',
    wrongRule: 'Replace halves and thirds by the closest integer as soon as they appear.',
  },
  {
    name: 'rates', weight: 0.3,
    detect: ({ q }) => /\bper\b|\beach\b|\bevery\b|\ban hour\b|\ba day\b|\ba week\b/.test(q),
    keywords: ['rate', 'per unit', 'per item', 'unit price'],
    rule: 'For rates ("per", "each", "every"), multiply the rate by the number of items or time periods it applies to.',
    altRule: 'Treat every "per"/"each" amount as a rate: total = rate x number of units.',
    vagueRule: 'Read each sentence of the problem carefully.',
    wrongRule: 'Add amounts given with "each" to the total once.',
  },
  {
    name: 'money-change', weight: 0.35,
    detect: ({ q }) => /\$\s?\d|\bdollars?\b|\bcents?\b/.test(q) && /\bchange\b|\bpaid\b|\bpays?\b|\bspen[dt]s?\b|\bleft\b|\bcosts?\b|\bearns?\b|\bsaves?\b|\bprofit\b|\bdiscount/.test(q),
    keywords: ['money', 'change', 'profit'],
    rule: 'For money, track what is paid, what is received and the change given back; profit is revenue minus all costs.',
    altRule: 'Keep a running money balance: subtract every cost, add every payment received, and compute change as amount paid minus price.',
    vagueRule: 'Double-check amounts before the final answer.',
    wrongRule: 'Ignore costs that are not mentioned in the question sentence itself.',
  },
  {
    name: 'long-chain', weight: 0.4,
    detect: ({ steps }) => steps >= 5,
    keywords: ['intermediate', 'step by step', 'each step'],
    rule: 'Work step by step: write down each intermediate result with its meaning, and use the right intermediate value in the next step.',
    altRule: 'List every intermediate quantity on its own line and check each step before moving on.',
    vagueRule: 'Think carefully before answering.',
    wrongRule: 'Combine all the numbers in one expression to save time.',
  },
  {
    name: 'comparison-difference', weight: 0.4,
    detect: ({ q }) => /how (many|much) (more|less|fewer)|\bmore than\b|\bless than\b|\bfewer than\b|\bdifference\b/.test(q),
    keywords: ['difference', 'how many more', 'more than'],
    rule: 'When asked "how many more" or "how much less", compute the difference between the two amounts, not their total.',
    altRule: 'For comparisons ("more than", "fewer than"), find both amounts and subtract: the answer is the difference.',
    vagueRule: 'Make sure you answer the question that is asked.',
    wrongRule: 'When two amounts are compared, add them to get the answer.',
  },
  {
    name: 'remainders-rounding', weight: 0.4,
    detect: ({ q }) => /\bremain|\bleft ?over\b|\bround|\bwhole\b|\bat least\b|\bfull\b|\bnearest\b|\bcomplete\b/.test(q),
    keywords: ['round', 'remainder', 'whole number'],
    rule: 'When items must be whole (boxes, trips, people), round up or down as the situation demands and keep remainders in mind.',
    altRule: 'Check whether the answer must be a whole number; use the remainder to decide whether to round up (containers needed) or down (complete sets).',
    vagueRule: 'Check that the answer makes sense.',
    wrongRule: 'Always drop whatever is after the decimal point in a division result.',
  },
  {
    name: 'ages-time', weight: 0.35,
    detect: ({ q }) => /\bages?\b|\byears? old\b|\bolder\b|\byounger\b|\bborn\b/.test(q),
    keywords: ['age'],
    rule: 'For ages, every person gets the same number of years older; compute ages at the time the question asks about.',
    altRule: 'Track each person\'s age at the moment in question; the gap between two ages stays constant over time.',
    vagueRule: 'Consider the time frame described in the problem.',
    wrongRule: 'Use the current year of the problem for every person.',
  },
];

const { traps, detect } = trapsOf('numeric', SPECS);

export const numericFormat: FormatRule = {
  rule: 'End the response with a final line of the form "#### <number>" containing only the number (no units, no commas).',
  altRule: 'Always finish with "#### " followed by the final numeric answer on its own line.',
  keywords: ['####'],
};

interface Solution {
  /** Reasoning lines (calculator annotations removed). */
  lines: string[];
  /** Results of the solution's intermediate calculations. */
  intermediates: number[];
}

function readSolution(example: SimInstance['example']): Solution | null {
  const raw = example.meta?.solution;
  if (typeof raw !== 'string' || !raw.trim()) return null;
  const body = raw.split('####')[0];
  const intermediates = [...body.matchAll(/<<[^=>]*=([-0-9.]+)>>/g)].map((m) => Number(m[1])).filter(Number.isFinite);
  const lines = body.replace(/<<[^>]*>>/g, '').split('\n').map((l) => l.trim()).filter(Boolean);
  return { lines, intermediates };
}

function countSteps(instance: SimInstance, solution: Solution | null): number {
  if (solution) return solution.lines.filter((l) => /\d/.test(l)).length;
  // Without a worked solution: each given number is roughly one step.
  return Math.max(1, (instance.example.question.match(/\d+(\.\d+)?/g) ?? []).length - 1);
}

function analyze(instance: SimInstance): InstanceFacts {
  const solution = readSolution(instance.example);
  const steps = countSteps(instance, solution);
  const q = normalizeText(instance.example.question);
  const bigNumbers = /\d{5,}/.test(q.replace(/,/g, '')) ? 0.12 : 0;
  const difficulty = clamp(0.05 + 0.075 * steps + Math.min(0.15, q.length / 4000) + bigNumbers, 0.03, 0.95);
  return { difficulty, traps: detect({ q, steps }) };
}

/** Writes a number like the gold does: integers stay integers, other values keep a few decimals. */
function formatLike(value: number, gold: string): string {
  const goldIsInt = /^-?\d+$/.test(gold.trim());
  if (goldIsInt) return String(Math.round(value));
  return String(Number(value.toFixed(4)));
}

/** A plausible wrong final answer: an intermediate result, off by a little, or a trap misapplied. */
export function wrongNumber(gold: string, facts: InstanceFacts, intermediates: readonly number[], rng: Rng): string {
  const g = Number(gold);
  if (!Number.isFinite(g)) return `${gold}1`;
  const names = new Set(facts.traps.map((t) => t.name));
  const options: { value: number; weight: number }[] = [];
  for (const v of intermediates) if (v !== g) options.push({ value: v, weight: 3 / Math.max(1, intermediates.length) });
  // Near misses scale with the answer: 1 or 2 off a small count, up to a tenth off a large amount.
  const offsets = [1, 2, ...[5, 10, Math.round(Math.abs(g) / 10)].filter((d) => d > 2 && d <= Math.abs(g) / 4)];
  for (const d of offsets) {
    options.push({ value: g + d, weight: 0.6 });
    if (g < 0 || g - d >= 0) options.push({ value: g - d, weight: 0.6 });
  }
  if (g !== 0) options.push({ value: -g, weight: 0.2 });
  if (names.has('percentages')) options.push({ value: g * 1.2, weight: 1.5 }, { value: g * 0.8, weight: 1.5 });
  if (names.has('unit-conversion')) options.push({ value: g * 60, weight: 1 }, { value: g / 60, weight: 1 }, { value: g * 12, weight: 1 });
  if (names.has('fractions')) options.push({ value: g * 2, weight: 1.5 }, { value: g / 2, weight: 1.5 });
  if (names.has('comparison-difference')) options.push({ value: g * 3, weight: 1 });
  if (names.has('remainders-rounding')) options.push({ value: g + 1, weight: 2 }, { value: g - 1, weight: 2 });
  const viable = options.filter((o) => Number.isFinite(o.value) && formatLike(o.value, gold) !== formatLike(g, gold));
  if (viable.length === 0) return formatLike(g + 1, gold);
  const chosen = viable[rng.weightedIndex(viable.map((o) => o.weight))];
  return formatLike(chosen.value, gold);
}

function render(instance: SimInstance, facts: InstanceFacts, plan: AnswerPlan, rng: Rng): RenderedAnswer {
  const solution = readSolution(instance.example);
  const gold = instance.example.gold.trim();
  const answer = plan.correct ? gold : wrongNumber(gold, facts, solution?.intermediates ?? [], rng);
  let lines: string[];
  if (solution && solution.lines.length > 0) {
    lines = plan.correct || solution.lines.length === 1 ? [...solution.lines] : solution.lines.slice(0, -1);
    if (!plan.correct) lines.push(`Putting these together gives ${answer}.`);
  } else if (typeof instance.example.meta?.equation === 'string' && instance.example.meta.equation.trim()) {
    // SVAMP-style: the equation the problem reduces to.
    const eq = instance.example.meta.equation.trim().replace(/\.0\b/g, '').replace(/^\(\s*(.*?)\s*\)$/, '$1');
    lines = ['The problem reduces to a single calculation.', `${eq} = ${answer}`];
  } else {
    lines = ['Let me work through the quantities in the problem one at a time.', `Combining them gives ${answer}.`];
  }
  const ending = plan.formatted ? `#### ${answer}` : pick(rng, OFF_FORMAT_ENDINGS)(answer);
  return { text: `${lines.join('\n')}\n${ending}`, answer };
}

export const numericWorld: KindWorld = {
  kind: 'numeric',
  traps,
  format: numericFormat,
  genericAdvice: [
    'Re-check the arithmetic of the final calculation before answering.',
    'Restate what the question asks for before solving it.',
    'Use only the numbers given in the problem.',
  ],
  analyze,
  render,
};
