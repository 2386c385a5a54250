/**
 * writeReport: turns a ReportInput into the files a run leaves behind: report.md, report.html
 * (self-contained), table.tex, results.jsonl, summary.json and one SVG per chart. Every
 * statistic is summarizeResults of exactly the rows written to results.jsonl.
 */
import fs from 'node:fs';
import path from 'node:path';
import { summarizeResults, compareArms, type ProblemResult, type ResultsSummary, type SummaryOptions } from '../core/stats';
import { accuracyChart, costChart, differenceChart, learningCurveChart, promptLengthChart, renderCharts, transferChart, type ChartSpec } from './charts';
import { buildDocument } from './document';
import { renderHtml } from './html';
import { renderLatexTable } from './latex';
import { renderMarkdown } from './markdown';
import { parseReportInput, resultSchema } from './schema';
import type { ReportFiles, ReportInput } from './types';

export interface WriteReportOptions {
  /** Loads the per-problem results when the input does not carry them (they can be large). */
  loadResults?: () => Promise<readonly ProblemResult[]>;
  /** Bootstrap seed and resamples, Wilson z (defaults: seed 0, 10,000 resamples, 1.96). */
  stats?: SummaryOptions;
}

/** The field order of results.jsonl: one rollout per line, nothing else. */
function resultLine(r: ProblemResult): string {
  const { repeat, arm, model, id, sample, score, extracted, output, feedback } = r;
  return JSON.stringify({ repeat, arm, model, id, sample, score, extracted, output, feedback });
}

const byString = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);

/** A stable order for results.jsonl: repeat, model, arm, problem, sample. */
export function sortResults(results: readonly ProblemResult[]): ProblemResult[] {
  return [...results].sort(
    (x, y) => x.repeat - y.repeat || byString(x.model, y.model) || compareArms(x.arm, y.arm) || byString(x.id, y.id) || x.sample - y.sample,
  );
}

/** Parses results.jsonl text back into rows; a bad line is named by its number. */
export function parseResultsJsonl(text: string, source = 'results.jsonl'): ProblemResult[] {
  const rows: ProblemResult[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (err) {
      throw new Error(`${source}:${i + 1}: not JSON (${(err as Error).message})`);
    }
    const parsed = resultSchema.safeParse(value);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new Error(`${source}:${i + 1}: ${issue.path.join('.') || 'row'}: ${issue.message}`);
    }
    rows.push(parsed.data);
  });
  return rows;
}

function chartsFor(input: ReportInput, summary: ResultsSummary): ChartSpec[] {
  return [
    learningCurveChart(input.arms), transferChart(input.arms), accuracyChart(summary.accuracies), differenceChart(summary.pairs),
    costChart(input.arms, summary.accuracies, 'usd'), costChart(input.arms, summary.accuracies, 'tokens'), promptLengthChart(input),
  ].filter((c): c is ChartSpec => c !== null);
}

async function writeAtomically(file: string, content: string): Promise<void> {
  // Write-then-rename: a reader (or a retried activity) never sees half a report.
  const tmp = `${file}.${process.pid}.tmp`;
  await fs.promises.writeFile(tmp, content, 'utf8');
  await fs.promises.rename(tmp, file);
}

export async function writeReport(input: ReportInput, outDir: string, options: WriteReportOptions = {}): Promise<ReportFiles> {
  const checked = parseReportInput(input);
  let results: readonly ProblemResult[];
  if (checked.results) results = checked.results;
  else if (options.loadResults) {
    const loaded = await options.loadResults();
    results = loaded.map((r, i) => {
      const parsed = resultSchema.safeParse(r);
      if (!parsed.success) throw new Error(`loadResults()[${i}].${parsed.error.issues[0].path.join('.')}: ${parsed.error.issues[0].message}`);
      return parsed.data;
    });
  } else throw new Error('writeReport: the input has no results and no loadResults option was given');

  const sorted = sortResults(results);
  const summary = summarizeResults(sorted, options.stats);
  const specs = chartsFor(checked, summary);
  const svgs = await renderCharts(specs);
  const blocks = buildDocument({ input: checked, results: sorted, summary, charts: specs.map((c) => ({ name: c.name, title: c.title, caption: c.caption })) });

  const dir = path.resolve(outDir);
  await fs.promises.mkdir(dir, { recursive: true });
  const files: ReportFiles = {
    markdown: path.join(dir, 'report.md'),
    html: path.join(dir, 'report.html'),
    latex: path.join(dir, 'table.tex'),
    jsonl: path.join(dir, 'results.jsonl'),
    summary: path.join(dir, 'summary.json'),
    charts: specs.map((c) => path.join(dir, `${c.name}.svg`)),
  };
  const large = checked.models.find((m) => m.role === 'large')?.name;
  const small = checked.models.find((m) => m.role === 'small')?.name;
  const resultModels = [...new Set(sorted.map((r) => r.model))];
  // Columns L, S first (when they have results), then any other evaluated model.
  const columns = [...[large, small].filter((m): m is string => !!m && resultModels.includes(m)), ...resultModels.filter((m) => m !== large && m !== small).sort()];

  await writeAtomically(files.jsonl, sorted.map((r) => `${resultLine(r)}\n`).join(''));
  await writeAtomically(files.summary, `${JSON.stringify(summary, null, 1)}\n`);
  for (const spec of specs) await writeAtomically(path.join(dir, `${spec.name}.svg`), svgs.get(spec.name)!);
  await writeAtomically(files.markdown, renderMarkdown(blocks));
  await writeAtomically(files.html, renderHtml(`LSL report: ${checked.name}`, blocks, svgs));
  await writeAtomically(files.latex, renderLatexTable(summary, { models: columns, label: `tab:${checked.name}`, simulated: checked.simulated }));
  return files;
}
