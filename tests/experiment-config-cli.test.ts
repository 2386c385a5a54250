/** Bad experiment configs are refused by the CLI before anything starts, each problem with its file, line and path. */
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { REPO, runLsl, makeTempDir } from './helpers/cli';

const base = () => YAML.parse(fs.readFileSync(path.join(REPO, 'tests/fixtures/configs/tiny-gsm8k.yaml'), 'utf8')) as Record<string, any>;

const cases: Array<[string, (c: Record<string, any>) => void, RegExp]> = [
  ['unknown arm', (c) => { c.arms = ['seed', 'base', 'lsl-ish']; }, /:\d+: arms\[2\]: unknown arm/],
  ['unknown model', (c) => { c.models.small = 'gpt-9-imaginary'; }, /:\d+: models\.small: .*gpt-9-imaginary/],
  ['budget too small for the validation set and one iteration', (c) => { c.budget.b1 = 20; }, /:\d+: budget\.b1: /],
  ['splits larger than the data (they would overlap)', (c) => { c.splits.train = 7000; c.splits.val = 600; }, /:\d+: splits(\.\w+)?: /],
  ['too small a validation split', (c) => { c.splits.val = 0; }, /:\d+: splits\.val: /],
  ['K < 1', (c) => { c.evaluation.samples = 0; }, /:\d+: evaluation\.samples: /],
  ['a dollar budget with a model that has no price', (c) => { c.budget = { unit: 'usd', b1: 5, b2: 3 }; c.models.small = 'openrouter-qwen2.5-7b'; }, /:\d+: .*(price|priced)/],
];

test.each(cases)('%s is refused with its path and line, and nothing starts', async (_name, mutate, expected) => {
  const dir = makeTempDir('bad-config');
  const file = path.join(dir, 'exp.yaml');
  const config = base();
  mutate(config);
  fs.writeFileSync(file, YAML.stringify(config));
  const home = path.join(dir, 'home');
  for (const cmd of ['validate', 'run']) {
    const r = await runLsl([cmd, file], { LSL_HOME: home, TEMPORAL_ADDRESS: '' });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(expected);
    expect(r.stderr.startsWith(file)).toBe(true);
  }
  // Refused before a server, a worker or a run directory existed.
  expect(fs.existsSync(path.join(home, 'runs'))).toBe(false);
});
