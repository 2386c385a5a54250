/**
 * MATH-500 and AIME 2024/2025 as tasks, on the real dataset files: loading, ids, metadata,
 * messages, and grading of every gold against itself.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { datasetsDir } from '../src/paths';
import { aime2024Task, aime2025Task, math500Task, repairControlCharacters } from '../src/tasks/math';
import { getTask } from '../src/tasks/registry';
import type { TaskExample } from '../src/tasks/types';

const dir = datasetsDir();
const boxed = (answer: string) => `Working...\nTherefore the answer is $\\boxed{${answer}}$.`;

describe('MATH-500', () => {
  let examples: TaskExample[];
  beforeAll(async () => {
    examples = await math500Task.load(dir, 'train');
  });

  test('loads 500 problems with unique_id ids, level, subject and solution; one pool', async () => {
    expect(examples).toHaveLength(500);
    expect(new Set(examples.map((e) => e.id)).size).toBe(500);
    const first = examples[0];
    expect(first.id).toBe('test/precalculus/807.json');
    expect(first.gold).toBe('\\left( 3, \\frac{\\pi}{2} \\right)');
    expect(first.meta).toMatchObject({ level: 2, subject: 'Precalculus' });
    expect(String(first.meta?.solution)).toContain('\\boxed');
    expect(await math500Task.load(dir, 'test')).toBe(examples);
    expect(math500Task.separatePools).toBe(false);
    expect(math500Task.files).toEqual(['math500/test.jsonl']);
    expect(math500Task.answerFormat).toBe('put the final answer in \\boxed{}');
    expect(getTask('math500')).toBe(math500Task);
  });

  test('every gold answer, boxed, is graded equal to itself (500/500)', async () => {
    const failures: string[] = [];
    const tiers = new Map<string, number>();
    for (const ex of examples) {
      const g = await math500Task.grade(boxed(ex.gold), ex);
      if (g.score !== 1) failures.push(`${ex.id}: ${ex.gold} -> ${g.feedback}`);
      expect(g.details?.boxed).toBe(true);
      tiers.set(String(g.details?.tier), (tiers.get(String(g.details?.tier)) ?? 0) + 1);
    }
    expect(failures).toEqual([]);
    expect(tiers.get('string')).toBe(500); // identical text never needs the algebra library
  });

  test('the boxed answer in each reference solution is graded equal to the gold', async () => {
    const failures: string[] = [];
    for (const ex of examples) {
      const g = await math500Task.grade(String(ex.meta?.solution), ex);
      if (g.score !== 1) failures.push(`${ex.id}: gold ${ex.gold}; ${g.feedback}`);
    }
    // Extraction from real solution text: nested braces, text around and after the box.
    expect(failures).toEqual([]);
  });

  test('messages: instruction as system message, problem as user message', () => {
    const ex = examples[0];
    expect(math500Task.buildMessages('Think step by step.', ex)).toEqual([
      { role: 'system', content: 'Think step by step.' },
      { role: 'user', content: ex.question },
    ]);
    expect(math500Task.buildMessages('  ', ex)).toEqual([{ role: 'user', content: ex.question }]);
  });

  test('a malformed record is refused with the file and record named', async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lsl-math-'));
    fs.mkdirSync(path.join(tmp, 'math500'));
    fs.writeFileSync(path.join(tmp, 'math500', 'test.jsonl'), `${JSON.stringify({ problem: 'p', solution: 's', answer: 3, subject: 'Algebra', level: 1, unique_id: 'x' })}\n`);
    await expect(math500Task.load(tmp, 'test')).rejects.toThrow(/math500\/test\.jsonl: record 1: field 'answer' must be a string/);
  });
});

describe('AIME', () => {
  test('2024: 30 problems, ids from the file, zero-padded golds compared as integers', async () => {
    const examples = await aime2024Task.load(dir, 'test');
    expect(examples).toHaveLength(30);
    expect(examples.map((e) => e.id)).toEqual(Array.from({ length: 30 }, (_v, k) => `aime2024-${60 + k}`));
    const padded = examples.filter((e) => /^0\d/.test(String(e.meta?.sourceAnswer)));
    expect(padded.length).toBe(7);
    for (const ex of padded) {
      expect(ex.gold).toBe(String(Number(ex.meta?.sourceAnswer)));
      expect((await aime2024Task.grade(boxed(String(ex.meta?.sourceAnswer)), ex)).score).toBe(1); // "025"
      expect((await aime2024Task.grade(boxed(ex.gold), ex)).score).toBe(1); // "25"
      expect((await aime2024Task.grade(boxed(String(Number(ex.gold) + 1)), ex)).score).toBe(0);
    }
    for (const ex of examples) expect((await aime2024Task.grade(boxed(ex.gold), ex)).score).toBe(1);
    expect(aime2024Task.separatePools).toBe(false);
    expect(aime2024Task.files).toEqual(['aime2024/test.jsonl']);
  });

  test('2025: 30 problems, numeric golds, control characters repaired', async () => {
    const examples = await aime2025Task.load(dir, 'test');
    expect(examples).toHaveLength(30);
    expect(examples[0]).toMatchObject({ id: 'aime2025-0', gold: '70' });
    expect(examples.map((e) => e.id)).toEqual(Array.from({ length: 30 }, (_v, k) => `aime2025-${k}`));
    for (const ex of examples) {
      expect(ex.question).not.toMatch(/[\u0009\u000c]/);
      expect((await aime2025Task.grade(boxed(ex.gold), ex)).score).toBe(1);
      expect((await aime2025Task.grade(boxed(`0${ex.gold}`), ex)).score).toBe(1);
    }
    expect(examples.filter((e) => e.meta?.repairedControlCharacters).map((e) => e.id).sort()).toEqual(['aime2025-18', 'aime2025-19', 'aime2025-27']);
    expect(repairControlCharacters('\u000crac{1}{2} and \u0009riangle')).toBe('\\frac{1}{2} and \\triangle');
  });

  test('a non-integer AIME gold is refused with the record named', async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lsl-aime-'));
    fs.mkdirSync(path.join(tmp, 'aime2024'));
    fs.writeFileSync(path.join(tmp, 'aime2024', 'test.jsonl'), `${JSON.stringify({ id: 1, problem: 'p', answer: '12.5' })}\n`);
    await expect(aime2024Task.load(tmp, 'test')).rejects.toThrow(/aime2024\/test\.jsonl: record 1: AIME answer must be a non-negative integer, got "12.5"/);
  });
});
