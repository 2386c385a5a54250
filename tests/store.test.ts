/**
 * The store behind artifacts, the response cache, call claims and reports: the same behaviour
 * from a local directory and from S3 (MinIO of the production-style cluster).
 */
import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { CallClaims } from '../src/store/claims';
import { openStore, StoreUrlError, type LslStore } from '../src/store/open';
import { makeTempDir } from './helpers/cli';
import { useCluster } from './helpers/cluster';

const FAST = { refreshMs: 100, staleMs: 600, pollMs: 25 };

function behaves(name: string, open: () => Promise<LslStore>) {
  describe(name, () => {
    let store: LslStore;
    beforeAll(async () => {
      store = await open();
    }, 40 * 60_000);

    test('content-addressed artifacts: same content, same key, written once; a missing key fails naming key and store', async () => {
      const a = await store.artifacts.put('hello');
      expect(await store.artifacts.put(Buffer.from('hello'))).toBe(a);
      expect(await store.artifacts.getText(a)).toBe('hello');
      expect(await store.artifacts.has(a)).toBe(true);
      const missing = 'f'.repeat(64);
      const err = await store.artifacts.get(missing).catch((e: Error) => e);
      expect((err as Error).message).toBe(`artifact ${missing} not found in ${store.artifacts.location}`);
      expect((err as Error).message).not.toMatch(/\n/);
    });

    test('the response cache is write-once: the first whole answer stays', async () => {
      const key = randomUUID().replace(/-/g, '').padEnd(64, '0');
      const entry = (text: string) => ({ version: 1 as const, key, model: 'm', endpointModel: 'e', sampleIndex: 0, text, finishReason: 'stop', inputTokens: 1, outputTokens: 1, usd: 0.1, latencyMs: 1 });
      expect(await store.responses.get(key)).toBeUndefined();
      await Promise.all([store.responses.put(entry('first')), store.responses.put(entry('second'))]);
      const kept = (await store.responses.get(key))!.text;
      expect(['first', 'second']).toContain(kept);
      await store.responses.put(entry('third'));
      expect((await store.responses.get(key))!.text).toBe(kept);
    });

    test('claims: a second caller waits for the first one\'s answer; a dead claim is taken over once; a retried attempt takes over its own at once', async () => {
      const claims = new CallClaims(store.claims.objects, FAST);
      const key = randomUUID();
      let answered = false;
      const first = await claims.acquire(key, { id: 'wf/1', attempt: 1 }, async () => answered);
      expect(first).toMatchObject({ kind: 'claimed', tookOver: false });
      const second = claims.acquire(key, { id: 'wf/2', attempt: 1 }, async () => answered);
      await new Promise((r) => setTimeout(r, 1000)); // longer than staleMs: the holder keeps it fresh
      answered = true;
      expect(await second).toEqual({ kind: 'answered' });
      if (first.kind === 'claimed') await first.release();

      // A holder that died (never refreshes): the claim goes stale and exactly one waiter takes over.
      const dead = randomUUID();
      await claims.objects.put(`${dead}/0`, Buffer.from(JSON.stringify({ owner: 'wf/9', attempt: 1, worker: 'gone', beat: 0 })));
      const t0 = Date.now();
      let deadAnswered = false;
      const waiters = [3, 4].map((n) => claims.acquire(dead, { id: `wf/${n}`, attempt: 1 }, async () => deadAnswered));
      const winner = await Promise.race(waiters);
      expect(winner).toMatchObject({ kind: 'claimed', tookOver: true });
      expect(Date.now() - t0).toBeGreaterThanOrEqual(FAST.staleMs);
      await new Promise((r) => setTimeout(r, 1000)); // the other waits: the new holder keeps its claim fresh
      deadAnswered = true;
      const outcomes = await Promise.all(waiters);
      expect(outcomes.filter((o) => o.kind === 'claimed')).toHaveLength(1);
      if (winner.kind === 'claimed') await winner.release();

      // Temporal retried the activity: its own earlier attempt's claim is taken over without waiting,
      // and counts as a take-over (that attempt may have been paid before its worker died).
      const own = randomUUID();
      await claims.objects.put(`${own}/0`, Buffer.from(JSON.stringify({ owner: 'wf/5', attempt: 1, worker: 'gone', beat: 0 })));
      const t1 = Date.now();
      const retried = await claims.acquire(own, { id: 'wf/5', attempt: 2 }, async () => false);
      expect(retried).toMatchObject({ kind: 'claimed', tookOver: true });
      expect(Date.now() - t1).toBeLessThan(FAST.staleMs);
      if (retried.kind === 'claimed') await retried.release();
      expect(await claims.objects.has(`${own}/0`)).toBe(false);
      expect(await claims.objects.has(`${own}/1`)).toBe(false);
    });

    test('reports: put and read back under <id>/report/', async () => {
      await store.runs.put('exp-x/report/a.txt', Buffer.from('A'));
      expect((await store.runs.get('exp-x/report/a.txt'))!.toString()).toBe('A');
      expect(await store.runs.get('exp-x/report/none.txt')).toBeUndefined();
    });
  });
}

behaves('local directory store', async () => openStore(undefined, { home: makeTempDir('store-local') }));
behaves('S3 store (MinIO)', async () => {
  const env = await useCluster();
  Object.assign(process.env, { AWS_ACCESS_KEY_ID: env.AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY: env.AWS_SECRET_ACCESS_KEY }); // the SDK's chain
  return openStore(`${env.LSL_STORE}/store-test-${randomUUID().slice(0, 8)}`, { home: makeTempDir('store-s3'), env: { ...process.env, ...env } });
});

test('a store URL names a directory, s3://bucket/prefix, or is refused in one line', () => {
  const home = makeTempDir('store-url');
  expect(openStore(path.join(home, 'shared'), { home }).location).toBe(path.join(home, 'shared'));
  expect(openStore('s3://my-bucket/some/prefix/', { home, env: {} }).location).toBe('s3://my-bucket/some/prefix');
  expect(() => openStore('gs://bucket', { home })).toThrow(StoreUrlError);
  expect(() => openStore('s3://B', { home })).toThrow(/LSL_STORE=s3:\/\/B: not an S3 URL/);
  // The local default keeps LSL_HOME's layout.
  const local = openStore(undefined, { home, env: {} });
  expect(local.artifacts.location).toBe(path.join(home, 'artifacts'));
  expect(local.responses.location).toBe(path.join(home, 'cache', 'responses'));
  expect(fs.existsSync(home)).toBe(true);
});
