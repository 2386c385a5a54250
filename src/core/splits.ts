/**
 * Train/val/test splits drawn by a seed and recorded as ids. When a task has a separate test
 * file, train and val come from the train pool and test from the test pool; otherwise all three
 * are disjoint draws from the one pool.
 */
import { Rng } from './random';

export interface SplitSizes { train: number; val: number; test: number }
export interface Splits { seed: number; train: string[]; val: string[]; test: string[] }

export function drawSplits(args: {
  trainPool: readonly string[];
  testPool: readonly string[];
  separatePools: boolean;
  sizes: SplitSizes;
  seed: number;
}): Splits {
  const { sizes, seed } = args;
  for (const [k, v] of Object.entries(sizes)) {
    if (!Number.isInteger(v) || v < 0) throw new Error(`split size ${k} must be a whole number >= 0, got ${v}`);
  }
  const rng = Rng.fromSeed(`splits:${seed}`);
  if (args.separatePools) {
    const need = sizes.train + sizes.val;
    if (need > args.trainPool.length) {
      throw new Error(`train + val = ${need} exceeds the ${args.trainPool.length} examples of the train pool`);
    }
    if (sizes.test > args.testPool.length) {
      throw new Error(`test = ${sizes.test} exceeds the ${args.testPool.length} examples of the test pool`);
    }
    const shuffled = rng.shuffle(args.trainPool);
    const test = Rng.fromSeed(`splits:${seed}:test`).shuffle(args.testPool).slice(0, sizes.test);
    return { seed, train: shuffled.slice(0, sizes.train), val: shuffled.slice(sizes.train, need), test };
  }
  const need = sizes.train + sizes.val + sizes.test;
  if (need > args.trainPool.length) {
    throw new Error(`train + val + test = ${need} exceeds the ${args.trainPool.length} examples of the task`);
  }
  const shuffled = rng.shuffle(args.trainPool);
  return {
    seed,
    train: shuffled.slice(0, sizes.train),
    val: shuffled.slice(sizes.train, sizes.train + sizes.val),
    test: shuffled.slice(sizes.train + sizes.val, need),
  };
}
