/**
 * Numeric evaluation of an expression tree (MathJSON, as the algebra library parses LaTeX)
 * in double-precision complex arithmetic, with variables bound to given values.
 *
 * Why not the library's own evaluator: it computes exactly (big integers, big decimals), so
 * `10^{10^{10}}` or `100000!` in a model's answer can take minutes or exhaust memory. In
 * doubles they overflow to Infinity at once, and every node costs O(1): evaluation time is
 * bounded by the size of the expression.
 */
import type { Deadline } from './time-limit';

export type MathJson = number | string | MathJson[] | { num?: string; sym?: string; str?: string; fn?: MathJson[] };

export interface Complex { re: number; im: number }

/** The expression uses something this evaluator does not model (not a verdict of inequality). */
export class NotEvaluable extends Error {}

const c = (re: number, im = 0): Complex => ({ re, im });
const NAN = c(NaN, NaN);
const isReal = (z: Complex): boolean => z.im === 0;

const CONSTANTS: Record<string, Complex> = {
  Pi: c(Math.PI),
  ExponentialE: c(Math.E),
  ImaginaryUnit: c(0, 1),
  PositiveInfinity: c(Infinity),
  NegativeInfinity: c(-Infinity),
  ComplexInfinity: c(Infinity, Infinity),
  NaN: NAN,
  GoldenRatio: c((1 + Math.sqrt(5)) / 2),
  EulerGamma: c(0.5772156649015329),
  Half: c(0.5),
};

/** Library symbols that name no number: an answer containing them cannot be evaluated. */
const NON_NUMERIC = new Set(['EmptySet', 'Nothing', 'True', 'False', 'Undefined', 'Missing', 'None', 'All', 'Reals', 'Integers', 'ComplexNumbers', 'RationalNumbers']);

function add(a: Complex, b: Complex): Complex { return c(a.re + b.re, a.im + b.im); }
function sub(a: Complex, b: Complex): Complex { return c(a.re - b.re, a.im - b.im); }
function mul(a: Complex, b: Complex): Complex {
  if (isReal(a) && isReal(b)) return c(a.re * b.re);
  return c(a.re * b.re - a.im * b.im, a.re * b.im + a.im * b.re);
}
function div(a: Complex, b: Complex): Complex {
  if (isReal(a) && isReal(b)) return c(a.re / b.re);
  const d = b.re * b.re + b.im * b.im;
  return c((a.re * b.re + a.im * b.im) / d, (a.im * b.re - a.re * b.im) / d);
}
function abs(a: Complex): number { return isReal(a) ? Math.abs(a.re) : Math.hypot(a.re, a.im); }
function exp(a: Complex): Complex {
  if (isReal(a)) return c(Math.exp(a.re));
  const r = Math.exp(a.re);
  return c(r * Math.cos(a.im), r * Math.sin(a.im));
}
function log(a: Complex): Complex {
  if (isReal(a) && a.re >= 0) return c(Math.log(a.re));
  return c(Math.log(abs(a)), Math.atan2(a.im, a.re));
}
function sqrt(a: Complex): Complex {
  if (isReal(a)) return a.re >= 0 ? c(Math.sqrt(a.re)) : c(0, Math.sqrt(-a.re));
  const r = abs(a);
  const re = Math.sqrt((r + a.re) / 2);
  const im = Math.sign(a.im) * Math.sqrt((r - a.re) / 2);
  return c(re, im);
}
function isInteger(x: number): boolean { return Number.isFinite(x) && Math.abs(x - Math.round(x)) < 1e-9; }
function pow(a: Complex, b: Complex): Complex {
  if (isReal(a) && isReal(b)) {
    if (a.re >= 0 || isInteger(b.re)) return c(Math.pow(a.re, isInteger(b.re) ? Math.round(b.re) : b.re));
  }
  if (isReal(b) && isInteger(b.re) && Math.abs(b.re) <= 64) { // exact repeated products for small powers
    let n = Math.round(b.re);
    const inv = n < 0;
    n = Math.abs(n);
    let result = c(1);
    let base = a;
    while (n > 0) {
      if (n & 1) result = mul(result, base);
      base = mul(base, base);
      n >>= 1;
    }
    return inv ? div(c(1), result) : result;
  }
  if (a.re === 0 && a.im === 0) return isReal(b) && b.re > 0 ? c(0) : NAN;
  return exp(mul(b, log(a)));
}
function sin(a: Complex): Complex {
  if (isReal(a)) return c(Math.sin(a.re));
  return c(Math.sin(a.re) * Math.cosh(a.im), Math.cos(a.re) * Math.sinh(a.im));
}
function cos(a: Complex): Complex {
  if (isReal(a)) return c(Math.cos(a.re));
  return c(Math.cos(a.re) * Math.cosh(a.im), -Math.sin(a.re) * Math.sinh(a.im));
}

function realOnly(name: string, a: Complex, f: (x: number) => number): Complex {
  if (!isReal(a)) throw new NotEvaluable(`${name} of a complex value`);
  return c(f(a.re));
}

function factorial(n: number): number {
  if (!isInteger(n) || n < 0) return NaN;
  if (n > 170) return Infinity; // 171! overflows a double
  let r = 1;
  for (let k = 2; k <= Math.round(n); k++) r *= k;
  return r;
}

function binomial(n: number, k: number): number {
  if (!isInteger(n) || !isInteger(k)) return NaN;
  n = Math.round(n); k = Math.round(k);
  if (k < 0 || k > n) return 0;
  k = Math.min(k, n - k);
  if (k > 10_000) return Infinity;
  let r = 1;
  for (let j = 1; j <= k; j++) r = (r * (n - k + j)) / j;
  return r > 2 ** 53 ? r : Math.round(r); // the division steps leave float dust
}

function gcd(a: number, b: number): number {
  a = Math.abs(a); b = Math.abs(b);
  for (let i = 0; b !== 0 && i < 10_000; i++) [a, b] = [b, a % b];
  return a;
}

function numberLiteral(text: string): number {
  // The library writes long or repeating decimals as strings, e.g. "0.(3)" for 0.333...
  const rep = /^(-?\d*)\.(\d*)\((\d+)\)$/.exec(text);
  if (rep) {
    const head = Number(`${rep[1] || '0'}.${rep[2] || '0'}`);
    const tail = Number(`0.${'0'.repeat(rep[2].length)}${rep[3]}`) / (1 - 10 ** -rep[3].length);
    return rep[1].startsWith('-') ? head - tail : head + tail;
  }
  const x = Number(text.replace(/^\+/, ''));
  if (Number.isNaN(x) && text !== 'NaN') throw new NotEvaluable(`number literal ${text}`);
  return x;
}

export interface EvaluationLimits {
  deadline: Deadline;
  /** Nodes visited so far (shared across calls of one comparison). */
  steps: { n: number };
  maxSteps: number;
}

/** Variables (free symbols) of an expression, as the evaluator would look them up. */
export function freeVariables(expr: MathJson, out: Set<string> = new Set()): Set<string> {
  if (typeof expr === 'string') {
    if (isVariable(expr)) out.add(expr);
  } else if (Array.isArray(expr)) {
    for (let i = 1; i < expr.length; i++) freeVariables(expr[i], out);
  } else if (expr && typeof expr === 'object') {
    if (expr.sym !== undefined) freeVariables(expr.sym, out);
    if (expr.fn !== undefined) freeVariables(expr.fn, out);
  }
  return out;
}

function isVariable(name: string): boolean {
  return /^[A-Za-z][A-Za-z0-9_]*$/.test(name) && !(name in CONSTANTS) && !NON_NUMERIC.has(name);
}

export function evaluate(expr: MathJson, env: ReadonlyMap<string, number>, limits: EvaluationLimits): Complex {
  if (++limits.steps.n > limits.maxSteps) throw new NotEvaluable(`expression too large to evaluate (over ${limits.maxSteps} steps)`);
  if ((limits.steps.n & 255) === 0) limits.deadline.check();
  if (typeof expr === 'number') return c(expr);
  if (typeof expr === 'string') {
    if (expr in CONSTANTS) return CONSTANTS[expr];
    if (expr.startsWith("'")) throw new NotEvaluable(`text ${expr}`);
    if (!isVariable(expr)) throw new NotEvaluable(`symbol ${expr}`);
    const v = env.get(expr);
    if (v === undefined) throw new NotEvaluable(`unbound variable ${expr}`);
    return c(v);
  }
  if (!Array.isArray(expr)) {
    if (expr.num !== undefined) return c(numberLiteral(expr.num));
    if (expr.sym !== undefined) return evaluate(expr.sym, env, limits);
    if (expr.fn !== undefined) return evaluate(expr.fn, env, limits);
    throw new NotEvaluable('text');
  }
  const [head, ...args] = expr;
  if (typeof head !== 'string') throw new NotEvaluable('applied expression');
  const ev = (k: number): Complex => {
    if (k >= args.length) throw new NotEvaluable(`${head} with too few arguments`);
    return evaluate(args[k], env, limits);
  };
  const arity = (n: number) => {
    if (args.length !== n) throw new NotEvaluable(`${head} with ${args.length} arguments`);
  };
  switch (head) {
    case 'Add': return args.reduce<Complex>((acc, _a, k) => add(acc, ev(k)), c(0));
    case 'Multiply': return args.reduce<Complex>((acc, _a, k) => mul(acc, ev(k)), c(1));
    case 'Subtract': arity(2); return sub(ev(0), ev(1));
    case 'Negate': arity(1); return mul(c(-1), ev(0));
    case 'Divide': case 'Rational': arity(2); return div(ev(0), ev(1));
    case 'Power': arity(2); return pow(ev(0), ev(1));
    case 'Square': arity(1); return pow(ev(0), c(2));
    case 'Sqrt': arity(1); return sqrt(ev(0));
    case 'Root': {
      arity(2);
      const x = ev(0);
      const n = ev(1);
      // The real odd root of a negative number: \sqrt[3]{-8} = -2, as in school algebra.
      if (isReal(x) && isReal(n) && x.re < 0 && isInteger(n.re) && Math.round(n.re) % 2 !== 0) {
        return c(-Math.pow(-x.re, 1 / n.re));
      }
      return pow(x, div(c(1), n));
    }
    case 'Exp': arity(1); return exp(ev(0));
    case 'Ln': arity(1); return log(ev(0));
    case 'Log': {
      const base = args.length >= 2 ? ev(1) : c(10);
      return div(log(ev(0)), log(base));
    }
    case 'Lb': arity(1); return div(log(ev(0)), c(Math.LN2));
    case 'Lg': arity(1); return div(log(ev(0)), c(Math.LN10));
    case 'Sin': arity(1); return sin(ev(0));
    case 'Cos': arity(1); return cos(ev(0));
    case 'Tan': arity(1); { const x = ev(0); return div(sin(x), cos(x)); }
    case 'Cot': arity(1); { const x = ev(0); return div(cos(x), sin(x)); }
    case 'Sec': arity(1); return div(c(1), cos(ev(0)));
    case 'Csc': arity(1); return div(c(1), sin(ev(0)));
    case 'Arcsin': arity(1); return realOnly(head, ev(0), Math.asin);
    case 'Arccos': arity(1); return realOnly(head, ev(0), Math.acos);
    case 'Arctan':
      if (args.length === 2) { const y = ev(0); const x = ev(1); if (!isReal(x) || !isReal(y)) throw new NotEvaluable('Arctan2 of complex values'); return c(Math.atan2(y.re, x.re)); }
      arity(1); return realOnly(head, ev(0), Math.atan);
    case 'Arccot': arity(1); return realOnly(head, ev(0), (x) => Math.atan(1 / x));
    case 'Sinh': arity(1); return realOnly(head, ev(0), Math.sinh);
    case 'Cosh': arity(1); return realOnly(head, ev(0), Math.cosh);
    case 'Tanh': arity(1); return realOnly(head, ev(0), Math.tanh);
    case 'Abs': arity(1); return c(abs(ev(0)));
    case 'Factorial': arity(1); return realOnly(head, ev(0), factorial);
    case 'Binomial': case 'Choose': arity(2); {
      const n = ev(0); const k = ev(1);
      if (!isReal(n) || !isReal(k)) throw new NotEvaluable('binomial of complex values');
      return c(binomial(n.re, k.re));
    }
    case 'Floor': arity(1); return realOnly(head, ev(0), Math.floor);
    case 'Ceil': arity(1); return realOnly(head, ev(0), Math.ceil);
    case 'Round': arity(1); return realOnly(head, ev(0), Math.round);
    case 'Sign': arity(1); return realOnly(head, ev(0), Math.sign);
    case 'Max': case 'Min': {
      const xs = args.map((_a, k) => ev(k));
      if (xs.length === 0 || !xs.every(isReal)) throw new NotEvaluable(`${head} of complex values`);
      return c((head === 'Max' ? Math.max : Math.min)(...xs.map((x) => x.re)));
    }
    case 'GCD': case 'LCM': {
      const xs = args.map((_a, k) => ev(k));
      if (xs.length === 0 || !xs.every((x) => isReal(x) && isInteger(x.re))) throw new NotEvaluable(`${head} of non-integers`);
      return c(xs.map((x) => Math.round(x.re)).reduce((a, b) => (head === 'GCD' ? gcd(a, b) : Math.abs(a * b) / (gcd(a, b) || 1))));
    }
    case 'Mod': arity(2); {
      const a = ev(0); const b = ev(1);
      if (!isReal(a) || !isReal(b)) throw new NotEvaluable('Mod of complex values');
      return c(((a.re % b.re) + b.re) % b.re);
    }
    case 'Complex': arity(2); { const re = ev(0); const im = ev(1); return add(re, mul(c(0, 1), im)); }
    case 'Degrees': arity(1); return mul(ev(0), c(Math.PI / 180));
    case 'Delimiter': case 'Hold': arity(1); return ev(0);
    default: throw new NotEvaluable(`unsupported operation ${head}`);
  }
}
