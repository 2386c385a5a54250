/**
 * Competition math with LaTeX answers: MATH-500 (Lightman et al. 2023, the 500-problem MATH
 * test subset) and AIME 2024 / 2025 (integer answers 0..999). Each is one file, so train/val and
 * test are drawn from the same pool.
 */
import { DatasetError, datasetFile, memoLoad, readJsonl } from './files';
import { instructionMessages } from './gsm8k';
import { aimeGoldInteger, gradeAime, gradeMath } from './math-grader';
import type { DataSplit, Task, TaskExample } from './types';

const BOXED_FORMAT = 'put the final answer in \\boxed{}';

function field<T>(row: Record<string, unknown>, name: string, type: 'string' | 'number', where: string): T {
  const v = row[name];
  if (typeof v !== type) throw new DatasetError(`${where}: field '${name}' must be a ${type} (got ${v === undefined ? 'nothing' : typeof v})`);
  return v as T;
}

const loadMath500 = memoLoad(async (dir: string): Promise<TaskExample[]> => {
  const file = datasetFile(dir, 'math500/test.jsonl');
  const rows = await readJsonl<Record<string, unknown>>(file);
  return rows.map((r, i) => {
    const where = `${file}: record ${i + 1}`;
    return {
      id: field<string>(r, 'unique_id', 'string', where),
      question: field<string>(r, 'problem', 'string', where),
      gold: field<string>(r, 'answer', 'string', where),
      meta: {
        level: field<number>(r, 'level', 'number', where),
        subject: field<string>(r, 'subject', 'string', where),
        solution: field<string>(r, 'solution', 'string', where),
      },
    };
  });
});

const loadAime2024 = memoLoad(async (dir: string): Promise<TaskExample[]> => {
  const file = datasetFile(dir, 'aime2024/test.jsonl');
  const rows = await readJsonl<Record<string, unknown>>(file);
  return rows.map((r, i) => {
    const where = `${file}: record ${i + 1}`;
    const id = field<number>(r, 'id', 'number', where);
    return {
      id: `aime2024-${id}`,
      question: field<string>(r, 'problem', 'string', where),
      gold: aimeGoldInteger(field<string>(r, 'answer', 'string', where), where),
      meta: { solution: r.solution, url: r.url, sourceAnswer: r.answer },
    };
  });
});

/**
 * Upstream under-escaped three backslashes in AIME 2025 (see aime2025/SOURCE.md): a form feed
 * stands where `\f` of `\frac` was meant, a tab where `\t` of `\triangle` was.
 */
export function repairControlCharacters(problem: string): string {
  return problem.replace(/\u000c/g, '\\f').replace(/\u0009/g, '\\t');
}

const loadAime2025 = memoLoad(async (dir: string): Promise<TaskExample[]> => {
  const file = datasetFile(dir, 'aime2025/test.jsonl');
  const rows = await readJsonl<Record<string, unknown>>(file);
  return rows.map((r, i) => {
    const where = `${file}: record ${i + 1}`;
    const id = field<string>(r, 'id', 'string', where);
    const problem = field<string>(r, 'problem', 'string', where);
    const question = repairControlCharacters(problem);
    return {
      id: `aime2025-${id}`,
      question,
      gold: aimeGoldInteger(field<number>(r, 'answer', 'number', where), where),
      meta: question !== problem ? { repairedControlCharacters: true } : {},
    };
  });
});

export const math500Task: Task = {
  name: 'math500',
  kind: 'math',
  answerFormat: BOXED_FORMAT,
  files: ['math500/test.jsonl'],
  separatePools: false,
  load: (dir: string, _pool: DataSplit) => loadMath500(dir, 'test'),
  buildMessages: (instruction, ex) => instructionMessages(instruction, ex.question),
  grade: async (output, ex) => gradeMath(output, ex.gold),
};

export const aime2024Task: Task = {
  name: 'aime2024',
  kind: 'math',
  answerFormat: `${BOXED_FORMAT} (an integer from 0 to 999)`,
  files: ['aime2024/test.jsonl'],
  separatePools: false,
  load: (dir: string, _pool: DataSplit) => loadAime2024(dir, 'test'),
  buildMessages: (instruction, ex) => instructionMessages(instruction, ex.question),
  grade: async (output, ex) => gradeAime(output, ex.gold),
};

export const aime2025Task: Task = {
  name: 'aime2025',
  kind: 'math',
  answerFormat: `${BOXED_FORMAT} (an integer from 0 to 999)`,
  files: ['aime2025/test.jsonl'],
  separatePools: false,
  load: (dir: string, _pool: DataSplit) => loadAime2025(dir, 'test'),
  buildMessages: (instruction, ex) => instructionMessages(instruction, ex.question),
  grade: async (output, ex) => gradeAime(output, ex.gold),
};
