/**
 * Answer normalization in the style of the Hendrycks MATH grader (`strip_string`): the same
 * spelling of the same answer becomes the same string, so most verdicts are string equality.
 * Extended with what MATH-500 golds and model outputs actually contain: `\mbox`, unit words,
 * `^{\circ}`, thousands separators, mixed numbers, base subscripts, trailing zeros.
 */
import { stripMathDelimiters } from './extract';
import { matchBrace, replaceCommandArg } from './latex-scan';

export interface NormalizedAnswer {
  /** The normalized LaTeX (spaces removed except where a command needs one). */
  text: string;
  /** A `%` or "percent" was removed: 25% may be meant as 25 or as 0.25. */
  percent: boolean;
  /** The answer is words (`\text{ellipse}`, `Evelyn`), not mathematics. */
  isText: boolean;
}

/** Unit words a MATH answer may carry after its value; removing them leaves the value. */
const UNIT_WORDS = [
  'units?', 'square units?', 'sq units?', 'cubic units?', 'cm', 'mm', 'km', 'm', 'meters?', 'metres?',
  'centimeters?', 'kilometers?', 'inch(?:es)?', 'in', 'feet', 'foot', 'ft', 'yards?', 'yd', 'miles?',
  'degrees?', 'radians?', 'cents?', 'dollars?', 'hours?', 'hrs?', 'minutes?', 'mins?', 'seconds?', 'secs?',
  'days?', 'weeks?', 'months?', 'years?', 'mph', 'pounds?', 'lbs?', 'ounces?', 'oz', 'gallons?', 'liters?',
  'litres?', 'grams?', 'g', 'kg', 'people', 'persons?', 'students?', 'ways', 'times', 'percent', 'square feet',
  'square inches', 'square meters', 'sq ft', 'sq in', 'cubic feet', 'cubic inches', 'cubic centimeters',
  'points?', 'marbles?', 'apples?', 'books?', 'cookies?', 'coins?', 'items?', 'tiles?', 'steps?', 'numbers?',
];
const UNIT_RE = new RegExp(`^(?:${UNIT_WORDS.join('|')})\\.?$`, 'i');
// Bare (unwrapped) unit words at the end, after a value: only words of 2+ letters, so a trailing
// variable such as the `m` in `5m` is never taken for a unit.
const TRAILING_UNIT_RE = new RegExp(
  `(?<=[0-9}).\\s])\\s*(?:${UNIT_WORDS.filter((w) => w.replace(/\?|\(.*?\)|\\/g, '').length > 1).join('|')})(?:\\^\\{?[23]\\}?)?\\s*$`, 'i');

const TEXT_COMMANDS = ['text', 'textbf', 'textit', 'textrm', 'textnormal', 'textsf', 'texttt', 'mbox', 'mathrm', 'mathbf', 'mathit', 'mathsf', 'mathtt', 'mathnormal', 'emph', 'hbox'];

/** True when the whole of `s` is one `\text{...}`-like group (so the answer is words). */
function wholeTextGroup(s: string): string | null {
  const m = new RegExp(`^\\\\(?:${TEXT_COMMANDS.join('|')})\\s*\\{`).exec(s);
  if (!m) return null;
  const open = m[0].length - 1;
  return matchBrace(s, open) === s.length ? s.slice(open + 1, -1) : null;
}

/** `\frac12` → `\frac{1}{2}`, `\sqrt3` → `\sqrt{3}`: every argument of these commands gets braces. */
export function braceArguments(s: string, command: 'frac' | 'sqrt' | 'binom', arity: number): string {
  const token = `\\${command}`;
  let out = '';
  let i = 0;
  for (;;) {
    const at = s.indexOf(token, i);
    if (at < 0) return out + s.slice(i);
    let j = at + token.length;
    if (/[a-zA-Z]/.test(s[j] ?? '')) { // another command with this prefix
      out += s.slice(i, j);
      i = j;
      continue;
    }
    out += s.slice(i, j);
    if (command === 'sqrt' && s[j] === '[') { // \sqrt[3]{x}: keep the index as written
      const close = s.indexOf(']', j);
      if (close < 0) { i = j; continue; }
      out += s.slice(j, close + 1);
      j = close + 1;
    }
    for (let k = 0; k < arity; k++) {
      while (s[j] === ' ') j++;
      if (s[j] === '{') {
        const end = matchBrace(s, j);
        if (end < 0) break;
        out += s.slice(j, end);
        j = end;
      } else if (s[j] === '\\') {
        const m = /^\\[a-zA-Z]+/.exec(s.slice(j));
        if (!m) break;
        out += `{${m[0]}}`;
        j += m[0].length;
      } else if (j < s.length) {
        out += `{${s[j]}}`;
        j++;
      }
    }
    i = j;
  }
}

function isUnit(text: string): boolean {
  return UNIT_RE.test(text.trim().replace(/\s+/g, ' '));
}

export function normalizeAnswer(raw: string): NormalizedAnswer {
  let percent = false;
  let s = stripMathDelimiters(raw.replace(/[\r\n\t]+/g, ' '));
  s = s.replace(/\\\\/g, '\u0002'); // matrix row breaks `\\` survive the spacing rules below
  // Unicode a model may write instead of LaTeX.
  s = s.replace(/∞/g, '\\infty ').replace(/π/g, '\\pi ').replace(/[−–]/g, '-').replace(/×/g, '\\times ')
    .replace(/·/g, '\\cdot ').replace(/≤/g, '\\leq ').replace(/≥/g, '\\geq ');

  // Spacing and sizing commands carry no meaning.
  // `10,\!080` and `10{,}080` separate thousands; `10, 80` (a comma and a space) lists two answers.
  s = s.replace(/\{,\}|,\s*\\!\s*/g, '\u0003').replace(/\\!/g, '').replace(/\\[,;: ]|\\quad|\\qquad|~/g, ' ');
  s = s.replace(/\\displaystyle|\\textstyle/g, '');
  s = s.replace(/\\[dtc]frac(?![a-zA-Z])/g, '\\frac').replace(/\\[dt]binom(?![a-zA-Z])/g, '\\binom');
  s = s.replace(/\\(?:left|right)\s*\./g, '');
  s = s.replace(/\\(?:left|right|bigl|bigr|Bigl|Bigr|biggl|biggr|Biggl|Biggr|big|Big|bigg|Bigg)(?![a-zA-Z])/g, '');
  s = s.replace(/\\langle(?![a-zA-Z])/g, '(').replace(/\\rangle(?![a-zA-Z])/g, ')');
  s = s.replace(/\\lvert|\\rvert|\\vert/g, '|');

  // Degrees, currency, percent.
  s = s.replace(/\^\s*\{\s*\\circ\s*\}|\^\s*\\circ|\\circ(?![a-zA-Z])|°|\\degree(?![a-zA-Z])/g, '');
  s = s.replace(/\\\$|\$|\\textdollar/g, '');
  if (/\\%|%/.test(s)) { percent = true; s = s.replace(/\\%|%/g, ''); }

  const wholeText = wholeTextGroup(s.trim());
  let isText = wholeText !== null && /[a-zA-Z]/.test(wholeText) && !isUnit(wholeText);

  // `\text{ cm}^2`, `\mbox{ inches}`: a unit after the value goes; `\text{ or }` joins answers.
  s = replaceCommandArg(s, TEXT_COMMANDS, (arg) => {
    const word = arg.trim();
    if (/^(?:or|and)$/i.test(word)) return ',';
    if (!isText && (isUnit(word) || (/^\s/.test(arg) && /[a-zA-Z]/.test(word)))) {
      if (/^percent$/i.test(word)) percent = true;
      return '\u0001'; // marks a removed unit so a following ^2 can go with it
    }
    return unwrapText(arg);
  });
  s = s.replace(/\u0001\s*(?:\^\s*\{?\s*[23]\s*\}?)?/g, '');
  if (!isText) {
    const before = s;
    s = s.replace(TRAILING_UNIT_RE, '');
    if (s !== before && /percent\s*$/i.test(before)) percent = true;
  }

  s = s.replace(/\\(?:le|leqslant)(?![a-zA-Z])/g, '\\leq').replace(/\\(?:ge|geqslant)(?![a-zA-Z])/g, '\\geq')
    .replace(/\\ne(?![a-zA-Z])/g, '\\neq').replace(/\\varnothing(?![a-zA-Z])/g, '\\emptyset')
    .replace(/^\\\{\s*\\\}$/, '\\emptyset');
  s = s.replace(/(^|[(\[,])\s*\+\s*\\infty/g, '$1\\infty');
  // The real line as a set: `\mathbb{R}` is the interval it is (so `\mathbb{R}\setminus\{0\}` is a union).
  s = s.replace(/\\mathbb\s*\{\s*R\s*\}|\\mathbb\s+R(?![a-zA-Z])|ℝ/g, '(-\\infty,\\infty)');

  s = braceArguments(s, 'frac', 2);
  s = braceArguments(s, 'binom', 2);
  s = braceArguments(s, 'sqrt', 1);

  // Spaces go, except the one that keeps a command apart from a following letter (`\cot x`).
  // A comma followed by a space is marked first: it lists answers, never separates thousands.
  s = s.trim().replace(/,\s+/g, '\u0004').replace(/(\\[a-zA-Z]+)\s+(?=[a-zA-Z0-9])/g, '$1\u0000').replace(/\s+/g, '').replace(/\u0000/g, ' ');
  s = s.replace(/\.+$/, ''); // trailing sentence period

  if (/^-?\d{1,3}([,\u0003]\d{3})+(\.\d+)?$/.test(s)) s = s.replace(/[,\u0003]/g, ''); // 10,080
  s = s.replace(/[\u0003\u0004]/g, ',');
  s = s.replace(/(^|[^\d}a-zA-Z])\.(\d)/g, '$10.$2'); // .5 → 0.5
  s = s.replace(/(\d+)\.(\d*?)0+(?![\d])/g, (_m, whole: string, frac: string) => (frac ? `${whole}.${frac}` : whole)); // 0.50 → 0.5
  s = s.replace(/(\d)\.(?![\d\\])/g, '$1'); // "5." → 5

  let m: RegExpExecArray | null;
  if ((m = /^(-?\d+)\/(\d+)$/.exec(s))) s = `\\frac{${m[1]}}{${m[2]}}`;
  if ((m = /^(-?)(\d+)\\frac\{(\d+)\}\{(\d+)\}$/.exec(s))) { // mixed number 1\frac{4}{5} = 9/5
    const whole = BigInt(m[2]);
    const den = BigInt(m[4]);
    if (den > 0n) s = `${m[1]}\\frac{${whole * den + BigInt(m[3])}}{${den}}`;
  }
  if ((m = /^(\d+)_\{?(\d+)\}?$/.exec(s))) s = m[1]; // 2516_8: the base is given by the question

  if (!isText && wholeText === null && /^[a-zA-Z]{3,}$/.test(s)) isText = true; // a bare word: Evelyn
  return { text: s.replace(/\u0002/g, '\\\\'), percent, isText };
}

/** Strips nested text commands inside a text argument: `\text{\textbf{yes}}` → `yes`. */
function unwrapText(arg: string): string {
  return replaceCommandArg(arg, TEXT_COMMANDS, (inner) => unwrapText(inner));
}
