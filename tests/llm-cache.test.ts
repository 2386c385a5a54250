/**
 * The response cache on disk: the key covers exactly what decides an answer, entries hold no
 * prompt, writes are atomic under concurrent writers, and unreadable entries are misses.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ResponseCache, canonicalJson, responseCacheKey, type CacheKeyParts, type CachedResponse } from '../src/llm/cache';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lsl-llm-cache-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const parts: CacheKeyParts = {
  model: 'sim-small',
  endpointModel: 'sim-small',
  messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'What is 2+2?' }],
  temperature: 0,
  maxTokens: 256,
  sampleIndex: 0,
};

function entry(key: string, text: string): CachedResponse {
  return { version: 1, key, model: 'sim-small', endpointModel: 'sim-small', sampleIndex: 0, text, finishReason: 'stop', inputTokens: 5, outputTokens: 7, usd: 0.001, latencyMs: 3 };
}

describe('canonical JSON and the key', () => {
  test('key order does not matter; undefined fields are left out', () => {
    expect(canonicalJson({ b: 1, a: [{ d: 2, c: 3 }], u: undefined })).toBe('{"a":[{"c":3,"d":2}],"b":1}');
    expect(canonicalJson({ a: 1, b: 2 })).toBe(canonicalJson({ b: 2, a: 1 }));
    expect(() => canonicalJson({ x: NaN })).toThrow(/non-finite/);
  });

  test('every part of the request changes the key; equal requests give equal keys', () => {
    const key = responseCacheKey(parts);
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    expect(responseCacheKey({ ...parts, messages: parts.messages.map((m) => ({ ...m })) })).toBe(key);
    const variants: CacheKeyParts[] = [
      { ...parts, model: 'sim-large' },
      { ...parts, endpointModel: 'other' },
      { ...parts, messages: [...parts.messages.slice(0, 1), { role: 'user', content: 'What is 2+3?' }] },
      { ...parts, messages: [{ role: 'user', content: 'Be brief.' }, parts.messages[1]] },
      { ...parts, temperature: 0.5 },
      { ...parts, maxTokens: 257 },
      { ...parts, sampleIndex: 1 },
    ];
    const keys = new Set(variants.map(responseCacheKey));
    expect(keys.size).toBe(variants.length);
    expect(keys.has(key)).toBe(false);
  });

  test('a cache scope (a scheduled run) gives its own keys; no scope leaves the key as it was', () => {
    const key = responseCacheKey(parts);
    expect(responseCacheKey({ ...parts, scope: undefined })).toBe(key);
    const a = responseCacheKey({ ...parts, scope: 'nightly-20261201T030000Z' });
    const b = responseCacheKey({ ...parts, scope: 'nightly-20261202T030000Z' });
    expect(new Set([key, a, b]).size).toBe(3);
  });

  test('fields other than role and content do not split the cache', () => {
    const extra = { ...parts, messages: parts.messages.map((m) => ({ ...m, name: 'x' }) as any) };
    expect(responseCacheKey(extra)).toBe(responseCacheKey(parts));
  });
});

describe('ResponseCache', () => {
  test('put then get round-trips; a missing key is a miss', async () => {
    const cache = new ResponseCache(dir);
    const key = responseCacheKey(parts);
    expect(await cache.get(key)).toBeUndefined();
    await cache.put(entry(key, 'four'));
    expect(await cache.get(key)).toEqual(entry(key, 'four'));
    expect(cache.pathOf(key)).toBe(path.join(dir, key.slice(0, 2), `${key}.json`));
  });

  test('a corrupt or foreign entry is a miss, and the next put repairs it', async () => {
    const cache = new ResponseCache(dir);
    const key = responseCacheKey(parts);
    fs.mkdirSync(path.dirname(cache.pathOf(key)), { recursive: true });
    fs.writeFileSync(cache.pathOf(key), '{"version":1,"key":"');
    expect(await cache.get(key)).toBeUndefined();
    fs.writeFileSync(cache.pathOf(key), JSON.stringify(entry('0'.repeat(64), 'other key')));
    expect(await cache.get(key)).toBeUndefined();
    await cache.put(entry(key, 'fixed'));
    expect((await cache.get(key))?.text).toBe('fixed');
  });

  test('rejects a path-like key', () => {
    expect(() => new ResponseCache(dir).pathOf('../../etc/passwd')).toThrow(/not a response cache key/);
  });

  test('concurrent writers of one key: readers only ever see a whole entry, no temp files remain', async () => {
    const cache = new ResponseCache(dir);
    const key = responseCacheKey(parts);
    const texts = Array.from({ length: 40 }, (_, i) => `answer ${i} `.repeat(2000));
    const seen: Array<string | undefined> = [];
    const readers = Array.from({ length: 40 }, async () => {
      for (let i = 0; i < 5; i++) seen.push((await cache.get(key))?.text);
    });
    await Promise.all([...texts.map((t) => cache.put(entry(key, t))), ...readers]);
    for (const t of seen) if (t !== undefined) expect(texts).toContain(t);
    expect(texts).toContain((await cache.get(key))?.text);
    expect(fs.readdirSync(path.dirname(cache.pathOf(key)))).toEqual([`${key}.json`]);
  });
});
