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
