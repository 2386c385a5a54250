/** The small `lsl` commands through the real binary: datasets verify, tasks check, sim serve. */
import fs from 'node:fs';
import path from 'node:path';
import { lastJsonLine, makeTempDir, runLsl, spawnLsl, testDatasetsDir } from './helpers/cli';

const home = makeTempDir('cli-basics');
afterAll(() => fs.rmSync(home, { recursive: true, force: true }));
const env = { LSL_HOME: home };

describe('lsl datasets verify', () => {
  test('the real datasets all match their SOURCE.md hashes', async () => {
    const r = await runLsl(['datasets', 'verify'], env);
    expect(r.code).toBe(0);
    const rows = r.stdout.trim().split('\n');
    expect(rows.length).toBeGreaterThanOrEqual(11);
    for (const row of rows) expect(row).toMatch(/^ok\s+\S+\/\S+$/);
    expect(rows).toEqual(expect.arrayContaining([expect.stringMatching(/^ok\s+gsm8k\/test\.jsonl$/), expect.stringMatching(/^ok\s+gsm8k\/train\.jsonl$/)]));

    const j = await runLsl(['datasets', 'verify', 'gsm8k', '--json'], env);
    expect(j.code).toBe(0);
    const out = lastJsonLine<{ dir: string; rows: Array<{ dataset: string; file: string; status: string; actual: string; expected: string }> }>(j);
    expect(out.dir).toBe(testDatasetsDir());
    expect(out.rows.map((x) => `${x.dataset}/${x.file}: ${x.status}`).sort()).toEqual(['gsm8k/test.jsonl: ok', 'gsm8k/train.jsonl: ok']);
    for (const x of out.rows) expect(x.actual).toBe(x.expected);
  }, 60_000);

  test('a modified file is reported and the exit code is non-zero', async () => {
    const dir = path.join(home, 'ds');
    fs.mkdirSync(path.join(dir, 'gsm8k'), { recursive: true });
    for (const f of ['SOURCE.md', 'train.jsonl']) fs.copyFileSync(path.join(testDatasetsDir(), 'gsm8k', f), path.join(dir, 'gsm8k', f));
    fs.writeFileSync(path.join(dir, 'gsm8k', 'test.jsonl'), fs.readFileSync(path.join(testDatasetsDir(), 'gsm8k', 'test.jsonl'), 'utf8').replace('####', '#### 1'));
    const r = await runLsl(['datasets', 'verify', 'gsm8k'], { ...env, LSL_DATASETS_DIR: dir });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^mismatch\s+gsm8k\/test\.jsonl$/m);
    expect(r.stdout).toMatch(/^ok\s+gsm8k\/train\.jsonl$/m);
    expect(r.stderr.trim()).toMatch(/^lsl: 1 dataset file\(s\) missing or not matching SOURCE\.md in .*ds$/);
  }, 60_000);
});

describe('lsl tasks check', () => {
  test('every GSM8K reference answer passes the GSM8K grader', async () => {
    const r = await runLsl(['tasks', 'check', 'gsm8k', '--json'], env);
    expect(r.code).toBe(0);
    const out = lastJsonLine<{ task: string; total: number; passed: number; failedIds: string[] }>(r);
    expect(out).toEqual({ task: 'gsm8k', total: 7473 + 1319, passed: 7473 + 1319, failedIds: [] });

    const text = await runLsl(['tasks', 'check', 'gsm8k'], env);
    expect(text.code).toBe(0);
    expect(text.stdout.trim()).toBe('gsm8k: 8792/8792 reference answers pass');
  }, 60_000);

  test('an unknown task is one line on stderr and exit 2', async () => {
    const r = await runLsl(['tasks', 'check', 'gsm9k'], env);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^lsl: error: unknown task 'gsm9k' \(known: gsm8k, /)]);
  }, 60_000);
});

describe('lsl sim serve', () => {
  test('--port 0 prints a URL that answers /health and /v1/models, and stops on SIGTERM', async () => {
    const p = spawnLsl(['sim', 'serve', '--port', '0'], env);
    try {
      const [url] = await p.waitFor(/http:\/\/127\.0\.0\.1:\d+/, 60_000);
      expect(Number(new URL(url).port)).toBeGreaterThan(0);
      const health = await fetch(`${url}/health`);
      expect(health.status).toBe(200);
      const body = (await health.json()) as { status: string; simulated: boolean; models: string[]; instances: number };
      expect(body).toMatchObject({ status: 'ok', simulated: true });
      expect(body.models).toEqual(expect.arrayContaining(['sim-large', 'sim-small']));
      expect(body.instances).toBeGreaterThan(1319);
      const models = (await (await fetch(`${url}/v1/models`)).json()) as { data: Array<{ id: string }> };
      expect(models.data.map((m) => m.id)).toEqual(expect.arrayContaining(['sim-large', 'sim-small']));
    } finally {
      await p.kill('SIGTERM');
    }
    expect((await p.exited).code).toBe(0);
  }, 90_000);
});
