/**
 * SVAMP and GSM-Hard as tasks, on the real dataset files: loading, ids, question text, and
 * GSM8K-style grading with their tolerances.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { datasetsDir } from '../src/paths';
import { gsmHardTask, numberText, svampTask } from '../src/tasks/numeric-tasks';
import { getTask } from '../src/tasks/registry';
import type { TaskExample } from '../src/tasks/types';

const dir = datasetsDir();
const answer = (n: string) => `Let me compute.\n#### ${n}`;

describe('SVAMP', () => {
  let examples: TaskExample[];
  beforeAll(async () => {
    examples = await svampTask.load(dir, 'train');
  });

  test('loads 1000 problems: id from ID, question = Body + " " + Question, gold from Answer', async () => {
    expect(examples).toHaveLength(1000);
    expect(new Set(examples.map((e) => e.id)).size).toBe(1000);
    expect(examples[0]).toMatchObject({
      id: 'svamp-chal-1',
      question: 'Each pack of dvds costs 76 dollars. If there is a discount of 25 dollars on each pack How much do you have to pay to buy each pack?',
      gold: '51',
      meta: { equation: '( 76.0 - 25.0 )', type: 'Subtraction' },
    });
    expect(await svampTask.load(dir, 'test')).toBe(examples);
    expect(svampTask.separatePools).toBe(false);
    expect(svampTask.files).toEqual(['svamp/SVAMP.json']);
    expect(getTask('svamp')).toBe(svampTask);
  });

  test('grades like GSM8K: "#### n" scores, "51.0" equals 51, the flexible match is reported', async () => {
    const ex = examples[0];
    expect((await svampTask.grade(answer('51'), ex)).score).toBe(1);
    expect((await svampTask.grade(answer('51.0'), ex)).score).toBe(1);
    expect((await svampTask.grade(answer('52'), ex)).score).toBe(0);
    const unformatted = await svampTask.grade('The price is 51 dollars.', ex);
    expect(unformatted).toMatchObject({ score: 0, details: { flexibleScore: 1 } });
    for (const e of examples) expect((await svampTask.grade(answer(e.gold), e)).score).toBe(1);
  });

  test('messages: instruction as system message, problem as user message', () => {
    expect(svampTask.buildMessages('Solve it.', examples[1])).toEqual([
      { role: 'system', content: 'Solve it.' },
      { role: 'user', content: examples[1].question },
    ]);
  });
});

describe('GSM-Hard', () => {
  let examples: TaskExample[];
  beforeAll(async () => {
    examples = await gsmHardTask.load(dir, 'test');
  });

  test('loads 1319 problems with positional ids and numeric golds (303 non-integer)', () => {
    expect(examples).toHaveLength(1319);
    expect(examples[0].id).toBe('gsm-hard-0');
    expect(examples[0].gold).toBe('-9867630');
    expect(examples[0].question).toContain('4933828');
    expect(examples.filter((e) => e.meta?.integer === false)).toHaveLength(303);
    expect(gsmHardTask.files).toEqual(['gsm-hard/gsmhardv2.jsonl']);
    expect(getTask('gsm-hard')).toBe(gsmHardTask);
  });

  test('integer targets are exact; non-integer targets match within a relative tolerance', async () => {
    const int = examples[0];
    expect((await gsmHardTask.grade(answer('-9867630'), int)).score).toBe(1);
    expect((await gsmHardTask.grade(answer('-9,867,630'), int)).score).toBe(1);
    expect((await gsmHardTask.grade(answer('-9867631'), int)).score).toBe(0);
    expect((await gsmHardTask.grade(answer('-9867630.4'), int)).score).toBe(0);

    const frac = examples.find((e) => e.gold === '3244047.0999999996')!;
    expect(frac).toBeDefined();
    expect((await gsmHardTask.grade(answer('3244047.1'), frac)).score).toBe(1); // the float artefact is not the answer
    expect((await gsmHardTask.grade(answer('3244047.10'), frac)).score).toBe(1);
    expect((await gsmHardTask.grade(answer('3244060'), frac)).score).toBe(0); // 13 off: beyond 1e-6 relative

    const small = examples.find((e) => e.gold === '0.0016791648')!;
    expect((await gsmHardTask.grade(answer('0.00168'), small)).score).toBe(1);
    expect((await gsmHardTask.grade(answer('0.0017'), small)).score).toBe(0);

    for (const e of examples) expect((await gsmHardTask.grade(answer(e.gold), e)).score).toBe(1);
  });

  test('a record without a numeric target is refused with the file and record named', async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lsl-gsmhard-'));
    fs.mkdirSync(path.join(tmp, 'gsm-hard'));
    fs.writeFileSync(path.join(tmp, 'gsm-hard', 'gsmhardv2.jsonl'), `${JSON.stringify({ input: 'q', code: '', target: 'NaN' })}\n`);
    await expect(gsmHardTask.load(tmp, 'test')).rejects.toThrow(/gsmhardv2\.jsonl: record 1: field 'target' must be a finite number/);
  });

  test('gold numbers print in positional notation, without a trailing .0', () => {
    expect(numberText(51)).toBe('51');
    expect(numberText(-9867630)).toBe('-9867630');
    expect(numberText(0.5)).toBe('0.5');
    expect(numberText(5.158e-7)).toBe('0.0000005158');
    expect(numberText(-1.5e-8)).toBe('-0.000000015');
  });
});
