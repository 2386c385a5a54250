/**
 * Word problems with a numeric answer, graded like GSM8K (`#### <number>`):
 * SVAMP (Patel et al. 2021, variations that break shallow heuristics) and GSM-Hard (Gao et al.
 * 2023, GSM8K with large substituted numbers, so answers may be large or fractional).
 */
import { DatasetError, datasetFile, memoLoad, readJsonArray, readJsonl } from './files';
import { instructionMessages } from './gsm8k';
import { gradeNumeric } from './numeric';
import type { DataSplit, Task, TaskExample } from './types';

const NUMERIC_FORMAT = 'end with a line "#### <number>"';

/** SVAMP answers are whole numbers stored as floats; the tolerance only absorbs "51.0" vs 51. */
export const SVAMP_REL_TOL = 1e-6;
/**
 * GSM-Hard's 303 non-integer targets are float results of the PAL programs (3244047.0999999996);
 * they are matched within this relative tolerance (relative to max(1, |target|)), integer
 * targets exactly.
 */
export const GSM_HARD_REL_TOL = 1e-6;

/**
 * A gold number as text in positional notation, as the `#### <number>` extraction reads it:
 * integers without ".0", 5.158e-7 as 0.0000005158.
 */
export function numberText(value: number): string {
  if (Number.isInteger(value)) return value.toFixed(0);
  const shortest = String(value);
  const m = /^(-?\d+)(?:\.(\d+))?e([+-]\d+)$/.exec(shortest);
  if (!m) return shortest;
  const decimals = Math.max(0, (m[2]?.length ?? 0) - Number(m[3]));
  return value.toFixed(Math.min(100, decimals)).replace(/(\.\d*?)0+$/, '$1').replace(/\.$/, '');
}

function finiteNumber(row: Record<string, unknown>, name: string, where: string): number {
  const v = row[name];
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new DatasetError(`${where}: field '${name}' must be a finite number (got ${JSON.stringify(v)})`);
  return v;
}

function text(row: Record<string, unknown>, name: string, where: string): string {
  const v = row[name];
  if (typeof v !== 'string') throw new DatasetError(`${where}: field '${name}' must be a string (got ${v === undefined ? 'nothing' : typeof v})`);
  return v;
}

const loadSvamp = memoLoad(async (dir: string): Promise<TaskExample[]> => {
  const file = datasetFile(dir, 'svamp/SVAMP.json');
  const rows = await readJsonArray<Record<string, unknown>>(file);
  return rows.map((r, i) => {
    const where = `${file}: record ${i + 1}`;
    return {
      id: `svamp-${text(r, 'ID', where)}`,
      question: `${text(r, 'Body', where)} ${text(r, 'Question', where)}`,
      gold: numberText(finiteNumber(r, 'Answer', where)),
      meta: { equation: r.Equation, type: r.Type },
    };
  });
});

const loadGsmHard = memoLoad(async (dir: string): Promise<TaskExample[]> => {
  const file = datasetFile(dir, 'gsm-hard/gsmhardv2.jsonl');
  const rows = await readJsonl<Record<string, unknown>>(file);
  return rows.map((r, i) => {
    const where = `${file}: record ${i + 1}`;
    const target = finiteNumber(r, 'target', where);
    return {
      // The records follow the GSM8K test order and carry no id: the position is the id.
      id: `gsm-hard-${i}`,
      question: text(r, 'input', where),
      gold: numberText(target),
      meta: { code: r.code, integer: Number.isInteger(target) },
    };
  });
});

export const svampTask: Task = {
  name: 'svamp',
  kind: 'math',
  answerFormat: NUMERIC_FORMAT,
  files: ['svamp/SVAMP.json'],
  separatePools: false,
  load: (dir: string, _pool: DataSplit) => loadSvamp(dir, 'test'),
  buildMessages: (instruction, ex) => instructionMessages(instruction, ex.question),
  grade: async (output, ex) => gradeNumeric(output, ex.gold, SVAMP_REL_TOL),
};

export const gsmHardTask: Task = {
  name: 'gsm-hard',
  kind: 'math',
  answerFormat: NUMERIC_FORMAT,
  files: ['gsm-hard/gsmhardv2.jsonl'],
  separatePools: false,
  load: (dir: string, _pool: DataSplit) => loadGsmHard(dir, 'test'),
  buildMessages: (instruction, ex) => instructionMessages(instruction, ex.question),
  grade: async (output, ex) => gradeNumeric(output, ex.gold, Number.isInteger(Number(ex.gold)) ? 0 : GSM_HARD_REL_TOL),
};
