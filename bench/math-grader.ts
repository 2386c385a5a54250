/**
 * Math grader throughput: verdicts per second over the math-verify fixture (MATH-500 golds
 * against restyled, equivalent and near-miss predictions), and the share of verdicts each tier
 * decided. Run: npx tsx bench/math-grader.ts [passes]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gradeMath } from '../src/tasks/math-grader';

interface Pair { gold: string; prediction: string }

const fixture = path.join(__dirname, '..', 'tests', 'fixtures', 'math-verify', 'pairs.jsonl');
const pairs: Pair[] = fs.readFileSync(fixture, 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l));
const passes = Number(process.argv[2] ?? 5);
if (!Number.isInteger(passes) || passes < 1) throw new Error(`passes must be a positive integer (got ${process.argv[2]})`);
const outputs = pairs.map((p) => `The final answer is $\\boxed{${p.prediction}}$.`);

// Warm-up: loads the algebra library and lets the JIT settle; not timed.
let started = performance.now();
for (let i = 0; i < pairs.length; i++) gradeMath(outputs[i], pairs[i].gold);
const firstPassMs = performance.now() - started;

const tiers = new Map<string, number>();
const tierMs = new Map<string, number>();
started = performance.now();
for (let pass = 0; pass < passes; pass++) {
  for (let i = 0; i < pairs.length; i++) {
    const t0 = performance.now();
    const g = gradeMath(outputs[i], pairs[i].gold);
    const tier = String(g.details?.tier);
    if (pass === 0) {
      tiers.set(tier, (tiers.get(tier) ?? 0) + 1);
    }
    tierMs.set(tier, (tierMs.get(tier) ?? 0) + performance.now() - t0);
  }
}
const elapsed = performance.now() - started;
const verdicts = pairs.length * passes;

console.log(`math grader benchmark: ${pairs.length} pairs x ${passes} passes, ${os.cpus().length} CPUs, Node ${process.version}`);
console.log(`first pass (includes loading the algebra library): ${firstPassMs.toFixed(0)} ms`);
console.log(`throughput: ${(verdicts / (elapsed / 1000)).toFixed(0)} verdicts/s (${(elapsed / verdicts).toFixed(3)} ms per verdict)`);
for (const tier of ['string', 'numeric', 'symbolic', 'none']) {
  const n = tiers.get(tier) ?? 0;
  const ms = (tierMs.get(tier) ?? 0) / passes;
  console.log(`  ${tier.padEnd(8)} ${String(n).padStart(5)} verdicts (${((100 * n) / pairs.length).toFixed(1)}%), ${n ? (ms / n).toFixed(3) : '-'} ms each`);
}
