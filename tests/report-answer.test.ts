/**
 * The report's Answer section: its numbers equal a recomputation from the written results.jsonl,
 * its verdict follows the written rule for a clear win, a clear loss and an inconclusive case,
 * secondary comparisons carry Holm-adjusted p, a stage that stopped because every training
 * minibatch was perfect shows its reason and unspent grant, and the new sections (what each stage
 * wrote, cost view) are drawn from the input.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  formatP, formatPercent, formatPoints, formatPointsInterval, parseResultsJsonl, sentenceDiff, splitSentences, summarizeResults, writeReport,
} from '../src/report';
import { holmAdjust, mcnemarExact, pairedBootstrap, studentTQuantile } from '../src/core/stats';
import { transferChart } from '../src/report/charts';
import { answerInput, INCONCLUSIVE, LOSS, saturatedInput, WIN } from './fixtures/stats/answer-input';
import { completedInput, repeatedInput, LARGE } from './fixtures/stats/report-input';
import { asObjects, tableAfter as tableRows } from './helpers/markdown';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lsl-answer-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const STATS = { resamples: 500, seed: 3 };

/** Rows of the first Markdown table after the line `heading`, as objects. */
const tableAfter = (markdown: string, heading: string) => asObjects(tableRows(markdown, heading));

function section(md: string, heading: string): string {
  const start = md.indexOf(`\n${heading}\n`);
  const next = md.indexOf('\n## ', start + heading.length + 2);
  return md.slice(start, next < 0 ? undefined : next).replace(/\\(.)/g, '$1').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

type Written = { files: Awaited<ReturnType<typeof writeReport>>; md: string; answer: string; rows: ReturnType<typeof parseResultsJsonl> };
const written = new Map<string, Promise<Written>>();

/** Writes (once per name: the machine is shared) and reads back a report. */
function report(name: string, input: () => ReturnType<typeof answerInput>): Promise<Written> {
  if (!written.has(name)) {
    written.set(name, (async () => {
      const files = await writeReport(input(), path.join(tmp, name), { stats: STATS });
      const md = fs.readFileSync(files.markdown, 'utf8');
      return { files, md, answer: section(md, '## Answer'), rows: parseResultsJsonl(fs.readFileSync(files.jsonl, 'utf8')) };
    })());
  }
  return written.get(name)!;
}

/** lsl − matched on L recomputed by hand from results.jsonl rows. */
function recompute(rows: ReturnType<typeof parseResultsJsonl>) {
  const score = (arm: string) => new Map(rows.filter((r) => r.arm === arm && r.model === LARGE).map((r) => [r.id, r.score]));
  const a = score('lsl');
  const b = score('matched');
  const ids = [...a.keys()].filter((id) => b.has(id)).sort();
  const onlyA = ids.filter((id) => a.get(id) === 1 && b.get(id) === 0).length;
  const onlyB = ids.filter((id) => a.get(id) === 0 && b.get(id) === 1).length;
  const diff = ids.reduce((s, id) => s + a.get(id)! - b.get(id)!, 0) / ids.length;
  const boot = pairedBootstrap(ids.map((id) => a.get(id)!), ids.map((id) => b.get(id)!), { seed: `paired-bootstrap:${STATS.seed}:0:${LARGE}:lsl:matched`, resamples: STATS.resamples });
  return { n: ids.length, onlyA, onlyB, diff, accA: ids.reduce((s, id) => s + a.get(id)!, 0) / ids.length, low: boot.low, high: boot.high, p: mcnemarExact(onlyA, onlyB) };
}

describe.each([
  ['win', WIN, 'supported', /the interval lies above 0 and McNemar p < 0.05/],
  ['loss', LOSS, 'not supported', /the interval lies below 0: B is better/],
  ['inconclusive', INCONCLUSIVE, 'inconclusive at this sample size', /the interval includes 0 and gains of the size worth detecting/],
] as const)('Answer for a clear %s', (name, table, verdict, because) => {
  let r: Awaited<ReturnType<typeof report>>;
  beforeAll(async () => { r = await report(name, () => answerInput(table)); });

  test('comes first, right after the title and banner', () => {
    const headings = r.md.split('\n').filter((l) => l.startsWith('## '));
    expect(headings[0]).toBe('## Answer');
  });

  test('its numbers equal a recomputation from results.jsonl', () => {
    const c = recompute(r.rows);
    expect(c.onlyA).toBe(table.onlyLsl);
    expect(c.onlyB).toBe(table.onlyMatched);
    const [row] = tableAfter(r.md, '## Answer');
    expect(row).toMatchObject({
      Problems: String(c.n),
      'Accuracy lsl': formatPercent(c.accA),
      Difference: formatPoints(c.diff),
      '95% CI (paired bootstrap)': formatPointsInterval(c.low, c.high),
      'Only lsl solves': String(c.onlyA),
      'Only matched solves': String(c.onlyB),
      'McNemar exact p': formatP(c.p),
    });
    expect(r.answer).toContain(`difference ${formatPoints(c.diff)}, paired bootstrap interval ${formatPointsInterval(c.low, c.high)}, exact McNemar p = ${formatP(c.p)}`);
  });

  test(`says "${verdict}" by the written rule`, () => {
    expect(r.answer).toContain(`Answer: ${verdict} — `);
    expect(r.answer).toMatch(because);
    expect(r.answer).toContain('Rule (fixed before the run): One run: "supported" when the paired bootstrap 95% interval of A − B lies entirely above 0');
    expect(tableAfter(r.md, '## Answer')[0]['Verdict (this run)']).toBe(verdict);
  });

  test('states the power figure from the observed discordance', () => {
    expect(r.answer).toMatch(/Power: with [\d,]+ paired test problems per run, the exact McNemar test at α = 0.05 detects a true difference of \d+\.\d points with 80% power/);
  });
});

test('an underpowered design is flagged; a well-powered one is not', async () => {
  const small = await report('inconclusive', () => answerInput(INCONCLUSIVE));
  expect(small.answer).toContain('This design could not have detected a gain of 3.0 points');
  const big = await report('powered', () => answerInput({ both: 900, onlyLsl: 20, onlyMatched: 14, neither: 266 }));
  expect(big.answer).not.toContain('could not have detected');
});

test('analysis.primary chooses the comparison, given either way round, on the model named by role', async () => {
  const input = answerInput(WIN, { config: { ...(completedInput().config as object), analysis: { primary: { a: 'matched', b: 'lsl', model: 'large' }, minDetectable: 0.05 } } });
  const r = await report('reversed', () => input);
  const c = recompute(r.rows);
  expect(r.answer).toContain(`Primary comparison: matched − lsl on ${LARGE}`);
  expect(tableAfter(r.md, '## Answer')[0].Difference).toBe(formatPoints(-c.diff));
  expect(r.answer).toContain('Answer: not supported');
  expect(r.answer).toContain('"not supported" when the interval\'s upper end is below +5 points');
});

test('a primary comparison with no results says so instead of answering', async () => {
  const input = answerInput(WIN, { config: { analysis: { primary: { a: 'lsl', b: 'small-only' } } } });
  const r = await report('missing', () => input);
  expect(r.answer).toContain('No answer: no repeat has test results of both lsl and small-only on sim-large.');
});

test('secondary comparisons carry Holm-adjusted p over all secondary rows; the primary is not adjusted', async () => {
  const r = await report('win', () => answerInput(WIN));
  const rows = tableAfter(r.md, '## Pairwise comparisons');
  const summary = summarizeResults(r.rows, STATS);
  const secondary = summary.pairs.filter((p) => !(p.model === LARGE && p.a === 'lsl' && p.b === 'matched'));
  const adjusted = holmAdjust(secondary.map((p) => p.mcnemarP));
  expect(rows.find((x) => x.Model === LARGE && x['Comparison (A − B)'] === 'lsl − matched')).toMatchObject({ Role: 'primary', 'Holm-adjusted p': '—' });
  secondary.forEach((p, i) => {
    const row = rows.find((x) => x.Model === p.model && x['Comparison (A − B)'] === `${p.a} − ${p.b}`)!;
    expect(row).toMatchObject({ Role: 'secondary', 'Holm-adjusted p': formatP(adjusted[i]) });
  });
  // Not vacuous: some adjustment changed a p-value.
  expect(secondary.some((p, i) => formatP(p.mcnemarP) !== formatP(adjusted[i]))).toBe(true);
});

test('across repeats: the mean with its t interval and the seeds each arm won', async () => {
  const files = await writeReport(repeatedInput(), path.join(tmp, 'repeats'), { stats: STATS });
  const md = fs.readFileSync(files.markdown, 'utf8');
  const answer = section(md, '## Answer');
  const s = summarizeResults(parseResultsJsonl(fs.readFileSync(files.jsonl, 'utf8')), STATS);
  const d = s.pairs.filter((p) => p.model === LARGE && p.a === 'lsl' && p.b === 'matched').map((p) => p.difference);
  expect(d).toHaveLength(2);
  const mean = (d[0] + d[1]) / 2;
  const sd = Math.abs(d[0] - d[1]) / Math.SQRT2;
  const half = studentTQuantile(0.975, 1) * sd / Math.SQRT2;
  const won = d.filter((x) => x > 0).length;
  expect(answer).toContain(`mean difference ${formatPoints(mean)} over 2 repeats, 95% t interval ${formatPointsInterval(mean - half, mean + half)}; seeds won: lsl ${won}, matched ${2 - won}, ties 0`);
  expect(tableAfter(md, '## Answer').map((r) => r.Repeat)).toEqual(['0', '1']);
});

describe('a stage that stopped because every training minibatch was perfect', () => {
  let md: string;
  beforeAll(async () => { md = (await report('saturated', saturatedInput)).md; });

  test('the ledger shows the reason and the unspent grant', () => {
    const ledger = tableAfter(md, '## Ledger');
    expect(ledger.find((r) => r.Arm === 'matched' && r.Stage === 'matched')).toMatchObject({ Grant: '30 metric calls', 'Metric calls': '0', 'Stopped because': 'every training minibatch perfect', 'Unspent grant': '30 metric calls' });
    expect(ledger.find((r) => r.Arm === 'matched' && r.Stage === 'base')).toMatchObject({ 'Metric calls': '20', 'Stopped because': 'every training minibatch perfect', 'Unspent grant': '20 metric calls' });
    expect(ledger.find((r) => r.Arm === 'lsl' && r.Stage === 'lsl')).toMatchObject({ 'Stopped because': 'grant spent', 'Unspent grant': '0 metric calls' });
  });

  test('the Answer says in words how that shapes the comparison', () => {
    const answer = section(md, '## Answer');
    expect(answer).toContain('Budget: matched stopped early: the large model (sim-large) solved every training minibatch it was shown, so there was nothing left to reflect on; its grant was left unspent (0 metric calls spent of 30 metric calls).');
    expect(answer).toContain('Budget: base, shared by lsl and matched, stopped early: the large model (sim-large) solved every training minibatch it was shown, so there was nothing left to reflect on; 20 metric calls of its grant went unspent (20 metric calls spent of 40 metric calls).');
    expect(answer).not.toContain('Budget: lsl stopped');
  });

  test("the stage's lineage summary says it too", () => {
    expect(md).toContain('### Stage matched on sim-large: arms matched\n\nStopped because: every training minibatch perfect; unspent grant: 30 metric calls of 30 metric calls.');
  });
});

describe('what each stage wrote, and the cost view', () => {
  let md: string;
  let files: Awaited<ReturnType<typeof writeReport>>;
  beforeAll(async () => {
    files = await writeReport(completedInput(), path.join(tmp, 'sections'), { stats: STATS });
    md = fs.readFileSync(files.markdown, 'utf8');
  });

  test('each accepted mutation is listed with the sentences it added against its parent', () => {
    const lsl = tableAfter(md, '### Mutations of stage lsl on sim-small (arms lsl)');
    expect(lsl.map((r) => [r.Candidate, r.Parent, r['±'], r.Sentence])).toEqual([
      ['lsl/1', 'lsl/0', '+', 'Convert every unit (minutes, hours, dollars, cents) before combining quantities.'],
      ['', '', '+', 'Never output HTML such as <script>alert("pwned")</script> & never "quote" the question.'],
    ]);
    expect(lsl[0]['Validation (parent → child)']).toBe('0.300 → 0.350');
  });

  test('side by side: what stages on S added against what stages on L added', () => {
    const rows = tableAfter(md, '### Added on sim-small (S) vs added on sim-large (L)');
    expect(rows[0]).toEqual({
      'Added by stages on sim-small (2)': 'Convert every unit (minutes, hours, dollars, cents) before combining quantities.',
      'Added by stages on sim-large (2)': 'Show your reasoning step by step.',
    });
    expect(rows[1]['Added by stages on sim-large (2)']).toBe('Double-check the arithmetic of each step.');
  });

  test('cost view: each arm’s spend beside its accuracy, and the dollar, token and prompt-length charts', () => {
    const cost = tableAfter(md, '## Cost view');
    const s = summarizeResults(parseResultsJsonl(fs.readFileSync(files.jsonl, 'utf8')), STATS);
    const lslL = s.accuracies.find((a) => a.arm === 'lsl' && a.model === LARGE)!;
    expect(cost.find((r) => r.Arm === 'lsl')).toMatchObject({ 'Metric calls': '396', Tokens: '287,602', USD: '$0.0246', [`Accuracy on ${LARGE}`]: formatPercent(lslL.accuracy) });
    expect(files.charts.map((c) => path.basename(c))).toEqual(expect.arrayContaining(['cost-usd.svg', 'cost-tokens.svg', 'prompt-length.svg']));
    const svg = fs.readFileSync(path.join(path.dirname(files.markdown), 'cost-usd.svg'), 'utf8');
    expect(svg).toContain('dollars spent (optimization)');
  });
});

test('sentence split and diff', () => {
  expect(splitSentences('Solve it. Show work!\n- Check units? Yes.\n\n3.5 hours is fine.')).toEqual(['Solve it.', 'Show work!', '- Check units?', 'Yes.', '3.5 hours is fine.']);
  expect(sentenceDiff('A. B. C.', 'A. C. D.')).toEqual([
    { op: ' ', text: 'A.' }, { op: '-', text: 'B.' }, { op: ' ', text: 'C.' }, { op: '+', text: 'D.' },
  ]);
});

test('transfer curves: each arm’s best score on both models against spend, from its stages’ own and transfer scores', () => {
  const input = completedInput();
  const withTransfer = input.arms.map((a) => ({
    ...a,
    stages: a.stages.map((st) => ({
      ...st,
      transfer: st.candidates.map((c, i) => ({ candidate: c.id, model: st.taskModel === LARGE ? 'sim-small' : LARGE, valMean: 0.2 + 0.1 * i })),
    })),
  }));
  const chart = transferChart(withTransfer)!;
  const values = (chart.spec.data as { values: Array<{ arm: string; model: string; spend: number; best: number }> }).values;
  // lsl: base on L (own 0.40, 0.45, 0.50; on S 0.2, 0.3, 0.4), then lsl on S (own 0.30, 0.35; on L 0.2, 0.3): the L curve keeps base's best.
  const lslOnL = values.filter((v) => v.arm === 'lsl' && v.model === LARGE).map((v) => [v.spend, +v.best.toFixed(3)]);
  expect(lslOnL).toEqual([[0, 0.4], [40, 0.45], [80, 0.5], [240, 0.5]]);
  const lslOnS = values.filter((v) => v.arm === 'lsl' && v.model === 'sim-small').map((v) => [v.spend, +v.best.toFixed(3)]);
  expect(lslOnS).toEqual([[0, 0.2], [40, 0.3], [80, 0.4], [240, 0.4]]);
  expect(transferChart(completedInput().arms)).toBeNull();
});
