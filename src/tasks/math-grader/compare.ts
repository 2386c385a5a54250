/**
 * Equivalence of two math answers, in three tiers:
 *  1. `string`: the normalized answers are the same text;
 *  2. `numeric`: both are constants equal as numbers (exactly for integers and fractions,
 *     within a relative tolerance once a decimal or an irrational is involved: `\frac{1}{2}`,
 *     `0.5`, `\sqrt{2}/2`, `\pi`);
 *  3. `symbolic`: expressions in variables, equal as canonical forms of the algebra library or
 *     equal at every probe point (two different polynomials or rational functions agree at
 *     a handful of generic points only by accident).
 * Tuples, intervals, sets, lists of solutions, matrices and equations are compared element by
 * element. The verdict says which tier decided it; `none` means no tier could (unparsable
 * answer, time limit).
 */
import { answerShape, describeShape, MAX_PLUS_MINUS, textKey, type AnswerShape } from './answer-shape';
import { withScope, type ParsedMath } from './compute-engine';
import { evaluate, freeVariables, NotEvaluable, type Complex, type EvaluationLimits, type MathJson } from './evaluate';
import { exactEqual, exactExpression, exactToNumber, parseExactNumber, terminates, type ExactNumber } from './exact';
import { normalizeAnswer } from './normalize';
import { startDeadline, TimeLimitExceeded, type Deadline } from './time-limit';

export type Tier = 'string' | 'numeric' | 'symbolic' | 'none';

export interface Verdict {
  equal: boolean;
  tier: Tier;
  /** One line a reflecting model can read: why equal or why not. */
  reason: string;
  timedOut?: boolean;
}

export interface CompareOptions {
  /** Relative tolerance for numbers that are not exact integers or fractions (default 1e-6). */
  relTol?: number;
  /** Time limit for one comparison in ms (default 2000). */
  timeLimitMs?: number;
  /** Clock for the time limit (ms); injectable for tests. */
  now?: () => number;
}

export const DEFAULT_REL_TOL = 1e-6;
export const DEFAULT_TIME_LIMIT_MS = 2000;
/**
 * Longer answers are not parsed by the algebra library: its parser is superlinear on nested
 * input (~0.1 s at 500 characters) and cannot be interrupted. MATH-500's longest gold has 57.
 */
export const MAX_PARSE_CHARS = 500;
/**
 * Longer answers are refused before any regex or parser sees them (MATH-500's longest gold has
 * 57 characters; a matrix answer a few hundred).
 */
export const MAX_ANSWER_CHARS = 1000;
/** Evaluation steps (expression nodes) per comparison: bounds the work on any input. */
export const MAX_EVAL_STEPS = 200_000;

/** Probe values: irrational-looking, away from 0 and ±1, of both signs, so removable singularities and integer-only identities are unlikely to be hit. */
const PROBES = [0.7318, 1.6093, -0.5521, 2.3817, -1.8463, 0.3149, 3.1271, -2.6653];
const PROBE_POINTS = 6;
const MIN_DEFINED_POINTS = 3;

interface Ctx {
  relTol: number;
  deadline: Deadline;
  check: () => void;
  limits: EvaluationLimits;
}

const RANK: Record<Tier, number> = { none: -1, string: 0, numeric: 1, symbolic: 2 };
const higher = (a: Tier, b: Tier): Tier => (RANK[a] >= RANK[b] ? a : b);
const equal = (tier: Tier, reason: string): Verdict => ({ equal: true, tier, reason });
const differ = (tier: Tier, reason: string): Verdict => ({ equal: false, tier, reason });

/** Compares a gold answer with a predicted one (both raw LaTeX, e.g. the contents of `\boxed{}`). */
export function compareAnswers(gold: string, predicted: string, options: CompareOptions = {}): Verdict {
  const relTol = options.relTol ?? DEFAULT_REL_TOL;
  const deadline = startDeadline(options.timeLimitMs ?? DEFAULT_TIME_LIMIT_MS, options.now);
  const ctx: Ctx = { relTol, deadline, check: () => deadline.check(), limits: { deadline, steps: { n: 0 }, maxSteps: MAX_EVAL_STEPS } };
  try {
    const g = normalizeAnswer(gold);
    if (!g.text) throw new Error(`math grader: the gold answer ${JSON.stringify(gold)} is empty after normalization`);
    if (predicted.length > MAX_ANSWER_CHARS) {
      return differ('none', `the answer is too long to grade (${predicted.length} characters; at most ${MAX_ANSWER_CHARS})`);
    }
    const p = normalizeAnswer(predicted);
    deadline.check();
    if (!p.text) return differ('none', 'the extracted answer is empty');
    if (g.text === p.text && g.isText === p.isText) return equal('string', 'same answer after normalization');
    const signs = (p.text.match(/\\(?:pm|mp)(?![a-zA-Z])/g) ?? []).length;
    if (signs > MAX_PLUS_MINUS) return differ('none', `the answer has ${signs} \\pm/\\mp signs (at most ${MAX_PLUS_MINUS} are expanded)`);
    const scales = g.percent !== p.percent ? [1, 0.01, 100] : [1];
    const check = () => deadline.check();
    return compareShapes(answerShape(g.text, g.isText, check), answerShape(p.text, p.isText, check), ctx, scales);
  } catch (err) {
    if (err instanceof TimeLimitExceeded) {
      return { equal: false, tier: 'none', reason: `no verdict within the time limit (${err.limitMs} ms)`, timedOut: true };
    }
    throw err;
  }
}

function isLoneVariable(latex: string): boolean {
  return /^(?:[a-zA-Z]|\\[a-zA-Z]+)(?:_\{?[a-zA-Z0-9]+\}?)?$/.test(latex) && !/^\\(?:pi|infty)$/.test(latex);
}

function compareShapes(g: AnswerShape, p: AnswerShape, ctx: Ctx, scales: number[]): Verdict {
  ctx.deadline.check();
  if (g.kind === 'text' || p.kind === 'text') return compareText(g, p);

  if (g.kind === 'equation' && p.kind === 'equation') {
    // Two assignments to the same variable (`x=5`, `x=6`) compare by value.
    if (g.lhs === p.lhs && isLoneVariable(g.lhs)) return compareShapes(answerShape(g.rhs, false, ctx.check), answerShape(p.rhs, false, ctx.check), ctx, scales);
    return compareEquations(g, p, ctx);
  }
  if (g.kind === 'equation') {
    // `x = 5` against `5`: an assignment's value is the answer; a general equation is not.
    if (isLoneVariable(g.lhs)) return compareShapes(answerShape(g.rhs, false, ctx.check), p, ctx, scales);
    return differ('string', `expected an equation (${g.lhs}=${g.rhs}), got ${describeShape(p)}`);
  }
  if (p.kind === 'equation') return compareShapes(g, answerShape(p.rhs, false, ctx.check), ctx, scales);

  if (g.kind === 'expr' && p.kind === 'expr') return compareExpressions(g.latex, p.latex, ctx, scales);

  if (g.kind === 'bracketed' && p.kind === 'bracketed') {
    if (g.items.length !== p.items.length) return differ('string', `expected ${g.items.length} components, got ${p.items.length}`);
    if (g.open !== p.open || g.close !== p.close) {
      return differ('string', `the brackets differ: expected ${g.open}...${g.close}, got ${p.open}...${p.close} (open and closed ends matter)`);
    }
    return compareOrdered(g.items, p.items, ctx, 'component');
  }
  // An open pair written without its parentheses: `(2,5)` against `2,5`.
  if (g.kind === 'bracketed' && p.kind === 'list' && g.open === '(' && g.close === ')' && g.items.length === p.items.length) {
    return compareOrdered(g.items, p.items, ctx, 'component');
  }
  if (isUnordered(g) && isUnordered(p)) return compareUnordered(g.items, p.items, ctx);
  if (g.kind === 'union' && p.kind === 'union') return compareUnordered(g.parts, p.parts, ctx);
  if (g.kind === 'set' && g.items.length === 1 && p.kind === 'expr') return compareShapes(g.items[0], p, ctx, scales);
  if (p.kind === 'set' && p.items.length === 1 && g.kind === 'expr') return compareShapes(g, p.items[0], ctx, scales);
  if (g.kind === 'matrix' && p.kind === 'matrix') {
    const gr = g.rows.length;
    const gc = g.rows[0]?.length ?? 0;
    if (gr !== p.rows.length || p.rows.some((r) => r.length !== gc) || g.rows.some((r) => r.length !== gc)) {
      return differ('string', `expected ${describeShape(g)}, got ${describeShape(p)}`);
    }
    return compareOrdered(g.rows.flat(), p.rows.flat(), ctx, 'entry');
  }
  return differ('string', `expected ${describeShape(g)}, got ${describeShape(p)}`);
}

function isUnordered(a: AnswerShape): a is Extract<AnswerShape, { kind: 'list' | 'set' }> {
  return a.kind === 'list' || a.kind === 'set';
}

function compareText(g: AnswerShape, p: AnswerShape): Verdict {
  const key = (a: AnswerShape): string | null => {
    if (a.kind === 'text') return textKey(a.text);
    if (a.kind === 'expr' && /^[a-zA-Z\s()]+$/.test(a.latex)) return textKey(a.latex);
    return null;
  };
  const gk = key(g);
  const pk = key(p);
  if (gk !== null && gk === pk) return equal('string', 'same words');
  return differ('string', gk === null || pk === null ? `expected ${describeShape(g)}, got ${describeShape(p)}` : 'different words');
}

function compareOrdered(gs: AnswerShape[], ps: AnswerShape[], ctx: Ctx, what: string): Verdict {
  let tier: Tier = 'string';
  for (let k = 0; k < gs.length; k++) {
    const v = compareShapes(gs[k], ps[k], ctx, [1]);
    if (!v.equal) return differ(v.tier, `${what} ${k + 1} differs: ${v.reason}`);
    tier = higher(tier, v.tier);
  }
  return equal(tier, `all ${gs.length} ${what}s equal`);
}

/** Multiset equality: every expected element matched by a distinct predicted one. */
function compareUnordered(gs: AnswerShape[], ps: AnswerShape[], ctx: Ctx): Verdict {
  if (gs.length !== ps.length) return differ('string', `expected ${gs.length} answers, got ${ps.length}`);
  const used = new Array<boolean>(ps.length).fill(false);
  let tier: Tier = 'string';
  for (let k = 0; k < gs.length; k++) {
    let found = false;
    let lastTier: Tier = 'string';
    for (let j = 0; j < ps.length && !found; j++) {
      if (used[j]) continue;
      const v = compareShapes(gs[k], ps[j], ctx, [1]);
      lastTier = higher(lastTier, v.tier);
      if (v.equal) {
        used[j] = true;
        found = true;
        tier = higher(tier, v.tier);
      }
    }
    if (!found) return differ(lastTier, `expected answer ${k + 1} of ${gs.length} has no equal among the given answers`);
  }
  return equal(tier, `the same ${gs.length} answers (order aside)`);
}

function close(a: Complex, b: Complex, relTol: number): boolean {
  const closeReal = (x: number, y: number): boolean => {
    if (x === y) return true; // also equal infinities
    if (!Number.isFinite(x) || !Number.isFinite(y)) return false;
    return Math.abs(x - y) <= relTol * Math.max(Math.abs(x), Math.abs(y)) + 1e-12;
  };
  if (a.im === 0 && b.im === 0) return closeReal(a.re, b.re);
  const scale = Math.max(Math.hypot(a.re, a.im), Math.hypot(b.re, b.im));
  if (!Number.isFinite(scale)) return closeReal(a.re, b.re) && closeReal(a.im, b.im);
  return Math.hypot(a.re - b.re, a.im - b.im) <= relTol * scale + 1e-12;
}

function finite(z: Complex): boolean {
  return Number.isFinite(z.re) && Number.isFinite(z.im);
}

function clip(latex: string): string {
  return latex.length > 80 ? `${latex.slice(0, 77)}...` : latex;
}

function show(z: Complex): string {
  const r = (x: number) => (Number.isInteger(x) ? String(x) : x.toPrecision(8).replace(/\.?0+(e|$)/, '$1'));
  if (z.im === 0) return r(z.re);
  return `${r(z.re)}${z.im < 0 ? '-' : '+'}${r(Math.abs(z.im))}i`;
}

const scaled = (z: Complex, k: number): Complex => ({ re: z.re * k, im: z.im * k });

function compareExpressions(g: string, p: string, ctx: Ctx, scales: number[]): Verdict {
  if (g === p) return equal('string', 'same answer after normalization');
  const check = () => ctx.deadline.check();
  const ge = parseExactNumber(g) ?? exactOf(g, check);
  const pe = parseExactNumber(p) ?? exactOf(p, check);
  if (ge && pe) {
    // Exact unless one side cannot be written exactly in decimals (1/3 against 0.333333):
    // 28800.01 is not 28800, whatever the tolerance would say.
    if (scales.length === 1 && ((!ge.decimal && !pe.decimal) || (terminates(ge) && terminates(pe)))) {
      return exactEqual(ge, pe) ? equal('numeric', 'equal as exact numbers') : differ('numeric', `different numbers: expected ${clip(g)}, got ${clip(p)}`);
    }
    const gv = { re: exactToNumber(ge), im: 0 };
    const pv = { re: exactToNumber(pe), im: 0 };
    return scales.some((k) => close(gv, scaled(pv, k), ctx.relTol))
      ? equal('numeric', `equal as numbers (relative tolerance ${ctx.relTol})`)
      : differ('numeric', `different numbers: expected ${show(gv)}, got ${show(pv)}`);
  }
  if (p.length > MAX_PARSE_CHARS) return differ('none', `the answer is too long to parse (${p.length} characters, limit ${MAX_PARSE_CHARS})`);
  if (nesting(p) > MAX_NESTING) return differ('none', `the answer nests brackets more than ${MAX_NESTING} deep`);
  return withScope((parse) => {
    const G = parse(forLibrary(g));
    ctx.deadline.check();
    const P = parse(forLibrary(p));
    ctx.deadline.check();
    if (!G.valid) return differ('none', `the expected answer ${clip(g)} could not be parsed`);
    if (!P.valid) return differ('none', `the answer ${clip(p)} is not a mathematical expression the grader can read`);
    return compareParsed(G, P, g, p, ctx, scales);
  });
}

/** The library's parser is superlinear in nesting depth and cannot be interrupted; no answer nests this deep. */
const MAX_NESTING = 24;

function nesting(latex: string): number {
  let depth = 0;
  let max = 0;
  for (const ch of latex) {
    if (ch === '(' || ch === '{' || ch === '[') max = Math.max(max, ++depth);
    else if (ch === ')' || ch === '}' || ch === ']') depth--;
  }
  return max;
}

/** Exact arithmetic (bigint rationals) when the answer is only numbers and operators. */
function exactOf(latex: string, check: () => void): ExactNumber | null {
  return /[\\^!(){}*/+-]/.test(latex) ? exactExpression(latex, check) : null;
}

const INFINITY = /^[+-]?\\infty$/;

/**
 * LaTeX the library reads differently from a grader: `\binom{n}{k}` is spelled as its Choose
 * function, and a subscripted variable `x_{1}` becomes one symbol `x_1` (the library reads it as
 * indexing into a list `x`).
 */
function forLibrary(latex: string): string {
  return latex
    .replace(/\\binom\{([^{}]*)\}\{([^{}]*)\}/g, '\\mathrm{Choose}($1,$2)')
    .replace(/(?<![\\a-zA-Z])([a-zA-Z])_(?:\{([a-zA-Z0-9]+)\}|([a-zA-Z0-9]))/g, (_m, v: string, a?: string, b?: string) => `\\operatorname{${v}_${a ?? b}}`);
}

function tryEvaluate(expr: MathJson, env: ReadonlyMap<string, number>, ctx: Ctx): Complex | null {
  try {
    return evaluate(expr, env, ctx.limits);
  } catch (err) {
    if (err instanceof NotEvaluable) return null;
    throw err;
  }
}

function compareParsed(G: ParsedMath, P: ParsedMath, g: string, p: string, ctx: Ctx, scales: number[]): Verdict {
  const vars = [...new Set([...freeVariables(G.json), ...freeVariables(P.json)])].sort();
  if (vars.length === 0) {
    const gv = tryEvaluate(G.json, new Map(), ctx);
    const pv = tryEvaluate(P.json, new Map(), ctx);
    if (gv && pv) {
      if (!finite(gv) || !finite(pv)) {
        // Doubles overflow to the same infinity (1000! and \infty, 10^{400} and 10^{401}): only
        // two written infinities compare, by sign; exact arithmetic already took what it can.
        if (INFINITY.test(g) && INFINITY.test(p)) {
          return (g.startsWith('-') === p.startsWith('-')) ? equal('string', 'the same infinity') : differ('string', 'infinities of opposite signs');
        }
        if (INFINITY.test(g) !== INFINITY.test(p)) return differ('numeric', `expected ${clip(g)}, got ${clip(p)}: only one of them is infinite`);
        return differ('none', `could not compare ${clip(g)} and ${clip(p)} exactly (too large for double precision, or undefined)`);
      }
      if (isNaN(gv.re) || isNaN(gv.im) || isNaN(pv.re) || isNaN(pv.im)) {
        return differ('none', `could not evaluate ${clip(isNaN(gv.re) || isNaN(gv.im) ? g : p)} (undefined, or too large for double precision)`);
      }
      return scales.some((k) => close(gv, scaled(pv, k), ctx.relTol))
        ? equal('numeric', `equal as numbers (relative tolerance ${ctx.relTol})`)
        : differ('numeric', `different values: expected ${clip(g)} = ${show(gv)}, got ${clip(p)} = ${show(pv)}`);
    }
    if (G.boxed.isSame(P.boxed)) return equal('symbolic', 'the same canonical expression');
    return differ('none', `could not evaluate ${clip(gv ? p : g)} to compare it`);
  }
  if (G.boxed.isSame(P.boxed)) return equal('symbolic', 'the same canonical expression');
  return probe(G.json, P.json, vars, ctx, 'equal', g, p);
}

/**
 * Evaluates both expressions at the probe points. `equal`: the values agree at every point;
 * `proportional`: their ratio is the same nonzero constant at every point (for equations,
 * `2x+y=0` and `y=-2x` describe the same relation).
 */
function probe(gj: MathJson, pj: MathJson, vars: string[], ctx: Ctx, mode: 'equal' | 'proportional', g: string, p: string): Verdict {
  let defined = 0;
  let ratio: Complex | null = null;
  for (let point = 0; point < PROBE_POINTS; point++) {
    ctx.deadline.check();
    const env = new Map(vars.map((v, k) => [v, PROBES[(point + 3 * k) % PROBES.length]]));
    const at = () => vars.map((v) => `${v}=${env.get(v)}`).join(', ');
    const gv = tryEvaluate(gj, env, ctx);
    const pv = tryEvaluate(pj, env, ctx);
    if (!gv || !pv) return differ('none', `could not evaluate ${clip(gv ? p : g)} to compare it`);
    const gf = finite(gv);
    const pf = finite(pv);
    if (!gf && !pf) continue;
    if (gf !== pf) return differ('symbolic', `at ${at()} one side is not finite (undefined or overflowing) and the other is`);
    if (mode === 'equal') {
      if (!close(gv, pv, ctx.relTol)) return differ('symbolic', `different expressions: at ${at()} expected ${show(gv)}, got ${show(pv)}`);
    } else {
      const zero = (z: Complex) => Math.hypot(z.re, z.im) <= 1e-12;
      if (zero(gv) || zero(pv)) {
        if (zero(gv) !== zero(pv)) return differ('symbolic', `the equations differ: at ${at()} one holds and the other does not`);
        continue;
      }
      const r = { re: 0, im: 0 };
      const d = pv.re * pv.re + pv.im * pv.im;
      r.re = (gv.re * pv.re + gv.im * pv.im) / d;
      r.im = (gv.im * pv.re - gv.re * pv.im) / d;
      if (ratio === null) ratio = r;
      else if (!close(ratio, r, ctx.relTol)) return differ('symbolic', `the equations differ (at ${at()})`);
    }
    defined++;
  }
  if (defined < MIN_DEFINED_POINTS) return differ('none', `the expressions are undefined at too many probe points to compare (${defined} of ${PROBE_POINTS} defined)`);
  return equal('symbolic', mode === 'equal' ? `equal at ${defined} probe points of ${vars.join(', ')}` : 'equivalent equations');
}

function compareEquations(g: Extract<AnswerShape, { kind: 'equation' }>, p: Extract<AnswerShape, { kind: 'equation' }>, ctx: Ctx): Verdict {
  const gs = `(${g.lhs})-(${g.rhs})`;
  const ps = `(${p.lhs})-(${p.rhs})`;
  if (ps.length > MAX_PARSE_CHARS) return differ('none', `the answer is too long to parse (${ps.length} characters)`);
  return withScope((parse) => {
    const G = parse(forLibrary(gs));
    const P = parse(forLibrary(ps));
    ctx.deadline.check();
    if (!G.valid || !P.valid) return differ('none', `could not parse ${!G.valid ? 'the expected equation' : 'the equation given'}`);
    const vars = [...new Set([...freeVariables(G.json), ...freeVariables(P.json)])].sort();
    if (vars.length === 0) {
      // Equations between constants (`2+3=5`): compare the right-hand sides.
      return compareExpressions(g.rhs, p.rhs, ctx, [1]);
    }
    return probe(G.json, P.json, vars, ctx, 'proportional', `${g.lhs}=${g.rhs}`, `${p.lhs}=${p.rhs}`);
  });
}
