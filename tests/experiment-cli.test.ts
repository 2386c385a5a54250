/**
 * `lsl run examples/sim-gsm8k.yaml` end to end through the real CLI (embedded dev server,
 * simulator, in-process worker): every arm, the central ledger, the report and its numbers.
 */
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { summarizeResults } from '../src/core/stats';
import { formatPercent, parseResultsJsonl } from '../src/report';
import { lastJsonLine, REPO, runLsl, makeTempDir } from './helpers/cli';
import { startTestSimulator } from './helpers/sim';
import type { RunningSimulator } from '../src/sim';

interface RunSummary {
  experimentId: string;
  status: string;
  report: string;
  reportDir: string;
  arms: Array<{ arm: string; finished: boolean; grant: number; spent: number; unit: string; testAccuracy: Record<string, number> }>;
}

let sim: RunningSimulator;
let home: string;
let run: RunSummary;

beforeAll(async () => {
  sim = await startTestSimulator();
  home = makeTempDir('exp-cli');
  const r = await runLsl(['run', 'examples/sim-gsm8k.yaml', '--json'], {
    LSL_HOME: home, LSL_SIM_URL: sim.url, LSL_WORKFLOW_BUNDLE: process.env.LSL_TEST_WORKFLOW_BUNDLE, TEMPORAL_ADDRESS: '',
  }, 600_000); // the whole demo experiment, transfer scoring included, beside other test files
  if (r.code !== 0) throw new Error(`lsl run failed (${r.code}):\n${r.stderr}`);
  run = lastJsonLine<RunSummary>(r);
}, 620_000);

afterAll(async () => {
  await sim?.close();
});

test('every arm runs on the simulator and the report is written', () => {
  expect(run.status).toBe('completed');
  expect(run.arms.map((a) => a.arm)).toEqual(['seed', 'base', 'lsl', 'matched', 'small-only']);
  for (const a of run.arms) {
    expect(a.finished).toBe(true);
    expect(Object.keys(a.testAccuracy).sort()).toEqual(['sim-large', 'sim-small']);
  }
  for (const f of ['report.html', 'report.md', 'table.tex', 'results.jsonl', 'summary.json']) {
    expect(fs.existsSync(path.join(run.reportDir, f))).toBe(true);
  }
  expect(fs.readFileSync(path.join(run.reportDir, 'report.md'), 'utf8')).toContain('SIMULATED');
});

test('lsl and matched get equal grants, and no arm spends more than its grant', () => {
  const arm = (n: string) => run.arms.find((a) => a.arm === n)!;
  expect(arm('lsl').grant).toBe(400);
  expect(arm('matched').grant).toBe(arm('lsl').grant);
  expect(arm('small-only').grant).toBe(arm('lsl').grant);
  for (const a of run.arms) expect(a.spent).toBeLessThanOrEqual(a.grant);
  // Stage 1 is shared: both arms include base's spend, then their own B2 stage.
  expect(arm('lsl').spent).toBeGreaterThan(arm('base').spent);
  expect(arm('matched').spent).toBeGreaterThan(arm('base').spent);
});

test("the report's numbers equal those recomputed from the per-problem JSONL", () => {
  const results = parseResultsJsonl(fs.readFileSync(path.join(run.reportDir, 'results.jsonl'), 'utf8'));
  expect(results).toHaveLength(5 * 2 * 100);
  const recomputed = summarizeResults(results);
  const reported = JSON.parse(fs.readFileSync(path.join(run.reportDir, 'summary.json'), 'utf8'));
  expect(reported.accuracies).toEqual(JSON.parse(JSON.stringify(recomputed.accuracies)));
  expect(reported.pairs).toEqual(JSON.parse(JSON.stringify(recomputed.pairs)));
  // And the CLI's per-arm accuracies (from the evaluation workflows) agree with the JSONL.
  for (const a of run.arms) {
    for (const [model, acc] of Object.entries(a.testAccuracy)) {
      const rows = results.filter((r) => r.arm === a.arm && r.model === model);
      expect(acc).toBeCloseTo(rows.reduce((s, r) => s + r.score, 0) / rows.length, 12);
    }
  }
  const md = fs.readFileSync(path.join(run.reportDir, 'report.md'), 'utf8');
  const lslLarge = recomputed.accuracies.find((x) => x.arm === 'lsl' && x.model === 'sim-large')!;
  expect(md).toContain(formatPercent(lslLarge.accuracy));
});

test('`lsl report` rewrites the same report from the stored artifacts', async () => {
  const before = fs.readFileSync(path.join(run.reportDir, 'summary.json'), 'utf8');
  fs.rmSync(path.join(run.reportDir, 'summary.json'));
  const r = await runLsl(['report', run.experimentId], { LSL_HOME: home });
  expect(r.code).toBe(0);
  expect(fs.readFileSync(path.join(run.reportDir, 'summary.json'), 'utf8')).toBe(before);
});

test('the HTML report opens in headless Chromium with no console errors and its charts drawn', async () => {
  if (!fs.existsSync('/usr/bin/chromium')) throw new Error('Chromium is missing: apt-get install chromium (scripts/setup.sh does it)');
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`file://${run.report}`);
    const charts = await page.$$eval('svg', (svgs) => svgs.map((s) => {
      const r = s.getBoundingClientRect();
      return { w: r.width, h: r.height, marks: s.querySelectorAll('path, line, rect, circle').length };
    }));
    expect(charts.length).toBeGreaterThanOrEqual(2);
    for (const c of charts.slice(0, 2)) {
      expect(c.w).toBeGreaterThan(100);
      expect(c.marks).toBeGreaterThan(5);
    }
    fs.mkdirSync(path.join(REPO, 'test-artifacts'), { recursive: true });
    await page.screenshot({ path: path.join(REPO, 'test-artifacts', 'experiment-report.png'), fullPage: true });
    await page.locator('svg').first().screenshot({ path: path.join(REPO, 'test-artifacts', 'experiment-learning-curves.png') });
    expect(errors).toEqual([]);
  } finally {
    await browser.close();
  }
});
