/**
 * report.html in a real headless Chromium (Debian's /usr/bin/chromium via playwright-core):
 * opened from file:// it logs no console errors, requests nothing that fails, draws its charts
 * with visible marks, and looks like a report (screenshot in test-artifacts/report.png).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { writeReport } from '../src/report';
import { completedInput } from './fixtures/stats/report-input';

/** An SVG element as the page sees it (the project compiles without the DOM lib). */
interface Drawable { getBBox(): { width: number; height: number } }

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = path.join(__dirname, '..', 'test-artifacts');

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lsl-report-browser-'));
let browser: Browser | undefined;

beforeAll(async () => {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: install it with \`apt-get update && apt-get install -y chromium\` (the report's browser test needs it)`);
  }
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
  });
});

afterAll(async () => {
  await browser?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

test('report.html opens from file:// with no errors, no failed requests, and drawn charts', async () => {
  const files = await writeReport(completedInput(), tmp, { stats: { resamples: 1000 } });
  const page = await browser!.newPage({ viewport: { width: 1200, height: 900 } });
  const consoleErrors: string[] = [];
  const failed: string[] = [];
  const requested: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => consoleErrors.push(String(e)));
  page.on('requestfailed', (r) => failed.push(`${r.url()}: ${r.failure()?.errorText}`));
  page.on('request', (r) => requested.push(r.url()));

  const url = pathToFileURL(files.html).href;
  const response = await page.goto(url, { waitUntil: 'load' });
  expect(response?.ok()).toBe(true);

  expect(await page.title()).toBe('LSL report: report-test');
  expect(await page.locator('.notice.simulated').innerText()).toContain('SIMULATED MODELS — not real model results');

  // Each chart: an SVG of real size whose marks (lines, rules, bars, points) have non-zero extent.
  const charts = await page.$$eval('figure.chart', (figures) =>
    figures.map((f) => {
      const svg = f.querySelector('svg')!;
      const box = svg.getBoundingClientRect();
      const marks = [...svg.querySelectorAll('g.mark-line path, g.mark-rule line, g.mark-rect path, g.mark-symbol path')].map((el) => {
        const b = (el as unknown as Drawable).getBBox();
        return { w: b.width, h: b.height };
      });
      return { id: f.id, width: box.width, height: box.height, marks: marks.length, drawn: marks.filter((m) => m.w > 0 || m.h > 0).length };
    }),
  );
  expect(charts.map((c) => c.id)).toEqual(['chart-learning-curves', 'chart-accuracy', 'chart-cost-usd', 'chart-cost-tokens', 'chart-differences', 'chart-prompt-length']);
  for (const c of charts) {
    expect(c.width).toBeGreaterThan(200);
    expect(c.height).toBeGreaterThan(150);
    expect(c.drawn).toBeGreaterThan(2);
  }
  // The learning-curve chart has one line per arm with stages (base, lsl, matched).
  const lines = await page.$$eval('#chart-learning-curves g.mark-line path', (ps) => ps.map((p) => (p as unknown as Drawable).getBBox().width));
  expect(lines.filter((w) => w > 10)).toHaveLength(3);

  // The escaped prompt is text, not markup.
  expect(await page.locator('script').count()).toBe(0);
  expect(await page.locator('pre', { hasText: '<script>alert("pwned")</script>' }).count()).toBeGreaterThan(0);

  fs.mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: path.join(ARTIFACTS, 'report.png'), fullPage: false });
  await page.screenshot({ path: path.join(ARTIFACTS, 'report-full.png'), fullPage: true });

  expect(consoleErrors).toEqual([]);
  expect(failed).toEqual([]);
  // Only the page itself was requested: nothing external, nothing else from disk.
  expect(requested).toEqual([url]);
  await page.close();
});
