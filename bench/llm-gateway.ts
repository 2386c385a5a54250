/**
 * Gateway overhead: completions through the gateway (real openai client, real HTTP to a local
 * OpenAI-shaped server that answers at once) versus the bare openai client, and response-cache
 * hits. Run: npx tsx bench/llm-gateway.ts [calls=2000] [concurrency=16]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import OpenAI from 'openai';
import { createGateway } from '../src/llm/gateway';
import { registryFromSpecs } from '../src/llm/registry';
import { startFaultServer } from '../tests/helpers/llm-fault-server';

const calls = Number(process.argv[2] ?? 2000);
const concurrency = Number(process.argv[3] ?? 16);

async function pool(n: number, width: number, fn: (i: number) => Promise<void>): Promise<number[]> {
  const lat: number[] = [];
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < n) {
      const i = next++;
      const t = performance.now();
      await fn(i);
      lat.push(performance.now() - t);
    }
  }));
  return lat.sort((a, b) => a - b);
}

function report(label: string, lat: number[], wallMs: number) {
  const q = (p: number) => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))].toFixed(2);
  console.log(`${label.padEnd(34)} ${(lat.length / (wallMs / 1000)).toFixed(0).padStart(6)} /s   p50 ${q(0.5)} ms   p95 ${q(0.95)} ms`);
}

async function main() {
  const server = await startFaultServer();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lsl-bench-gw-'));
  const gw = createGateway({
    registry: registryFromSpecs([{ name: 'bench', provider: 'openai-compatible', baseUrl: server.url, model: 'b', concurrency, priceInputPerM: 1, priceOutputPerM: 1 }]),
    cacheDir: dir,
    env: {},
  });
  const messages = [{ role: 'system' as const, content: 'Solve the problem. End with #### <number>.' }, { role: 'user' as const, content: 'Natalia sold clips to 48 of her friends in April, and then she sold half as many clips in May. How many clips did Natalia sell altogether in April and May?' }];
  const raw = new OpenAI({ baseURL: server.url, apiKey: 'x', maxRetries: 0 });

  // Warm-up (connection pool, JIT).
  await pool(200, concurrency, async (i) => void (await raw.chat.completions.create({ model: 'b', messages, seed: -1 - i })));

  let t = performance.now();
  let lat = await pool(calls, concurrency, async (i) => void (await raw.chat.completions.create({ model: 'b', messages, seed: i })));
  report('bare openai client', lat, performance.now() - t);

  t = performance.now();
  lat = await pool(calls, concurrency, async (i) => void (await gw.chat('bench', { messages, sampleIndex: i })));
  report('gateway, miss (call + cache write)', lat, performance.now() - t);

  t = performance.now();
  lat = await pool(calls, concurrency, async (i) => void (await gw.chat('bench', { messages, sampleIndex: i })));
  report('gateway, cache hit', lat, performance.now() - t);

  const s = gw.stats().total;
  if (s.calls !== calls || s.cacheHits !== calls) throw new Error(`unexpected stats ${JSON.stringify(s)}`);
  console.log(`(${calls} calls, concurrency ${concurrency}, node ${process.version}, ${os.cpus().length} cpus)`);
  await server.close();
  fs.rmSync(dir, { recursive: true, force: true });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
