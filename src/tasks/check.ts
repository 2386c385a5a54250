/**
 * `lsl tasks check <task>`: grades every example's reference answer with the task's own grader,
 * so a broken loader, grader or sandbox shows up before an experiment spends money on it.
 * Code tasks run the reference solution (in a ```python fence, as a model would answer) through
 * the sandbox; math tasks grade the gold answer written in the task's required format.
 */
import type { Grade, Task, TaskExample } from './types';

export interface ReferenceCheck {
  task: string;
  total: number;
  passed: number;
  failedIds: string[];
  /** The grader's feedback for each failure, in the same order as failedIds. */
  failures: { id: string; feedback: string }[];
}

/** The gold answer as a model answering in the task's required format would write it. */
export function referenceOutput(task: Task, ex: TaskExample): string {
  if (task.kind === 'code') return '```python\n' + ex.gold.trimEnd() + '\n```';
  if (task.answerFormat.includes('####')) return `#### ${ex.gold}`;
  if (task.answerFormat.includes('boxed')) return `The final answer is $\\boxed{${ex.gold}}$.`;
  throw new Error(`checkReferenceSolutions: task '${task.name}' asks for '${task.answerFormat}', a format it cannot write`);
}

/** Both pools (deduplicated by id: single-file tasks return the same examples for both). */
async function allExamples(task: Task, datasetsDir: string): Promise<TaskExample[]> {
  const seen = new Set<string>();
  const out: TaskExample[] = [];
  for (const pool of ['train', 'test'] as const) {
    for (const ex of await task.load(datasetsDir, pool)) {
      if (seen.has(ex.id)) continue;
      seen.add(ex.id);
      out.push(ex);
    }
  }
  return out;
}

export async function checkReferenceSolutions(task: Task, datasetsDir: string,
  opts: { onProgress?: (done: number, total: number) => void } = {}): Promise<ReferenceCheck> {
  const examples = await allExamples(task, datasetsDir);
  let done = 0;
  // Code graders queue on the sandbox pool, which bounds how many programs run at once.
  const grades: Grade[] = await Promise.all(examples.map(async (ex) => {
    const grade = await task.grade(referenceOutput(task, ex), ex);
    opts.onProgress?.(++done, examples.length);
    return grade;
  }));
  const failures = examples
    .map((ex, i) => ({ id: ex.id, feedback: grades[i].feedback, score: grades[i].score }))
    .filter((f) => f.score < 1)
    .map(({ id, feedback }) => ({ id, feedback }));
  return {
    task: task.name,
    total: examples.length,
    passed: examples.length - failures.length,
    failedIds: failures.map((f) => f.id),
    failures,
  };
}
