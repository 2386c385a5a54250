/**
 * Transfer scoring, end to end: `lsl run` (real CLI, embedded dev server, simulator, in-process
 * worker) on a small config, once with `analysis.transfer` off and once on (default), each in
 * its own LSL_HOME so neither run's response cache serves the other. The transfer curve's points
 * must be real evaluations on the other model: the simulator serves exactly the calls the ledger
 * records as analysis spend (less the answers the stages had already cached), and the test
 * results and the stages' spend stay what they were without them.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { ExperimentResult } from '../src/core/experiment';
import { readReportSources, type ReportInput } from '../src/report';
import { LocalArtifactStore } from '../src/store/artifacts';
import type { RunningSimulator, SimStats } from '../src/sim';
import { startTestSimulator } from './helpers/sim';
import { runConfigOnSim } from './helpers/sim-run';

interface Run { result: ExperimentResult; stats: SimStats; reportDir: string; input: ReportInput; home: string }

const VAL = 5;
let sim: RunningSimulator;
let off: Run;
let on: Run;

async function runWith(transfer: string): Promise<Run> {
  const { result, stats, reportDir, home } = await runConfigOnSim(sim, 'transfer', [
    'name: transfer',
    'task: gsm8k',
    `splits: { train: 8, val: ${VAL}, test: 10, seed: 7 }`,
    'seed: { instruction: "Solve the math problem. End with #### <number>." }',
    'models: { large: sim-large, small: sim-small }',
    'budget: { b1: 30, b2: 20 }',
    'arms: [base, lsl, matched]',
    'gepa: { minibatchSize: 2 }',
    transfer,
  ]);
  const { input } = await readReportSources(new LocalArtifactStore(path.join(home, 'artifacts')), result.reportSourcesKey);
  return { result, stats, reportDir, input, home };
}

beforeAll(async () => {
  sim = await startTestSimulator();
  off = await runWith('analysis: { transfer: false }');
  on = await runWith('');
}, 1_260_000);

afterAll(async () => {
  await sim?.close();
});

const analysisOf = (r: Run) => r.result.ledger.holders.find((h) => h.holder === 'analysis');
const taskCalls = (s: SimStats, model: string) => s.models[model]?.taskCalls ?? 0;
const points = (r: Run) => {
  const seen = new Set<string>();
  return r.input.arms.flatMap((a) => a.stages.map((s) => ({ ...s, arm: a.arm })))
    .filter((s) => !seen.has(s.stage) && seen.add(s.stage))
    .flatMap((s) => (s.transfer ?? []).map((t) => ({ stage: s.stage, taskModel: s.taskModel, ...t })));
};

test('switched off: no analysis spend, no transfer scores, the report says so', () => {
  expect(off.result.status).toBe('completed');
  expect(analysisOf(off)).toBeUndefined();
  expect(points(off)).toEqual([]);
  expect(fs.readFileSync(path.join(off.reportDir, 'report.md'), 'utf8')).toContain('No candidate of this run was scored on the other model');
});

test("every stage's accepted candidates are scored on the other model's validation set, one point per candidate", () => {
  expect(on.result.status).toBe('completed');
  const pts = points(on);
  for (const stage of ['base', 'lsl', 'matched']) {
    const st = on.input.arms.flatMap((a) => a.stages).find((s) => s.stage === stage)!;
    const other = st.taskModel === 'sim-large' ? 'sim-small' : 'sim-large';
    const own = pts.filter((p) => p.stage === stage);
    // base and lsl always accept at least their start; matched may stall without accepting any.
    if (stage !== 'matched') expect(own.length).toBeGreaterThan(0);
    for (const p of own) {
      expect(p.model).toBe(other);
      expect(st.candidates.map((c) => c.id)).toContain(p.candidate);
      // A mean over |V| problems with one sample each.
      expect(Number.isInteger(Math.round(p.valMean * VAL * 1e9) / 1e9)).toBe(true);
    }
  }
  expect(pts.some((p) => p.stage === 'lsl' && p.model === 'sim-large')).toBe(true);
  expect(fs.existsSync(path.join(on.reportDir, 'transfer.svg'))).toBe(true);
  const md = fs.readFileSync(path.join(on.reportDir, 'report.md'), 'utf8');
  expect(md).not.toContain('No candidate of this run was scored on the other model');
  expect(md).toContain('### Analysis (transfer');
});

test("the points are real calls: the simulator served what the ledger's analysis spend says, apart from every stage's budget", () => {
  const analysis = analysisOf(on)!;
  expect(analysis.grant).toBeNull();
  const pts = points(on);
  // Each point is |V| rollouts on its model; the ledger counts every one, cached or not.
  for (const model of ['sim-large', 'sim-small']) {
    const recorded = analysis.byModel.find((m) => m.model === model)?.first.calls ?? 0;
    expect(recorded).toBe(pts.filter((p) => p.model === model).length * VAL);
  }
  // The extra task calls the simulator saw, against the same run without transfer scoring, are
  // exactly the analysis calls not served from the response cache.
  const extra = taskCalls(on.stats, 'sim-large') + taskCalls(on.stats, 'sim-small') - taskCalls(off.stats, 'sim-large') - taskCalls(off.stats, 'sim-small');
  // Exact on a quiet machine; a call retried after a lost heartbeat (under load) reaches the
  // simulator twice and is counted as re-done work, so re-done calls of either run are the slack.
  const redone = (r: Run, k: 'calls' | 'reflectionCalls') => r.result.ledger.totals.redone[k];
  expect(extra).toBeGreaterThan(0);
  expect(Math.abs(extra - (analysis.first.calls - analysis.cacheHits))).toBeLessThanOrEqual(redone(on, 'calls') + redone(off, 'calls'));
  expect(Math.abs(on.stats.totals.reflectionCalls - off.stats.totals.reflectionCalls))
    .toBeLessThanOrEqual(redone(on, 'reflectionCalls') + redone(off, 'reflectionCalls'));
});

test('optimization and test results are unchanged by the extra scoring', () => {
  const rows = (r: Run) => fs.readFileSync(path.join(r.reportDir, 'results.jsonl'), 'utf8');
  expect(rows(on)).toBe(rows(off));
  const stageView = (r: Run) => r.result.ledger.holders.filter((h) => h.holder.startsWith('r')).map((h) => ({ holder: h.holder, spent: h.spentOfGrant, first: h.first }));
  expect(stageView(on)).toEqual(stageView(off));
  expect(on.result.arms.map((a) => [a.arm, a.finalPrompt, a.testAccuracy])).toEqual(off.result.arms.map((a) => [a.arm, a.finalPrompt, a.testAccuracy]));
  const evaluation = (r: Run) => r.result.ledger.holders.find((h) => h.holder === 'evaluation')!.first.calls;
  expect(evaluation(on)).toBe(evaluation(off));
});
