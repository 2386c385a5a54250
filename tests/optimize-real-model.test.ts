/**
 * `lsl optimize` on the real model (SmolLM2-135M through llama.cpp) as task model and reflector:
 * it finishes within its grant and its summary says how each iteration ended. Then the same stage
 * again with a fresh response cache on a server of its own that is SIGKILLed in the middle of the
 * stage and started again: the stage completes with the undisturbed run's result, every distinct
 * call is answered once (the cache and Temporal's retries re-do only the calls cut off), and the
 * calls re-done are counted.
 */
import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { LocalArtifactStore } from '../src/store/artifacts';
import { lastJsonLine, makeTempDir, runLsl, spawnLsl, waitFor } from './helpers/cli';
import { LLAMA_ENTRY, llamaEnv, startCountingProxy, startLlamaServer, suiteLlama, type CountingProxy, type LlamaServer, type ProxyStats } from './helpers/llama';
import { testServer } from './helpers/temporal';

interface Summary {
  seedScore: number; bestScore: number; metricCalls: number; grant: number; iterations: number; accepted: number;
  candidates: number; stopReason: string | null; bestCandidate: string; summaryKey: string; simulated: boolean; runDir: string;
  outcomes: Record<string, number>;
}

const BUDGET = 10; // |V| + 2b + |V|: the seed's validation and one iteration
const ARGS = ['optimize', '--task', 'gsm8k', '--model', LLAMA_ENTRY, '--reflector', LLAMA_ENTRY, '--budget', String(BUDGET),
  '--train', '4', '--val', '3', '--minibatch', '2', '--seed', '0', '--json'];
const sameResult = (s: Summary) => {
  const { seedScore, bestScore, metricCalls, iterations, accepted, outcomes, candidates, stopReason, bestCandidate } = s;
  return { seedScore, bestScore, metricCalls, iterations, accepted, outcomes, candidates, stopReason, bestCandidate };
};
const env = (home: string, baseUrl: string) => ({
  ...llamaEnv(baseUrl, suiteLlama().modelId), LSL_HOME: home, TEMPORAL_ADDRESS: testServer().address, LSL_TASK_QUEUE: `real-opt-${randomUUID()}`,
});

describe('lsl optimize on the real model', () => {
  const homes: string[] = [];
  const proxies: CountingProxy[] = [];
  let own: LlamaServer | undefined;
  let undisturbed: { summary: Summary; served: ProxyStats } | undefined;

  afterAll(async () => {
    for (const p of proxies) await p.close();
    await own?.stop('SIGKILL');
    for (const h of homes) fs.rmSync(h, { recursive: true, force: true });
  });

  test('finishes within its grant; the summary says how each iteration ended', async () => {
    const proxy = await startCountingProxy(suiteLlama().baseUrl);
    proxies.push(proxy);
    const home = makeTempDir('real-opt');
    homes.push(home);
    const r = await runLsl(ARGS, env(home, proxy.baseUrl), 900_000);
    expect([r.code, r.code === 0 ? '' : r.stderr]).toEqual([0, '']);
    const s = lastJsonLine<Summary>(r);
    expect(s.simulated).toBe(false);
    expect(s.grant).toBe(BUDGET);
    expect(s.metricCalls).toBeLessThanOrEqual(BUDGET);
    expect(s.iterations).toBeGreaterThanOrEqual(1);
    expect(s.stopReason).not.toBeNull();
    // Why each iteration ended (accepted, not-better, reflection-malformed, ...): the counts add up.
    const total = Object.values(s.outcomes).reduce((a, b) => a + b, 0);
    expect(total).toBe(s.iterations);
    expect(s.outcomes.accepted).toBe(s.accepted);
    const full = await new LocalArtifactStore(path.join(home, 'artifacts')).getJson<{ outcomes: Record<string, number> }>(s.summaryKey);
    expect(full.outcomes).toEqual(s.outcomes);
    const served = proxy.stats();
    expect(served.attempted).toBe(served.completed);
    expect(served.usageMissing).toBe(0);
    undisturbed = { summary: s, served };
    process.stderr.write(`real optimize: ${JSON.stringify({ ...sameResult(s), served })}\n`);
  }, 900_000);

  test('the llama.cpp server SIGKILLed mid-stage and restarted: same result, only cut-off calls re-done', async () => {
    expect(undisturbed).toBeDefined();
    own = await startLlamaServer();
    const proxy = await startCountingProxy(own.baseUrl);
    proxies.push(proxy);
    const home = makeTempDir('real-opt-kill');
    homes.push(home);
    const p = spawnLsl(ARGS, env(home, proxy.baseUrl));
    // Past the seed's validation, with a call in flight.
    await waitFor('a call in flight after 4 answered', async () => {
      const st = proxy.stats();
      return st.completed >= 4 && st.attempted > st.completed;
    }, 600_000);
    await own.stop('SIGKILL');
    const killedAt = proxy.stats();
    await new Promise((r) => setTimeout(r, 1500));
    await own.restart();
    const exit = await p.exited;
    expect([exit.code, exit.code === 0 ? '' : p.output()]).toEqual([0, '']);
    const s = lastJsonLine<Summary>({ code: exit.code, signal: exit.signal, stdout: p.output(), stderr: '' });
    expect(sameResult(s)).toEqual(sameResult(undisturbed!.summary));
    const served = proxy.stats();
    // Each distinct call answered exactly once, as in the undisturbed run; the rest were cut off or refused.
    expect(served.completed).toBe(undisturbed!.served.completed);
    const redone = served.attempted - served.completed;
    expect(redone).toBeGreaterThanOrEqual(killedAt.attempted - killedAt.completed);
    expect(redone).toBeGreaterThanOrEqual(1);
    process.stderr.write(`real optimize, killed server: ${JSON.stringify({ killedAt, served, redone })}\n`);
  }, 900_000);
});
