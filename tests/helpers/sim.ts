/**
 * The one way tests start the model simulator: a real server on a free port, closed after the
 * test, and a real `openai` client pointed at it with SDK retries off (as the gateway runs it).
 */
import OpenAI from 'openai';
import { startSimulator, type RunningSimulator, type SimOptions } from '../../src/sim';

/** Starts a simulator on port 0. Indexes only GSM8K unless `tasks` says otherwise (start-up stays fast). */
export function startTestSimulator(opts: SimOptions = {}): Promise<RunningSimulator> {
  return startSimulator({ tasks: ['gsm8k'], ...opts, port: 0, host: '127.0.0.1' });
}

/** Runs `fn` against a fresh simulator and always closes it. */
export async function withSimulator<T>(opts: SimOptions, fn: (sim: RunningSimulator) => Promise<T>): Promise<T> {
  const sim = await startTestSimulator(opts);
  try {
    return await fn(sim);
  } finally {
    await sim.close();
  }
}

/** An OpenAI client for the simulator: no SDK retries, a short timeout. */
export function simClient(sim: RunningSimulator, opts: { timeoutMs?: number } = {}): OpenAI {
  return new OpenAI({ baseURL: `${sim.url}/v1`, apiKey: 'sim-test-key', maxRetries: 0, timeout: opts.timeoutMs ?? 15_000 });
}

/** One chat call's text (temperature 0 unless given). */
export async function ask(
  client: OpenAI,
  model: string,
  messages: { role: 'system' | 'user' | 'assistant'; content: string }[],
  extra: { temperature?: number; seed?: number; max_tokens?: number } = {},
): Promise<string> {
  const r = await client.chat.completions.create({ model, messages, temperature: 0, ...extra });
  return r.choices[0].message.content ?? '';
}
