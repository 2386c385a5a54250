/**
 * `lsl export`: the run as tidy tables (one row per observation, one column per variable) for a
 * researcher to redo any analysis in pandas or R: per-problem results, final prompts, the
 * candidate lineage, the per-stage ledger and the transfer scores (each stage's candidates on the
 * other model's validation set; no rows when `analysis.transfer` was off), as CSV (RFC 4180) or JSONL. A null (no extracted
 * answer, unknown unspent grant) is an empty CSV field and a JSON null.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { ProblemResult } from '../core/stats';
import { unspentGrant } from './spend';
import type { ReportInput } from './types';
import { sortResults } from './write';

export type ExportFormat = 'csv' | 'jsonl';
export const EXPORT_FORMATS: readonly ExportFormat[] = ['csv', 'jsonl'];
/** `lsl export --format wst-jsonl`: the wst arm's teacher records for an RL trainer (TeacherRecord). */
export const TEACHER_FORMAT = 'wst-jsonl';

type Cell = string | number | boolean | null;
export interface Table { name: string; columns: string[]; rows: Cell[][] }

export function exportTables(input: ReportInput, results: readonly ProblemResult[]): Table[] {
  const stageRows: Cell[][] = [];
  const lineageRows: Cell[][] = [];
  const transferRows: Cell[][] = [];
  const listed = new Set<string>();
  for (const arm of input.arms) {
    for (const st of arm.stages) {
      stageRows.push([
        arm.repeat, arm.arm, st.stage, st.taskModel, st.reflector, st.grant.amount, st.grant.unit, st.spent.metricCalls, st.spent.redoneMetricCalls,
        st.spent.reflectionCalls, st.spent.inputTokens, st.spent.outputTokens, st.spent.usd, st.spent.wallMs, st.stopReason ?? null, unspentGrant(st),
      ]);
      const key = `${arm.repeat}\u0000${st.stage}`;
      if (listed.has(key)) continue;
      listed.add(key);
      for (const c of st.candidates) {
        lineageRows.push([arm.repeat, st.stage, st.taskModel, c.id, c.parents.join(';'), c.origin, c.discoveredAtSpend, c.valMean, c.text]);
      }
      for (const t of st.transfer ?? []) {
        const own = st.candidates.find((c) => c.id === t.candidate);
        transferRows.push([arm.repeat, st.stage, st.taskModel, t.candidate, own?.discoveredAtSpend ?? null, own?.valMean ?? null, t.model, t.valMean]);
      }
    }
  }
  return [
    {
      name: 'results',
      columns: ['repeat', 'arm', 'model', 'id', 'sample', 'score', 'extracted', 'output', 'feedback'],
      rows: sortResults(results).map((r) => [r.repeat, r.arm, r.model, r.id, r.sample, r.score, r.extracted, r.output, r.feedback]),
    },
    {
      name: 'prompts',
      columns: ['repeat', 'arm', 'finished', 'grant', 'grant_unit', 'final_prompt'],
      rows: input.arms.map((a) => [a.repeat, a.arm, a.finished, a.grant.amount, a.grant.unit, a.finalPrompt]),
    },
    {
      name: 'lineage',
      columns: ['repeat', 'stage', 'task_model', 'candidate', 'parents', 'origin', 'found_at_spend', 'val_mean', 'text'],
      rows: lineageRows,
    },
    {
      name: 'stages',
      columns: ['repeat', 'arm', 'stage', 'task_model', 'reflector', 'grant', 'grant_unit', 'metric_calls', 'redone_metric_calls', 'reflection_calls', 'input_tokens', 'output_tokens', 'usd', 'wall_ms', 'stop_reason', 'unspent_grant'],
      rows: stageRows,
    },
    {
      name: 'transfer',
      columns: ['repeat', 'stage', 'task_model', 'candidate', 'found_at_spend', 'val_mean', 'scored_on', 'scored_val_mean'],
      rows: transferRows,
    },
  ];
}

function csvField(v: Cell): string {
  if (v === null) return '';
  const s = String(v);
  return /[",\r\n]/.test(s) || s !== s.trim() ? `"${s.replace(/"/g, '""')}"` : s;
}

export function toCsv(t: Table): string {
  return [t.columns, ...t.rows].map((r) => r.map(csvField).join(',')).join('\r\n') + '\r\n';
}

export function toJsonl(t: Table): string {
  return t.rows.map((r) => JSON.stringify(Object.fromEntries(t.columns.map((c, i) => [c, r[i]])))).join('\n') + (t.rows.length ? '\n' : '');
}

/** RFC 4180 CSV into records keyed by the header (fields stay strings; an empty field is ''). */
export function parseCsv(text: string, source = 'csv'): Record<string, string>[] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  let i = 0;
  while (i < text.length) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') { field += '"'; i += 2; continue; }
      if (ch === '"') { quoted = false; i++; continue; }
      field += ch;
      i++;
      continue;
    }
    if (ch === '"' && field === '') { quoted = true; i++; continue; }
    if (ch === ',') { row.push(field); field = ''; i++; continue; }
    if (ch === '\r' && text[i + 1] === '\n') i++;
    if (ch === '\n' || ch === '\r') { row.push(field); rows.push(row); row = []; field = ''; i++; continue; }
    field += ch;
    i++;
  }
  if (quoted) throw new Error(`${source}: unterminated quoted field`);
  if (field !== '' || row.length) { row.push(field); rows.push(row); }
  const [header, ...body] = rows;
  if (!header) return [];
  return body.map((r, n) => {
    if (r.length !== header.length) throw new Error(`${source}:${n + 2}: ${r.length} fields, the header has ${header.length}`);
    return Object.fromEntries(header.map((h, k) => [h, r[k]]));
  });
}

/** Writes one file per table (results, prompts, lineage, stages, transfer) into `dir`; returns their paths. */
export async function writeExport(input: ReportInput, results: readonly ProblemResult[], dir: string, format: ExportFormat): Promise<string[]> {
  if (!EXPORT_FORMATS.includes(format)) throw new Error(`export: unknown format '${format}' (known: ${EXPORT_FORMATS.join(', ')})`);
  await fs.promises.mkdir(dir, { recursive: true });
  const files: string[] = [];
  for (const t of exportTables(input, results)) {
    const file = path.join(dir, `${t.name}.${format}`);
    await fs.promises.writeFile(file, format === 'csv' ? toCsv(t) : toJsonl(t), 'utf8');
    files.push(file);
  }
  return files;
}

/**
 * One teacher-then-student rollout of a wst arm's test evaluation, as a user's own RL trainer
 * takes it (TRL's GRPO trainer: a conversational `prompt`; offline methods: `completion` and
 * `reward` too): the teacher's prompt and the problem it read, the instruction it wrote, the
 * student's answer and its grade. Refused rollouts are left out (never a reward).
 */
export interface TeacherRecord {
  repeat: number;
  arm: string;
  split: string;
  id: string;
  sample: number;
  teacher_model: string;
  student_model: string;
  teacher_prompt: string;
  problem: string;
  teacher_instruction: string;
  student_answer: string;
  reward: number;
  prompt: Array<{ role: 'system' | 'user'; content: string }>;
  completion: Array<{ role: 'assistant'; content: string }>;
}

/** The records as JSONL (one per line, in the order given). */
export function teacherJsonl(records: readonly TeacherRecord[]): string {
  return records.map((r) => JSON.stringify(r)).join('\n') + (records.length ? '\n' : '');
}

/** Writes `wst.jsonl` into `dir`; returns its path. */
export async function writeTeacherExport(records: readonly TeacherRecord[], dir: string): Promise<string> {
  await fs.promises.mkdir(dir, { recursive: true });
  const file = path.join(dir, 'wst.jsonl');
  await fs.promises.writeFile(file, teacherJsonl(records), 'utf8');
  return file;
}
