/**
 * The series report of a schedule: each arm's test accuracy across the schedule's runs, one
 * column (and one chart point) per run, so a provider changing its model over time shows. Built
 * as the run report is: blocks (blocks.ts) rendered to Markdown and HTML, the chart to SVG.
 */
import fs from 'node:fs';
import path from 'node:path';
import { compareArms } from '../core/stats';
import type { Block } from './blocks';
import { base, renderCharts, type ChartSpec } from './charts';
import { formatPercent } from './format';
import { renderHtml } from './html';
import { renderMarkdown } from './markdown';

/** One run of the schedule: when it started and each arm's test accuracy by evaluation model (repeat 0). */
export interface SeriesRun {
  experimentId: string;
  startedAt: string;
  status: string;
  simulated: boolean;
  arms: Array<{ arm: string; repeat: number; testAccuracy: Record<string, number> }>;
}

export interface SeriesPoint { run: string; startedAt: string; arm: string; model: string; accuracy: number }

/** Every (run, arm, model) accuracy, runs in start order; repeats averaged per arm and model. */
export function seriesPoints(runs: readonly SeriesRun[]): SeriesPoint[] {
  const ordered = [...runs].sort((a, b) => a.startedAt.localeCompare(b.startedAt));
  return ordered.flatMap((r) => {
    const sums = new Map<string, { arm: string; model: string; total: number; n: number }>();
    for (const a of r.arms) {
      for (const [model, acc] of Object.entries(a.testAccuracy)) {
        const k = `${a.arm}\u0000${model}`;
        const s = sums.get(k) ?? { arm: a.arm, model, total: 0, n: 0 };
        s.total += acc;
        s.n++;
        sums.set(k, s);
      }
    }
    return [...sums.values()]
      .sort((x, y) => compareArms(x.arm, y.arm) || x.model.localeCompare(y.model))
      .map((s) => ({ run: r.experimentId, startedAt: r.startedAt, arm: s.arm, model: s.model, accuracy: s.total / s.n }));
  });
}

export function seriesChart(points: readonly SeriesPoint[]): ChartSpec | null {
  if (points.length === 0) return null;
  const title = 'Test accuracy across the schedule’s runs';
  return {
    name: 'series',
    title,
    caption: 'Each arm’s test accuracy (colour) on each evaluation model (dash) in every run of the schedule, by the time the run started.',
    spec: {
      ...base(title, 'Test accuracy of every arm and evaluation model across the runs of a schedule.'),
      width: 620,
      height: 300,
      data: { values: points.map((p) => ({ ...p, series: `${p.arm} ${p.model}` })) },
      encoding: {
        x: { field: 'startedAt', type: 'temporal', title: 'run started (UTC)' },
        y: { field: 'accuracy', type: 'quantitative', title: 'test accuracy', scale: { domain: [0, 1] } },
        color: { field: 'arm', type: 'nominal', title: 'arm', sort: [...new Set(points.map((p) => p.arm))] },
        strokeDash: { field: 'model', type: 'nominal', title: 'evaluation model' },
        detail: { field: 'series', type: 'nominal' },
      },
      layer: [{ mark: { type: 'line', strokeWidth: 2 } }, { mark: { type: 'point', filled: true, size: 50 } }],
    },
  };
}

/** The series document: a table (one row per arm and model, one column per run) and the chart. */
export function seriesDocument(scheduleId: string, runs: readonly SeriesRun[], chart: ChartSpec | null): Block[] {
  const points = seriesPoints(runs);
  const ordered = [...runs].sort((a, b) => a.startedAt.localeCompare(b.startedAt));
  const blocks: Block[] = [{ kind: 'heading', level: 1, text: `LSL schedule series: ${scheduleId}` }];
  if (runs.some((r) => r.simulated)) blocks.push({ kind: 'notice', tone: 'simulated', text: 'SIMULATED MODELS in some runs — not real model results.' });
  blocks.push({ kind: 'paragraph', text: `${runs.length} finished run(s) of the schedule; each asked the models afresh.` });
  blocks.push({
    kind: 'table',
    header: ['run', 'started', 'status'],
    rows: ordered.map((r) => [r.experimentId, r.startedAt, r.status]),
  });
  blocks.push({ kind: 'heading', level: 2, text: 'Test accuracy by run' });
  const keys = [...new Map(points.map((p) => [`${p.arm}\u0000${p.model}`, p])).values()]
    .sort((x, y) => compareArms(x.arm, y.arm) || x.model.localeCompare(y.model));
  blocks.push({
    kind: 'table',
    header: ['arm', 'model', ...ordered.map((r) => r.startedAt)],
    numeric: [false, false, ...ordered.map(() => true)],
    rows: keys.map((k) => [k.arm, k.model, ...ordered.map((r) => {
      const p = points.find((x) => x.run === r.experimentId && x.arm === k.arm && x.model === k.model);
      return p ? formatPercent(p.accuracy) : '–';
    })]),
  });
  if (chart) blocks.push({ kind: 'chart', name: chart.name, title: chart.title, caption: chart.caption });
  return blocks;
}

/** Writes series.md, series.html and series.svg into `dir`. */
export async function writeSeriesReport(scheduleId: string, runs: readonly SeriesRun[], dir: string): Promise<{ markdown: string; html: string }> {
  const chart = seriesChart(seriesPoints(runs));
  const svgs = await renderCharts(chart ? [chart] : []);
  const blocks = seriesDocument(scheduleId, runs, chart);
  await fs.promises.mkdir(dir, { recursive: true });
  const files = { markdown: path.join(dir, 'series.md'), html: path.join(dir, 'series.html') };
  await fs.promises.writeFile(files.markdown, renderMarkdown(blocks), 'utf8');
  await fs.promises.writeFile(files.html, renderHtml(`Schedule series: ${scheduleId}`, blocks, svgs), 'utf8');
  if (chart) await fs.promises.writeFile(path.join(dir, `${chart.name}.svg`), svgs.get(chart.name)!, 'utf8');
  return files;
}
