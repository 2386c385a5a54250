/** MATH-500 and HumanEval experiments run on the simulator through `lsl run`, with their real graders (the algebra tiers, the Python sandbox). */
import fs from 'node:fs';
import path from 'node:path';
import { parseResultsJsonl } from '../src/report';
import { lastJsonLine, REPO, runLsl, makeTempDir } from './helpers/cli';

interface Summary { status: string; reportDir: string; arms: Array<{ arm: string; finished: boolean; grant: number; spent: number; testAccuracy: Record<string, number> }> }

async function runConfig(name: string): Promise<Summary> {
  const r = await runLsl(['run', path.join(REPO, 'tests/fixtures/configs', name), '--json'], {
    LSL_HOME: makeTempDir('exp-task'), LSL_WORKFLOW_BUNDLE: process.env.LSL_TEST_WORKFLOW_BUNDLE, TEMPORAL_ADDRESS: '',
  });
  if (r.code !== 0) throw new Error(`lsl run ${name} failed (${r.code}):\n${r.stderr}`);
  return lastJsonLine<Summary>(r);
}

test('a MATH-500 experiment runs end to end; answers are graded by the math grader', async () => {
  const s = await runConfig('tiny-math500.yaml');
  expect(s.status).toBe('completed');
  expect(s.arms.map((a) => a.arm)).toEqual(['seed', 'base', 'lsl', 'matched']);
  for (const a of s.arms) expect(a.spent).toBeLessThanOrEqual(a.grant);
  const rows = parseResultsJsonl(fs.readFileSync(path.join(s.reportDir, 'results.jsonl'), 'utf8'));
  expect(rows).toHaveLength(4 * 2 * 30);
  expect(rows.some((r) => r.score === 1)).toBe(true);
  expect(rows.some((r) => r.score === 0)).toBe(true);
  expect(rows.every((r) => /expected|correct|boxed/i.test(r.feedback))).toBe(true);
});

test('a HumanEval experiment runs end to end; the sandbox decides every answer', async () => {
  const s = await runConfig('tiny-humaneval.yaml');
  expect(s.status).toBe('completed');
  for (const a of s.arms) expect(a.finished).toBe(true);
  const rows = parseResultsJsonl(fs.readFileSync(path.join(s.reportDir, 'results.jsonl'), 'utf8'));
  expect(rows).toHaveLength(4 * 2 * 20);
  expect(rows.filter((r) => r.score === 1).length).toBeGreaterThan(0);
  // A failed program's feedback comes from running it: an assertion, an exception, or a time-out.
  const failed = rows.filter((r) => r.score === 0);
  expect(failed.length).toBeGreaterThan(0);
  for (const r of failed) expect(r.feedback).toMatch(/assert|Error|timed out|no code|passed|failed/i);
});
