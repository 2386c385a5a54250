/**
 * Finding the final answer in a model's output: the last `\boxed{...}` (or `\fbox{...}`), as
 * the MATH benchmark asks; failing that, an answer stated without a box ("the answer is ...",
 * or the last `$...$`), which is reported separately so the score can insist on the box.
 */
import { matchBrace } from './latex-scan';

export type ExtractionMethod = 'boxed' | 'answer-phrase' | 'last-math' | 'none';

export interface Extraction {
  /** The answer text, or null when nothing could be extracted. */
  answer: string | null;
  /** True when the answer came from a `\boxed{}`/`\fbox{}`. */
  boxed: boolean;
  method: ExtractionMethod;
  /** Why no boxed answer was found, written for a reflecting model (undefined when boxed). */
  boxProblem?: string;
}

const BOX = /\\(boxed|fbox)(?![a-zA-Z])/g;

interface BoxResult { answer: string | null; problem?: string }

/** The content of the last `\boxed{...}`, with the reason when there is none or it is broken. */
export function lastBoxed(output: string): BoxResult {
  const hits = [...output.matchAll(BOX)];
  if (hits.length === 0) return { answer: null, problem: 'no \\boxed{} in the output' };
  const hit = hits[hits.length - 1];
  const cmd = `\\${hit[1]}`;
  let i = hit.index! + hit[0].length;
  while (i < output.length && (output[i] === ' ' || output[i] === '\t')) i++;
  if (output[i] === '{') {
    const end = matchBrace(output, i);
    if (end < 0) {
      return { answer: null, problem: `the last ${cmd}{ has unbalanced braces (no matching "}"; the output may be truncated)` };
    }
    const inner = output.slice(i + 1, end - 1).trim();
    if (!inner) return { answer: null, problem: `the last ${cmd}{} is empty` };
    return { answer: inner };
  }
  // `\boxed 5` (no braces): the answer runs to the next space or `$`, as in the MATH solutions.
  const m = /^[^\s$]+/.exec(output.slice(i));
  if (i > hit.index! + hit[0].length && m) return { answer: m[0] };
  return { answer: null, problem: `the last ${cmd} is not followed by {...}` };
}

/** Removes one layer of inline-math delimiters: `$x$`, `\(x\)`, `\[x\]`, `$$x$$`. */
export function stripMathDelimiters(s: string): string {
  let t = s.trim();
  for (;;) {
    const m = /^\$\$([\s\S]*)\$\$$/.exec(t) ?? /^\$([\s\S]*)\$$/.exec(t)
      ?? /^\\\(([\s\S]*)\\\)$/.exec(t) ?? /^\\\[([\s\S]*)\\\]$/.exec(t);
    if (!m) return t;
    t = m[1].trim();
  }
}

// "The (final) answer is X." / "Answer: X": X runs to the end of the sentence or line.
const ANSWER_PHRASE = /(?:final answer|answer)\s*(?:is|:|=)\s*:?\s*([^\n]+?)\s*(?:\.(?=\s|$)|\n|$)/gi;

function answerPhrase(output: string): string | null {
  const hits = [...output.matchAll(ANSWER_PHRASE)];
  for (let k = hits.length - 1; k >= 0; k--) {
    const text = stripMathDelimiters(hits[k][1]);
    if (text) return text;
  }
  return null;
}

const MATH_SPANS = /\$\$([\s\S]+?)\$\$|\$([^$]+?)\$|\\\(([\s\S]+?)\\\)|\\\[([\s\S]+?)\\\]/g;

function lastMath(output: string): string | null {
  const hits = [...output.matchAll(MATH_SPANS)];
  for (let k = hits.length - 1; k >= 0; k--) {
    const text = (hits[k][1] ?? hits[k][2] ?? hits[k][3] ?? hits[k][4] ?? '').trim();
    if (text) return text;
  }
  return null;
}

export function extractFinalAnswer(output: string): Extraction {
  const box = lastBoxed(output);
  if (box.answer !== null) return { answer: box.answer, boxed: true, method: 'boxed' };
  const phrase = answerPhrase(output);
  if (phrase !== null) {
    return { answer: phrase, boxed: false, method: 'answer-phrase', boxProblem: box.problem };
  }
  const math = lastMath(output);
  if (math !== null) return { answer: math, boxed: false, method: 'last-math', boxProblem: box.problem };
  return { answer: null, boxed: false, method: 'none', boxProblem: box.problem };
}
