/**
 * The model gateway: every model call of the project goes through `chat`. It expands the spec's
 * placeholders from the worker's environment, answers from the response cache when it can, caps
 * calls in flight per model, calls the endpoint with the real `openai` client (SDK retries off:
 * Temporal retries the activity), classifies failures into typed ApplicationFailures, and
 * counts calls, tokens and dollars. Reasoning models get the parameters they accept
 * (`max_completion_tokens`, `reasoning_effort`, no temperature); their hidden reasoning tokens
 * are output tokens and billed as such.
 */
import { performance } from 'node:perf_hooks';
import OpenAI from 'openai';
import os from 'node:os';
import type { CallClaims } from '../store/claims';
import { ResponseCache, responseCacheKey, type CachedResponse } from './cache';
import { EnvTemplateError, expandEnvTemplate } from './env-template';
import { ModelErrorTypes, classifyModelError, modelFailure, reachedModelUnanswered, type ModelErrorType, type SpentOnFailure } from './errors';
import { costUsd, priceKnown } from './pricing';
import { UnknownModelError, type ModelRegistry } from './registry';
import { Semaphore } from './semaphore';
import type { ChatRequest, ChatResult, ModelGateway, ModelSpec, ReasoningEffort } from './types';

export interface ModelUsage {
  /** HTTP calls made (cache hits excluded). */
  calls: number;
  cacheHits: number;
  /** Calls that ended in a failure (thrown to the caller). */
  failures: number;
  /** Tokens and dollars of the calls made by this process (hits cost nothing). */
  inputTokens: number;
  outputTokens: number;
  /** Reasoning tokens, a part of outputTokens. */
  reasoningTokens: number;
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
  /** The response cache: a directory, or a cache in any store (openStore(...).responses). */
  cacheDir?: string;
  cache?: ResponseCache;
  /** Claims shared with other workers, so identical calls in flight elsewhere are not paid twice. */
  claims?: CallClaims;
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

/** What decides the completion besides the messages: the part of the request a model accepts. */
interface Sampling {
  reasoning: boolean;
  /** Not sent to a reasoning model (it runs at its default, 1): the key says 1. */
  temperature: number;
  /** `max_tokens`, or a reasoning model's `max_completion_tokens` (reasoning included). */
  maxTokens: number;
  reasoningEffort?: ReasoningEffort;
}

function samplingOf(spec: ModelSpec, request: ChatRequest): Sampling {
  if (!spec.reasoning) {
    return { reasoning: false, temperature: request.temperature ?? spec.temperature, maxTokens: request.maxTokens ?? spec.maxTokens };
  }
  // A caller's temperature (evaluation configs say 0) is left out: these models refuse anything but the default.
  return { reasoning: true, temperature: 1, maxTokens: request.maxTokens ?? spec.maxCompletionTokens ?? spec.maxTokens, reasoningEffort: spec.reasoningEffort };
}

function samplingParams(s: Sampling): { temperature?: number; max_tokens?: number; max_completion_tokens?: number; reasoning_effort?: ReasoningEffort } {
  if (!s.reasoning) return { temperature: s.temperature, max_tokens: s.maxTokens };
  return { max_completion_tokens: s.maxTokens, ...(s.reasoningEffort ? { reasoning_effort: s.reasoningEffort } : {}) };
}

/**
 * Tokens from `usage`. OpenAI counts reasoning tokens inside completion_tokens; a server that
 * reports them only apart (completion_tokens smaller than the reasoning) gets them added, so
 * hidden tokens are always billed as output.
 */
export function tokensOf(usage: unknown): { inputTokens: number; outputTokens: number; reasoningTokens: number } {
  const u = (usage ?? {}) as { prompt_tokens?: unknown; completion_tokens?: unknown; completion_tokens_details?: { reasoning_tokens?: unknown } | null };
  const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : 0);
  const inputTokens = num(u.prompt_tokens);
  const completion = num(u.completion_tokens);
  const reasoningTokens = num(u.completion_tokens_details?.reasoning_tokens);
  return { inputTokens, outputTokens: completion < reasoningTokens ? completion + reasoningTokens : completion, reasoningTokens };
}

/** The reasoning text of vLLM/DeepSeek-style servers (`reasoning_content`, newer vLLM `reasoning`). */
function reasoningText(message: unknown): string | undefined {
  const m = (message ?? {}) as { reasoning_content?: unknown; reasoning?: unknown };
  const r = typeof m.reasoning_content === 'string' ? m.reasoning_content : typeof m.reasoning === 'string' ? m.reasoning : undefined;
  return r && r.trim() ? r : undefined;
}

/** The one-line reason of a completion stopped at its token limit, as feedback and in reports. */
export function cutOffReason(maxTokens: number, reasoningTokens: number, empty = false): string {
  const spent = reasoningTokens > 0 ? ` (${reasoningTokens} of them on reasoning)` : '';
  return empty
    ? `no answer: the completion budget of ${maxTokens} output tokens ran out${spent}`
    : `the answer was cut off at ${maxTokens} output tokens${spent}`;
}

export function createGateway(opts: GatewayOptions): LslGateway {
  const { registry } = opts;
  const env = () => opts.env ?? process.env;
  const cache = opts.cache ?? new ResponseCache(opts.cacheDir ?? '.lsl/cache/responses');
  const callerOfProcess = `${os.hostname()}:${process.pid}`;
  let anonymousCalls = 0;
  const limits = new Map<string, Semaphore>();
  const clients = new Map<string, { baseURL: string; apiKey: string; timeoutMs: number; client: OpenAI }>();
  const inflight = new Map<string, Promise<ChatResult>>();
  const usage = new Map<string, ModelUsage>();
  let cacheWriteErrors = 0;

  const usageOf = (spec: ModelSpec): ModelUsage => {
    let u = usage.get(spec.name);
    if (!u) {
      u = { calls: 0, cacheHits: 0, failures: 0, inputTokens: 0, outputTokens: 0, reasoningTokens: 0, usd: 0, priceKnown: priceKnown(spec), usageMissing: 0 };
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
    sampling: Sampling): Promise<ChatResult> {
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
            ...samplingParams(sampling),
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

      const fail = (type: ModelErrorType, message: string, nonRetryable = false, spent?: SpentOnFailure) => {
        u.failures++;
        return modelFailure(type, message, { model: spec.name, secrets, nonRetryable, spent });
      };
      const choice = typeof completion === 'object' && completion && Array.isArray(completion.choices) ? completion.choices[0] : undefined;
      if (!choice) throw fail(ModelErrorTypes.invalidResponse, 'the response is not a chat completion (no choices)');
      const finishReason = choice.finish_reason ?? 'unknown';
      const text = choice.message?.content ?? '';
      const { inputTokens, outputTokens, reasoningTokens } = tokensOf(completion.usage);
      if (!completion.usage) u.usageMissing++;
      // A refused or empty completion was still paid for: count it before refusing it.
      const usd = costUsd(spec, inputTokens, outputTokens);
      u.inputTokens += inputTokens;
      u.outputTokens += outputTokens;
      u.reasoningTokens += reasoningTokens;
      u.usd += usd;
      const spent: SpentOnFailure = { inputTokens, outputTokens, reasoningTokens, usd };
      if (finishReason === 'content_filter') {
        throw fail(ModelErrorTypes.contentFiltered, 'the provider withheld the completion (content filter)', true, spent);
      }
      // The same request gets the same empty answer again: a refusal of this example, not a retry.
      if (!text.trim()) {
        if (finishReason === 'length') throw fail(ModelErrorTypes.cutOff, cutOffReason(sampling.maxTokens, reasoningTokens, true), true, spent);
        throw fail(ModelErrorTypes.empty, `empty completion (finish_reason ${finishReason})`, true, spent);
      }
      const reasoning = reasoningText(choice.message);

      const result: ChatResult = {
        text, finishReason, inputTokens, outputTokens, usd, cached: false, key, latencyMs,
        ...(reasoningTokens ? { reasoningTokens } : {}),
        ...(reasoning ? { reasoning } : {}),
        ...(finishReason === 'length' ? { cutOff: cutOffReason(sampling.maxTokens, reasoningTokens) } : {}),
      };
      // A completion cut at maxTokens is returned with its `cutOff` reason (the rollout records it
      // as a refusal, the reflection as truncated) and kept like any answer: maxTokens is part of
      // the key, so asking again would buy the same cut-off, and a rerun must reproduce it for free.
      {
        const entry: CachedResponse = {
          version: 1, key, model: spec.name, endpointModel, sampleIndex: request.sampleIndex,
          text, finishReason, inputTokens, outputTokens, usd, latencyMs,
          ...(reasoningTokens ? { reasoningTokens } : {}),
          ...(reasoning ? { reasoning } : {}),
        };
        try {
          await cache.put(entry);
        } catch (err) {
          cacheWriteErrors++;
          if (cacheWriteErrors === 1) {
            process.stderr.write(`lsl: cannot write the response cache in ${cache.location}: ${(err as Error).message}\n`);
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
    const sampling = samplingOf(spec, request);
    const key = responseCacheKey({
      model, endpointModel, messages: request.messages, temperature: sampling.temperature, maxTokens: sampling.maxTokens,
      sampleIndex: request.sampleIndex, reasoningEffort: sampling.reasoningEffort,
      scope: request.cacheScope,
    });

    const started = performance.now();
    const fromCache = (hit: CachedResponse): ChatResult => {
      usageOf(spec).cacheHits++;
      return {
        text: hit.text, finishReason: hit.finishReason, inputTokens: hit.inputTokens, outputTokens: hit.outputTokens,
        usd: 0, cached: true, key, latencyMs: Math.round(performance.now() - started),
        ...(hit.reasoningTokens ? { reasoningTokens: hit.reasoningTokens } : {}),
        ...(hit.reasoning ? { reasoning: hit.reasoning } : {}),
        ...(hit.finishReason === 'length' ? { cutOff: cutOffReason(sampling.maxTokens, hit.reasoningTokens ?? 0) } : {}),
      };
    };
    const hit = await cache.get(key);
    if (hit) return fromCache(hit);
    // The same request already on its way in this process: share its answer instead of paying twice.
    const pending = inflight.get(key);
    if (pending) {
      const r = await pending;
      usageOf(spec).cacheHits++;
      return { ...r, usd: 0, cached: true, redone: undefined, latencyMs: Math.round(performance.now() - started) };
    }
    const call = (async (): Promise<ChatResult> => {
      if (!opts.claims) return callEndpoint(spec, endpointModel, baseURL, request, key, sampling);
      // Another worker may be making this very call: wait for its answer rather than pay twice.
      const caller = request.caller ?? { id: `${callerOfProcess}:${++anonymousCalls}`, attempt: 1 };
      let answer: CachedResponse | undefined;
      const claim = await opts.claims.acquire(key, caller, async () => !!(answer = await cache.get(key)));
      if (claim.kind === 'answered') return fromCache(answer!);
      let mayHavePaid = false;
      try {
        const r = await callEndpoint(spec, endpointModel, baseURL, request, key, sampling);
        return claim.tookOver ? { ...r, redone: true } : r;
      } catch (err) {
        mayHavePaid = reachedModelUnanswered(err);
        throw err;
      } finally {
        await claim.release({ mayHavePaid });
      }
    })();
    inflight.set(key, call);
    try {
      return await call;
    } finally {
      inflight.delete(key);
    }
  }

  function stats(): GatewayStats {
    const models: Record<string, ModelUsage> = {};
    const total = { calls: 0, cacheHits: 0, failures: 0, inputTokens: 0, outputTokens: 0, reasoningTokens: 0, usd: 0, priceKnown: true, usageMissing: 0 };
    for (const [name, u] of [...usage.entries()].sort(([a], [b]) => a.localeCompare(b))) {
      models[name] = { ...u };
      total.calls += u.calls;
      total.cacheHits += u.cacheHits;
      total.failures += u.failures;
      total.inputTokens += u.inputTokens;
      total.outputTokens += u.outputTokens;
      total.reasoningTokens += u.reasoningTokens;
      total.usd += u.usd;
      total.usageMissing += u.usageMissing;
      total.priceKnown &&= u.priceKnown;
    }
    return { models, total, cacheWriteErrors };
  }

  return { models: () => registry.names(), chat, stats };
}
