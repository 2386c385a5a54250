/**
 * `lsl optimize` through the real CLI (spawned): bad input is one line on stderr and a non-zero
 * exit before anything starts (no run directory, no server, no workflow); good input runs a
 * stage on the suite's Temporal server and prints the JSON summary line.
 */
import fs from 'node:fs';
import path from 'node:path';
import { lastJsonLine, runLsl } from './helpers/cli';
import { testClient, testServer } from './helpers/temporal';
import { removeTempDirs, tempDir } from './stage-setup';

afterAll(() => removeTempDirs());

const BASE = ['optimize', '--task', 'gsm8k', '--model', 'sim-small', '--reflector', 'sim-large'];

describe('bad input: one line on stderr, exit 2, nothing started', () => {
  const cases: Array<[string, string[], RegExp]> = [
    ['a budget that cannot validate the seed and run one iteration', ['--budget', '65', '--val', '30'],
      /^lsl: error: --budget 65 cannot .* needs at least .* = 66 metric calls$/],
    ['an empty validation set', ['--budget', '300', '--val', '0'], /^lsl: error: --val must be a whole number >= 1 .*got '0'$/],
    ['an unknown selector', ['--budget', '300', '--selector', 'best-guess'], /^lsl: error: .*selector must be one of pareto, current_best, epsilon_greedy, got "best-guess"$/],
    ['an unknown reflector', ['--budget', '300', '--reflector', 'gpt-99'], /^lsl: error: --reflector: unknown model 'gpt-99' \(known: .*sim-large.*\)$/],
    ['an unknown optimizer', ['--budget', '300', '--optimizer', 'annealing'], /^lsl: error: --optimizer: unknown optimizer 'annealing' \(known: gepa, opro, .*promptbreeder.*\)$/],
    ['an unknown task model', ['--budget', '300', '--model', 'tiny-1'], /^lsl: error: --model: unknown model 'tiny-1' \(known: .*\)$/],
    ['an optimizer setting out of range', ['--budget', '300', '--optimizer', 'opro', '--optimizer-setting', 'proposalsPerStep=0'],
      /^lsl: error: --optimizer-setting: opro config: proposalsPerStep: must be >= 1, got 0$/],
    ['an optimizer setting the optimizer does not have', ['--budget', '300', '--optimizer', 'evoprompt-de', '--optimizer-setting', 'proposalsPerStep=2'],
      /^lsl: error: --optimizer-setting: evoprompt-de config: proposalsPerStep: unknown key$/],
    ['an optimizer setting without a value', ['--budget', '300', '--optimizer', 'opro', '--optimizer-setting', 'proposalsPerStep'],
      /^lsl: error: --optimizer-setting 'proposalsPerStep': must be key=value/],
    ['the seed as an optimizer setting', ['--budget', '300', '--optimizer', 'opro', '--optimizer-setting', 'seed=4'],
      /^lsl: error: --optimizer-setting: seed is set by --seed$/],
    ['an unknown GEPA setting', ['--budget', '300', '--optimizer-setting', 'maxMerges=2'],
      /^lsl: error: --optimizer-setting: gepa config: maxMerges is not a known option \(known: .*maxMerge.*\)$/],
    ['--max-merges without --merge', ['--budget', '300', '--max-merges', '2'], /^lsl: error: --max-merges needs --merge$/],
  ];
  test.each(cases)('%s', async (_what, args, message) => {
    const home = tempDir('optimize-bad');
    // No TEMPORAL_ADDRESS: had it got past validation, it would start a dev server and write a run directory.
    const r = await runLsl([...BASE, ...args], { LSL_HOME: home, TEMPORAL_ADDRESS: '', LSL_SIM_URL: '' }, 60_000);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    const lines = r.stderr.split('\n').filter((l) => l !== '');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(message);
    expect(fs.existsSync(path.join(home, 'runs'))).toBe(false);
  });
});

test('a good run on the suite server prints the summary line and writes result.json', async () => {
  const home = tempDir('optimize-cli');
  const taskQueue = `optimize-cli-${Date.now()}`;
  const budget = 100;
  const r = await runLsl([...BASE, '--budget', String(budget), '--val', '10', '--train', '20', '--json'], {
    LSL_HOME: home, TEMPORAL_ADDRESS: testServer().address, TEMPORAL_NAMESPACE: testServer().namespace,
    LSL_TASK_QUEUE: taskQueue, LSL_SIM_URL: '',
  });
  expect(r.code).toBe(0);
  const s = lastJsonLine<Record<string, unknown>>(r);
  expect(s).toMatchObject({ task: 'gsm8k', model: 'sim-small', reflector: 'sim-large', grant: budget, simulated: true });
  for (const key of ['seedScore', 'bestScore', 'metricCalls', 'iterations', 'accepted', 'candidates']) expect(typeof s[key]).toBe('number');
  expect(s.metricCalls as number).toBeLessThanOrEqual(budget);
  expect(s.bestScore as number).toBeGreaterThanOrEqual(s.seedScore as number);
  expect(s.candidates).toBe((s.accepted as number) + 1);
  expect(typeof s.bestCandidate).toBe('string');
  // Live progress went to stderr while it ran.
  expect(r.stderr).toMatch(/iteration \d+ +spent \d+\/100 +best (-|\d\.\d{3}) +pool \d+/);

  const saved = JSON.parse(fs.readFileSync(path.join(s.runDir as string, 'result.json'), 'utf8'));
  expect(saved).toMatchObject({ workflowId: s.workflowId, bestScore: s.bestScore, metricCalls: s.metricCalls });
  expect(saved.learningCurve[saved.learningCurve.length - 1].best).toBe(s.bestScore);

  // It really ran as a workflow on that server.
  const client = await testClient();
  try {
    const desc = await client.workflow.getHandle(s.workflowId as string).describe();
    expect(desc.type).toBe('gepaStage');
    expect(desc.status.name).toBe('COMPLETED');
    expect(desc.taskQueue).toBe(taskQueue);
  } finally {
    await client.connection.close();
  }
});

test('a seed candidate file that is not a mapping of texts is one line naming the file', async () => {
  const home = tempDir('optimize-seed-bad');
  const seedFile = path.join(home, 'seed.json');
  fs.writeFileSync(seedFile, JSON.stringify({ components: { approach: 'Solve it.', format: 7 } }));
  const r = await runLsl([...BASE, '--budget', '300', '--seed-candidate', seedFile], { LSL_HOME: home, TEMPORAL_ADDRESS: '', LSL_SIM_URL: '' }, 60_000);
  expect(r.code).toBe(2);
  const lines = r.stderr.split('\n').filter((l) => l !== '');
  expect(lines).toEqual([`lsl: error: seed candidate file ${seedFile}: seed candidate: component "format" must be a non-empty text`]);
});

test('--optimizer opro runs an OPRO stage through the same stage workflow, within its grant', async () => {
  const home = tempDir('optimize-opro');
  const taskQueue = `optimize-opro-${Date.now()}`;
  const budget = 120;
  const r = await runLsl([...BASE, '--optimizer', 'opro', '--budget', String(budget), '--val', '10', '--train', '20', '--json'], {
    LSL_HOME: home, TEMPORAL_ADDRESS: testServer().address, TEMPORAL_NAMESPACE: testServer().namespace,
    LSL_TASK_QUEUE: taskQueue, LSL_SIM_URL: '',
  });
  expect(r.code).toBe(0);
  const s = lastJsonLine<Record<string, unknown>>(r);
  expect(s).toMatchObject({ optimizer: 'opro', task: 'gsm8k', grant: budget, simulated: true });
  expect(s.metricCalls as number).toBeLessThanOrEqual(budget);
  expect(s.metricCalls as number).toBeGreaterThan(10);
  expect(s.bestScore as number).toBeGreaterThanOrEqual(s.seedScore as number);
  expect(s.workflowId).toMatch(/^opro-gsm8k-/);
  const client = await testClient();
  try {
    const desc = await client.workflow.getHandle(s.workflowId as string).describe();
    expect(desc.type).toBe('gepaStage');
    expect(desc.status.name).toBe('COMPLETED');
  } finally {
    await client.connection.close();
  }
});

describe('--optimizer-config: the shape of an experiment config\'s optimizers: section, checked the same way', () => {
  const cases: Array<[string, string, string[], (file: string) => string]> = [
    ['a bad value names the file, the line of its optimizer and the key', 'opro:\n  proposalsPerStep: 100\n', ['--optimizer', 'opro'],
      (f) => `lsl: error: ${f}:1: opro: opro config: proposalsPerStep: must be <= 64, got 100`],
    ['an unknown optimizer in the file', 'opro: {}\nannealing: { steps: 3 }\n', ['--optimizer', 'opro'],
      (f) => `lsl: error: ${f}:2: annealing: unknown optimizer 'annealing' (known: ${['gepa', 'opro', 'evoprompt-ga', 'evoprompt-de', 'promptbreeder'].join(', ')})`],
    ['no entry for the chosen optimizer', 'opro: { proposalsPerStep: 2 }\n', ['--optimizer', 'promptbreeder'],
      (f) => `lsl: error: optimizer config ${f}: no settings for promptbreeder (it has: opro)`],
    ['the seed in the file', 'opro: { seed: 3 }\n', ['--optimizer', 'opro'], (f) => `lsl: error: ${f}:1: opro.seed: is set by --seed`],
  ];
  test.each(cases)('%s', async (_what, text, args, message) => {
    const home = tempDir('optimize-config-bad');
    const file = path.join(home, 'optimizers.yaml');
    fs.writeFileSync(file, text);
    const r = await runLsl([...BASE, '--budget', '300', ...args, '--optimizer-config', file], { LSL_HOME: home, TEMPORAL_ADDRESS: '', LSL_SIM_URL: '' }, 60_000);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n').filter((l) => l !== '')).toEqual([message(file)]);
    expect(fs.existsSync(path.join(home, 'runs'))).toBe(false);
  });
});

test('OPRO settings from a file and a flag reach the stage: a small grant lasts several steps', async () => {
  const home = tempDir('optimize-opro-settings');
  const file = path.join(home, 'optimizers.yaml');
  // The paper's 8 proposals per step over 4 fitness examples would spend 32 calls a step; the flag overrides it.
  fs.writeFileSync(file, 'opro:\n  proposalsPerStep: 8\n  fitnessExamples: 4\nevoprompt-ga: { populationSize: 4 }\n');
  const budget = 120;
  const r = await runLsl([...BASE, '--optimizer', 'opro', '--optimizer-config', file, '--optimizer-setting', 'proposalsPerStep=2',
    '--optimizer-setting', 'stop.maxIterations=6', '--budget', String(budget), '--val', '10', '--train', '20', '--json'], {
    LSL_HOME: home, TEMPORAL_ADDRESS: testServer().address, TEMPORAL_NAMESPACE: testServer().namespace,
    LSL_TASK_QUEUE: `optimize-opro-settings-${Date.now()}`, LSL_SIM_URL: '',
  });
  expect(r.code).toBe(0);
  const s = lastJsonLine<Record<string, unknown>>(r);
  expect(s.metricCalls as number).toBeLessThanOrEqual(budget);
  const client = await testClient();
  try {
    const history = await client.workflow.getHandle(s.workflowId as string).fetchHistory();
    const payload = history.events![0].workflowExecutionStartedEventAttributes!.input!.payloads![0];
    const input = JSON.parse(Buffer.from(payload.data!).toString('utf8')) as { optimizer: string; config: Record<string, unknown> };
    expect(input.optimizer).toBe('opro');
    expect(input.config).toMatchObject({ proposalsPerStep: 2, fitnessExamples: 4, seed: 0, stop: { maxIterations: 6 } });
  } finally {
    await client.connection.close();
  }
  // Each step costs at most 2 x 4 fitness calls and one validation of 10: the grant lasts until the step limit.
  expect(s.iterations).toBe(6);
  expect(s.stopReason).toBe('max-iterations');
});
