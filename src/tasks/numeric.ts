/**
 * Numeric answer extraction as lm-evaluation-harness does for GSM8K: a strict match of
 * `#### <number>` and a flexible match of the last number in the output. Shared by GSM8K,
 * SVAMP and GSM-Hard.
 */
import type { Grade } from './types';

const STRICT = /#### (-?[0-9.,]+)/;
const FLEXIBLE = /(-?[$0-9.,]{2,})|(-?[0-9]+)/g;

/** lm-eval's filters: drop commas, dollar signs and a trailing period. */
export function cleanNumber(raw: string): string {
  return raw.replace(/[,$]/g, '').replace(/\.$/, '').trim();
}

export function extractStrict(output: string): string | null {
  const m = STRICT.exec(output);
  return m ? cleanNumber(m[1]) : null;
}

export function extractFlexible(output: string): string | null {
  const matches = [...output.matchAll(FLEXIBLE)];
  for (let i = matches.length - 1; i >= 0; i--) {
    const cleaned = cleanNumber(matches[i][0]);
    if (/^-?\d*\.?\d+$/.test(cleaned)) return cleaned;
  }
  return null;
}

/** Equal as numbers, with a relative tolerance (0 for exact integer tasks like GSM8K). */
export function numbersEqual(a: string, b: string, relTol = 0): boolean {
  const x = Number(a);
  const y = Number(b);
  if (!Number.isFinite(x) || !Number.isFinite(y)) return false;
  if (relTol === 0) return x === y;
  // Relative for large values, an absolute floor of relTol below 1 (answers rounded to about six
  // decimals still count). Known edge: for the two GSM-Hard golds near 5e-7, an answer of 0 counts.
  return Math.abs(x - y) <= relTol * Math.max(1, Math.abs(y));
}

/** Grades a numeric answer: the score is the strict match; the flexible match is reported too. */
export function gradeNumeric(output: string, gold: string, relTol = 0): Grade {
  const strict = extractStrict(output);
  const flexible = extractFlexible(output);
  const strictOk = strict !== null && numbersEqual(strict, gold, relTol);
  const flexibleOk = flexible !== null && numbersEqual(flexible, gold, relTol);
  let feedback: string;
  if (strictOk) feedback = `correct: expected ${gold}, extracted ${strict}`;
  else if (strict !== null) feedback = `incorrect: expected ${gold}, extracted ${strict}`;
  else if (flexible !== null) {
    feedback = `no final answer in the required format "#### <number>"; the last number in the output was ${flexible}` +
      (flexibleOk ? ' (the right value, but not in the required format)' : `, expected ${gold}`);
  } else feedback = `no final answer in the required format "#### <number>" and no number at all; expected ${gold}`;
  return {
    score: strictOk ? 1 : 0,
    extracted: strict ?? flexible,
    feedback,
    details: { strict, flexible, strictScore: strictOk ? 1 : 0, flexibleScore: flexibleOk ? 1 : 0 },
  };
}
