/**
 * Merge through `lsl optimize`, outside an experiment: a two-component seed file and `--merge`
 * on the simulated GSM8K task (spawned CLI, the suite's Temporal server). Merges are attempted
 * and accepted, the summary counts them, and the merged candidates in the stage's summary take
 * each component from one of their two parents. (Merge is off unless `--merge` is given, as in
 * the reference: that default, not the engine, is why earlier runs with a two-component seed
 * never merged.)
 */
import fs from 'node:fs';
import path from 'node:path';
import type { GepaSummary } from '../src/core/gepa';
import { LocalArtifactStore } from '../src/store/artifacts';
import { lastJsonLine, runLsl } from './helpers/cli';
import { testServer } from './helpers/temporal';
import { removeTempDirs, tempDir } from './stage-setup';

afterAll(() => removeTempDirs());

interface Summary {
  workflowId: string; metricCalls: number; grant: number; iterations: number; summaryKey: string;
  outcomes: Record<string, number>; merges: { enabled: boolean; tried: number; accepted: number };
}

test('a two-component seed with --merge: merges attempted and accepted, counted in the summary', async () => {
  const home = tempDir('optimize-merge');
  const seedFile = path.join(home, 'seed.yaml');
  fs.writeFileSync(seedFile, 'system: Solve the math word problem.\nformat: Give the final answer as a number.\n');
  const budget = 600;
  const r = await runLsl([
    'optimize', '--task', 'gsm8k', '--model', 'sim-small', '--reflector', 'sim-large', '--budget', String(budget),
    '--seed', '0', '--seed-candidate', seedFile, '--merge', '--json',
  ], {
    LSL_HOME: home, TEMPORAL_ADDRESS: testServer().address, TEMPORAL_NAMESPACE: testServer().namespace,
    LSL_TASK_QUEUE: `optimize-merge-${Date.now()}`, LSL_SIM_URL: '',
  }, 400_000);
  expect(r.code).toBe(0);
  const s = lastJsonLine<Summary>(r);
  expect(s.metricCalls).toBeLessThanOrEqual(budget);
  expect(s.merges.enabled).toBe(true);
  expect(s.merges.tried).toBeGreaterThanOrEqual(1);
  expect(s.merges.accepted).toBeGreaterThanOrEqual(1);
  expect(s.merges.tried).toBe(s.outcomes['merge-accepted'] + s.outcomes['merge-rejected']);
  expect(s.merges.accepted).toBe(s.outcomes['merge-accepted']);
  // Every iteration, merges included, ended one way.
  expect(Object.values(s.outcomes).reduce((a, b) => a + b, 0)).toBe(s.iterations);
  expect(r.stderr).not.toMatch(/merge is off/);

  // The lineage: each accepted merge has two parents and takes every component from one of them.
  const summary = await new LocalArtifactStore(path.join(home, 'artifacts')).getJson<GepaSummary>(s.summaryKey);
  const byId = new Map(summary.pool.map((p) => [p.candidate.id, p.candidate]));
  const merged = summary.pool.filter((p) => p.origin === 'merge').map((p) => p.candidate);
  expect(merged).toHaveLength(s.merges.accepted);
  for (const m of merged) {
    expect(m.parents).toHaveLength(2);
    const [a, b] = m.parents.map((id) => byId.get(id)!);
    for (const name of m.order) expect([a.components[name], b.components[name]]).toContain(m.components[name]);
    // A real combination: it equals neither parent.
    expect(m.order.some((n) => m.components[n] !== a.components[n])).toBe(true);
    expect(m.order.some((n) => m.components[n] !== b.components[n])).toBe(true);
  }
}, 450_000);
