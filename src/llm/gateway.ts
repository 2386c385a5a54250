/**
 * The model gateway: every model call of the project goes through `chat`. It expands the spec's
 * placeholders from the worker's environment, answers from the response cache when it can, caps
 * calls in flight per model, calls the endpoint with the real `openai` client (SDK retries off:
 * Temporal retries the activity), classifies failures into typed ApplicationFailures, and
 * counts calls, tokens and dollars.
 */
import { performance } from 'node:perf_hooks';
import OpenAI from 'openai';
import { ResponseCache, responseCacheKey, type CachedResponse } from './cache';
import { EnvTemplateError, expandEnvTemplate } from './env-template';
import { ModelErrorTypes, classifyModelError, modelFailure } from './errors';
import { costUsd, priceKnown } from './pricing';
import { UnknownModelError, type ModelRegistry } from './registry';
import { Semaphore } from './semaphore';
import type { ChatRequest, ChatResult, ModelGateway, ModelSpec } from './types';

export interface ModelUsage {
  /** HTTP calls made (cache hits excluded). */
  calls: number;
  cacheHits: number;
  /** Calls that ended in a failure (thrown to the caller). */
  failures: number;
  /** Tokens and dollars of the calls made by this process (hits cost nothing). */
  inputTokens: number;
  outputTokens: number;
  usd: number;
  /** False when the spec has no prices: `usd` then undercounts. */
  priceKnown: boolean;
  /** Successful calls whose response carried no `usage` (their tokens count as 0). */
  usageMissing: number;
}

export interface GatewayStats {
  models: Record<string, ModelUsage>;
  /** Sums over models; priceKnown only if every model's price is known. */
  total: ModelUsage;
  /** Completions that could not be written to the cache (they were still returned). */
  cacheWriteErrors: number;
}

export interface GatewayOptions {
  registry: ModelRegistry;
  cacheDir: string;
  /** Where API keys and `${VAR}` placeholders are read at call time (default: process.env). */
  env?: NodeJS.ProcessEnv;
}

export type LslGateway = ModelGateway & { stats(): GatewayStats };

/** Sent to keyless local servers: the client insists on some key. */
const DUMMY_KEY = 'no-key-needed';

function checkRequest(r: ChatRequest): string | undefined {
  if (!Array.isArray(r.messages) || r.messages.length === 0) return 'messages must be a non-empty list';
  for (const [i, m] of r.messages.entries()) {
    if (!m || !['system', 'user', 'assistant'].includes(m.role)) return `messages[${i}].role must be system, user or assistant`;
    if (typeof m.content !== 'string') return `messages[${i}].content must be a string`;
  }
  if (!Number.isInteger(r.sampleIndex) || r.sampleIndex < 0) return `sampleIndex must be a whole number >= 0, got ${r.sampleIndex}`;
  if (r.temperature !== undefined && !(Number.isFinite(r.temperature) && r.temperature >= 0 && r.temperature <= 2)) {
    return `temperature must be a number from 0 to 2, got ${r.temperature}`;
  }
  if (r.maxTokens !== undefined && !(Number.isInteger(r.maxTokens) && r.maxTokens >= 1)) {
    return `maxTokens must be a whole number >= 1, got ${r.maxTokens}`;
  }
  return undefined;
}

export function createGateway(opts: GatewayOptions): LslGateway {
  const { registry } = opts;
  const env = () => opts.env ?? process.env;
  const cache = new ResponseCache(opts.cacheDir);
  const limits = new Map<string, Semaphore>();
  const clients = new Map<string, { baseURL: string; apiKey: string; timeoutMs: number; client: OpenAI }>();
  const inflight = new Map<string, Promise<ChatResult>>();
  const usage = new Map<string, ModelUsage>();
  let cacheWriteErrors = 0;

  const usageOf = (spec: ModelSpec): ModelUsage => {
    let u = usage.get(spec.name);
    if (!u) {
      u = { calls: 0, cacheHits: 0, failures: 0, inputTokens: 0, outputTokens: 0, usd: 0, priceKnown: priceKnown(spec), usageMissing: 0 };
      usage.set(spec.name, u);
    }
    return u;
  };

  const limitOf = (spec: ModelSpec): Semaphore => {
    let s = limits.get(spec.name);
    if (!s) limits.set(spec.name, (s = new Semaphore(spec.concurrency)));
    return s;
  };

  // One client per model, rebuilt only if its expanded URL or key changed in the environment.
  const clientOf = (spec: ModelSpec, baseURL: string, apiKey: string): OpenAI => {
    const held = clients.get(spec.name);
    if (held && held.baseURL === baseURL && held.apiKey === apiKey && held.timeoutMs === spec.timeoutMs) return held.client;
    const client = new OpenAI({ baseURL, apiKey, maxRetries: 0, timeout: spec.timeoutMs });
    clients.set(spec.name, { baseURL, apiKey, timeoutMs: spec.timeoutMs, client });
    return client;
  };

  async function callEndpoint(spec: ModelSpec, endpointModel: string, baseURL: string, request: ChatRequest, key: string,
    temperature: number, maxTokens: number): Promise<ChatResult> {
    const u = usageOf(spec);
    let apiKey = DUMMY_KEY;
    if (spec.apiKeyEnv) {
      const value = env()[spec.apiKeyEnv];
      if (!value) {
        throw modelFailure(ModelErrorTypes.missingKey,
          `environment variable ${spec.apiKeyEnv} (the API key) is not set in the worker's environment`,
          { model: spec.name, nonRetryable: true });
      }
      apiKey = value;
    }
    const secrets = apiKey === DUMMY_KEY ? [] : [apiKey];
    const client = clientOf(spec, baseURL, apiKey);

    return limitOf(spec).run(async () => {
      // The client's timeout stops at the response headers; this deadline also covers the body.
      const controller = new AbortController();
      let timedOut = false;
      const deadline = setTimeout(() => {
        timedOut = true;
        controller.abort();
      }, spec.timeoutMs);
      const started = performance.now();
      u.calls++;
      let completion: OpenAI.Chat.Completions.ChatCompletion;
      try {
        completion = await client.chat.completions.create(
          {
            model: endpointModel,
            messages: request.messages.map((m) => ({ role: m.role, content: m.content })),
            temperature,
            max_tokens: maxTokens,
            // The simulator reads the sample index from `seed`; OpenAI accepts it as a sampling seed.
            seed: request.sampleIndex,
          },
          { signal: controller.signal, timeout: spec.timeoutMs, maxRetries: 0 },
        );
      } catch (err) {
        u.failures++;
        throw classifyModelError(err, { model: spec.name, secrets, timedOut, timeoutMs: spec.timeoutMs });
      } finally {
        clearTimeout(deadline);
      }
      const latencyMs = Math.round(performance.now() - started);

      const fail = (type: (typeof ModelErrorTypes)[keyof typeof ModelErrorTypes], message: string, nonRetryable = false) => {
        u.failures++;
        return modelFailure(type, message, { model: spec.name, secrets, nonRetryable });
      };
      const choice = typeof completion === 'object' && completion && Array.isArray(completion.choices) ? completion.choices[0] : undefined;
      if (!choice) throw fail(ModelErrorTypes.invalidResponse, 'the response is not a chat completion (no choices)');
      const finishReason = choice.finish_reason ?? 'unknown';
      const text = choice.message?.content ?? '';
      if (finishReason === 'content_filter') {
        throw fail(ModelErrorTypes.contentFiltered, 'the provider withheld the completion (content filter)', true);
      }
      if (!text.trim()) throw fail(ModelErrorTypes.empty, `empty completion (finish_reason ${finishReason})`);

      const inputTokens = Number(completion.usage?.prompt_tokens ?? 0) || 0;
      const outputTokens = Number(completion.usage?.completion_tokens ?? 0) || 0;
      if (!completion.usage) u.usageMissing++;
      const usd = costUsd(spec, inputTokens, outputTokens);
      u.inputTokens += inputTokens;
      u.outputTokens += outputTokens;
      u.usd += usd;

      const result: ChatResult = { text, finishReason, inputTokens, outputTokens, usd, cached: false, key, latencyMs };
      // A completion cut at maxTokens is returned (the grader judges it) but not kept: it is not
      // the model's whole answer, and a later run with the same request should ask again.
      if (finishReason !== 'length') {
        const entry: CachedResponse = {
          version: 1, key, model: spec.name, endpointModel, sampleIndex: request.sampleIndex,
          text, finishReason, inputTokens, outputTokens, usd, latencyMs,
        };
        try {
          await cache.put(entry);
        } catch (err) {
          cacheWriteErrors++;
          if (cacheWriteErrors === 1) {
            process.stderr.write(`lsl: cannot write the response cache in ${opts.cacheDir}: ${(err as Error).message}\n`);
          }
        }
      }
      return result;
    });
  }

  async function chat(model: string, request: ChatRequest): Promise<ChatResult> {
    let spec: ModelSpec;
    try {
      spec = registry.get(model);
    } catch (err) {
      if (err instanceof UnknownModelError) throw modelFailure(ModelErrorTypes.unknownModel, err.message, { nonRetryable: true });
      throw err;
    }
    const problem = checkRequest(request);
    if (problem) throw modelFailure(ModelErrorTypes.invalidRequest, problem, { model, nonRetryable: true });

    let baseURL: string;
    let endpointModel: string;
    try {
      baseURL = expandEnvTemplate(spec.baseUrl, env());
      endpointModel = expandEnvTemplate(spec.model, env());
    } catch (err) {
      if (err instanceof EnvTemplateError) throw modelFailure(ModelErrorTypes.config, err.message, { model, nonRetryable: true });
      throw err;
    }
    const temperature = request.temperature ?? spec.temperature;
    const maxTokens = request.maxTokens ?? spec.maxTokens;
    const key = responseCacheKey({ model, endpointModel, messages: request.messages, temperature, maxTokens, sampleIndex: request.sampleIndex });

    const started = performance.now();
    const hit = await cache.get(key);
    if (hit) {
      usageOf(spec).cacheHits++;
      return {
        text: hit.text, finishReason: hit.finishReason, inputTokens: hit.inputTokens, outputTokens: hit.outputTokens,
        usd: 0, cached: true, key, latencyMs: Math.round(performance.now() - started),
      };
    }
    // The same request already on its way in this process: share its answer instead of paying twice.
    const pending = inflight.get(key);
    if (pending) {
      const r = await pending;
      usageOf(spec).cacheHits++;
      return { ...r, usd: 0, cached: true, latencyMs: Math.round(performance.now() - started) };
    }
    const call = callEndpoint(spec, endpointModel, baseURL, request, key, temperature, maxTokens);
    inflight.set(key, call);
    try {
      return await call;
    } finally {
      inflight.delete(key);
    }
  }

  function stats(): GatewayStats {
    const models: Record<string, ModelUsage> = {};
    const total = { calls: 0, cacheHits: 0, failures: 0, inputTokens: 0, outputTokens: 0, usd: 0, priceKnown: true, usageMissing: 0 };
    for (const [name, u] of [...usage.entries()].sort(([a], [b]) => a.localeCompare(b))) {
      models[name] = { ...u };
      total.calls += u.calls;
      total.cacheHits += u.cacheHits;
      total.failures += u.failures;
      total.inputTokens += u.inputTokens;
      total.outputTokens += u.outputTokens;
      total.usd += u.usd;
      total.usageMissing += u.usageMissing;
      total.priceKnown &&= u.priceKnown;
    }
    return { models, total, cacheWriteErrors };
  }

  return { models: () => registry.names(), chat, stats };
}
