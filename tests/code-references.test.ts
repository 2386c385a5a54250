/**
 * Every reference solution passes its own tests through the real sandbox (pool at full
 * concurrency): HumanEval 164/164, MBPP sanitized 427/427, MBPP full 974/974. No upstream
 * defect needed an exception. About a minute on 2 idle cores (MBPP 123's reference alone needs
 * 3.7 CPU seconds).
 */
import { datasetsDir } from '../src/paths';
import { checkReferenceSolutions } from '../src/tasks/check';
import { humanevalTask, mbppSanitizedTask, mbppTask } from '../src/tasks/code';

const dir = datasetsDir();

describe('reference solutions pass in the sandbox', () => {
  test.each([
    [humanevalTask, 164],
    [mbppSanitizedTask, 427],
    [mbppTask, 974],
  ])('%s', async (task, count) => {
    const r = await checkReferenceSolutions(task, dir);
    expect(r.failures).toEqual([]);
    expect(r).toMatchObject({ task: task.name, total: count, passed: count, failedIds: [] });
  }, 300_000);
});
