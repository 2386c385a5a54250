/**
 * An API key in the worker's environment (named by the registry entry's apiKeyEnv) is used for
 * the calls and appears nowhere else: not in the workflow history fetched from the server (its
 * payloads decoded), not in the results, artifacts, response cache or run directory, not in the
 * CLI's output. Some calls fail (a 500, then a 400) so failure messages are in the history too.
 */
import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import type { RunningSimulator } from '../src/sim';
import { filesContaining, filesUnder, lastJsonLine, makeTempDir, runLsl, writeRegistry } from './helpers/cli';
import { startTestSimulator } from './helpers/sim';
import { testClient, testServer } from './helpers/temporal';

/**
 * All text of a fetched history: every string, and every byte array (payload data, metadata)
 * decoded as UTF-8, so a key inside a payload would be found. A plain walk, since the proto
 * objects' toJSON would turn the bytes into base64.
 */
function historyText(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (value instanceof Uint8Array) out.push(Buffer.from(value).toString('utf8'));
  else if (value && typeof value === 'object') for (const v of Object.values(value)) historyText(v, out);
  return out;
}

describe('API keys stay in the worker environment', () => {
  const dir = makeTempDir('eval-secrets');
  let sim: RunningSimulator;
  beforeAll(async () => {
    sim = await startTestSimulator({ faults: { schedule: [{ model: 'sim-large', calls: [2], kind: '500' }, { model: 'sim-large', calls: [4], kind: '400' }] } });
  });
  afterAll(async () => {
    await sim?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('the key is in no history, result, artifact, cache file, run file or log', async () => {
    const key = `sk-test-${randomUUID().replace(/-/g, '')}`;
    const marker = `instruction-marker-${randomUUID()}`;
    const home = path.join(dir, 'home');
    const models = writeRegistry(dir, [
      '  - name: sim-keyed',
      '    provider: openai-compatible',
      '    baseUrl: ${LSL_SIM_URL}/v1',
      '    model: sim-large',
      '    apiKeyEnv: OPENAI_API_KEY',
      '    priceInputPerM: 1',
      '    priceOutputPerM: 2',
      '    timeoutMs: 3000',
      '',
    ].join('\n'));
    const instructionFile = path.join(dir, 'instruction.txt');
    fs.writeFileSync(instructionFile, `Solve the problem step by step (${marker}). End with "#### <number>".`);

    const r = await runLsl(
      ['eval', '--task', 'gsm8k', '--model', 'sim-keyed', '--limit', '12', '--instruction-file', instructionFile, '--json'],
      { LSL_HOME: home, LSL_SIM_URL: sim.url, LSL_MODELS: models, OPENAI_API_KEY: key,
        TEMPORAL_ADDRESS: testServer().address, LSL_TASK_QUEUE: `eval-secrets-${randomUUID()}` },
    );
    expect(r.code).toBe(0);
    const summary = lastJsonLine<{ workflowId: string; n: number; failedRollouts: number; modelCalls: number; runDir: string; resultsKey: string }>(r);
    // The key was needed and used: without it every call would fail with a missing-key error.
    expect(summary).toMatchObject({ n: 12, failedRollouts: 1 });
    // Every call the simulator served is counted, the refused one and retried attempts included.
    expect(sim.stats().totals.calls).toBe(13);
    expect(summary.modelCalls).toBe(13);

    const client = await testClient();
    let history: string;
    try {
      history = historyText(await client.workflow.getHandle(summary.workflowId).fetchHistory()).join('\n');
    } finally {
      await client.connection.close();
    }
    // The scan sees payloads (the instruction) and failure messages; the key is not among them.
    expect(history.includes(marker)).toBe(true);
    expect(history.includes('HTTP 500')).toBe(true);
    expect(history.includes('HTTP 400')).toBe(true);
    expect(history.includes(key)).toBe(false);
    expect(history.includes(key.slice(3))).toBe(false); // nor the key without its prefix

    // Results, artifacts, the response cache and the run dir: all under LSL_HOME.
    const files = filesUnder(home);
    const rel = files.map((f) => path.relative(home, f));
    expect(rel.some((f) => f.startsWith(`runs${path.sep}`) && f.endsWith('results.jsonl'))).toBe(true);
    expect(rel.some((f) => f.startsWith(`artifacts${path.sep}`))).toBe(true);
    expect(rel.some((f) => f.startsWith(`cache${path.sep}responses${path.sep}`))).toBe(true);
    // The byte scan finds what is there: a model output sits in the cache and in the artifacts.
    const firstRow = JSON.parse(fs.readFileSync(path.join(summary.runDir, 'results.jsonl'), 'utf8').split('\n')[0]) as { outputKey: string };
    const output = fs.readFileSync(files.find((f) => path.basename(f).startsWith(firstRow.outputKey))!, 'utf8');
    const piece = /[A-Za-z0-9 ,.]{20,}/.exec(output)![0];
    const found = filesContaining(home, piece).map((f) => path.relative(home, f).split(path.sep)[0]);
    expect(new Set(found)).toEqual(new Set(['artifacts', 'cache']));
    expect(filesContaining(home, key)).toEqual([]);
    expect(filesContaining(home, key.slice(3))).toEqual([]);

    // Nor in what the CLI printed.
    expect(r.stdout).not.toContain(key.slice(3));
    expect(r.stderr).not.toContain(key.slice(3));
  }, 120_000);
});
