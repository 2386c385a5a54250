/**
 * The world of code tasks (HumanEval, MBPP): difficulty from the size of the reference program,
 * traps read off the problem, the reference and its tests (empty input, bounds, negatives,
 * duplicates, letter case, ...). A correct answer is the reference itself; a wrong one is a
 * mutant of it (see code-mutations.ts), and the real test run decides.
 */
import type { Rng } from '../../core/random';
import { clamp, normalizeText } from '../text';
import { mutateProgram, viewCode } from './code-mutations';
import { pick, trapsOf, type TrapSpec } from './rulebook';
import type { AnswerPlan, FormatRule, InstanceFacts, KindWorld, RenderedAnswer, SimInstance } from './types';

interface CodeContext {
  q: string;
  code: string;
  tests: string;
}

const SPECS: readonly TrapSpec<CodeContext>[] = [
  {
    name: 'empty-input', weight: 0.45,
    detect: ({ q, code, tests }) => /\bempty\b/.test(q) || /[(,]\s*(\[\]|''|""|\(\)|\{\})\s*[,)]/.test(tests) || /\bif not \w+\s*:/.test(code),
    keywords: ['empty'],
    rule: 'Handle empty inputs (empty list, empty string, zero) explicitly before the main logic and return what the problem specifies for them.',
    altRule: 'Start by checking for an empty input and return the correct value for it.',
    vagueRule: 'Consider unusual inputs.',
    wrongRule: 'Assume the input always has at least one element.',
  },
  {
    name: 'off-by-one', weight: 0.4,
    detect: ({ code }) => /\brange\(/.test(code) || /\[[^\]\n]*:[^\]\n]*\]/.test(code),
    keywords: ['off-by-one', 'off by one', 'inclusive', 'exclusive', 'loop bound'],
    rule: 'Check loop and slice bounds for off-by-one errors: range(a, b) and x[a:b] exclude b, so include the last index when the problem needs it.',
    altRule: 'Decide for every loop and slice whether its end is inclusive or exclusive, and test the first and last index.',
    vagueRule: 'Check your loops.',
    wrongRule: 'Use range(1, n) for loops over n items.',
  },
  {
    name: 'negative-numbers', weight: 0.35,
    detect: ({ q, tests }) => /\bnegative\b/.test(q) || /[([,]\s*-\d/.test(tests),
    keywords: ['negative'],
    rule: 'Make sure the function handles negative numbers and zero, not only positive inputs.',
    altRule: 'Test the logic on negative values and zero as well as positive ones.',
    vagueRule: 'Test the function mentally on a few inputs.',
    wrongRule: 'Take the absolute value of numeric inputs first.',
  },
  {
    name: 'duplicates', weight: 0.4,
    detect: ({ q, code }) => /duplicate|unique|distinct|repeat/.test(q) || /\bset\(/.test(code),
    keywords: ['duplicate'],
    rule: 'Handle duplicate elements exactly as the problem says: keep, remove or count repeated values as required.',
    altRule: 'Decide explicitly what happens to duplicate values and follow the problem statement.',
    vagueRule: 'Think about the contents of the input.',
    wrongRule: 'Remove repeated elements from the input before processing it.',
  },
  {
    name: 'string-case', weight: 0.4,
    detect: ({ q, code }) => /upper|lower|\bcase\b|capital/.test(q) || /\.(lower|upper|swapcase|isupper|islower|capitalize|title)\(/.test(code),
    keywords: ['lowercase', 'uppercase', 'lower case', 'upper case', 'letter case', 'case-sensitiv', 'case sensitiv', 'case-insensitiv', 'case insensitiv'],
    rule: 'Respect letter case: compare and transform strings with exactly the uppercase/lowercase handling the problem requires.',
    altRule: 'Be explicit about letter case: decide whether comparisons are case-sensitive and keep the case the output needs.',
    vagueRule: 'Be careful with strings.',
    wrongRule: 'Normalize every string input before processing it.',
  },
  {
    name: 'float-precision', weight: 0.3,
    detect: ({ q, code }) => /\bfloat|decimal/.test(q) || /\bfloat\b|\bround\(|math\.(sqrt|floor|ceil)/.test(code),
    keywords: ['float', 'precision', 'tolerance'],
    rule: 'For floating-point results, use true division, round only where the problem says to, and return the numeric type it expects.',
    altRule: 'Mind float precision: do not truncate with integer division, and round only as the problem specifies.',
    vagueRule: 'Return the right value.',
    wrongRule: 'Use integer division for all divisions.',
  },
  {
    name: 'sort-order', weight: 0.35,
    detect: ({ q, code }) => /\bsort|\bascending|\bdescending/.test(q) || /\bsorted\(|\.sort\(/.test(code),
    keywords: ['ascending', 'descending', 'sort order', 'sorted order'],
    rule: 'When the output must be ordered, sort in the order the problem asks for (ascending unless it says descending) and keep ties stable.',
    altRule: 'Check the required sort order (ascending or descending) and how ties are broken.',
    vagueRule: 'Arrange the output properly.',
    wrongRule: 'Return results in the order they are found.',
  },
];

const { traps, detect } = trapsOf('code', SPECS);

export const codeFormat: FormatRule = {
  rule: 'Return the complete function (with its def line and any imports it needs) in a single python code block.',
  altRule: 'Answer with one python code block holding the whole function.',
  // A code fence in the instruction (or the user template around the prompt) asks for one too.
  keywords: ['code block', 'fenced block', 'fenced code', 'code fence', '```'],
};

function testsText(meta: Record<string, unknown> | undefined): string {
  const t = meta?.tests;
  if (typeof t === 'string') return t;
  if (Array.isArray(t)) return t.filter((x) => typeof x === 'string').join('\n');
  return '';
}

/** Lines of real code: not blank, not comments, not inside docstrings. */
export function codeLineCount(program: string): number {
  return viewCode(program).masked.filter((l) => l.trim() !== '').length;
}

function analyze(instance: SimInstance): InstanceFacts {
  const ex = instance.example;
  const lines = codeLineCount(ex.gold);
  const difficulty = clamp(0.05 + 0.035 * lines, 0.05, 0.92);
  const ctx: CodeContext = { q: normalizeText(ex.question), code: ex.gold, tests: testsText(ex.meta) };
  return { difficulty, traps: detect(ctx) };
}

/** A wrong program when no mutation applies: the body stops early with a placeholder result. */
function fallbackWrong(program: string): string {
  const lines = program.replace(/\r\n?/g, '\n').split('\n');
  const ret = lines.map((l, i) => [l, i] as const).filter(([l]) => /^\s*return\b/.test(l)).pop();
  if (ret) {
    const [l, i] = ret;
    lines[i] = `${l.slice(0, l.length - l.trimStart().length)}return None`;
    return lines.join('\n');
  }
  return `${program.trimEnd()}\n    raise NotImplementedError`;
}

function render(instance: SimInstance, facts: InstanceFacts, plan: AnswerPlan, rng: Rng): RenderedAnswer {
  const reference = instance.example.gold.replace(/\r\n?/g, '\n').trimEnd();
  let code = reference;
  if (!plan.correct) {
    const mutant = mutateProgram(reference, facts.traps.map((t) => t.name), rng);
    code = mutant && mutant.code !== reference ? mutant.code : fallbackWrong(reference);
  }
  const entry = typeof instance.example.meta?.entryPoint === 'string' ? `\`${instance.example.meta.entryPoint}\`` : 'the function';
  const intro = pick(rng, [
    `Here is an implementation of ${entry}:`,
    `The following implements ${entry} as described:`,
    `I'll write ${entry} step by step, then give the full code.`,
  ]);
  if (plan.formatted) return { text: `${intro}\n\n\`\`\`python\n${code}\n\`\`\`\n`, answer: code };
  // No format asked: the code comes as plain text between prose, as chatty models do.
  return { text: `${intro}\n\n${code}\n\nThis follows the examples in the problem statement.`, answer: code };
}

export const codeWorld: KindWorld = {
  kind: 'code',
  traps,
  format: codeFormat,
  genericAdvice: [
    'Make sure the function reproduces the examples in the problem statement.',
    'Keep the function name and signature exactly as given.',
    'Prefer simple, readable code.',
  ],
  analyze,
  render,
};
