/**
 * Experiments with other optimizers through the real CLI (`lsl run`, embedded dev server,
 * simulator, in-process worker): OPRO in every arm, and several optimizers side by side on the
 * same grants. Each stage reports the optimizer that ran it, spends within its grant, and the
 * report is written.
 */
import fs from 'node:fs';
import path from 'node:path';
import { lastJsonLine, runLsl, makeTempDir } from './helpers/cli';
import { startTestSimulator } from './helpers/sim';
import type { RunningSimulator } from '../src/sim';
import { OPERATORS as PROMPTBREEDER_OPERATORS } from '../src/core/optimizers/promptbreeder/operators';

interface RunSummary {
  experimentId: string;
  status: string;
  reportDir: string;
  arms: Array<{ arm: string; finished: boolean; grant: number; spent: number; unit: string; testAccuracy: Record<string, number> }>;
}

let sim: RunningSimulator;

// A whole experiment through the CLI on a shared 2-core machine takes minutes.
jest.setTimeout(900_000);

beforeAll(async () => {
  sim = await startTestSimulator();
});
afterAll(async () => {
  await sim?.close();
});

async function lslRun(config: string): Promise<RunSummary & { home: string }> {
  const home = makeTempDir('exp-opt');
  const r = await runLsl(['run', config, '--json'], {
    LSL_HOME: home, LSL_SIM_URL: sim.url, LSL_WORKFLOW_BUNDLE: process.env.LSL_TEST_WORKFLOW_BUNDLE, TEMPORAL_ADDRESS: '',
  }, 850_000);
  if (r.code !== 0) throw new Error(`lsl run ${config} failed (${r.code}):\n${r.stderr}`);
  return { ...lastJsonLine<RunSummary>(r), home };
}

/** The operators each search's candidates may come from (as their `origin`). */
const ORIGINS: Record<string, string[]> = {
  opro: ['seed', 'meta-prompt'],
  'evoprompt-ga': ['seed', 'variation', 'crossover'],
  'evoprompt-de': ['seed', 'variation', 'differential'],
  promptbreeder: ['seed', 'initial', ...PROMPTBREEDER_OPERATORS],
};

interface LineageRow { stage: string; task_model: string; candidate: string; parents: string; origin: string }

test('OPRO in every arm: lsl and matched with OPRO in one config, within their grants', async () => {
  const run = await lslRun('examples/sim-gsm8k-opro.yaml');
  expect(run.status).toBe('completed');
  expect(run.arms.map((a) => a.arm)).toEqual(['seed', 'base', 'lsl', 'matched']);
  for (const a of run.arms) {
    expect(a.finished).toBe(true);
    expect(a.spent).toBeLessThanOrEqual(a.grant);
  }
  expect(fs.readFileSync(path.join(run.reportDir, 'report.md'), 'utf8')).toContain('SIMULATED');
});

test('an optimizer comparison: one arm per optimizer on the same grant', async () => {
  const run = await lslRun('examples/sim-gsm8k-optimizers.yaml');
  expect(run.status).toBe('completed');
  const arms = run.arms.filter((a) => a.arm !== 'seed');
  expect(arms.map((a) => a.arm)).toEqual(['small-only', 'small-only@opro', 'small-only@evoprompt-ga', 'small-only@evoprompt-de', 'small-only@promptbreeder']);
  for (const a of arms) {
    expect(a.finished).toBe(true);
    expect(a.grant).toBe(160);
    expect(a.spent).toBeLessThanOrEqual(160);
    expect(a.spent).toBeGreaterThan(100);
  }

  // Each search's lineage reaches the report and its export: its stage lists the seed and the
  // candidates its own operators made, each from parents listed in the same stage.
  const out = makeTempDir('exp-opt-export');
  const exported = await runLsl(['export', run.experimentId, '--format', 'jsonl', '--out', out], { LSL_HOME: run.home });
  if (exported.code !== 0) throw new Error(exported.stderr);
  const lineage = fs.readFileSync(path.join(out, 'lineage.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as LineageRow);
  const report = fs.readFileSync(path.join(run.reportDir, 'report.md'), 'utf8');
  for (const [name, origins] of Object.entries(ORIGINS)) {
    const rows = lineage.filter((r) => r.stage.endsWith(`@${name}`));
    expect(rows.length).toBeGreaterThan(1);
    const ids = new Set(rows.map((r) => r.candidate));
    for (const r of rows) {
      expect(origins).toContain(r.origin);
      const parents = r.parents === '' ? [] : r.parents.split(';');
      expect(parents.length > 0).toBe(r.origin !== 'seed');
      for (const p of parents) expect(ids).toContain(p);
    }
    expect(report).toContain(`Stage ${rows[0].stage} on ${rows[0].task_model}`);
  }
});
