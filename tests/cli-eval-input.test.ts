/**
 * Bad input to `lsl eval` (real binary): each case exits non-zero with ONE line on stderr that
 * names the problem, before any server, worker or workflow starts (no run directory appears).
 * The embedded default is used, so a case that got past validation would create a run dir
 * holding a temporal.db.
 */
import fs from 'node:fs';
import path from 'node:path';
import { makeTempDir, runLsl, testDatasetsDir, writeRegistry } from './helpers/cli';

const work = makeTempDir('eval-input');
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

/** A datasets dir holding SOURCE.md and the train file as they are, and a MODIFIED copy of gsm8k/test.jsonl. */
function tamperedDatasets(): string {
  const dir = path.join(work, 'tampered');
  fs.mkdirSync(path.join(dir, 'gsm8k'), { recursive: true });
  const src = path.join(testDatasetsDir(), 'gsm8k');
  fs.copyFileSync(path.join(src, 'SOURCE.md'), path.join(dir, 'gsm8k', 'SOURCE.md'));
  fs.copyFileSync(path.join(src, 'train.jsonl'), path.join(dir, 'gsm8k', 'train.jsonl'));
  const lines = fs.readFileSync(path.join(src, 'test.jsonl'), 'utf8').split('\n');
  lines[0] = lines[0].replace(/#### (\d+)/, (_m, n: string) => `#### ${Number(n) + 1}`); // one gold answer changed
  fs.writeFileSync(path.join(dir, 'gsm8k', 'test.jsonl'), lines.join('\n'));
  return dir;
}

function emptyDatasets(): string {
  const dir = path.join(work, 'empty-datasets');
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

function badRegistry(): string {
  const dir = path.join(work, 'bad-registry');
  fs.mkdirSync(dir, { recursive: true });
  return writeRegistry(dir, '  - name: sim-large\n    timeoutMs: [oops\n');
}

const base = ['eval', '--task', 'gsm8k', '--model', 'sim-large', '--limit', '5', '--json'];
const withFlag = (flag: string, value: string) => {
  const i = base.indexOf(flag);
  return i >= 0 ? base.map((a, j) => (j === i + 1 ? value : a)) : [...base, flag, value];
};

const cases: Array<[string, () => { args: string[]; env: Record<string, string> }, RegExp]> = [
  ['unknown task', () => ({ args: withFlag('--task', 'gsm9k'), env: {} }), /unknown task 'gsm9k'/],
  ['unknown model', () => ({ args: withFlag('--model', 'sim-huge'), env: {} }), /unknown model 'sim-huge'.*sim-large/],
  ['missing dataset file', () => ({ args: base, env: { LSL_DATASETS_DIR: emptyDatasets() } }), /dataset file missing: .*empty-datasets\/gsm8k\/\w+\.jsonl/],
  ['dataset hash mismatch', () => ({ args: base, env: { LSL_DATASETS_DIR: tamperedDatasets() } }), /hash mismatch: .*tampered\/gsm8k\/test\.jsonl.*SOURCE\.md/],
  ['malformed model registry', () => ({ args: base, env: { LSL_MODELS: badRegistry() } }), /bad-registry\/models\.yaml:\d+: not valid YAML/],
  ['missing instruction file', () => ({ args: withFlag('--instruction-file', path.join(work, 'nope.txt')), env: {} }), /cannot read instruction file .*nope\.txt: no such file/],
  ['instruction file is a directory', () => ({ args: withFlag('--instruction-file', work), env: {} }), /cannot read instruction file .*: is a directory/],
  ['bad --limit', () => ({ args: withFlag('--limit', '0'), env: {} }), /--limit must be a whole number >= 1, got '0'/],
];

describe('lsl eval rejects bad input before anything starts', () => {
  test.each(cases)('%s', async (_name, make, problem) => {
    const { args, env } = make();
    const home = makeTempDir('eval-input-home');
    try {
      const r = await runLsl(args, { LSL_HOME: home, TEMPORAL_ADDRESS: undefined, LSL_SIM_URL: 'http://127.0.0.1:9', ...env }, 60_000);
      expect(r.code).not.toBe(0);
      expect(r.code).not.toBeNull();
      const lines = r.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^lsl: error: /);
      expect(lines[0]).toMatch(problem);
      expect(r.stdout.trim()).toBe('');
      // Nothing started: no run directory, so no dev-server state and no workflow.
      expect(fs.existsSync(path.join(home, 'runs'))).toBe(false);
    } finally {
      fs.rmSync(home, { recursive: true, force: true });
    }
  }, 60_000);
});
