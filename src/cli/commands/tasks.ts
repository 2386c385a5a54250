/** `lsl tasks check <task>`: the task's own grader must accept every reference answer before money is spent on it. */
import { datasetsDir } from '../../paths';
import { checkReferenceSolutions } from '../../tasks/check';
import { checkTask } from '../validate-input';

/** How many failed ids the plain-text output lists (the JSON output lists all). */
const SHOWN_FAILURES = 20;

export async function tasksCheckCommand(name: string, flags: { json?: boolean }): Promise<void> {
  const task = checkTask(name); // unknown task, missing or altered dataset file: one line, exit 2
  const tty = !flags.json && process.stderr.isTTY;
  const r = await checkReferenceSolutions(task, datasetsDir(), {
    onProgress: tty ? (done, total) => process.stderr.write(`\r${name}: ${done}/${total}`) : undefined,
  });
  if (tty) process.stderr.write('\n');
  if (flags.json) {
    process.stdout.write(JSON.stringify({ task: r.task, total: r.total, passed: r.passed, failedIds: r.failedIds }) + '\n');
  } else {
    process.stdout.write(`${r.task}: ${r.passed}/${r.total} reference answers pass\n`);
    for (const f of r.failures.slice(0, SHOWN_FAILURES)) process.stdout.write(`failed ${f.id}: ${f.feedback}\n`);
    if (r.failures.length > SHOWN_FAILURES) process.stdout.write(`... and ${r.failures.length - SHOWN_FAILURES} more (--json lists all)\n`);
  }
  // A failure means the loader or grader is broken for this data: scripts must see it.
  if (r.passed < r.total) process.exitCode = 1;
}
