/**
 * A small seeded PRNG (xoshiro128**) whose whole state is four 32-bit numbers, so it can be
 * saved in optimizer state and resumed exactly. Pure: safe in workflows and in the simulator.
 */

// Bound once: inside jest's and Temporal's sandboxed contexts each Math.* lookup is ~30x slower.
const { imul, floor } = Math;

export type RngState = [number, number, number, number];

/** 32-bit FNV-1a of a string: cheap, stable, for seeding and bucketing (not for security). */
export function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** splitmix32: spreads one seed into well-mixed state words. */
function splitmix32(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x = (x + 0x9e3779b9) >>> 0;
    let z = x;
    z = imul(z ^ (z >>> 16), 0x85ebca6b);
    z = imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
}

export class Rng {
  private s: RngState;

  constructor(state: RngState) {
    this.s = [...state] as RngState;
  }

  static fromSeed(seed: number | string): Rng {
    const mix = splitmix32(typeof seed === 'number' ? seed : hash32(seed));
    return new Rng([mix(), mix(), mix(), mix()]);
  }

  state(): RngState {
    return [...this.s] as RngState;
  }

  /** Next 32-bit unsigned integer. */
  nextU32(): number {
    const s = this.s;
    const result = imul(rotl(imul(s[1], 5), 7), 9) >>> 0;
    const t = s[1] << 9;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    for (let i = 0; i < 4; i++) s[i] >>>= 0;
    return result;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.nextU32() / 4294967296;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    if (n <= 0) throw new Error(`Rng.int: n must be positive, got ${n}`);
    return floor(this.next() * n);
  }

  /** Fisher-Yates shuffle of a copy. */
  shuffle<T>(items: readonly T[]): T[] {
    const out = [...items];
    for (let i = out.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [out[i], out[j]] = [out[j], out[i]];
    }
    return out;
  }

  /** Index drawn with probability proportional to weights (uniform when all are zero). */
  weightedIndex(weights: readonly number[]): number {
    const total = weights.reduce((a, b) => a + b, 0);
    if (!(total > 0)) return this.int(weights.length);
    let r = this.next() * total;
    for (let i = 0; i < weights.length; i++) {
      r -= weights[i];
      if (r < 0) return i;
    }
    return weights.length - 1;
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/** A deterministic uniform draw in [0,1) from any key: the same key always gives the same number. */
export function uniformFromKey(key: string): number {
  return Rng.fromSeed(key).next();
}
