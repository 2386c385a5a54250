/**
 * Every reference solution passes its own tests through the real sandbox (pool at full
 * concurrency): HumanEval 164/164, MBPP sanitized 427/427, MBPP full 974/974. No upstream
 * defect needed an exception; the documented crossing rules (src/tasks/sandbox/wire.py, driver.py)
 * cover the references that return a Counter or an re.Match, pass a built-in type, or build
 * objects of their own classes (MBPP 88, 533, 601, 367, 927, ...). A few minutes on 2 idle cores.
 * And one generic wrong answer (an always-equal object) passes none of the test problems.
 */
import { datasetsDir } from '../src/paths';
import { checkReferenceSolutions } from '../src/tasks/check';
import { humanevalTask, mbppSanitizedTask, mbppTask } from '../src/tasks/code';
import type { Task } from '../src/tasks/types';

const dir = datasetsDir();

describe('reference solutions pass in the sandbox', () => {
  test.each([
    ['humaneval', humanevalTask, 164],
    ['mbpp-sanitized', mbppSanitizedTask, 427],
    ['mbpp', mbppTask, 974],
  ] as [string, Task, number][])('%s', async (_name, task, count) => {
    const r = await checkReferenceSolutions(task, dir);
    expect(r.failures).toEqual([]);
    expect(r).toMatchObject({ task: task.name, total: count, passed: count, failedIds: [] });
  }, 900_000);
});

/** One generic wrong answer: the entry point returns an object equal (and less, and greater) to anything. */
function alwaysEqual(entryPoint: string): string {
  return '```python\nclass Anything:\n' +
    ['__eq__', '__ne__', '__lt__', '__le__', '__gt__', '__ge__'].map((m) => `    def ${m}(self, other): return ${m !== '__ne__'}\n`).join('') +
    '    def __bool__(self): return True\n    def __hash__(self): return 0\n    def __abs__(self): return 0\n' +
    '    def __sub__(self, other): return 0\n    def __rsub__(self, other): return 0\n    def __len__(self): return 0\n' +
    `def ${entryPoint}(*args, **kwargs):\n    return Anything()\n\`\`\``;
}

describe('no wrong solution passes', () => {
  test.each([
    ['HumanEval', humanevalTask, 164],
    ['MBPP', mbppTask, 500],
  ] as [string, Task, number][])('one always-equal answer passes 0 of %s\'s test problems', async (_name, task, count) => {
    const examples = await task.load(dir, 'test');
    expect(examples).toHaveLength(count);
    const grades = await Promise.all(examples.map((ex) => task.grade(alwaysEqual(ex.meta!.entryPoint as string), ex)));
    expect(examples.filter((_, i) => grades[i].score > 0).map((e) => e.id)).toEqual([]);
    // Each failure is a verdict a reflecting model can use, not a crash of the grader.
    expect(grades.filter((g) => /expected a built-in value/.test(g.feedback)).length).toBeGreaterThan(count * 0.9);
  }, 600_000);
});
