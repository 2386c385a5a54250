/**
 * `lsl run examples/real-smollm2.yaml`: the whole LSL experiment (every arm, evaluation, report)
 * on the real model through llama.cpp. The report names the real model and carries no
 * simulated banner. It has a llama.cpp server of its own: the server makes one call at a time,
 * and this run's ~50 calls would otherwise queue behind the other real-model files' calls.
 */
import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { SIMULATED_BANNER } from '../src/report';
import { lastJsonLine, makeTempDir, runLsl } from './helpers/cli';
import { llamaEnv, startLlamaServer, suiteLlama, type LlamaServer } from './helpers/llama';
import { testServer } from './helpers/temporal';

interface RunSummary {
  status: string; reportDir: string;
  arms: Array<{ arm: string; finished: boolean; grant: number; spent: number; testAccuracy: Record<string, number> }>;
}

let own: LlamaServer | undefined;
beforeAll(async () => {
  // A user's own server (LSL_LLAMA_BASE_URL) is the suite's server; else start one for this file.
  if (!process.env.LSL_LLAMA_BASE_URL) own = await startLlamaServer();
}, 300_000);
afterAll(async () => {
  await own?.stop();
});
const llama = () => (own ? { env: llamaEnv(own.baseUrl, own.modelId), modelId: own.modelId } : suiteLlama());

test('lsl run examples/real-smollm2.yaml completes with a report on the real model', async () => {
  const home = makeTempDir('real-exp');
  try {
    const r = await runLsl(['run', 'examples/real-smollm2.yaml', '--json'], {
      ...llama().env, LSL_HOME: home, TEMPORAL_ADDRESS: testServer().address, LSL_TASK_QUEUE: `real-exp-${randomUUID()}`,
    }, 2_400_000);
    expect([r.code, r.code === 0 ? '' : r.stderr]).toEqual([0, '']);
    const run = lastJsonLine<RunSummary>(r);
    expect(run.status).toBe('completed');
    expect(run.arms.map((a) => a.arm)).toEqual(['seed', 'base', 'lsl', 'matched', 'small-only']);
    for (const a of run.arms) {
      expect(a.finished).toBe(true);
      expect(a.spent).toBeLessThanOrEqual(a.grant);
      expect(Object.keys(a.testAccuracy).sort()).toEqual(['local-llama', 'local-llama-short']);
    }
    const md = fs.readFileSync(path.join(run.reportDir, 'report.md'), 'utf8');
    const html = fs.readFileSync(path.join(run.reportDir, 'report.html'), 'utf8');
    for (const doc of [md, html]) {
      expect(doc).not.toContain(SIMULATED_BANNER);
      expect(doc).toContain('local-llama');
      expect(doc).toContain(llama().modelId);
    }
    expect(md).not.toMatch(/SIMULATED/);
  } finally {
    fs.rmSync(home, { recursive: true, force: true });
  }
}, 2_500_000);
