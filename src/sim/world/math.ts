/**
 * The world of competition math (MATH-500, AIME): difficulty from MATH's level (AIME is hard),
 * traps read off the problem and the gold answer's shape (fractions, intervals, degrees,
 * several values, ...), answers in `\boxed{}` when asked, sometimes in an equivalent form
 * (`\frac{1}{2}`, `\dfrac12`, `0.5`), and wrong answers that are near misses of the gold.
 */
import { hash32, type Rng } from '../../core/random';
import { clamp, normalizeText } from '../text';
import { OFF_FORMAT_ENDINGS, pick, trapsOf, type TrapSpec } from './rulebook';
import type { AnswerPlan, FormatRule, InstanceFacts, KindWorld, RenderedAnswer, SimInstance } from './types';

interface MathContext {
  q: string;
  gold: string;
  level: number | null;
  subject: string;
  competition: boolean;
}

const isInterval = (gold: string): boolean =>
  /\\infty|\\cup/.test(gold) || (/^\s*(\\left)?[[(].*,.*(\\right)?[\])]\s*$/.test(gold) && /[[\]]/.test(gold));

const SPECS: readonly TrapSpec<MathContext>[] = [
  {
    name: 'simplified-form', weight: 0.4,
    detect: ({ gold }) => /\\[dt]?frac|\\sqrt/.test(gold),
    keywords: ['simplif', 'lowest terms', 'simplest form'],
    rule: 'Simplify the final answer completely: fractions in lowest terms, radicals with no perfect-square factor under the root, and rationalized denominators.',
    altRule: 'Reduce fractions to lowest terms and write radicals in simplest form before giving the final answer.',
    vagueRule: 'Make the final answer neat.',
    wrongRule: 'Convert fractions and roots to decimals rounded to two places.',
  },
  {
    name: 'interval-notation', weight: 0.45,
    detect: ({ q, gold }) => isInterval(gold) || (/\binterval/.test(q) && /,/.test(gold)),
    keywords: ['interval'],
    rule: 'Write sets of values in interval notation: square brackets for included endpoints, round brackets for excluded endpoints and infinity, and \\cup between pieces.',
    altRule: 'Answer ranges of values in interval notation, choosing [ ] or ( ) for each endpoint by whether it is included.',
    vagueRule: 'State the full set of values that work.',
    wrongRule: 'Describe ranges of values with inequalities such as x > 2.',
  },
  {
    name: 'degrees', weight: 0.4,
    detect: ({ q }) => /degree|\^\s*\\circ|\^\s*\{\\circ\}/.test(q),
    keywords: ['degree'],
    rule: 'When the problem measures angles in degrees, give angles in degrees (not radians), without the degree sign in the final answer.',
    altRule: 'Keep angles in degrees if the problem uses degrees.',
    vagueRule: 'Pay attention to angle measures.',
    wrongRule: 'Always express angles in radians.',
  },
  {
    name: 'units', weight: 0.3,
    detect: ({ q }) => /\b(cm|centimeters?|meters?|inch(es)?|feet|foot|units?|miles?|dollars?|cents?|hours?|minutes?|seconds?)\b/.test(q),
    keywords: ['unit'],
    rule: 'Give the final answer as a bare number or expression: no units, no words, no dollar signs.',
    altRule: 'Leave units and words out of the final answer.',
    vagueRule: 'Keep the final answer short.',
    wrongRule: 'Include the measurement name with the final answer.',
  },
  {
    name: 'exact-values', weight: 0.35,
    detect: ({ gold }) => /\\pi|\\sqrt|\\ln|\\log|\be\b/.test(gold),
    keywords: ['exact', 'do not round', "don't round"],
    rule: 'Keep answers exact: leave \\pi, radicals and logarithms symbolic and do not round to decimals.',
    altRule: 'Give exact values (in terms of \\pi or square roots) rather than decimal approximations.',
    vagueRule: 'Be precise in the final answer.',
    wrongRule: 'Approximate constants such as pi by 3.14.',
  },
  {
    name: 'multiple-answers', weight: 0.4,
    detect: ({ gold }) => /,/.test(gold) && !isInterval(gold),
    keywords: ['comma', 'ordered', 'all solutions', 'every solution'],
    rule: 'When the problem asks for several values (all solutions, an ordered pair or triple), give every one of them, separated by commas, in the order requested.',
    altRule: 'List all requested values separated by commas, as an ordered tuple when the problem asks for one.',
    vagueRule: 'Answer every part of the question.',
    wrongRule: 'Give only the largest solution when there are several.',
  },
  {
    name: 'verify-steps', weight: 0.35,
    detect: ({ level, competition }) => competition || (level !== null && level >= 4),
    keywords: ['verify', 'substitut', 'check the answer', 'check your answer'],
    rule: 'Verify the result before finishing: substitute it back into the original conditions and check every constraint.',
    altRule: 'Verify the final result against every condition of the problem before answering.',
    vagueRule: 'Think carefully about each part of the solution.',
    wrongRule: 'Trust the first result and move on.',
  },
  {
    name: 'counting-cases', weight: 0.4,
    detect: ({ q, subject }) => /counting/i.test(subject) || /how many (ways|different|distinct|arrangements)/.test(q),
    keywords: ['double count', 'double-count', 'overcount', 'casework'],
    rule: 'In counting problems, use casework with disjoint cases and check for double counting (divide by symmetries) and for missed cases.',
    altRule: 'Split the count into non-overlapping cases and make sure nothing is double counted or left out.',
    vagueRule: 'Count carefully.',
    wrongRule: 'Multiply the number of choices at every stage, ignoring order and repetition.',
  },
  {
    name: 'common-fraction', weight: 0.45,
    detect: ({ q }) => /common fraction/.test(q),
    keywords: ['common fraction'],
    rule: 'When the problem asks for a common fraction, answer with a reduced fraction \\frac{a}{b}, not a decimal or a mixed number: a common fraction.',
    altRule: 'Express the answer as a common fraction whenever the problem says so.',
    vagueRule: 'Use the form the problem asks for.',
    wrongRule: 'Express probabilities as percentages.',
  },
];

const { traps, detect } = trapsOf('math', SPECS);

export const mathFormat: FormatRule = {
  rule: 'Put the final answer alone inside \\boxed{} at the end of the response.',
  altRule: 'Finish with the final answer written as \\boxed{answer}.',
  keywords: ['boxed'],
};

const LEVEL_DIFFICULTY = [0.15, 0.3, 0.45, 0.6, 0.75];

function readLevel(meta: Record<string, unknown> | undefined): number | null {
  const raw = meta?.level;
  const n = typeof raw === 'number' ? raw : typeof raw === 'string' ? Number(raw.replace(/\D/g, '')) : NaN;
  return Number.isInteger(n) && n >= 1 && n <= 5 ? n : null;
}

function analyze(instance: SimInstance): InstanceFacts {
  const ex = instance.example;
  const level = readLevel(ex.meta);
  const competition = instance.task.startsWith('aime');
  const solution = typeof ex.meta?.solution === 'string' ? ex.meta.solution : '';
  // A small content-derived jitter so instances of one level are not all alike.
  const jitter = ((hash32(ex.id) % 1000) / 1000 - 0.5) * 0.1;
  let base: number;
  if (level !== null) base = LEVEL_DIFFICULTY[level - 1];
  else if (competition) base = 0.92;
  else base = 0.2 + Math.min(0.6, solution.length / 3000);
  const ctx: MathContext = {
    q: normalizeText(ex.question),
    gold: ex.gold,
    level,
    subject: typeof ex.meta?.subject === 'string' ? ex.meta.subject : '',
    competition,
  };
  return { difficulty: clamp(base + jitter, 0.03, 0.97), traps: detect(ctx) };
}

function gcd(a: number, b: number): number {
  return b === 0 ? Math.abs(a) : gcd(b, a % b);
}

/** Forms a grader should accept as the same answer. */
export function equivalentForms(gold: string): string[] {
  const g = gold.trim();
  const forms = new Set<string>();
  const frac = /^(-?)\\[dt]?frac\{(\d+)\}\{(\d+)\}$/.exec(g);
  if (frac) {
    const [, sign, a, b] = frac;
    forms.add(`${sign}\\frac{${a}}{${b}}`);
    forms.add(`${sign}\\dfrac{${a}}{${b}}`);
    forms.add(`${sign}${a}/${b}`);
    if (a.length === 1 && b.length === 1) forms.add(`${sign}\\dfrac${a}${b}`);
    let d = Number(b) / gcd(Number(a), Number(b));
    while (d % 2 === 0) d /= 2;
    while (d % 5 === 0) d /= 5;
    if (d === 1) forms.add(`${sign}${String(Number(a) / Number(b))}`);
  }
  if (/\\left|\\right/.test(g)) forms.add(g.replace(/\\left|\\right/g, '').replace(/\s+/g, ' ').replace(/\( /g, '(').replace(/ \)/g, ')'));
  if (/\s/.test(g)) forms.add(g.replace(/\s+/g, ''));
  if (/\\dfrac/.test(g)) forms.add(g.replace(/\\dfrac/g, '\\frac'));
  forms.delete(g);
  return [...forms];
}

/** A near miss of a LaTeX answer: a changed number, an inverted fraction, a flipped bracket, a sign. */
export function wrongLatex(gold: string, rng: Rng): string {
  const g = gold.trim();
  const options: string[] = [];
  if (/^-?\d+$/.test(g)) {
    const n = Number(g);
    for (const d of [1, 2, 1, 3]) options.push(String(n + d), String(n - d));
    options.push(String(2 * n));
    if (n !== 0) options.push(String(-n));
  }
  const frac = /^(-?)\\[dt]?frac\{(\d+)\}\{(\d+)\}$/.exec(g);
  if (frac) {
    const [, s, a, b] = frac;
    options.push(`${s}\\frac{${b}}{${a}}`, `${s}\\frac{${Number(a) + 1}}{${b}}`, `${s}\\frac{${a}}{${Number(b) + 1}}`, `${s}\\frac{${2 * Number(a)}}{${b}}`);
  }
  if (isInterval(g)) {
    const first = g.search(/[[(]/);
    const last = Math.max(g.lastIndexOf(']'), g.lastIndexOf(')'));
    if (first >= 0) options.push(g.slice(0, first) + (g[first] === '(' ? '[' : '(') + g.slice(first + 1));
    if (last >= 0) options.push(g.slice(0, last) + (g[last] === ')' ? ']' : ')') + g.slice(last + 1));
  }
  if (options.length === 0) {
    const digits = [...g.matchAll(/\d+/g)];
    if (digits.length > 0) {
      const m = digits[rng.int(digits.length)];
      const at = m.index ?? 0;
      const n = Number(m[0]);
      options.push(g.slice(0, at) + String(n + 1) + g.slice(at + m[0].length));
      if (n > 1) options.push(g.slice(0, at) + String(n - 1) + g.slice(at + m[0].length));
    }
    const letter = /^(\\text\{)?\(([A-E])\)\}?$/.exec(g);
    if (letter) options.push(g.replace(`(${letter[2]})`, `(${String.fromCharCode(((letter[2].charCodeAt(0) - 65 + 1) % 5) + 65)})`));
    options.push(g.startsWith('-') ? g.slice(1) : `-${g}`);
  }
  const distinct = options.filter((o) => o !== g);
  return distinct.length > 0 ? pick(rng, distinct) : `${g}+1`;
}

/** Up to three sentences of the worked solution, stopping before it states the answer. */
function reasoningOf(solution: string): string {
  const cut = solution.search(/\\boxed/);
  const text = (cut >= 0 ? solution.slice(0, cut) : solution).replace(/\[asy\][\s\S]*?\[\/asy\]/g, ' ');
  const sentences = text.split(/(?<=[.!?])\s+|\n+/).map((s) => s.trim()).filter((s) => s.length > 2);
  // Drop a trailing fragment that leads into the boxed answer ("Therefore, the answer is").
  if (cut >= 0 && sentences.length > 1) sentences.pop();
  const out: string[] = [];
  let len = 0;
  for (const s of sentences.slice(0, 3)) {
    if (len + s.length > 500 && out.length > 0) break;
    out.push(s);
    len += s.length;
  }
  return out.join(' ');
}

function render(instance: SimInstance, _facts: InstanceFacts, plan: AnswerPlan, rng: Rng): RenderedAnswer {
  const gold = instance.example.gold.trim();
  let answer: string;
  if (plan.correct) {
    const forms = equivalentForms(gold);
    answer = forms.length > 0 && rng.next() < 0.35 ? pick(rng, forms) : gold;
  } else {
    answer = wrongLatex(gold, rng);
  }
  const solution = typeof instance.example.meta?.solution === 'string' ? instance.example.meta.solution : '';
  const reasoning = reasoningOf(solution) || 'We set up the relationships the problem describes and solve for the requested quantity.';
  const ending = plan.formatted ? `Therefore, the final answer is $\\boxed{${answer}}$.` : pick(rng, OFF_FORMAT_ENDINGS)(`$${answer}$`);
  return { text: `${reasoning}\n${ending}`, answer };
}

export const mathWorld: KindWorld = {
  kind: 'math',
  traps,
  format: mathFormat,
  genericAdvice: [
    'Re-read the question to be sure which quantity is asked for.',
    'Write out the key equations before solving them.',
    'Define variables clearly at the start.',
  ],
  analyze,
  render,
};
