/**
 * `lsl export` tables: written as CSV and JSONL, read back (as pandas or R would: a header, one
 * row per observation), they give the same statistics as the report's own results, and the same
 * prompts, lineage and ledger as the input.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseCsv, summarizeResults, writeExport, type ProblemResult } from '../src/report';
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

describe.each(['csv', 'jsonl'] as const)('export as %s', (format) => {
  const input = completedInput();
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
    expect(files.map((f) => path.basename(f))).toEqual(['results', 'prompts', 'lineage', 'stages'].map((n) => `${n}.${format}`));
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
