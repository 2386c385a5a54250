/**
 * How long the statistics and the report take at the size of a real run: GSM8K's 1,319 test
 * problems, five arms, two models, 10,000 bootstrap resamples per pair.
 *   npx tsx bench/stats-report.ts
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Rng } from '../src/core/random';
import { pairedBootstrap, summarizeResults, type ProblemResult } from '../src/core/stats';
import { writeReport } from '../src/report';
import { completedInput } from '../tests/fixtures/stats/report-input';

function time<T>(label: string, f: () => T): T {
  const t = process.hrtime.bigint();
  const out = f();
  console.log(`${label}: ${(Number(process.hrtime.bigint() - t) / 1e6).toFixed(0)} ms`);
  return out;
}

const N = 1319;
const ARMS = ['seed', 'base', 'lsl', 'matched', 'small-only'];
const MODELS = ['sim-large', 'sim-small'];
const rng = Rng.fromSeed('bench');
const results: ProblemResult[] = [];
for (const arm of ARMS) {
  for (const model of MODELS) {
    for (let i = 0; i < N; i++) {
      const score = rng.next() < 0.6 ? 1 : 0;
      results.push({ repeat: 0, arm, model, id: `p${i}`, sample: 0, score, extracted: String(i), output: `reasoning for p${i}\n#### ${i}`, feedback: 'expected vs got' });
    }
  }
}
const a = results.slice(0, N).map((r) => r.score);
const b = results.slice(N, 2 * N).map((r) => r.score);

time(`pairedBootstrap, ${N} problems, 10,000 resamples`, () => pairedBootstrap(a, b, { seed: 1 }));
const summary = time(`summarizeResults, ${ARMS.length} arms x ${MODELS.length} models x ${N} problems (${results.length} rows)`, () => summarizeResults(results));
console.log(`  pairs: ${summary.pairs.length}`);

void (async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lsl-bench-report-'));
  const input = { ...completedInput(), splits: { seed: 1, train: [], val: [], test: Array.from({ length: N }, (_, i) => `p${i}`) }, results };
  const t = process.hrtime.bigint();
  const files = await writeReport(input, dir);
  console.log(`writeReport (same results, charts included): ${(Number(process.hrtime.bigint() - t) / 1e6).toFixed(0)} ms`);
  console.log(`  report.html ${(fs.statSync(files.html).size / 1024).toFixed(0)} KiB, results.jsonl ${(fs.statSync(files.jsonl).size / 1024).toFixed(0)} KiB`);
  fs.rmSync(dir, { recursive: true, force: true });
})();
