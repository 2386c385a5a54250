/**
 * The response cache: content-addressed on disk, so a rerun or a retried activity never pays for
 * the same completion twice. The key is the sha256 of a canonical JSON of everything that decides
 * the answer (registry name, endpoint model id, messages, temperature, maxTokens, sample index,
 * and a reasoning model's effort).
 * Only complete completions are stored. Writes are temp-file + rename, so concurrent writers
 * (several workers, retried activities) never leave a partial entry under a valid key.
 */
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { ChatMessage } from '../tasks/types';

export interface CacheKeyParts {
  /** Registry name. */
  model: string;
  /** The model id sent to the endpoint (after placeholder expansion). */
  endpointModel: string;
  messages: ChatMessage[];
  temperature: number;
  maxTokens: number;
  sampleIndex: number;
  /** Reasoning models only (absent otherwise, so other keys are unchanged). */
  reasoningEffort?: string;
  /** A run that must ask the models afresh (a scheduled re-run): its own keys. Absent: the key is as before. */
  scope?: string;
}

/** One stored completion. Holds no prompt and no key: only what the endpoint answered. */
export interface CachedResponse {
  version: 1;
  key: string;
  model: string;
  endpointModel: string;
  sampleIndex: number;
  text: string;
  finishReason: string;
  inputTokens: number;
  outputTokens: number;
  /** What the original call cost (a hit costs nothing). */
  usd: number;
  latencyMs: number;
  reasoningTokens?: number;
  /** A server's reasoning text, kept with the answer (never graded). */
  reasoning?: string;
}

/** JSON with object keys sorted at every level, so equal values always give equal text. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number' && !Number.isFinite(value)) throw new Error(`canonicalJson: non-finite number ${value}`);
    return JSON.stringify(value) ?? 'null';
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

export function responseCacheKey(parts: CacheKeyParts): string {
  const canonical = canonicalJson({
    v: 1,
    model: parts.model,
    endpointModel: parts.endpointModel,
    // Only role and content reach the endpoint; extra fields must not split the cache.
    messages: parts.messages.map((m) => ({ role: m.role, content: m.content })),
    temperature: parts.temperature,
    maxTokens: parts.maxTokens,
    sampleIndex: parts.sampleIndex,
    reasoningEffort: parts.reasoningEffort,
    // undefined is dropped by canonicalJson: unscoped keys are unchanged.
    scope: parts.scope,
  });
  return createHash('sha256').update(canonical, 'utf8').digest('hex');
}

const KEY = /^[0-9a-f]{64}$/;

function isEntry(v: unknown, key: string): v is CachedResponse {
  const e = v as CachedResponse;
  return (
    !!e && e.version === 1 && e.key === key && typeof e.text === 'string' && typeof e.finishReason === 'string' &&
    Number.isFinite(e.inputTokens) && Number.isFinite(e.outputTokens) && Number.isFinite(e.usd)
  );
}

export class ResponseCache {
  constructor(readonly dir: string) {}

  pathOf(key: string): string {
    if (!KEY.test(key)) throw new Error(`not a response cache key: ${JSON.stringify(key)}`);
    return path.join(this.dir, key.slice(0, 2), `${key}.json`);
  }

  /** The stored response, or undefined (missing, or unreadable: then it is simply fetched again and rewritten). */
  async get(key: string): Promise<CachedResponse | undefined> {
    let text: string;
    try {
      text = await fs.promises.readFile(this.pathOf(key), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    try {
      const entry = JSON.parse(text) as unknown;
      return isEntry(entry, key) ? entry : undefined;
    } catch {
      return undefined;
    }
  }

  async put(entry: CachedResponse): Promise<void> {
    const file = this.pathOf(entry.key);
    await fs.promises.mkdir(path.dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
    try {
      await fs.promises.writeFile(tmp, JSON.stringify(entry));
      // rename is atomic: readers see no entry or a whole one. Two writers of one key both
      // hold a valid answer to the same request, so whichever rename lands last is fine.
      await fs.promises.rename(tmp, file);
    } catch (err) {
      await fs.promises.rm(tmp, { force: true });
      throw err;
    }
  }
}
