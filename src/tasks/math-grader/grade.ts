/**
 * Grading a model's output against a MATH-style gold answer: extraction, comparison, and the
 * feedback a reflecting model reads (what was expected, what was found, why it failed).
 */
import type { Grade } from '../types';
import { compareAnswers, type CompareOptions, type Verdict } from './compare';
import { extractFinalAnswer } from './extract';

export interface MathGradeOptions extends CompareOptions {
  /**
   * Score an answer stated without `\boxed{}` too (default false: the required format is the
   * box, and an unboxed answer's verdict is reported in `details.fallbackCorrect`).
   */
  acceptUnboxed?: boolean;
}

const METHOD_TEXT = {
  'answer-phrase': 'stated as "the answer is ..."',
  'last-math': 'the last math expression in the output',
} as const;

function clip(s: string, n = 200): string {
  return s.length > n ? `${s.slice(0, n)}...` : s;
}

export function gradeMath(output: string, gold: string, options: MathGradeOptions = {}): Grade {
  const ex = extractFinalAnswer(output);
  if (ex.answer === null) {
    return {
      score: 0,
      extracted: null,
      feedback: `no final answer found: ${ex.boxProblem}; expected ${gold}`,
      details: { boxed: false, extraction: ex.method, boxProblem: ex.boxProblem, tier: 'none' },
    };
  }
  const verdict: Verdict = compareAnswers(gold, ex.answer, options);
  const counted = ex.boxed || options.acceptUnboxed === true;
  const score = verdict.equal && counted ? 1 : 0;
  const details: Record<string, unknown> = { boxed: ex.boxed, extraction: ex.method, tier: verdict.tier, reason: verdict.reason };
  if (verdict.timedOut) details.timedOut = true;
  let feedback: string;
  if (ex.boxed) {
    feedback = verdict.equal
      ? `correct: expected ${gold}, extracted ${clip(ex.answer)} (${verdict.reason})`
      : `incorrect: expected ${gold}, extracted ${clip(ex.answer)} (${verdict.reason})`;
  } else {
    details.boxProblem = ex.boxProblem;
    details.fallbackCorrect = verdict.equal;
    const where = METHOD_TEXT[ex.method as keyof typeof METHOD_TEXT];
    const head = `${ex.boxProblem}; the answer ${where} is ${clip(ex.answer)}`;
    feedback = verdict.equal
      ? `${head}, which equals the expected ${gold}${counted ? '' : ', but the final answer must be in \\boxed{}'}`
      : `${head}, which is wrong: expected ${gold} (${verdict.reason})`;
  }
  return { score, extracted: ex.answer, feedback, details };
}

/** AIME answers are integers 0..999; golds come as numbers or zero-padded strings ("025"). */
export function aimeGoldInteger(gold: string | number, where: string): string {
  const text = String(gold).trim();
  if (!/^\d+$/.test(text)) throw new Error(`${where}: AIME answer must be a non-negative integer, got ${JSON.stringify(gold)}`);
  return BigInt(text).toString();
}

/** AIME grading: the gold as an integer (zero padding dropped), compared like any math answer. */
export function gradeAime(output: string, gold: string, options: MathGradeOptions = {}): Grade {
  return gradeMath(output, aimeGoldInteger(gold, 'AIME gold'), options);
}
