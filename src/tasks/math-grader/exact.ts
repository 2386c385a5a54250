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

// Past this many digits a literal is not an answer anyone writes; leave it to the float path.
const MAX_DIGITS = 300; // also keeps Number(bigint) finite

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
