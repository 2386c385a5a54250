/**
 * The response cache: content-addressed (a local directory by default, or an object store such as
 * S3), so a rerun or a retried activity never pays for the same completion twice. The key is the
 * sha256 of a canonical JSON of everything that decides the answer (registry name, endpoint model
 * id, messages, temperature, maxTokens, sample index, and a reasoning model's effort).
 * Only complete completions are stored, each written once: concurrent writers (several workers,
 * retried activities) never leave a partial entry under a valid key, and the first whole answer stays.
 */
import { createHash } from 'node:crypto';
import { LocalObjects, type ObjectStore } from '../store/objects';
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
  readonly objects: ObjectStore;

  /** A directory (the embedded default) or any object store. */
  constructor(dirOrStore: string | ObjectStore) {
    this.objects = typeof dirOrStore === 'string' ? new LocalObjects(dirOrStore) : dirOrStore;
  }

  get location(): string {
    return this.objects.location;
  }

  private name(key: string): string {
    if (!KEY.test(key)) throw new Error(`not a response cache key: ${JSON.stringify(key)}`);
    return `${key.slice(0, 2)}/${key}.json`;
  }

  /** Path (or URL) of an entry. */
  pathOf(key: string): string {
    return this.objects.urlOf(this.name(key));
  }

  /** The stored response, or undefined (missing, or unreadable: then it is simply fetched again). */
  async get(key: string): Promise<CachedResponse | undefined> {
    const bytes = await this.objects.get(this.name(key));
    if (!bytes) return undefined;
    try {
      const entry = JSON.parse(bytes.toString('utf8')) as unknown;
      return isEntry(entry, key) ? entry : undefined;
    } catch {
      return undefined;
    }
  }

  /**
   * Stores an entry once. Two writers of one key both hold a valid answer to the same request;
   * the first stays, so every later reader sees the same answer. An unreadable entry (a write
   * from an older version cut short) is replaced.
   */
  async put(entry: CachedResponse): Promise<void> {
    const name = this.name(entry.key);
    const bytes = Buffer.from(JSON.stringify(entry));
    if (await this.objects.putIfAbsent(name, bytes)) return;
    if (!(await this.get(entry.key))) await this.objects.put(name, bytes);
  }
}
