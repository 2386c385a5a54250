/**
 * Saturation shown where it happens: a large model that solves every training example (a sim
 * profile with skill 1) makes base stop early and matched, continuing base's state, spend none
 * of its grant, while lsl spends its grant on the small model's failures. `lsl run` (real CLI,
 * embedded dev server, simulator, in-process worker) must say why each stage stopped and what it
 * left, and so must the report's ledger and Answer; `lsl export` then reloads into the same numbers.
 */
import fs from 'node:fs';
import path from 'node:path';
import { summarizeResults } from '../src/core/stats';
import { parseCsv, parseResultsJsonl } from '../src/report';
import { lastJsonLine, makeTempDir, runLsl, writeRegistry } from './helpers/cli';
import { startTestSimulator } from './helpers/sim';
import type { RunningSimulator } from '../src/sim';

interface StageOutcome { stage: string; stopReason: string | null; grant: number; spent: number; unspent: number }
interface RunSummary {
  experimentId: string;
  status: string;
  reportDir: string;
  arms: Array<{ arm: string; grant: number; spent: number; stages: StageOutcome[] }>;
}

let sim: RunningSimulator;
let home: string;
let env: Record<string, string | undefined>;
let run: RunSummary;
/** The human-readable summary (stderr when --json puts the JSON line on stdout). */
let table: string;

beforeAll(async () => {
  sim = await startTestSimulator({ profiles: { 'sim-perfect': { skill: 1, steepness: 400, formatSlipRate: 0, reflectionSkill: 1 } } });
  home = makeTempDir('exp-saturation');
  const models = writeRegistry(home, [
    '  - name: sim-perfect',
    '    provider: sim',
    '    baseUrl: ${LSL_SIM_URL}/v1',
    '    model: sim-perfect',
    '    priceInputPerM: 2',
    '    priceOutputPerM: 8',
    '    concurrency: 32',
    '    simulated: true',
    '',
  ].join('\n'));
  const config = path.join(home, 'saturation.yaml');
  fs.writeFileSync(config, [
    'name: saturation',
    'task: gsm8k',
    'splits: { train: 12, val: 6, test: 20, seed: 5 }',
    'seed: { instruction: "Solve the math problem step by step. End with #### <number>." }',
    'models: { large: sim-perfect, small: sim-small }',
    'budget: { b1: 40, b2: 30 }',
    'arms: [base, lsl, matched]',
    'gepa: { minibatchSize: 3 }',
    '',
  ].join('\n'));
  env = { LSL_HOME: home, LSL_SIM_URL: sim.url, LSL_MODELS: models, LSL_WORKFLOW_BUNDLE: process.env.LSL_TEST_WORKFLOW_BUNDLE, TEMPORAL_ADDRESS: '' };
  const r = await runLsl(['run', config, '--json'], env, 600_000);
  if (r.code !== 0) throw new Error(`lsl run failed (${r.code}):\n${r.stderr}`);
  table = r.stderr;
  run = lastJsonLine<RunSummary>(r);
}, 660_000);

afterAll(async () => {
  await sim?.close();
});

const stage = (arm: string, name: string) => run.arms.find((a) => a.arm === arm)!.stages.find((s) => s.stage === name)!;

test("lsl run's summary says why each stage stopped and what it left of its grant", () => {
  expect(run.status).toBe('completed');
  expect(stage('matched', 'base')).toMatchObject({ stopReason: 'stalled', grant: 40 });
  expect(stage('matched', 'base').unspent).toBeGreaterThan(0);
  expect(stage('matched', 'matched')).toMatchObject({ stopReason: 'stalled', grant: 30, spent: 0, unspent: 30 });
  // lsl's small model still fails: it spends its grant on those failures.
  expect(stage('lsl', 'lsl').spent).toBeGreaterThan(0);
  expect(table).toMatch(/arm matched .*; base stopped: every training minibatch perfect, \d+ of 40 unspent; matched stopped: every training minibatch perfect, 30 of 30 unspent/);
});

test('the report shows the reason and the unspent grant in the ledger, and the Answer says it in words', () => {
  const md = fs.readFileSync(path.join(run.reportDir, 'report.md'), 'utf8').replace(/\\(.)/g, '$1');
  expect(md).toMatch(/\| matched \| matched \| sim-perfect \| sim-perfect \| 30 metric calls \| 0 \|.*\| every training minibatch perfect \| 30 metric calls \|/);
  const answer = md.slice(md.indexOf('## Answer'), md.indexOf('## Run'));
  expect(answer).toContain('Budget: matched stopped early: the large model (sim-perfect) solved every training minibatch it was shown, so there was nothing left to reflect on; its grant was left unspent (0 metric calls spent of 30 metric calls).');
});

test('lsl export reloads into the same numbers as the report', async () => {
  const out = path.join(home, 'export');
  const r = await runLsl(['export', run.experimentId, '--format', 'csv', '--out', out], env);
  expect(r.code).toBe(0);
  const rows = parseCsv(fs.readFileSync(path.join(out, 'results.csv'), 'utf8')).map((x) => ({
    repeat: Number(x.repeat), arm: x.arm, model: x.model, id: x.id, sample: Number(x.sample), score: Number(x.score),
    extracted: x.extracted === '' ? null : x.extracted, output: x.output, feedback: x.feedback,
  }));
  const reported = JSON.parse(fs.readFileSync(path.join(run.reportDir, 'summary.json'), 'utf8'));
  expect(JSON.parse(JSON.stringify(summarizeResults(rows)))).toEqual(reported);
  expect(rows).toHaveLength(parseResultsJsonl(fs.readFileSync(path.join(run.reportDir, 'results.jsonl'), 'utf8')).length);
  const stages = parseCsv(fs.readFileSync(path.join(out, 'stages.csv'), 'utf8'));
  expect(stages.find((s) => s.arm === 'matched' && s.stage === 'matched')).toMatchObject({ stop_reason: 'stalled', unspent_grant: '30' });
});
