/**
 * Charts: Vega-Lite specs compiled by vega-lite and drawn to SVG strings by a headless vega View
 * (no browser, no canvas). vega and vega-lite ship only as ES modules, which this CommonJS
 * project (and jest's module sandbox) cannot require, so they run in a worker thread: a real
 * Node context that imports them natively.
 */
import { Worker } from 'node:worker_threads';
import { pathToFileURL } from 'node:url';
import { compareArms, type ArmAccuracy, type ArmPair } from '../core/stats';
import type { ArmRecord, ReportInput } from './types';
import { formatPoints } from './format';
import { armSpent } from './spend';
import { uniqueStages } from './mutations';

/** A Vega-Lite spec is plain JSON; its full type lives in vega-lite's ESM build. */
export type VegaLiteSpec = Record<string, unknown>;

export interface ChartSpec {
  /** File-name-safe name, e.g. 'learning-curves'. */
  name: string;
  title: string;
  /** One or two sentences on how to read it (the figure caption). */
  caption: string;
  spec: VegaLiteSpec;
}

const CONFIG = {
  font: 'Helvetica, Arial, sans-serif',
  background: 'white',
  axis: { labelFontSize: 11, titleFontSize: 12 },
  legend: { labelFontSize: 11, titleFontSize: 12 },
  title: { fontSize: 14 },
};

/** What every chart spec starts with (schema, title, description, fonts). */
export const base = (title: string, description: string) => ({
  $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
  title,
  description,
  config: CONFIG,
});

/** Step lines of a best score against metric calls spent, one per series, coloured by arm, point shape (and optionally dash) by model. */
function bestScoreLines(
  values: ReadonlyArray<{ arm: string; series: string; model: string; spend: number; best: number }>,
  armOrder: string[],
  o: { yTitle: string; modelTitle: string; dashByModel?: boolean },
) {
  return {
    width: 620,
    height: 300,
    data: { values },
    encoding: {
      x: { field: 'spend', type: 'quantitative', title: 'metric calls spent (within the arm)' },
      y: { field: 'best', type: 'quantitative', title: o.yTitle, scale: { zero: false } },
      color: { field: 'arm', type: 'nominal', title: 'arm', sort: armOrder },
      ...(o.dashByModel ? { strokeDash: { field: 'model', type: 'nominal', title: o.modelTitle } } : {}),
      detail: { field: 'series', type: 'nominal' },
    },
    layer: [
      { mark: { type: 'line', interpolate: 'step-after', strokeWidth: 2 } },
      { mark: { type: 'point', filled: true, size: 40 }, encoding: { shape: { field: 'model', type: 'nominal', title: o.modelTitle } } },
    ],
  };
}

/**
 * Best validation score against metric calls spent, every arm (and repeat) on one chart. A stage
 * shared by several arms (base, under lsl and matched) is drawn once, under the first arm in
 * display order that has it, so each line shows what its own stages added.
 */
export function learningCurveChart(arms: readonly ArmRecord[]): ChartSpec | null {
  const multi = new Set(arms.map((a) => a.repeat)).size > 1;
  const drawn = new Set<string>();
  const values = [...arms]
    .sort((x, y) => x.repeat - y.repeat || compareArms(x.arm, y.arm))
    .flatMap((a) =>
      a.stages.flatMap((s) => {
        const key = `${a.repeat}\u0000${s.stage}`;
        if (drawn.has(key)) return [];
        drawn.add(key);
        return s.learningCurve.map((p) => ({ arm: a.arm, series: multi ? `${a.arm} r${a.repeat}` : a.arm, repeat: a.repeat, stage: s.stage, model: s.taskModel, spend: p.spend, best: p.best }));
      }),
    );
  if (values.length === 0) return null;
  values.sort((x, y) => compareArms(x.arm, y.arm) || x.repeat - y.repeat || x.spend - y.spend);
  const armOrder = [...new Set(values.map((v) => v.arm))];
  const title = 'Best validation score vs metric calls spent';
  return {
    name: 'learning-curves',
    title,
    caption:
      'Best mean validation score of each arm’s pool against the metric calls the arm had spent. A shared stage (base) is drawn once; scores are on each stage’s own task model (point shape), so a stage on the small model starts lower.',
    spec: {
      ...base(title, 'Learning curves of every arm: best mean validation score of the pool against the metric calls the arm had spent.'),
      ...bestScoreLines(values, armOrder, { yTitle: 'best validation score', modelTitle: 'task model' }),
    },
  };
}

/** Test accuracy per arm and model with Wilson 95% intervals (one panel per repeat). */
export function accuracyChart(accuracies: readonly ArmAccuracy[]): ChartSpec | null {
  if (accuracies.length === 0) return null;
  const values = accuracies.map((a) => ({ repeat: `repeat ${a.repeat}`, arm: a.arm, model: a.model, accuracy: a.accuracy, low: a.low, high: a.high }));
  const armOrder = [...new Set(accuracies.map((a) => a.arm))].sort(compareArms);
  const multi = new Set(accuracies.map((a) => a.repeat)).size > 1;
  const title = 'Test accuracy with Wilson 95% intervals';
  const layered = {
    width: { step: 28 },
    height: 260,
    encoding: {
      x: { field: 'arm', type: 'nominal', sort: armOrder, title: 'arm', axis: { labelAngle: 0 } },
      xOffset: { field: 'model', type: 'nominal' },
      color: { field: 'model', type: 'nominal', title: 'model' },
    },
    layer: [
      { mark: { type: 'bar', opacity: 0.75 }, encoding: { y: { field: 'accuracy', type: 'quantitative', title: 'accuracy', scale: { domain: [0, 1] }, axis: { format: '.0%' } } } },
      { mark: { type: 'rule', color: 'black', strokeWidth: 1.5 }, encoding: { y: { field: 'low', type: 'quantitative' }, y2: { field: 'high' }, color: { value: 'black' } } },
    ],
  };
  const spec = multi
    ? { ...base(title, 'Accuracy on the test split per arm and model.'), data: { values }, facet: { column: { field: 'repeat', type: 'nominal', title: null } }, spec: layered }
    : { ...base(title, 'Accuracy on the test split per arm and model.'), data: { values }, ...layered };
  return { name: 'accuracy', title, caption: 'Bars: accuracy on the held-out test split; black rules: Wilson 95% intervals over problems.', spec };
}

/** Every paired difference with its bootstrap interval, against zero (a forest plot). */
export function differenceChart(pairs: readonly ArmPair[]): ChartSpec | null {
  if (pairs.length === 0) return null;
  const multi = new Set(pairs.map((p) => p.repeat)).size > 1;
  const values = pairs.map((p) => ({
    pair: `${p.a} − ${p.b} on ${p.model}${multi ? ` (r${p.repeat})` : ''}`,
    model: p.model,
    difference: p.difference,
    low: p.low,
    high: p.high,
    label: formatPoints(p.difference),
  }));
  const order = values.map((v) => v.pair);
  const title = 'Paired differences with bootstrap 95% intervals';
  return {
    name: 'differences',
    title,
    caption: 'Accuracy of arm A minus arm B on the same problems and model; an interval that excludes the dashed zero line is a difference the test split supports.',
    spec: {
      ...base(title, 'Accuracy difference between two arms on the same model and problems.'),
      width: 480,
      height: { step: 22 },
      data: { values },
      layer: [
        { mark: { type: 'rule', color: '#888', strokeDash: [4, 3] }, data: { values: [{ zero: 0 }] }, encoding: { x: { field: 'zero', type: 'quantitative' } } },
        {
          mark: { type: 'rule', strokeWidth: 2 },
          encoding: {
            y: { field: 'pair', type: 'nominal', sort: order, title: null, axis: { labelLimit: 320 } },
            x: { field: 'low', type: 'quantitative', title: 'difference in accuracy', axis: { format: '+.0%' } },
            x2: { field: 'high' },
            color: { field: 'model', type: 'nominal', title: 'model' },
          },
        },
        {
          mark: { type: 'point', filled: true, size: 50 },
          encoding: {
            y: { field: 'pair', type: 'nominal', sort: order },
            x: { field: 'difference', type: 'quantitative' },
            color: { field: 'model', type: 'nominal' },
          },
        },
      ],
    },
  };
}

/** Test accuracy per arm and model against what producing the arm's prompt cost (dollars or tokens). */
export function costChart(arms: readonly ArmRecord[], accuracies: readonly ArmAccuracy[], by: 'usd' | 'tokens'): ChartSpec | null {
  const values = accuracies.flatMap((a) => {
    const arm = arms.find((x) => x.arm === a.arm && x.repeat === a.repeat);
    if (!arm) return [];
    const spent = armSpent(arm);
    return [{ arm: a.arm, model: a.model, repeat: a.repeat, accuracy: a.accuracy, cost: by === 'usd' ? spent.usd : spent.inputTokens + spent.outputTokens }];
  });
  if (values.length === 0) return null;
  const armOrder = [...new Set(values.map((v) => v.arm))].sort(compareArms);
  const what = by === 'usd' ? 'dollars' : 'tokens';
  const title = `Test accuracy vs optimization ${what} spent`;
  return {
    name: `cost-${by}`,
    title,
    caption: `Each point is one arm's prompt on one evaluation model: its test accuracy against the ${what} its optimization stages spent (shared stages counted in every arm that builds on them; test evaluation not included). A small-model stage costs far less per metric call.`,
    spec: {
      ...base(title, `Test accuracy against ${what} spent, per arm and model.`),
      width: 480,
      height: 280,
      data: { values },
      mark: { type: 'point', filled: true, size: 90 },
      encoding: {
        x: { field: 'cost', type: 'quantitative', title: by === 'usd' ? 'dollars spent (optimization)' : 'tokens spent (optimization, input + output)', ...(by === 'usd' ? { axis: { format: '$.4~f' } } : {}) },
        y: { field: 'accuracy', type: 'quantitative', title: 'test accuracy', axis: { format: '.0%' }, scale: { zero: false } },
        color: { field: 'arm', type: 'nominal', title: 'arm', sort: armOrder },
        shape: { field: 'model', type: 'nominal', title: 'model' },
      },
    },
  };
}

/** Length of every candidate a stage kept against the spend at which it was found (prompt growth over budget). */
export function promptLengthChart(input: ReportInput): ChartSpec | null {
  const multi = input.repeats > 1;
  const values = uniqueStages(input).flatMap(({ repeat, stage }) =>
    stage.candidates.map((c) => ({ stage: multi ? `${stage.stage} r${repeat}` : stage.stage, model: stage.taskModel, spend: c.discoveredAtSpend, chars: c.text.length, id: c.id })),
  );
  if (values.length === 0) return null;
  const title = 'Prompt length vs metric calls spent';
  return {
    name: 'prompt-length',
    title,
    caption: 'Characters of each kept candidate against the metric calls its arm had spent when it was found, one line per stage (point shape: the stage’s task model).',
    spec: {
      ...base(title, 'Prompt length of every kept candidate against budget spent.'),
      width: 620,
      height: 260,
      data: { values },
      encoding: {
        x: { field: 'spend', type: 'quantitative', title: 'metric calls spent (within the arm)' },
        y: { field: 'chars', type: 'quantitative', title: 'prompt length (characters)', scale: { zero: false } },
        color: { field: 'stage', type: 'nominal', title: 'stage' },
      },
      layer: [
        { mark: { type: 'line', strokeWidth: 1.5 } },
        { mark: { type: 'point', filled: true, size: 40 }, encoding: { shape: { field: 'model', type: 'nominal', title: 'task model' } } },
      ],
    },
  };
}

/**
 * Transfer and saturation: the best validation score on each model against metric calls spent,
 * per arm, where each candidate is scored both on its stage's own task model and (through the
 * stage's transfer scores) on the other one. One axis, so lsl's large-model curve (candidates
 * found on S, scored on L) can be set against matched's (found and scored on L).
 */
export function transferChart(arms: readonly ArmRecord[]): ChartSpec | null {
  const multi = new Set(arms.map((a) => a.repeat)).size > 1;
  const values: Array<{ arm: string; series: string; model: string; spend: number; best: number }> = [];
  for (const arm of [...arms].sort((x, y) => x.repeat - y.repeat || compareArms(x.arm, y.arm))) {
    if (!arm.stages.some((s) => s.transfer && s.transfer.length)) continue;
    const best = new Map<string, number>();
    const seen = new Set<string>();
    for (const st of arm.stages) {
      const scores = new Map<string, Map<string, number>>();
      for (const c of st.candidates) scores.set(c.id, new Map([[st.taskModel, c.valMean]]));
      for (const t of st.transfer ?? []) scores.get(t.candidate)?.set(t.model, t.valMean);
      for (const c of [...st.candidates].sort((x, y) => x.discoveredAtSpend - y.discoveredAtSpend)) {
        if (seen.has(c.text) && c.origin === 'inherited') continue;
        seen.add(c.text);
        for (const [model, v] of scores.get(c.id)!) {
          best.set(model, Math.max(best.get(model) ?? 0, v));
          values.push({ arm: arm.arm, series: `${arm.arm}${multi ? ` r${arm.repeat}` : ''} on ${model}`, model, spend: c.discoveredAtSpend, best: best.get(model)! });
        }
      }
    }
  }
  if (values.length === 0) return null;
  const armOrder = [...new Set(values.map((v) => v.arm))].sort(compareArms);
  const title = 'Transfer and saturation: best validation score on each model vs metric calls spent';
  return {
    name: 'transfer',
    title,
    caption:
      'Each kept candidate scored on both models’ validation sets (its own stage’s task model, and the other as analysis spend). Solid: the large model; dashed: the small model. lsl’s solid line is the large-model score of prompts optimized on S; matched’s is the score of prompts optimized on L: where matched flattens and lsl still climbs, the small model broke the plateau.',
    spec: {
      ...base(title, 'Best validation score on each model against budget spent, per arm.'),
      ...bestScoreLines(values, armOrder, { yTitle: 'best validation score so far', modelTitle: 'scored on', dashByModel: true }),
    },
  };
}

// The worker: imports vega and vega-lite by URL, compiles and renders each spec, posts the SVGs back.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
(async () => {
  const vega = await import(workerData.vegaUrl);
  const vl = await import(workerData.vegaLiteUrl);
  const out = [];
  for (const chart of workerData.charts) {
    const compiled = vl.compile(chart.spec).spec;
    const view = new vega.View(vega.parse(compiled), { renderer: 'none', logLevel: vega.Error });
    try {
      out.push({ name: chart.name, svg: await view.toSVG() });
    } finally {
      view.finalize();
    }
  }
  parentPort.postMessage({ ok: true, out });
})().catch((err) => parentPort.postMessage({ ok: false, error: String(err && err.stack || err) }));
`;

const RENDER_TIMEOUT_MS = 60_000;

/** Renders every chart to an SVG string, keyed by chart name. */
export async function renderCharts(charts: readonly ChartSpec[]): Promise<Map<string, string>> {
  if (charts.length === 0) return new Map();
  const workerData = {
    vegaUrl: pathToFileURL(require.resolve('vega')).href,
    vegaLiteUrl: pathToFileURL(require.resolve('vega-lite')).href,
    charts: charts.map((c) => ({ name: c.name, spec: c.spec })),
  };
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData });
  try {
    const reply = await new Promise<{ ok: boolean; out?: { name: string; svg: string }[]; error?: string }>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`chart rendering took over ${RENDER_TIMEOUT_MS / 1000} s (charts: ${charts.map((c) => c.name).join(', ')})`)), RENDER_TIMEOUT_MS);
      worker.once('message', (m) => { clearTimeout(timer); resolve(m); });
      worker.once('error', (e) => { clearTimeout(timer); reject(e); });
      worker.once('exit', (code) => { clearTimeout(timer); reject(new Error(`chart worker exited with code ${code} before replying`)); });
    });
    if (!reply.ok) throw new Error(`chart rendering failed (vega/vega-lite): ${reply.error}`);
    return new Map(reply.out!.map((c) => [c.name, c.svg]));
  } finally {
    await worker.terminate();
  }
}
