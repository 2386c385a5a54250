/**
 * Exact rationals for the answers that are plain numbers (`42`, `-0.35`, `\frac{13}{4}`): most
 * MATH and AIME answers. Compared without floating point, so 11111111100 and 11111111101 differ,
 * and without the algebra library, so the common case is fast.
 */

export interface ExactNumber {
  num: bigint;
  den: bigint; // > 0
  /** Written with a decimal point (then a tolerance applies: 0.333333 may stand for 1/3). */
  decimal: boolean;
}

const INTEGER = /^[+-]?\d+$/;
const DECIMAL = /^([+-]?)(\d*)\.(\d+)$/;
const FRACTION = /^([+-]?)\\frac\{([+-]?\d+)\}\{([+-]?\d+)\}$/;

// Past this many digits a literal is not an answer anyone writes (the answer cap is shorter anyway).
const MAX_DIGITS = 5000;

export function parseExactNumber(text: string): ExactNumber | null {
  if (text.length > MAX_DIGITS) return null;
  if (INTEGER.test(text)) return { num: BigInt(text), den: 1n, decimal: false };
  let m = DECIMAL.exec(text);
  if (m) {
    const sign = m[1] === '-' ? -1n : 1n;
    const den = 10n ** BigInt(m[3].length);
    return { num: sign * BigInt((m[2] || '0') + m[3]), den, decimal: true };
  }
  m = FRACTION.exec(text);
  if (m) {
    let num = BigInt(m[2]);
    let den = BigInt(m[3]);
    if (den === 0n) return null;
    if (m[1] === '-') num = -num;
    if (den < 0n) { num = -num; den = -den; }
    return { num, den, decimal: false };
  }
  return null;
}

export function exactEqual(a: ExactNumber, b: ExactNumber): boolean {
  return a.num * b.den === b.num * a.den;
}

export function exactToNumber(a: ExactNumber): number {
  return Number(a.num) / Number(a.den);
}

/** True when the number has a finite decimal expansion (its reduced denominator is 2^a 5^b). */
export function terminates(a: ExactNumber): boolean {
  if (a.decimal) return true;
  let d = a.den / gcd(a.num < 0n ? -a.num : a.num, a.den);
  while (d % 2n === 0n) d /= 2n;
  while (d % 5n === 0n) d /= 5n;
  return d === 1n;
}

function gcd(a: bigint, b: bigint): bigint {
  while (b !== 0n) [a, b] = [b, a % b];
  return a === 0n ? 1n : a;
}

// ------------------------------------------------------------------ exact arithmetic expressions

/** Bits an exact intermediate may have: 10^{400} or 1000! are fine, 10^{10^9} is not attempted. */
const MAX_BITS = 1 << 20;
const MAX_FACTORIAL = 5000;

class NotExact extends Error {}

function bits(n: bigint): number {
  return (n < 0n ? -n : n).toString(16).length * 4;
}

function reduce(num: bigint, den: bigint, decimal: boolean): ExactNumber {
  if (den === 0n) throw new NotExact();
  if (den < 0n) { num = -num; den = -den; }
  const g = gcd(num < 0n ? -num : num, den);
  const r = { num: num / g, den: den / g, decimal };
  if (bits(r.num) > MAX_BITS || bits(r.den) > MAX_BITS) throw new NotExact();
  return r;
}

const TOKEN = /\s*(\d+(?:\.\d+)?|\.\d+|\\frac|\\cdot|\\times|[-+*/^!(){}])/y;

/**
 * An arithmetic answer evaluated exactly in rationals: integers and decimals, + - \cdot \times /,
 * \frac{}{}, integer powers, factorials, parentheses and braces. Null for anything else (a
 * variable, a root, \pi, \infty): those go to the algebra library. This is what keeps
 * `10^{400}` apart from `10^{401}` and `1000!` finite, where doubles overflow to the same
 * infinity. `check` is called at every step (the grader's time limit).
 */
export function exactExpression(latex: string, check: () => void = () => undefined): ExactNumber | null {
  const tokens: string[] = [];
  TOKEN.lastIndex = 0;
  let at = 0;
  while (at < latex.length) {
    TOKEN.lastIndex = at;
    const m = TOKEN.exec(latex);
    if (!m) {
      if (latex.slice(at).trim() === '') break;
      return null;
    }
    tokens.push(m[1]);
    at = TOKEN.lastIndex;
  }
  if (tokens.length === 0) return null;
  let i = 0;
  const peek = () => tokens[i];
  const take = (t?: string) => {
    const got = tokens[i];
    if (t !== undefined && got !== t) throw new NotExact();
    i++;
    return got;
  };
  const mul = (a: ExactNumber, b: ExactNumber) => reduce(a.num * b.num, a.den * b.den, a.decimal || b.decimal);
  const div = (a: ExactNumber, b: ExactNumber) => reduce(a.num * b.den, a.den * b.num, a.decimal || b.decimal);
  const add = (a: ExactNumber, b: ExactNumber, sign: bigint) => reduce(a.num * b.den + sign * b.num * a.den, a.den * b.den, a.decimal || b.decimal);

  function expr(): ExactNumber {
    let v = term();
    while (peek() === '+' || peek() === '-') {
      const sign = take() === '+' ? 1n : -1n;
      v = add(v, term(), sign);
    }
    return v;
  }
  function term(): ExactNumber {
    let v = unary();
    for (;;) {
      check();
      const t = peek();
      if (t === '\\cdot' || t === '\\times' || t === '*') { take(); v = mul(v, unary()); }
      else if (t === '/') { take(); v = div(v, unary()); }
      else if (t === '(') v = mul(v, power()); // 2(3+4); not `3\frac{1}{2}`, which may be a mixed number
      else return v;
    }
  }
  function unary(): ExactNumber {
    if (peek() === '-') { take(); const v = unary(); return { ...v, num: -v.num }; }
    if (peek() === '+') { take(); return unary(); }
    return power();
  }
  function power(): ExactNumber {
    const base = postfix();
    if (peek() !== '^') return base;
    take();
    let e: ExactNumber;
    if (peek() === '{') { take(); e = expr(); take('}'); }
    else if (/^\d$/.test(peek() ?? '')) e = { num: BigInt(take()), den: 1n, decimal: false };
    else if (peek() === '-' || peek() === '(') e = unary();
    else throw new NotExact();
    if (e.den !== 1n) throw new NotExact();
    const n = e.num < 0n ? -e.num : e.num;
    if (base.num === 0n && e.num < 0n) throw new NotExact();
    const size = Math.max(bits(base.num), bits(base.den));
    if (size > 1 && Number(n) * size > MAX_BITS) throw new NotExact();
    if (n > BigInt(MAX_BITS)) throw new NotExact();
    const num = base.num ** n;
    const den = base.den ** n;
    return e.num < 0n ? reduce(den, num, base.decimal) : reduce(num, den, base.decimal);
  }
  function postfix(): ExactNumber {
    let v = primary();
    while (peek() === '!') {
      take();
      if (v.den !== 1n || v.num < 0n || v.num > BigInt(MAX_FACTORIAL)) throw new NotExact();
      let f = 1n;
      for (let k = 2n; k <= v.num; k++) {
        f *= k;
        if ((k & 127n) === 0n) check();
      }
      v = { num: f, den: 1n, decimal: v.decimal };
    }
    return v;
  }
  function primary(): ExactNumber {
    check();
    const t = take();
    if (t === undefined) throw new NotExact();
    if (t === '(') { const v = expr(); take(')'); return v; }
    if (t === '{') { const v = expr(); take('}'); return v; }
    if (t === '\\frac') {
      take('{'); const a = expr(); take('}');
      take('{'); const b = expr(); take('}');
      return div(a, b);
    }
    if (/^\d/.test(t) || t.startsWith('.')) {
      const parsed = parseExactNumber(t.startsWith('.') ? `0${t}` : t);
      if (!parsed) throw new NotExact();
      return parsed;
    }
    throw new NotExact();
  }

  try {
    const v = expr();
    return i === tokens.length ? v : null;
  } catch (err) {
    if (err instanceof NotExact) return null;
    throw err;
  }
}
