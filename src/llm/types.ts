/** Contracts of the model gateway, shared by activities, the CLI and the ledger. */
import type { ChatMessage } from '../tasks/types';

export interface ChatRequest {
  messages: ChatMessage[];
  /** Overrides the registry's temperature for this call. */
  temperature?: number;
  maxTokens?: number;
  /** Distinguishes repeated samples of the same prompt (pass@k); part of the cache key. */
  sampleIndex: number;
  /** Separates this run's cache entries from other runs' (scheduled re-runs call the models afresh); part of the cache key. */
  cacheScope?: string;
  /**
   * Who asks (an activity: `<workflowId>/<activityId>` and its attempt); not part of the cache
   * key. Lets a retried attempt take over the call claim of its own lost attempt at once.
   */
  caller?: { id: string; attempt: number };
}

export interface ChatResult {
  text: string;
  finishReason: string;
  inputTokens: number;
  outputTokens: number;
  usd: number;
  /** True when served from the on-disk response cache (no call was made, nothing was paid). */
  cached: boolean;
  /** The cache key (sha256 hex), usable as a stable id of this response. */
  key: string;
  latencyMs: number;
  /** Hidden reasoning tokens (already inside outputTokens, billed as output). */
  reasoningTokens?: number;
  /** Reasoning text some servers return (vLLM, DeepSeek: `reasoning_content`): kept, never graded. */
  reasoning?: string;
  /** Set when the completion stopped at the token limit: why it is not a whole answer (one line). */
  cutOff?: string;
  /**
   * True when this call was paid after a claim on the same request that may have been paid too:
   * one given up as dead (a worker lost mid-call), the caller's own earlier attempt, or one whose
   * call failed after reaching the server (a timeout). That is re-done work.
   */
  redone?: boolean;
}

export interface ModelGateway {
  /** Known model names. */
  models(): string[];
  /** Calls the model (or the cache). Throws ApplicationFailure with a typed `type` on errors. */
  chat(model: string, request: ChatRequest): Promise<ChatResult>;
}

/**
 * One entry of the model registry (validated with zod in src/llm/registry.ts). Holds the NAME of
 * the environment variable with the API key, never a key.
 */
export interface ModelSpec {
  /** Registry name used in configs and on the CLI, e.g. `sim-large`, `gpt-4.1-mini`. */
  name: string;
  provider: 'openai' | 'openai-compatible' | 'sim';
  /** OpenAI-compatible base URL; `${VAR}` / `${VAR:-default}` placeholders are expanded from the worker's environment. */
  baseUrl: string;
  /** The model id sent to the endpoint. */
  model: string;
  /** Name of the environment variable holding the API key; absent for keyless local servers. */
  apiKeyEnv?: string;
  temperature: number;
  maxTokens: number;
  /** USD per million tokens; absent when unknown (then dollar budgets are refused). */
  priceInputPerM?: number;
  priceOutputPerM?: number;
  /** Most calls in flight at once from one worker. */
  concurrency: number;
  /** Client timeout per call. */
  timeoutMs: number;
  /** True for the simulator's profiles: reports say so. */
  simulated: boolean;
  /**
   * A reasoning model (OpenAI o-series, gpt-5): the gateway sends `max_completion_tokens` and
   * `reasoning_effort` and never `max_tokens` or `temperature`, which these models refuse.
   */
  reasoning?: boolean;
  reasoningEffort?: ReasoningEffort;
  /** Completion budget of a reasoning model, reasoning tokens included (default: maxTokens). */
  maxCompletionTokens?: number;
  /** Requests per minute allowed by the provider, for all workers together (the model's own task queue's rate). */
  rpm?: number;
  /** Tokens per minute: refused at load (a task queue's rate limit counts calls, not tokens). */
  tpm?: number;
  /** How long an unreachable endpoint is waited for before the run blocks (default 24 h). */
  outageLimitMinutes?: number;
}

export const REASONING_EFFORTS = ['none', 'minimal', 'low', 'medium', 'high', 'xhigh'] as const;
export type ReasoningEffort = (typeof REASONING_EFFORTS)[number];
