/**
 * Math grader throughput: verdicts per second over both math-verify fixtures (pairs.jsonl: MATH-500
 * golds against restyled, equivalent and near-miss predictions, graded boxed; outputs.jsonl:
 * whole model outputs, boxed and unboxed), the share of verdicts each tier decided, and the
 * slowest single verdict. Run: npx tsx bench/math-grader.ts [passes]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gradeMath } from '../src/tasks/math-grader';

interface Row { gold: string; prediction?: string; output?: string }

const dir = path.join(__dirname, '..', 'tests', 'fixtures', 'math-verify');
const passes = Number(process.argv[2] ?? 5);
if (!Number.isInteger(passes) || passes < 1) throw new Error(`passes must be a positive integer (got ${process.argv[2]})`);

console.log(`math grader benchmark: ${os.cpus().length} CPUs, Node ${process.version}, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
for (const name of ['pairs.jsonl', 'outputs.jsonl']) {
  const rows: Row[] = fs.readFileSync(path.join(dir, name), 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l));
  const outputs = rows.map((r) => r.output ?? `The final answer is $\\boxed{${r.prediction}}$.`);

  // Warm-up: loads the algebra library and lets the JIT settle; not timed.
  let started = performance.now();
  for (let i = 0; i < rows.length; i++) gradeMath(outputs[i], rows[i].gold);
  const firstPassMs = performance.now() - started;

  const tiers = new Map<string, number>();
  const tierMs = new Map<string, number>();
  let slowest = { ms: 0, i: 0 };
  started = performance.now();
  for (let pass = 0; pass < passes; pass++) {
    for (let i = 0; i < rows.length; i++) {
      const t0 = performance.now();
      const g = gradeMath(outputs[i], rows[i].gold);
      const ms = performance.now() - t0;
      const tier = String(g.details?.tier);
      if (pass === 0) tiers.set(tier, (tiers.get(tier) ?? 0) + 1);
      tierMs.set(tier, (tierMs.get(tier) ?? 0) + ms);
      if (ms > slowest.ms) slowest = { ms, i };
    }
  }
  const elapsed = performance.now() - started;
  const verdicts = rows.length * passes;
  console.log(`${name}: ${rows.length} pairs x ${passes} passes; first pass (with loading the algebra library) ${firstPassMs.toFixed(0)} ms`);
  console.log(`  throughput: ${(verdicts / (elapsed / 1000)).toFixed(0)} verdicts/s (${(elapsed / verdicts).toFixed(3)} ms per verdict); ` +
    `slowest verdict ${slowest.ms.toFixed(1)} ms (gold ${rows[slowest.i].gold})`);
  for (const tier of ['string', 'numeric', 'symbolic', 'none']) {
    const n = tiers.get(tier) ?? 0;
    const ms = (tierMs.get(tier) ?? 0) / passes;
    console.log(`  ${tier.padEnd(8)} ${String(n).padStart(5)} verdicts (${((100 * n) / rows.length).toFixed(1)}%), ${n ? (ms / n).toFixed(3) : '-'} ms each`);
  }
}
