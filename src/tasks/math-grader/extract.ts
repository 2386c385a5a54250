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

/**
 * Only the end of a long output is searched: the final answer is there, and no scan below may see
 * more than this (a 100 KB answer is not read whole).
 */
export const MAX_OUTPUT_SCANNED = 20_000;
/** An unboxed answer statement longer than this is not an answer (the comparer caps it again). */
const MAX_STATED = 1000;

// "The (final) answer is X." / "Answer: X": X runs to the end of the sentence or line. Found by a
// linear scan (indexOf), not a backtracking regex.
const ANSWER_HEAD = /^\s*(?:is|:|=)\s*:?\s*/;

function answerPhrase(output: string): string | null {
  const lower = output.toLowerCase();
  let at = lower.lastIndexOf('answer');
  while (at >= 0) {
    const after = output.slice(at + 6, at + 6 + 40);
    const head = ANSWER_HEAD.exec(after);
    if (head) {
      const start = at + 6 + head[0].length;
      let end = output.indexOf('\n', start);
      if (end < 0) end = output.length;
      let line = output.slice(start, Math.min(end, start + MAX_STATED));
      for (let k = 0; k < line.length; k++) { // the sentence ends at a period followed by a space
        if (line[k] === '.' && (k + 1 === line.length || /\s/.test(line[k + 1]))) { line = line.slice(0, k); break; }
      }
      const text = stripMathDelimiters(line.trim());
      if (text) return text;
    }
    at = at > 0 ? lower.lastIndexOf('answer', at - 1) : -1;
  }
  return null;
}

const OPENERS: [string, string][] = [['$$', '$$'], ['\\[', '\\]'], ['\\(', '\\)'], ['$', '$']];

/** The last non-empty `$...$`, `$$...$$`, `\(...\)` or `\[...\]`, by one left-to-right scan. */
function lastMath(output: string): string | null {
  let last: string | null = null;
  let i = 0;
  const exhausted = new Set<string>(); // a closer not found once is not found later either: linear
  while (i < output.length) {
    const pair = OPENERS.find(([open]) => output.startsWith(open, i));
    if (!pair) { i++; continue; }
    const [open, close] = pair;
    const end = exhausted.has(close) ? -1 : output.indexOf(close, i + open.length);
    if (end < 0) { exhausted.add(close); i += open.length; continue; }
    const text = output.slice(i + open.length, end).trim();
    if (text) last = text;
    i = end + close.length;
  }
  return last;
}

export function extractFinalAnswer(fullOutput: string): Extraction {
  const output = fullOutput.length > MAX_OUTPUT_SCANNED ? fullOutput.slice(-MAX_OUTPUT_SCANNED) : fullOutput;
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
