/**
 * Token counts with a real BPE tokenizer (o200k_base, the GPT-4o/4.1 family's), so usage and
 * the dollars derived from it look like a real endpoint's. Chat framing follows OpenAI's
 * published counting recipe: 3 tokens per message, 1 per name, 3 to prime the reply.
 */
import { Tiktoken, type TiktokenBPE } from 'js-tiktoken/lite';

let encoder: Tiktoken | null = null;

/** The shared encoder, built on first use (loading the ranks takes about a second). */
export function tokenizer(): Tiktoken {
  if (!encoder) {
    // A require: the ranks subpath is only reachable through package exports, which the TS resolver here does not read.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const ranks = require('js-tiktoken/ranks/o200k_base') as TiktokenBPE;
    encoder = new Tiktoken(ranks);
  }
  return encoder;
}

export function countTokens(text: string): number {
  return text ? tokenizer().encode(text).length : 0;
}

export const TOKENS_PER_MESSAGE = 3;
export const TOKENS_PER_NAME = 1;
export const REPLY_PRIMING_TOKENS = 3;

export interface CountedMessage {
  role: string;
  content: string;
  name?: string;
}

/** Prompt tokens of a chat request. */
export function countPromptTokens(messages: readonly CountedMessage[]): number {
  let n = REPLY_PRIMING_TOKENS;
  for (const m of messages) {
    n += TOKENS_PER_MESSAGE + countTokens(m.role) + countTokens(m.content);
    if (m.name) n += TOKENS_PER_NAME + countTokens(m.name);
  }
  return n;
}

/** The first `max` tokens of `text` (for `max_tokens` cut-offs). */
export function truncateToTokens(text: string, max: number): string {
  const enc = tokenizer();
  const ids = enc.encode(text);
  return ids.length <= max ? text : enc.decode(ids.slice(0, Math.max(0, max)));
}
