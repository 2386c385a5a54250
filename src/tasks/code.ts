/**
 * Code tasks: HumanEval (Chen et al. 2021) and MBPP (Austin et al. 2021), full and sanitized.
 * An answer is graded by running the extracted program with the task's tests in the sandbox:
 * score 1 when every test passes, else 0, with the sandbox's feedback (the failing assertion and
 * its values, the exception, or the limit hit).
 *
 * MBPP pools by task id, the benchmark's standard split (google-research mbpp/README.md):
 * prompt 1-10, test 11-510, validation 511-600, train 601-974. `test` = the test ids; `train` =
 * every other id (prompt + validation + train), so no id is lost and test never overlaps.
 * Tests graded: `test_list` (with `test_setup_code` / `test_imports` first), as the paper and
 * lm-evaluation-harness score MBPP; the full set's `challenge_test_list` (harder extra tests,
 * present for a few tasks) is kept in `meta.challengeTests` but not graded.
 */
import { assembleHumanEval, extractCode, type ExtractedCode } from './code-extract';
import { DatasetError, datasetFile, memoLoad, readJsonArray, readJsonl } from './files';
import { instructionMessages } from './gsm8k';
import { sharedSandboxPool, type RunOptions, type SandboxPool } from './sandbox';
import type { Grade, DataSplit, Task, TaskExample, TaskName } from './types';

export const CODE_ANSWER_FORMAT = 'a complete Python function in a ```python fenced block';

/**
 * CPU time bounds the work (the slowest reference, MBPP 123, needs 3.7 CPU s on a 2026 EPYC core);
 * the wall clock only catches programs that sleep or block, and is loose because graders share
 * cores with other work (under load a 4 s program can take 15 s of wall time).
 */
export const CODE_GRADE_LIMITS = { cpuSeconds: 8, timeoutMs: 30_000 } as const;

interface HumanEvalRow { task_id: string; prompt: string; canonical_solution: string; test: string; entry_point: string }
interface MbppRow { task_id: number; text: string; code: string; test_setup_code: string; test_list: string[]; challenge_test_list: string[] }
interface MbppSanitizedRow { task_id: number; prompt: string; code: string; test_imports: string[]; test_list: string[] }

const unixLines = (s: string) => s.replace(/\r\n?/g, '\n');

// ------------------------------------------------------------------------------------ HumanEval

export function humanevalUserMessage(prompt: string): string {
  return `Complete the following Python function:\n\n\`\`\`python\n${prompt.trimEnd()}\n\`\`\``;
}

const loadHumanEval = memoLoad(async (dir: string): Promise<TaskExample[]> => {
  const file = datasetFile(dir, 'humaneval/HumanEval.jsonl');
  const rows = await readJsonl<HumanEvalRow>(file);
  return rows.map((r, i) => {
    for (const field of ['task_id', 'prompt', 'canonical_solution', 'test', 'entry_point'] as const) {
      if (typeof r[field] !== 'string') throw new DatasetError(`${file}:${i + 1}: field '${field}' must be a string`);
    }
    return {
      id: r.task_id,
      question: r.prompt,
      gold: r.prompt + r.canonical_solution,
      meta: { entryPoint: r.entry_point, prompt: r.prompt, tests: `${r.test}\n\ncheck(${r.entry_point})\n` },
    };
  });
});

// ------------------------------------------------------------------------------------ MBPP

export type MbppSplit = 'prompt' | 'test' | 'validation' | 'train';

export function mbppSplit(taskId: number): MbppSplit {
  if (taskId <= 10) return 'prompt';
  if (taskId <= 510) return 'test';
  if (taskId <= 600) return 'validation';
  return 'train';
}

export function mbppQuestion(text: string, shownTest: string): string {
  return `${text.trim()}\n\nYour code should pass this test:\n${shownTest.trim()}`;
}

const CALL = /([A-Za-z_][A-Za-z0-9_]*)\s*\(/g;

/** The function a test calls that the reference solution defines (e.g. not `set` in `assert set(f(x)) == ...`). */
export function mbppEntryPoint(test: string, code: string): string | null {
  const names = [...test.matchAll(CALL)].map((m) => m[1]).filter((n) => n !== 'assert');
  return names.find((n) => new RegExp(`^\\s*def\\s+${n}\\s*\\(`, 'm').test(code)) ?? null;
}

function mbppExample(prefix: string, file: string, taskId: number, text: string, rawCode: string, setup: string,
  testList: string[], challenge?: string[]): TaskExample {
  if (!Array.isArray(testList) || testList.length === 0) throw new DatasetError(`${file}: task ${taskId}: empty test_list`);
  const code = unixLines(rawCode);
  const tests = testList.map(unixLines);
  const entryPoint = mbppEntryPoint(tests[0], code);
  if (!entryPoint) throw new DatasetError(`${file}: task ${taskId}: the first test calls no function the reference defines`);
  const setupCode = unixLines(setup).trim();
  return {
    id: `${prefix}/${taskId}`,
    question: mbppQuestion(text, tests[0]),
    gold: code,
    meta: {
      taskId, split: mbppSplit(taskId), entryPoint,
      tests: [...(setupCode ? [setupCode] : []), ...tests].join('\n') + '\n',
      // The setup part of `tests`, which the driver runs first (in the program's process when it
      // builds objects of the program's own classes).
      testSetup: setupCode,
      ...(challenge && challenge.length ? { challengeTests: challenge.map(unixLines) } : {}),
    },
  };
}

function byPool(examples: TaskExample[], pool: DataSplit): TaskExample[] {
  return examples.filter((e) => (mbppSplit(e.meta!.taskId as number) === 'test') === (pool === 'test'));
}

const loadMbppAll = memoLoad(async (dir: string): Promise<TaskExample[]> => {
  const file = datasetFile(dir, 'mbpp/mbpp.jsonl');
  const rows = await readJsonl<MbppRow>(file);
  return rows.map((r) => mbppExample('mbpp', file, r.task_id, r.text, r.code, r.test_setup_code ?? '', r.test_list, r.challenge_test_list));
});

const loadMbppSanitizedAll = memoLoad(async (dir: string): Promise<TaskExample[]> => {
  const file = datasetFile(dir, 'mbpp/sanitized-mbpp.json');
  const rows = await readJsonArray<MbppSanitizedRow>(file);
  return rows.map((r) => mbppExample('mbpp-sanitized', file, r.task_id, r.prompt, r.code, (r.test_imports ?? []).join('\n'), r.test_list));
});

// ------------------------------------------------------------------------------------ grading

function meta<T>(ex: TaskExample, key: string, what: string): T {
  const v = ex.meta?.[key];
  if (v === undefined || v === null) throw new DatasetError(`example ${ex.id}: meta.${key} (${what}) is missing`);
  return v as T;
}

/** Output the program printed, for the feedback of a failed run (models often print while debugging). */
function printed(stdout: string, truncated: boolean): string {
  const text = stdout.trim();
  if (!text) return '';
  const shown = text.length > 400 ? text.slice(0, 400) + '...' : text;
  return `\nthe program printed: ${shown}${truncated ? ' (output truncated)' : ''}`;
}

export async function gradeCode(output: string, ex: TaskExample, kind: 'humaneval' | 'mbpp', pool: SandboxPool = sharedSandboxPool()): Promise<Grade> {
  const entryPoint = meta<string>(ex, 'entryPoint', 'the function the tests call');
  const tests = meta<string>(ex, 'tests', 'the test code');
  const found: ExtractedCode | null = extractCode(output, entryPoint, { allowBody: kind === 'humaneval' });
  if (!found) {
    return {
      score: 0,
      extracted: null,
      feedback: `no Python code found in the answer: expected ${CODE_ANSWER_FORMAT} defining \`${entryPoint}\``,
      details: { status: 'no_code', extracted: false },
    };
  }
  let program = found.code;
  let assembly: string | undefined;
  // What the trusted driver runs: the tests, their setup, and for HumanEval the prompt, whose
  // helpers (e.g. `poly` in HumanEval/32) the tests use: they stay the dataset's, not the model's.
  const job: RunOptions = { tests, entryPoint };
  if (kind === 'humaneval') {
    const prompt = meta<string>(ex, 'prompt', 'the HumanEval prompt');
    const assembled = assembleHumanEval(prompt, found, entryPoint);
    program = assembled.program;
    assembly = assembled.assembly;
    job.prelude = prompt;
  } else {
    const setup = typeof ex.meta?.testSetup === 'string' ? ex.meta.testSetup : '';
    if (setup && tests.startsWith(setup + '\n')) {
      job.setup = setup;
      job.tests = tests.slice(setup.length + 1);
    }
  }
  const result = await pool.run(program, { ...job, ...CODE_GRADE_LIMITS });
  const feedback = result.passed ? 'all tests passed' : result.feedback + printed(result.stdout, result.stdoutTruncated);
  return {
    score: result.passed ? 1 : 0,
    extracted: program,
    feedback,
    details: {
      status: result.status, extracted: true, source: found.source, durationMs: result.durationMs,
      isolation: result.isolation,
      // 'process' mode (explicit opt-in): every report and summary must say the code ran unisolated.
      ...(result.isolation === 'process' ? { unisolated: true } : {}),
      ...(assembly ? { assembly } : {}),
    },
  };
}

// ------------------------------------------------------------------------------------ the tasks

function codeTask(name: TaskName, files: string[], separatePools: boolean, loadAll: (dir: string) => Promise<TaskExample[]>,
  kind: 'humaneval' | 'mbpp'): Task {
  return {
    name,
    kind: 'code',
    answerFormat: CODE_ANSWER_FORMAT,
    files,
    separatePools,
    load: async (dir: string, pool: DataSplit) => {
      const all = await loadAll(dir);
      return separatePools ? byPool(all, pool) : all;
    },
    buildMessages: (instruction, ex) =>
      instructionMessages(instruction, kind === 'humaneval' ? humanevalUserMessage(ex.question) : ex.question),
    grade: (output, ex) => gradeCode(output, ex, kind),
  };
}

/** HumanEval: one pool of 164 problems (train and test return the same examples). */
export const humanevalTask: Task = codeTask('humaneval', ['humaneval/HumanEval.jsonl'], false, (dir) => loadHumanEval(dir, 'all'), 'humaneval');

/** MBPP full set (974): test = ids 11-510, train = the rest. */
export const mbppTask: Task = codeTask('mbpp', ['mbpp/mbpp.jsonl'], true, (dir) => loadMbppAll(dir, 'all'), 'mbpp');

/** MBPP sanitized (427, hand-verified): test = ids 11-510 (257), train = the rest (170). */
export const mbppSanitizedTask: Task = codeTask('mbpp-sanitized', ['mbpp/sanitized-mbpp.json'], true, (dir) => loadMbppSanitizedAll(dir, 'all'), 'mbpp');
