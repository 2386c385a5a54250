/**
 * writeReport end to end on hand-built inputs: the files exist, every number in the Markdown
 * equals summarizeResults recomputed from the written results.jsonl, the simulated banner and the
 * stopped-run notice are there, the lsl/matched diff shows the changed lines, text is escaped, and
 * a secret in the config never reaches an output.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  writeReport,
  parseResultsJsonl,
  summarizeResults,
  formatPercent,
  formatInterval,
  formatPoints,
  formatPointsInterval,
  formatP,
  lineDiff,
  renderLatexTable,
  escapeLatex,
  SIMULATED_BANNER,
  type ReportFiles,
  type ResultsSummary,
} from '../src/report';
import { accuracyChart, renderCharts } from '../src/report/charts';
import { redactSecrets } from '../src/report/redact';
import { completedInput, repeatedInput, stoppedInput, LARGE, SMALL } from './fixtures/stats/report-input';
import { asObjects, tableAfter } from './helpers/markdown';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lsl-report-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('report of a completed run', () => {
  let files: ReportFiles;
  let md: string;
  let html: string;
  /** Recomputed from the written results.jsonl, with the defaults the report used. */
  let recomputed: ResultsSummary;

  beforeAll(async () => {
    files = await writeReport(completedInput(), path.join(tmp, 'completed'));
    md = fs.readFileSync(files.markdown, 'utf8');
    html = fs.readFileSync(files.html, 'utf8');
    recomputed = summarizeResults(parseResultsJsonl(fs.readFileSync(files.jsonl, 'utf8')));
  });

  test('writes every file, non-empty, into the output directory', () => {
    for (const f of [files.markdown, files.html, files.latex, files.jsonl, files.summary, ...files.charts]) {
      expect(path.dirname(f)).toBe(path.join(tmp, 'completed'));
      expect(fs.statSync(f).size).toBeGreaterThan(100);
    }
    expect(files.charts.map((c) => path.basename(c))).toEqual(['learning-curves.svg', 'accuracy.svg', 'differences.svg', 'cost-usd.svg', 'cost-tokens.svg', 'prompt-length.svg']);
    for (const c of files.charts) expect(md).toContain(`](${path.basename(c)})`);
  });

  test('results.jsonl holds one line per rollout with exactly the result fields', () => {
    const lines = fs.readFileSync(files.jsonl, 'utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(3 * 2 * 30);
    expect(Object.keys(JSON.parse(lines[0]))).toEqual(['repeat', 'arm', 'model', 'id', 'sample', 'score', 'extracted', 'output', 'feedback']);
  });

  test('accuracy per arm and model in the Markdown equals summarizeResults recomputed from results.jsonl', () => {
    const table = asObjects(tableAfter(md, '## Test accuracy'));
    expect(table).toHaveLength(6);
    for (const acc of recomputed.accuracies) {
      const row = table.find((r) => r.Arm === acc.arm && r.Model === acc.model);
      expect(row).toBeDefined();
      expect(row!.Accuracy).toBe(formatPercent(acc.accuracy));
      expect(row!['95% CI (Wilson)']).toBe(formatInterval(acc.low, acc.high));
      expect(row!.Problems).toBe('30');
      expect(row!.Solved).toBe(String(acc.solved));
    }
    // Not vacuous: the arms really differ.
    const lslL = recomputed.accuracies.find((a) => a.arm === 'lsl' && a.model === LARGE)!;
    const baseL = recomputed.accuracies.find((a) => a.arm === 'base' && a.model === LARGE)!;
    expect(lslL.accuracy).not.toBe(baseL.accuracy);
  });

  test('every pair of arms on the same model is in the Markdown with the recomputed difference, interval, counts and p', () => {
    const table = asObjects(tableAfter(md, '## Pairwise comparisons'));
    expect(recomputed.pairs).toHaveLength(6);
    expect(table).toHaveLength(6);
    for (const p of recomputed.pairs) {
      const row = table.find((r) => r.Model === p.model && r['Comparison (A − B)'] === `${p.a} − ${p.b}`);
      expect(row).toBeDefined();
      expect(row!.Difference).toBe(formatPoints(p.difference));
      expect(row!['95% CI (paired bootstrap)']).toBe(formatPointsInterval(p.low, p.high));
      expect(row!['Only A solves']).toBe(String(p.onlyA));
      expect(row!['Only B solves']).toBe(String(p.onlyB));
      expect(row!['McNemar exact p']).toBe(formatP(p.mcnemarP));
    }
    // The headline comparison leads each model's rows.
    expect(table.filter((r) => r.Model === LARGE).map((r) => r['Comparison (A − B)'])).toEqual(['lsl − matched', 'lsl − base', 'matched − base']);
    // summary.json is the same summary.
    expect(JSON.parse(fs.readFileSync(files.summary, 'utf8'))).toEqual(JSON.parse(JSON.stringify(recomputed)));
  });

  test('the simulated banner opens both formats; the LaTeX caption says so too', () => {
    expect(md.split('\n').slice(0, 4).join('\n')).toContain(SIMULATED_BANNER);
    expect(html).toMatch(/<div class="notice simulated"[^>]*>SIMULATED MODELS — not real model results/);
    expect(fs.readFileSync(files.latex, 'utf8')).toContain('SIMULATED MODELS');
    const real = completedInput({ simulated: false });
    return writeReport(real, path.join(tmp, 'real'), { stats: { resamples: 100 } }).then((f) => {
      expect(fs.readFileSync(f.markdown, 'utf8')).not.toContain('SIMULATED');
      expect(fs.readFileSync(f.html, 'utf8')).not.toContain('SIMULATED');
    });
  });

  test('the lsl/matched diff shows the changed lines', () => {
    const diff = md.slice(md.indexOf('### Diff: matched → lsl'));
    const block = diff.slice(diff.indexOf('```diff'), diff.indexOf('```', diff.indexOf('```diff') + 7));
    expect(block).toContain('\n+Convert every unit (minutes, hours, dollars, cents) before combining quantities.');
    expect(block).toContain('\n-Double-check the arithmetic of each step.');
    expect(block).toContain('\n Show your reasoning step by step.');
    expect(html).toContain('<span class="add">+ Convert every unit');
    expect(html).toContain('<span class="del">− Double-check the arithmetic');
  });

  test('a prompt with <script> is escaped in the HTML and the page has no script element', () => {
    expect(html).not.toMatch(/<script/i);
    expect(html).toContain('&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt; &amp; never');
    expect(html).toContain('&lt;b&gt;adds&lt;/b&gt;');
    // Markdown: the prompt is inside a code fence, verbatim.
    expect(md).toMatch(/```text\n[^`]*<script>alert\("pwned"\)<\/script>/);
  });

  test('the HTML is self-contained: charts inline, no external references', () => {
    expect(html.match(/<figure class="chart"/g)).toHaveLength(6);
    expect(html).not.toMatch(/(src|href)\s*=\s*["']?(https?:|\/\/)/i);
    expect(html).not.toMatch(/<link\b/i);
    expect(html).toContain('<svg');
  });

  test('the ledger, lineage, splits, configuration and solved-by-one-arm sections carry the input', () => {
    const ledger = asObjects(tableAfter(md, '## Ledger'));
    const lslStage = ledger.find((r) => r.Arm === 'lsl' && r.Stage === 'lsl')!;
    expect(lslStage).toMatchObject({ 'Task model': SMALL, Reflector: LARGE, Grant: '200 metric calls', 'Metric calls': '198', 'Re-done': '3', 'Input tokens': '120,345', USD: '$0.0123', 'Wall time': '1 min 34 s' });
    expect(ledger.find((r) => r.Arm === 'lsl' && r.Stage === 'arm total')).toMatchObject({ 'Metric calls': '396', Grant: '400 metric calls' });
    expect(md).toContain('splits drawn with seed 11: train 3 (reflection minibatches), validation 2 (Pareto set), test 30');
    expect(md.match(/^### Stage base on sim-large: arms base, lsl, matched$/gm)).toHaveLength(1);
    expect(asObjects(tableAfter(md, '### Stage lsl on sim-small: arms lsl'))).toEqual([
      { Candidate: 'lsl/0', Parents: '—', Origin: 'inherited', 'Found at spend': '200', 'Validation mean': '0.300' },
      { Candidate: 'lsl/1', Parents: 'lsl/0', Origin: 'reflection', 'Found at spend': '240', 'Validation mean': '0.350' },
    ]);
    expect(md).toContain('### lsl vs matched on sim-large');
    expect(md).toContain('### base vs lsl on sim-large');
    const pair = recomputed.pairs.find((p) => p.model === LARGE && p.a === 'lsl' && p.b === 'matched')!;
    expect(md).toContain(`${pair.onlyA} problems solved by lsl and not matched; ${pair.onlyB} solved by matched and not lsl`);
    expect(md.match(/: solved by lsl, not by matched<\/summary>/g) ?? []).toHaveLength(pair.onlyA);
  });

  test('a secret in the config never reaches an output file', () => {
    for (const f of [files.markdown, files.html, files.latex, files.jsonl, files.summary]) {
      expect(fs.readFileSync(f, 'utf8')).not.toContain('sk-test-DO-NOT-LEAK');
    }
    expect(md).toContain('apiKey: "[redacted]"');
    expect(md).toContain('apiKeyEnv: OPENAI_API_KEY');
  });

  test('the LaTeX table is booktabs with one row per arm and the recomputed intervals', () => {
    const tex = fs.readFileSync(files.latex, 'utf8');
    for (const rule of ['\\toprule', '\\midrule', '\\bottomrule', '\\begin{tabular}{lcc}']) expect(tex).toContain(rule);
    const s = recomputed;
    const a = s.accuracies.find((x) => x.arm === 'lsl' && x.model === SMALL)!;
    const b = s.accuracies.find((x) => x.arm === 'lsl' && x.model === LARGE)!;
    const pct = (x: number) => (x * 100).toFixed(1);
    expect(tex).toContain(`lsl & ${pct(b.accuracy)} {\\small [${pct(b.low)}, ${pct(b.high)}]} & ${pct(a.accuracy)} {\\small [${pct(a.low)}, ${pct(a.high)}]} \\\\`);
    expect(tex).toContain('Arm & sim-large & sim-small \\\\');
    expect(escapeLatex('gpt_4 & 50% #1 {x}')).toBe('gpt\\_4 \\& 50\\% \\#1 \\{x\\}');
    expect(renderLatexTable(summarizeResults([]))).toMatch(/^% .*no test results/);
  });
});

describe('report of a stopped run', () => {
  test('says which arms finished and which did not, and reports what was evaluated', async () => {
    const files = await writeReport(stoppedInput(), path.join(tmp, 'stopped'), { stats: { resamples: 500 } });
    const md = fs.readFileSync(files.markdown, 'utf8');
    expect(md).toContain('This run was stopped before it completed. Finished arms: seed, base, lsl. Not finished: matched.');
    expect(fs.readFileSync(files.html, 'utf8')).toContain('<div class="notice warning" role="alert">This run was stopped');
    expect(md).toContain('### matched (not finished: best so far)');
    const acc = asObjects(tableAfter(md, '## Test accuracy'));
    expect(acc.map((r) => `${r.Arm}/${r.Model}`)).toEqual([
      `base/${LARGE}`, `lsl/${LARGE}`, `base/${SMALL}`, `lsl/${SMALL}`, `matched/${SMALL}`,
    ]);
    // Without matched on L, only base vs lsl can be listed.
    expect(md).not.toContain('### lsl vs matched on sim-large');
    expect(md).toContain('### base vs lsl on sim-large');
  });
});

describe('report over repeats with several samples', () => {
  test('aggregates over repeats (mean, SD, signs) and reports pass@k', async () => {
    const input = repeatedInput();
    // Fewer resamples keep the test fast; the recomputation uses the same options, as the report states them.
    const files = await writeReport(input, path.join(tmp, 'repeats'), { stats: { resamples: 1000, seed: 5 } });
    const md = fs.readFileSync(files.markdown, 'utf8');
    expect(md).toContain('(1,000 resamples, seed 5)');
    const s = summarizeResults(parseResultsJsonl(fs.readFileSync(files.jsonl, 'utf8')), { resamples: 1000, seed: 5 });
    expect(s.overRepeats).not.toBeNull();
    const acc = asObjects(tableAfter(md, '## Test accuracy'));
    expect(acc).toHaveLength(12);
    expect(Object.keys(acc[0])).toEqual(expect.arrayContaining(['Repeat', 'pass@1', 'pass@2', 'pass@3']));
    for (const a of s.accuracies) {
      const row = acc.find((r) => r.Repeat === String(a.repeat) && r.Arm === a.arm && r.Model === a.model)!;
      expect(row['pass@3']).toBe(formatPercent(a.passAtK.find((p) => p.k === 3)!.value));
    }
    const over = asObjects(tableAfter(md, '## Across repeats'));
    const lsl = s.overRepeats!.accuracies.find((a) => a.arm === 'lsl' && a.model === LARGE)!;
    expect(over.find((r) => r.Arm === 'lsl' && r.Model === LARGE)).toMatchObject({ Repeats: '2', 'Mean accuracy': formatPercent(lsl.mean) });
    const d = s.overRepeats!.differences.find((x) => x.a === 'lsl' && x.b === 'matched' && x.model === LARGE)!;
    const signs = `${d.signs.positive} / ${d.signs.negative} / ${d.signs.zero}`;
    expect(md).toContain(`| ${LARGE} | lsl − matched | 2 | ${formatPoints(d.mean)} |`);
    expect(md).toContain(signs);
    expect(fs.readFileSync(files.latex, 'utf8')).toContain('$\\pm$');
  });
});

describe('bad input', () => {
  test('a malformed field is named with its path', async () => {
    const bad = completedInput() as unknown as { arms: { stages: { spent: { usd: unknown } }[] }[] };
    bad.arms[2].stages[1].spent.usd = '3';
    await expect(writeReport(bad as never, path.join(tmp, 'bad'))).rejects.toThrow(/^ReportInput\.arms\[2\]\.stages\[1\]\.spent\.usd: .*got "3"/);
    const noResults = completedInput({ results: undefined });
    await expect(writeReport(noResults, path.join(tmp, 'bad'))).rejects.toThrow(/no results and no loadResults/);
  });

  test('results can come from a loader instead of the input', async () => {
    const input = completedInput();
    const rows = input.results!;
    const files = await writeReport({ ...input, results: undefined }, path.join(tmp, 'loader'), { loadResults: async () => rows, stats: { resamples: 100 } });
    expect(fs.readFileSync(files.jsonl, 'utf8').trimEnd().split('\n')).toHaveLength(rows.length);
  });

  test('a bad results.jsonl line is named by its number', () => {
    expect(() => parseResultsJsonl('{"repeat":0}\n', 'x.jsonl')).toThrow(/^x\.jsonl:1: /);
    expect(() => parseResultsJsonl('\nnot json', 'x.jsonl')).toThrow(/^x\.jsonl:2: not JSON/);
  });
});

test('chart text is escaped by the SVG renderer: a hostile model name stays text', async () => {
  const hostile = '<img src=x onerror=alert(1)>&';
  const accuracies = summarizeResults([
    { repeat: 0, arm: 'lsl', model: hostile, id: 'p0', sample: 0, score: 1, extracted: '1', output: '', feedback: '' },
  ]).accuracies;
  const svgs = await renderCharts([accuracyChart(accuracies)!]);
  const svg = svgs.get('accuracy')!;
  expect(svg).toMatch(/^<svg/);
  expect(svg).not.toContain('<img');
  expect(svg).toContain('&lt;img src=x onerror=alert(1)&gt;&amp;');
});

test('secrets are redacted by key name and by shape; env var names stay', () => {
  expect(
    redactSecrets({ apiKeyEnv: 'OPENAI_API_KEY', api_key: 'abc', nested: [{ password: 'hunter2', note: 'use sk-abcdefghijklmnop1234 here' }], token: '' }),
  ).toEqual({ apiKeyEnv: 'OPENAI_API_KEY', api_key: '[redacted]', nested: [{ password: '[redacted]', note: 'use [redacted] here' }], token: '' });
});

test('line diff: LCS keeps common lines and marks the rest', () => {
  expect(lineDiff('a\nb\nc\nd', 'a\nx\nc\nd\ne')).toEqual([
    { op: ' ', text: 'a' },
    { op: '-', text: 'b' },
    { op: '+', text: 'x' },
    { op: ' ', text: 'c' },
    { op: ' ', text: 'd' },
    { op: '+', text: 'e' },
  ]);
  expect(lineDiff('same', 'same')).toEqual([{ op: ' ', text: 'same' }]);
});
