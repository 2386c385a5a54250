/** HumanEval and MBPP: loading, splits, prompts, and grading real answers in the real sandbox. */
import { datasetsDir } from '../src/paths';
import { checkReferenceSolutions, referenceOutput } from '../src/tasks/check';
import { CODE_ANSWER_FORMAT, humanevalTask, mbppEntryPoint, mbppSanitizedTask, mbppSplit, mbppTask } from '../src/tasks/code';
import { gsm8kTask } from '../src/tasks/gsm8k';
import { getTask } from '../src/tasks/registry';
import type { TaskExample } from '../src/tasks/types';

const dir = datasetsDir();

async function example(task: typeof humanevalTask, id: string): Promise<TaskExample> {
  for (const pool of ['train', 'test'] as const) {
    const ex = (await task.load(dir, pool)).find((e) => e.id === id);
    if (ex) return ex;
  }
  throw new Error(`no example ${id}`);
}

describe('loading', () => {
  test('the registry serves the three code tasks', () => {
    expect(getTask('humaneval')).toBe(humanevalTask);
    expect(getTask('mbpp')).toBe(mbppTask);
    expect(getTask('mbpp-sanitized')).toBe(mbppSanitizedTask);
    for (const t of [humanevalTask, mbppTask, mbppSanitizedTask]) {
      expect(t.kind).toBe('code');
      expect(t.answerFormat).toBe(CODE_ANSWER_FORMAT);
    }
  });

  test('HumanEval: one pool of 164, gold = prompt + canonical solution, tests end with check(entry point)', async () => {
    const train = await humanevalTask.load(dir, 'train');
    const test = await humanevalTask.load(dir, 'test');
    expect(humanevalTask.separatePools).toBe(false);
    expect(train).toHaveLength(164);
    expect(test.map((e) => e.id)).toEqual(train.map((e) => e.id));
    const first = train[0];
    expect(first.id).toBe('HumanEval/0');
    expect(first.meta!.entryPoint).toBe('has_close_elements');
    expect(first.gold.startsWith(first.question)).toBe(true);
    expect(first.meta!.tests as string).toMatch(/def check\(candidate\):[\s\S]*\ncheck\(has_close_elements\)\n$/);
  });

  test('MBPP full: test = ids 11-510, train = every other id; \\r\\n normalized', async () => {
    const train = await mbppTask.load(dir, 'train');
    const test = await mbppTask.load(dir, 'test');
    expect(mbppTask.separatePools).toBe(true);
    expect(test).toHaveLength(500);
    expect(train).toHaveLength(474);
    expect(test.every((e) => (e.meta!.taskId as number) >= 11 && (e.meta!.taskId as number) <= 510)).toBe(true);
    expect(new Set([...train, ...test].map((e) => e.id)).size).toBe(974);
    expect([...train, ...test].some((e) => e.gold.includes('\r'))).toBe(false);
    expect([mbppSplit(1), mbppSplit(10), mbppSplit(11), mbppSplit(510), mbppSplit(511), mbppSplit(600), mbppSplit(601)])
      .toEqual(['prompt', 'prompt', 'test', 'test', 'validation', 'validation', 'train']);
  });

  test('MBPP sanitized: 257 test, 170 train (prompt + validation + train ids)', async () => {
    expect(await mbppSanitizedTask.load(dir, 'test')).toHaveLength(257);
    expect(await mbppSanitizedTask.load(dir, 'train')).toHaveLength(170);
  });

  test('MBPP question shows the text and the first test; the entry point is the function that test calls', async () => {
    const ex = await example(mbppSanitizedTask, 'mbpp-sanitized/2');
    expect(ex.question).toBe('Write a function to find the shared elements from the given two lists.\n\n' +
      'Your code should pass this test:\nassert set(similar_elements((3, 4, 5, 6),(5, 7, 4, 10))) == set((4, 5))');
    expect(ex.meta!.entryPoint).toBe('similar_elements');
    expect(mbppEntryPoint('assert math.isclose(area(2), 12.56)', 'def area(r):\n    return 3.14*r*r')).toBe('area');
    expect(mbppEntryPoint('assert f(1) == 2', 'def g(x): pass')).toBeNull();
    const full = await example(mbppTask, 'mbpp/1');
    expect((full.meta!.tests as string).split('\n').filter((l) => l.startsWith('assert'))).toHaveLength(3);
  });

  test('every MBPP example has its test setup code before its asserts', async () => {
    const withSetup = (await mbppTask.load(dir, 'train')).concat(await mbppTask.load(dir, 'test'))
      .filter((e) => !(e.meta!.tests as string).startsWith('assert'));
    expect(withSetup.length).toBeGreaterThan(0);
    for (const e of withSetup) expect(e.meta!.tests as string).toMatch(/\nassert /);
  });

  test('a missing dataset directory is a clear error naming the file', async () => {
    await expect(mbppTask.load('/nonexistent-datasets', 'test')).rejects.toThrow(/dataset file missing: \/nonexistent-datasets\/mbpp\/mbpp.jsonl/);
  });
});

describe('messages', () => {
  test('HumanEval: instruction as system, the prompt in a fenced block as user', async () => {
    const ex = await example(humanevalTask, 'HumanEval/0');
    const msgs = humanevalTask.buildMessages('Write clean code.', ex);
    expect(msgs[0]).toEqual({ role: 'system', content: 'Write clean code.' });
    expect(msgs[1].role).toBe('user');
    expect(msgs[1].content).toBe(`Complete the following Python function:\n\n\`\`\`python\n${ex.question.trimEnd()}\n\`\`\``);
  });

  test('MBPP: the user message is the question; an empty instruction adds no system message', async () => {
    const ex = await example(mbppTask, 'mbpp/11');
    expect(mbppTask.buildMessages('', ex)).toEqual([{ role: 'user', content: ex.question }]);
  });
});

describe('grading in the sandbox', () => {
  test('a chatty correct HumanEval answer passes; the verdict says where the code came from', async () => {
    const ex = await example(humanevalTask, 'HumanEval/0');
    const answer = 'Sure! Compare every pair.\n\n```python\ndef has_close_elements(numbers, threshold):\n' +
      '    return any(abs(a - b) < threshold for i, a in enumerate(numbers) for b in numbers[i + 1:])\n```\n' +
      'Example:\n```python\nprint(has_close_elements([1.0, 2.0], 0.5))\n```';
    const g = await humanevalTask.grade(answer, ex);
    expect(g.score).toBe(1);
    expect(g.feedback).toBe('all tests passed');
    expect(g.details).toMatchObject({ status: 'passed', extracted: true, source: 'fenced-python', assembly: 'prompt+function' });
    expect(g.extracted!.startsWith(ex.meta!.prompt as string)).toBe(true);
  });

  test('a HumanEval answer that is only the body is completed with the prompt', async () => {
    const ex = await example(humanevalTask, 'HumanEval/0');
    const solution = ex.gold.slice((ex.meta!.prompt as string).length);
    const g = await humanevalTask.grade(solution, ex);
    expect(g.score).toBe(1);
    expect(g.details).toMatchObject({ source: 'body', assembly: 'prompt+body' });
  });

  test('a wrong MBPP solution scores 0 and its feedback shows the failing assertion with values', async () => {
    const ex = await example(mbppTask, 'mbpp/11'); // remove first and last occurrence of a char
    const wrong = '```python\ndef remove_Occ(s, ch):\n    return s.replace(ch, "", 1)\n```';
    const g = await mbppTask.grade(wrong, ex);
    expect(g.score).toBe(0);
    expect(g.details).toMatchObject({ status: 'failed', extracted: true });
    expect(g.feedback).toBe('assertion failed (test line 1): assert remove_Occ("hello","l") == "heo"\n' +
      '  left: remove_Occ("hello","l") = \'helo\'\n  right: "heo"');
  });

  test('an answer without code scores 0 and says what was expected', async () => {
    const ex = await example(mbppTask, 'mbpp/11');
    const g = await mbppTask.grade('I would loop over the string and skip the character.', ex);
    expect(g).toEqual({
      score: 0, extracted: null,
      feedback: 'no Python code found in the answer: expected a complete Python function in a ```python fenced block defining `remove_Occ`',
      details: { status: 'no_code', extracted: false },
    });
  });

  test('a solution that loops forever times out with a clear verdict', async () => {
    const ex = await example(mbppSanitizedTask, 'mbpp-sanitized/2');
    const g = await mbppSanitizedTask.grade('```python\ndef similar_elements(a, b):\n    while True:\n        pass\n```', ex);
    expect(g.score).toBe(0);
    expect(g.details).toMatchObject({ status: 'timeout' });
    // The CPU limit, or on a machine too loaded to give 8 CPU seconds in 30, the wall clock.
    expect(g.feedback).toMatch(/^(CPU time limit of 8 s exceeded|timed out after 30 s) before returning from similar_elements\(\(3, 4, 5, 6\), \(5, 7, 4, 10\)\)/);
  }, 60_000);

  test('what a failing program printed is part of its feedback', async () => {
    const ex = await example(mbppTask, 'mbpp/11');
    const g = await mbppTask.grade('```python\ndef remove_Occ(s, ch):\n    print("debug:", s)\n    return s\n```', ex);
    expect(g.score).toBe(0);
    expect(g.feedback).toMatch(/\nthe program printed: debug: \w+/);
  });
});

describe('checkReferenceSolutions', () => {
  test('writes the gold in each task\'s required format', async () => {
    const ex = await example(humanevalTask, 'HumanEval/0');
    expect(referenceOutput(humanevalTask, ex)).toBe('```python\n' + ex.gold.trimEnd() + '\n```');
    expect(referenceOutput(gsm8kTask, { id: 'x', question: 'q', gold: '42' })).toBe('#### 42');
    expect(() => referenceOutput({ ...gsm8kTask, answerFormat: 'a haiku' }, { id: 'x', question: 'q', gold: '1' }))
      .toThrow("task 'gsm8k' asks for 'a haiku', a format it cannot write");
  });

  test('GSM8K golds all pass its own grader (both files)', async () => {
    const r = await checkReferenceSolutions(gsm8kTask, dir);
    expect(r).toMatchObject({ task: 'gsm8k', total: 7473 + 1319, passed: 7473 + 1319, failedIds: [] });
  });
});
