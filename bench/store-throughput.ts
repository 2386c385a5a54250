/**
 * Artifact store put/get throughput: the local directory vs S3 (MinIO of scripts/cluster.sh).
 * Blobs the size of rollout outputs (2 KiB) and of stage summaries (256 KiB), 16 requests in flight.
 *   bash scripts/cluster.sh up && npx tsx bench/store-throughput.ts
 */
import { execFileSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openStore, type LslStore } from '../src/store/open';

const REPO = path.resolve(__dirname, '..');
const IN_FLIGHT = 16;

async function pool<T>(items: T[], fn: (x: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: IN_FLIGHT }, async () => {
    while (next < items.length) await fn(items[next++]);
  }));
}

async function measure(store: LslStore, size: number, n: number) {
  const blobs = Array.from({ length: n }, () => randomBytes(size));
  let keys: string[] = [];
  const t0 = performance.now();
  await pool(blobs, async (b) => keys.push(await store.artifacts.put(b)));
  const put = performance.now() - t0;
  keys = keys.slice();
  const t1 = performance.now();
  await pool(keys, (k) => store.artifacts.get(k));
  const get = performance.now() - t1;
  return { putPerS: (n / put) * 1000, getPerS: (n / get) * 1000, putMBs: (n * size) / put / 1000, getMBs: (n * size) / get / 1000 };
}

async function main() {
  const env: Record<string, string> = {};
  const text = execFileSync('bash', [path.join(REPO, 'scripts/cluster.sh'), 'env'], { encoding: 'utf8' });
  for (const m of text.matchAll(/^export ([A-Z0-9_]+)=(.*)$/gm)) env[m[1]] = m[2];
  Object.assign(process.env, env);
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'lsl-bench-store-'));
  const stores: Array<[string, LslStore]> = [
    ['local directory', openStore(undefined, { home })],
    ['MinIO (S3, loopback)', openStore(`${env.LSL_STORE}/bench-${randomUUID().slice(0, 8)}`, { home })],
  ];
  console.log(`| store | blob | put/s | get/s | put MB/s | get MB/s |\n| --- | --- | --- | --- | --- | --- |`);
  for (const [size, n] of [[2048, 2000], [262144, 200]] as const) {
    for (const [name, store] of stores) {
      await measure(store, size, 50); // warm-up
      const r = await measure(store, size, n);
      console.log(`| ${name} | ${size / 1024} KiB x ${n} | ${r.putPerS.toFixed(0)} | ${r.getPerS.toFixed(0)} | ${r.putMBs.toFixed(1)} | ${r.getMBs.toFixed(1)} |`);
    }
  }
  fs.rmSync(home, { recursive: true, force: true });
}

void main();
