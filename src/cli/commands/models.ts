/**
 * `lsl models check <name>`: is this registry entry usable? One short call and a second identical
 * one through the gateway (each with an empty response cache, so both reach the server), then
 * what the server says about its models. Prints reachability, latency, the server's token counts
 * beside our tokenizer's estimate, whether the same seed gave the same answer, the price and the
 * context size when the server states it. A problem is one line naming it; the exit code is 1.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import OpenAI from 'openai';
import { expandEnvTemplate } from '../../llm/env-template';
import { ModelErrorTypes } from '../../llm/errors';
import { createGateway } from '../../llm/gateway';
import { priceKnown } from '../../llm/pricing';
import { registryFromSpecs } from '../../llm/registry';
import type { ChatRequest, ChatResult, ModelSpec } from '../../llm/types';
import { countPromptTokens, countTokens } from '../../sim/tokens';
import { printResult, table } from '../progress';
import { checkModels, positiveInt } from '../validate-input';

const PROBE: ChatRequest = {
  messages: [{ role: 'user', content: 'Reply with one word: ready' }],
  temperature: 0,
  maxTokens: 16,
  sampleIndex: 0,
};

/** What each kind of failure is called in the problem line. */
const PROBLEM_OF: Record<string, string> = {
  [ModelErrorTypes.connection]: 'unreachable',
  [ModelErrorTypes.timeout]: 'unreachable',
  [ModelErrorTypes.auth]: 'authentication',
  [ModelErrorTypes.permission]: 'authentication',
  [ModelErrorTypes.missingKey]: 'authentication',
  [ModelErrorTypes.notFound]: 'model not found',
  [ModelErrorTypes.config]: 'configuration',
};

export interface ModelCheck {
  name: string;
  baseUrl: string;
  model: string;
  reachable: boolean;
  latencyMs: number[];
  answer?: string;
  sameAnswerSameSeed?: boolean;
  serverTokens?: { input: number; output: number };
  estimatedTokens?: { input: number; output: number; tokenizer: 'o200k_base' };
  price: { inputPerM: number | null; outputPerM: number | null; known: boolean };
  /** Context length when the server's model list states one. */
  contextLength: number | null;
  /** One line each; empty when the model is fit to use. */
  problems: string[];
}

function problemLine(err: unknown): string {
  if (err instanceof ApplicationFailure) return `${PROBLEM_OF[err.type ?? ''] ?? 'call failed'}: ${err.message}`;
  return `call failed: ${(err as Error).message}`;
}

/** One call with a cache of its own, so it always reaches the server. */
async function probe(spec: ModelSpec, dir: string): Promise<{ result: ChatResult; usageMissing: boolean }> {
  const gateway = createGateway({ registry: registryFromSpecs([spec]), cacheDir: fs.mkdtempSync(path.join(dir, 'call-')) });
  const result = await gateway.chat(spec.name, PROBE);
  return { result, usageMissing: gateway.stats().total.usageMissing > 0 };
}

/** The context length from the server's model list (vLLM, llama.cpp's own server and others state it under different names). */
function contextOf(entry: Record<string, unknown> | undefined): number | null {
  if (!entry) return null;
  const meta = (entry.meta ?? {}) as Record<string, unknown>;
  for (const v of [entry.max_model_len, entry.context_length, entry.context_window, meta.n_ctx, meta.n_ctx_train]) {
    if (typeof v === 'number' && v > 0) return v;
  }
  return null;
}

export async function checkModel(spec: ModelSpec, env: NodeJS.ProcessEnv = process.env): Promise<ModelCheck> {
  const check: ModelCheck = {
    name: spec.name, baseUrl: spec.baseUrl, model: spec.model, reachable: false, latencyMs: [],
    price: { inputPerM: spec.priceInputPerM ?? null, outputPerM: spec.priceOutputPerM ?? null, known: priceKnown(spec) },
    contextLength: null, problems: [],
  };
  try {
    check.baseUrl = expandEnvTemplate(spec.baseUrl, env);
    check.model = expandEnvTemplate(spec.model, env);
  } catch (err) {
    check.problems.push(`configuration: ${(err as Error).message}`);
    return check;
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lsl-models-check-'));
  try {
    const first = await probe(spec, dir);
    check.reachable = true;
    const second = await probe(spec, dir);
    check.latencyMs = [first.result.latencyMs, second.result.latencyMs];
    check.answer = first.result.text;
    check.sameAnswerSameSeed = first.result.text === second.result.text;
    check.serverTokens = { input: first.result.inputTokens, output: first.result.outputTokens };
    check.estimatedTokens = { input: countPromptTokens(PROBE.messages), output: countTokens(first.result.text), tokenizer: 'o200k_base' };
    if (first.usageMissing || second.usageMissing) check.problems.push('usage missing: the server\'s responses carry no token usage (tokens would count as 0)');
  } catch (err) {
    check.problems.push(problemLine(err));
    return check;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  // The server's model list: the context size, and whether it serves the id we send at all.
  try {
    const apiKey = spec.apiKeyEnv ? env[spec.apiKeyEnv] ?? '' : 'no-key-needed';
    const client = new OpenAI({ baseURL: check.baseUrl, apiKey, maxRetries: 0, timeout: Math.min(spec.timeoutMs, 30_000) });
    const listed = (await client.models.list()).data as unknown as Array<Record<string, unknown>>;
    const entry = listed.find((m) => m.id === check.model);
    check.contextLength = contextOf(entry);
    if (listed.length && !entry) {
      check.problems.push(`model not found: the server lists ${listed.map((m) => String(m.id)).join(', ')}, not '${check.model}' (it answered with one of those)`);
    }
  } catch {
    // Not every server lists its models; the calls above already showed that this one answers.
  }
  return check;
}

export async function modelsCheckCommand(name: string, flags: { json?: boolean; timeout?: string }): Promise<void> {
  const [registered] = checkModels([name]);
  const timeoutMs = positiveInt('--timeout', flags.timeout) ?? Math.min(registered.timeoutMs, 60_000);
  const check = await checkModel({ ...registered, timeoutMs });
  if (!check.reachable) {
    // Nothing more to say than the problem itself: one line.
    if (flags.json) process.stdout.write(JSON.stringify(check) + '\n');
    process.stderr.write(`lsl: models check ${name}: ${check.problems[0]}\n`);
    process.exitCode = 1;
    return;
  }
  const price = check.price.known ? `$${check.price.inputPerM}/M in, $${check.price.outputPerM}/M out (known)` : 'unknown (dollar budgets are refused)';
  const out = table([
    ['model', `${check.name} -> ${check.model} at ${check.baseUrl}`],
    ['reachable', `yes, latency ${check.latencyMs.map((ms) => `${ms} ms`).join(' then ')}`],
    ['tokens (server)', `${check.serverTokens!.input} in, ${check.serverTokens!.output} out`],
    ['tokens (our estimate)', `${check.estimatedTokens!.input} in, ${check.estimatedTokens!.output} out (${check.estimatedTokens!.tokenizer})`],
    ['same seed, same answer', check.sameAnswerSameSeed ? 'yes' : 'no (the server does not honour the seed at temperature 0)'],
    ['answer', JSON.stringify(check.answer)],
    ['price', price],
    ['context', check.contextLength ? `${check.contextLength} tokens` : 'not stated by the server'],
  ]);
  printResult(out, check, flags.json);
  for (const p of check.problems) process.stderr.write(`lsl: models check ${name}: ${p}\n`);
  if (check.problems.length) process.exitCode = 1;
}
