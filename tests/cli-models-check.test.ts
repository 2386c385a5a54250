/**
 * `lsl models check` through the real binary: on the suite's llama.cpp server it reports the
 * calls as the server answered them (and exits 0); on a dead port it exits 1 with one line.
 */
import { freePort } from '../src/cli/session';
import { lastJsonLine, runLsl } from './helpers/cli';
import { LLAMA_ENTRY, llamaEnv, suiteLlama } from './helpers/llama';
import type { ModelCheck } from '../src/cli/commands/models';

describe('lsl models check', () => {
  test('on the real model: reachable, the server\'s tokens beside our estimate, same seed same answer', async () => {
    const { env, modelId, baseUrl } = suiteLlama();
    const r = await runLsl(['models', 'check', LLAMA_ENTRY, '--json'], env, 120_000);
    expect([r.code, r.stderr.includes('lsl: models check') ? r.stderr : '']).toEqual([0, '']);
    const c = lastJsonLine<ModelCheck>(r);
    expect(c).toMatchObject({ name: LLAMA_ENTRY, baseUrl, model: modelId, reachable: true, sameAnswerSameSeed: true, problems: [] });
    expect(c.latencyMs).toHaveLength(2);
    expect(c.serverTokens!.input).toBeGreaterThan(5);
    expect(c.serverTokens!.output).toBeGreaterThan(0);
    expect(c.estimatedTokens!.input).toBeGreaterThan(5);
    expect(c.price).toEqual({ inputPerM: 0, outputPerM: 0, known: true });
    expect(r.stderr).toMatch(/tokens \(server\)\s+\d+ in, \d+ out/);

    const text = await runLsl(['models', 'check', LLAMA_ENTRY], env, 120_000);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^reachable\s+yes, latency \d+ ms then \d+ ms$/m);
    expect(text.stdout).toMatch(/^same seed, same answer\s+yes$/m);
  }, 240_000);

  test('on a dead port: exit 1 and one line naming the problem', async () => {
    const port = await freePort();
    const r = await runLsl(['models', 'check', LLAMA_ENTRY], llamaEnv(`http://127.0.0.1:${port}/v1`), 60_000);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^lsl: models check ${LLAMA_ENTRY}: unreachable: .*ECONNREFUSED`));
  }, 90_000);
});
