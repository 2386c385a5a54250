/**
 * The WST arm, end to end: `lsl run` (real CLI, embedded dev server, simulator, in-process worker)
 * on a small config with arms seed, base, lsl and wst. The wst stage optimizes the teacher's
 * prompt (S) on the student's score (L): every rollout is two model calls (the simulator answers
 * the teacher's by its generic shape, a per-problem instruction request), both in the ledger, and
 * its test evaluation uses the same two calls with the optimized teacher prompt. The arm appears
 * in the report's comparisons; a second run in a fresh home (no shared cache) reproduces it
 * exactly. `lsl export --format wst-jsonl` gives the teacher records, with the same rewards.
 */
import fs from 'node:fs';
import path from 'node:path';
import { DEFAULT_TEACHER_PROMPT } from '../src/core/experiment';
import { parseResultsJsonl } from '../src/report';
import type { RunningSimulator } from '../src/sim';
import { runLsl } from './helpers/cli';
import { startTestSimulator } from './helpers/sim';
import { runConfigOnSim, type SimRun as Run } from './helpers/sim-run';

const TEST = 8;
let sim: RunningSimulator;
let first: Run;
let second: Run;

function runOnce(): Promise<Run> {
  return runConfigOnSim(sim, 'wst', [
    'name: wst',
    'task: gsm8k',
    `splits: { train: 6, val: 4, test: ${TEST}, seed: 3 }`,
    'seed: { instruction: "Solve the math problem step by step." }',
    'models: { large: sim-large, small: sim-small }',
    'budget: { b1: 16, b2: 16 }',
    'arms: [seed, base, lsl, wst]',
    'gepa: { minibatchSize: 2 }',
    'analysis: { transfer: false }',
  ]);
}

beforeAll(async () => {
  sim = await startTestSimulator();
  first = await runOnce();
  second = await runOnce();
}, 1_260_000);

afterAll(async () => {
  await sim?.close();
});

const holder = (r: Run, name: string) => r.result.ledger.holders.find((h) => h.holder === name)!;
const calls = (h: ReturnType<typeof holder>, model: string) => h.byModel.find((m) => m.model === model)?.first.calls ?? 0;

test('the wst stage optimizes the teacher prompt at lsl\'s grant; every rollout is a teacher call on S and a student call on L', () => {
  expect(first.result.status).toBe('completed');
  const wst = first.result.arms.find((a) => a.arm === 'wst')!;
  const lsl = first.result.arms.find((a) => a.arm === 'lsl')!;
  expect(wst.finished).toBe(true);
  expect(wst.grant).toBe(16);
  expect(lsl.stages.at(-1)!.grant).toBe(wst.grant);
  // The prompt it yields is the teacher's, grown from its seed.
  expect(wst.finalPrompt.startsWith(DEFAULT_TEACHER_PROMPT)).toBe(true);
  const stage = holder(first, 'r0/wst');
  const student = calls(stage, 'sim-large');
  expect(student).toBeGreaterThan(0);
  // Cached calls are not in the ledger's usage; each paid student call had its teacher call.
  expect(calls(stage, 'sim-small')).toBe(student);
  // The simulator answered the teacher calls as per-problem instruction requests, and only the teacher's.
  expect(first.stats.models['sim-small'].teachingCalls).toBeGreaterThanOrEqual(student);
  expect(first.stats.models['sim-large'].teachingCalls).toBe(0);
});

test('its test evaluation uses the two calls with the optimized teacher prompt, on each evaluation model', () => {
  const evaluation = holder(first, 'evaluation');
  // seed, base, lsl, wst on L and S; wst's evaluations add TEST teacher calls each, on S (the
  // ledger counts attempts too: a call retried on a loaded machine counts twice).
  expect(calls(evaluation, 'sim-large')).toBeGreaterThanOrEqual(4 * TEST);
  expect(calls(evaluation, 'sim-small') - calls(evaluation, 'sim-large')).toBeGreaterThanOrEqual(2 * TEST);
  expect(calls(evaluation, 'sim-small')).toBeLessThan(4 * TEST + 2 * TEST + 4);
  const wst = first.result.arms.find((a) => a.arm === 'wst')!;
  expect(Object.keys(wst.testAccuracy).sort()).toEqual(['sim-large', 'sim-small']);
});

test('the wst arm is compared with the others in the report', () => {
  const md = fs.readFileSync(path.join(first.reportDir, 'report.md'), 'utf8');
  expect(md).toMatch(/\|\s*lsl − wst\s*\|/);
  expect(md).toMatch(/\|\s*seed − wst\s*\|/);
  expect(md).toContain("The teacher's prompt: sim-small reads each problem");
  const rows = parseResultsJsonl(fs.readFileSync(path.join(first.reportDir, 'results.jsonl'), 'utf8'));
  expect(rows.filter((r) => r.arm === 'wst')).toHaveLength(2 * TEST);
});

test('a second run with no shared cache reproduces the first exactly', () => {
  const read = (r: Run) => fs.readFileSync(path.join(r.reportDir, 'results.jsonl'), 'utf8');
  expect(read(second)).toBe(read(first));
  expect(second.result.arms.map((a) => [a.arm, a.finalPrompt, a.testAccuracy])).toEqual(first.result.arms.map((a) => [a.arm, a.finalPrompt, a.testAccuracy]));
  expect(second.stats.models['sim-small'].teachingCalls).toBe(first.stats.models['sim-small'].teachingCalls);
});

test('lsl export --format wst-jsonl: one record per teacher-then-student test rollout, with the same rewards as results.jsonl', async () => {
  const runDir = path.dirname(first.reportDir);
  const out = path.join(first.home, 'wst-export');
  const r = await runLsl(['export', runDir, '--format', 'wst-jsonl', '--out', out], first.env, 120_000);
  expect(r.code).toBe(0);
  const file = path.join(out, 'wst.jsonl');
  expect(r.stdout.trim()).toBe(file);
  const records = fs.readFileSync(file, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  const rows = parseResultsJsonl(fs.readFileSync(path.join(first.reportDir, 'results.jsonl'), 'utf8')).filter((x) => x.arm === 'wst');
  expect(records).toHaveLength(rows.filter((x) => !x.feedback.startsWith('teacher:')).length);
  expect(records.length).toBeGreaterThan(0);
  const wst = first.result.arms.find((a) => a.arm === 'wst')!;
  for (const rec of records) {
    const row = rows.find((x) => x.model === rec.student_model && x.id === rec.id && x.sample === rec.sample)!;
    expect(rec.reward).toBe(row.score);
    expect(rec.student_answer).toBe(row.output);
    expect(rec.teacher_model).toBe('sim-small');
    expect(rec.teacher_prompt).toBe(wst.finalPrompt);
    expect(String(rec.teacher_instruction).length).toBeGreaterThan(0);
    expect(rec.prompt).toEqual([{ role: 'system', content: wst.finalPrompt }, { role: 'user', content: rec.problem }]);
    expect(rec.completion).toEqual([{ role: 'assistant', content: rec.teacher_instruction }]);
  }
  // The mean reward per student model is the report's accuracy of the arm.
  for (const model of ['sim-large', 'sim-small']) {
    const own = records.filter((x) => x.student_model === model);
    expect(own.reduce((a, x) => a + Number(x.reward), 0) / own.length).toBeCloseTo(wst.testAccuracy[model], 12);
  }
  // Without a wst arm there is nothing to export in this format, and it says so.
  const plain = await runLsl(['export', runDir, '--format', 'nope'], first.env, 60_000);
  expect(plain.code).not.toBe(0);
  expect(plain.stderr).toMatch(/--format must be one of csv, jsonl, wst-jsonl/);
}, 300_000);
