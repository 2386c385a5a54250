/**
 * The shape of a normalized answer: a single expression, words, a tuple or interval, an
 * unordered list of solutions, a set, a union of intervals, a matrix or an equation. Shapes are
 * compared element by element, so `(3,4]` and `(3,4)` differ at the bracket and `1,-2` equals
 * `-2,1`.
 */
import { exactExpression, parseExactNumber } from './exact';
import { outerGroup, splitTopLevel } from './latex-scan';

export type AnswerShape =
  | { kind: 'expr'; latex: string }
  | { kind: 'text'; text: string }
  /** `(a,b)`, `[a,b)`, `(a,b,c)`: ordered; the brackets matter (open and closed interval ends). */
  | { kind: 'bracketed'; open: string; close: string; items: AnswerShape[] }
  /** `1,-2` or `1\pm\sqrt{5}`: the solutions, in any order. */
  | { kind: 'list'; items: AnswerShape[] }
  | { kind: 'set'; items: AnswerShape[] }
  | { kind: 'union'; parts: AnswerShape[] }
  | { kind: 'matrix'; rows: AnswerShape[][] }
  | { kind: 'equation'; lhs: string; rhs: string };

const SCALED_MATRIX = /^(.+?)(?:\\cdot|\\times)?(\\begin\{([pbBvV]?matrix)\}[\s\S]*\\end\{\3\})$/;
const MATRIX = /^\\begin\{([pbBvV]?matrix|array)\}(?:\{[^}]*\})?([\s\S]*)\\end\{\1\}$/;

/** Words compare as letters only, case-folded: `\text{(C)}`, `(C)` and `c` are the same choice. */
export function textKey(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]/g, '');
}

export function answerShape(normalized: string, isText = false, check: () => void = () => undefined): AnswerShape {
  check();
  const s = normalized.trim();
  if (isText) return { kind: 'text', text: s };

  const matrix = MATRIX.exec(s);
  if (matrix) {
    const rows = matrix[2].split('\\\\').map((r) => r.trim()).filter((r) => r.length > 0);
    return { kind: 'matrix', rows: rows.map((r) => r.split('&').map((cell) => answerShape(cell, false, check))) };
  }
  // A scalar times a matrix, `3\begin{pmatrix}1&2\end{pmatrix}`: compared as the matrix it is.
  const scaled = SCALED_MATRIX.exec(s);
  if (scaled && !/&|\\begin/.test(scaled[1])) {
    const k = scaled[1] === '-' ? '-1' : scaled[1];
    const inner = MATRIX.exec(scaled[2]);
    if (inner) {
      const rows = inner[2].split('\\\\').map((r) => r.trim()).filter((r) => r.length > 0);
      return { kind: 'matrix', rows: rows.map((r) => r.split('&').map((cell) => answerShape(`(${k})\\cdot(${cell.trim()})`, false, check))) };
    }
  }

  // `A \setminus \{p, q\}` for an interval A: the union of the intervals it leaves.
  const minus = splitTopLevel(s, '\\setminus');
  if (minus.length === 2) {
    const parts = removePoints(minus[0].trim(), minus[1].trim());
    if (parts) return parts.length === 1 ? answerShape(parts[0], false, check) : { kind: 'union', parts: parts.map((p) => answerShape(p, false, check)) };
  }

  const union = splitTopLevel(s, '\\cup');
  if (union.length > 1) return { kind: 'union', parts: union.map((p) => answerShape(p, false, check)) };

  const commas = splitTopLevel(s, ',');
  if (commas.length > 1 && commas.every((p) => p.trim().length > 0)) {
    return { kind: 'list', items: commas.flatMap((p) => expandPlusMinus(p, check)).map((p) => answerShape(p, false, check)) };
  }

  const eq = splitTopLevel(s, '=');
  if (eq.length > 1 && eq.every((p) => p.trim().length > 0)) {
    return { kind: 'equation', lhs: eq[0].trim(), rhs: eq[eq.length - 1].trim() };
  }

  // `x \in [-2,7]`: the membership names the variable; the answer is the set.
  const member = splitTopLevel(s, '\\in');
  if (member.length === 2 && /^[a-zA-Z]$/.test(member[0].trim()) && member[1].trim()) return answerShape(member[1].trim(), false, check);

  const group = outerGroup(s);
  if (group) {
    const items = splitTopLevel(group.inner, ',');
    if (group.open === '\\{') {
      return { kind: 'set', items: group.inner.trim() ? items.flatMap((p) => expandPlusMinus(p, check)).map((p) => answerShape(p, false, check)) : [] };
    }
    if (items.length === 1) {
      // `(5)` is 5 and `(C)` is C; a one-element closed bracket `[5]` stays as written.
      if (group.open === '(' && group.close === ')') return answerShape(group.inner, false, check);
    } else if (items.every((p) => p.trim().length > 0)) {
      return { kind: 'bracketed', open: group.open, close: group.close, items: items.map((p) => answerShape(p, false, check)) };
    }
  }

  const pm = expandPlusMinus(s, check);
  if (pm.length > 1) return { kind: 'list', items: pm.map((p) => answerShape(p, false, check)) };

  return { kind: 'expr', latex: s };
}

/** At most this many `\pm`/`\mp` signs are expanded (2^n answers); compareAnswers refuses more. */
export const MAX_PLUS_MINUS = 6;

/** `a\pm b` → [`a+b`, `a-b`] (the first top-level `\pm`/`\mp`; the rest expand recursively). */
export function expandPlusMinus(s: string, check: () => void = () => undefined): string[] {
  check();
  for (const op of ['\\pm', '\\mp']) {
    const parts = splitTopLevel(s, op);
    if (parts.length < 2) continue;
    const head = parts[0].trim();
    const tail = parts.slice(1).join(op).trim();
    const [first, second] = op === '\\pm' ? ['+', '-'] : ['-', '+'];
    // Without a head, `\pm(x+1)` negates the whole tail.
    const negTail = splitTopLevel(tail, '+').length > 1 || splitTopLevel(tail.slice(1), '-').length > 1 ? `-(${tail})` : `-${tail}`;
    const wrap = (sign: string) => (head ? `${head}${sign}${tail}` : sign === '+' ? tail : negTail);
    return [...expandPlusMinus(wrap(first), check), ...expandPlusMinus(wrap(second), check)];
  }
  return [s];
}

export function describeShape(a: AnswerShape): string {
  switch (a.kind) {
    case 'expr': return 'an expression';
    case 'text': return 'words';
    case 'bracketed': return a.items.length === 2 ? `an interval or pair ${a.open}a,b${a.close}` : `a ${a.items.length}-tuple`;
    case 'list': return `a list of ${a.items.length} answers`;
    case 'set': return `a set of ${a.items.length} elements`;
    case 'union': return `a union of ${a.parts.length} sets`;
    case 'matrix': return `a ${a.rows.length}x${a.rows[0]?.length ?? 0} matrix`;
    case 'equation': return 'an equation';
  }
}

/** A real number for an interval end or a removed point: exact arithmetic, or ±\infty. */
function pointValue(latex: string): number | null {
  const t = latex.trim();
  if (/^\+?\\infty$/.test(t)) return Infinity;
  if (/^-\\infty$/.test(t)) return -Infinity;
  const e = parseExactNumber(t) ?? exactExpression(t);
  return e ? Number(e.num) / Number(e.den) : null;
}

/** The intervals `interval` minus the finite set `points` leaves, as LaTeX, or null if not of that form. */
function removePoints(interval: string, points: string): string[] | null {
  const a = outerGroup(interval);
  const b = outerGroup(points);
  if (!a || a.open === '\\{' || !b || b.open !== '\\{') return null;
  const ends = splitTopLevel(a.inner, ',');
  if (ends.length !== 2) return null;
  const lo = pointValue(ends[0]);
  const hi = pointValue(ends[1]);
  if (lo === null || hi === null) return null;
  const removed: { v: number; text: string }[] = [];
  for (const p of splitTopLevel(b.inner, ',')) {
    const v = pointValue(p);
    if (v === null || !Number.isFinite(v)) return null;
    removed.push({ v, text: p.trim() });
  }
  removed.sort((x, y) => x.v - y.v);
  let open = a.open;
  let start = ends[0].trim();
  let startV = lo;
  const out: string[] = [];
  for (const r of removed) {
    if (r.v < startV || r.v > hi) continue;
    if (r.v === startV) { open = '('; continue; }
    if (r.v === hi) return [...out, `${open}${start},${ends[1].trim()})`];
    out.push(`${open}${start},${r.text})`);
    open = '(';
    start = r.text;
    startV = r.v;
  }
  return [...out, `${open}${start},${ends[1].trim()}${a.close}`];
}
