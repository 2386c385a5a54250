/** Contracts of the model gateway, shared by activities, the CLI and the ledger. */
import type { ChatMessage } from '../tasks/types';

export interface ChatRequest {
  messages: ChatMessage[];
  /** Overrides the registry's temperature for this call. */
  temperature?: number;
  maxTokens?: number;
  /** Distinguishes repeated samples of the same prompt (pass@k); part of the cache key. */
  sampleIndex: number;
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
}
