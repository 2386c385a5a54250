/**
 * `lsl export` tables: written as CSV and JSONL, read back (as pandas or R would: a header, one
 * row per observation), they give the same statistics as the report's own results, and the same
 * prompts, lineage and ledger as the input.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseCsv, summarizeResults, writeExport, type ProblemResult } from '../src/report';
import type { ReportInput } from '../src/report/types';
import { completedInput } from './fixtures/stats/report-input';
import { saturatedInput } from './fixtures/stats/answer-input';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lsl-export-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const STATS = { resamples: 300, seed: 1 };

function resultsFromRecords(records: Record<string, unknown>[]): ProblemResult[] {
  return records.map((r) => ({
    repeat: Number(r.repeat), arm: String(r.arm), model: String(r.model), id: String(r.id), sample: Number(r.sample), score: Number(r.score),
    extracted: r.extracted === '' || r.extracted === null ? null : String(r.extracted), output: String(r.output), feedback: String(r.feedback),
  }));
}

const readJsonl = (file: string) => fs.readFileSync(file, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);

/** The fixture with transfer scores on its lsl and base stages (as a run with `analysis.transfer` on leaves them). */
function withTransfer(): ReportInput {
  const input = completedInput();
  for (const arm of input.arms) {
    for (const st of arm.stages) {
      const other = st.taskModel === 'sim-large' ? 'sim-small' : 'sim-large';
      st.transfer = st.candidates.map((c, i) => ({ candidate: c.id, model: other, valMean: Math.round((0.2 + 0.15 * i + (st.stage === 'lsl' ? 0.05 : 0)) * 1e6) / 1e6 }));
    }
  }
  return input;
}

describe.each(['csv', 'jsonl'] as const)('export as %s', (format) => {
  const input = withTransfer();
  let files: string[];
  let read: (name: string) => Record<string, unknown>[];
  beforeAll(async () => {
    files = await writeExport(input, input.results!, path.join(tmp, format), format);
    read = (name) => {
      const file = path.join(tmp, format, `${name}.${format}`);
      return format === 'csv' ? parseCsv(fs.readFileSync(file, 'utf8'), file) : readJsonl(file);
    };
  });

  test('one file per tidy table', () => {
    expect(files.map((f) => path.basename(f))).toEqual(['results', 'prompts', 'lineage', 'stages', 'transfer'].map((n) => `${n}.${format}`));
  });

  test('transfer scores reload into the same points, once per stage', () => {
    const reloaded = read('transfer').map((t) => ({ repeat: Number(t.repeat), stage: String(t.stage), candidate: String(t.candidate), model: String(t.scored_on), valMean: Number(t.scored_val_mean), own: Number(t.val_mean) }));
    const seen = new Set<string>();
    const expected = input.arms.flatMap((a) => a.stages.filter((s) => !seen.has(`${a.repeat}/${s.stage}`) && seen.add(`${a.repeat}/${s.stage}`))
      .flatMap((s) => (s.transfer ?? []).map((t) => ({
        repeat: a.repeat, stage: s.stage, candidate: t.candidate, model: t.model, valMean: t.valMean, own: s.candidates.find((c) => c.id === t.candidate)!.valMean,
      }))));
    expect(expected.length).toBeGreaterThan(0);
    expect(reloaded).toEqual(expected);
  });

  test('results reload into the same numbers', () => {
    const reloaded = resultsFromRecords(read('results'));
    expect(reloaded).toHaveLength(input.results!.length);
    expect(summarizeResults(reloaded, STATS)).toEqual(summarizeResults(input.results!, STATS));
    // Outputs with markup, quotes, commas and newlines survive whole.
    const sample = input.results!.find((r) => r.arm === 'lsl')!;
    expect(reloaded.find((r) => r.arm === 'lsl' && r.id === sample.id && r.model === sample.model)!.output).toBe(sample.output);
  });

  test('prompts, lineage and the per-stage ledger carry the input', () => {
    const prompts = read('prompts');
    expect(prompts.map((p) => String(p.final_prompt))).toEqual(input.arms.map((a) => a.finalPrompt));
    const lineage = read('lineage');
    const ids = input.arms.flatMap((a) => a.stages.flatMap((s) => s.candidates.map((c) => c.id)));
    expect(lineage.map((l) => String(l.candidate))).toEqual([...new Set(ids)]);
    const lsl1 = lineage.find((l) => l.candidate === 'lsl/1')!;
    expect({ parents: String(lsl1.parents), val: Number(lsl1.val_mean), spend: Number(lsl1.found_at_spend) }).toEqual({ parents: 'lsl/0', val: 0.35, spend: 240 });
    const stages = read('stages');
    expect(stages).toHaveLength(input.arms.reduce((n, a) => n + a.stages.length, 0));
    expect(Number(stages.find((s) => s.arm === 'lsl' && s.stage === 'lsl')!.metric_calls)).toBe(198);
  });
});

test('a run without transfer scoring exports an empty transfer table (its header only in CSV)', async () => {
  const input = completedInput();
  await writeExport(input, input.results!, path.join(tmp, 'plain'), 'csv');
  const text = fs.readFileSync(path.join(tmp, 'plain', 'transfer.csv'), 'utf8');
  expect(text).toBe('repeat,stage,task_model,candidate,found_at_spend,val_mean,scored_on,scored_val_mean\r\n');
  expect(parseCsv(text)).toEqual([]);
});

test('stop reasons and unspent grants are exported', async () => {
  const input = saturatedInput();
  await writeExport(input, input.results!, path.join(tmp, 'sat'), 'csv');
  const stages = parseCsv(fs.readFileSync(path.join(tmp, 'sat', 'stages.csv'), 'utf8'));
  expect(stages.find((s) => s.arm === 'matched' && s.stage === 'matched')).toMatchObject({ stop_reason: 'stalled', unspent_grant: '30', metric_calls: '0' });
});

test('CSV quoting follows RFC 4180; a broken file names its line', () => {
  expect(parseCsv('a,b\r\n"x, ""y""","line1\nline2"\r\n')).toEqual([{ a: 'x, "y"', b: 'line1\nline2' }]);
  expect(() => parseCsv('a,b\n1\n', 'f.csv')).toThrow(/^f\.csv:2: 1 fields, the header has 2/);
  expect(() => parseCsv('a\n"open', 'f.csv')).toThrow(/unterminated/);
});
