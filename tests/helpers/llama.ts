/**
 * The real model of the suite: llama.cpp's OpenAI-compatible server (llama-cpp-python) serving
 * SmolLM2-135M-Instruct, started ONCE per suite in global setup on a free port (or the user's own
 * server, LSL_LLAMA_BASE_URL), and reached through the shipped `local-llama` registry entry.
 * Tests that kill a server start their own with `startLlamaServer`. A counting proxy in front of
 * a server counts the calls that reach it and sums the `usage` it reports.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import type net from 'node:net';
import { findLlama, NO_LLAMA_HELP, type LlamaInstall } from '../../src/llm/llama-provision';
import { freePort } from '../../src/cli/session';
import type { EnvPatch } from './cli';

export const LLAMA_MODEL_ID = 'smollm2-135m';
/** The registry entry every real-model test uses (models.default.yaml). */
export const LLAMA_ENTRY = 'local-llama';

export interface LlamaServer {
  /** OpenAI base URL, ending in /v1. */
  baseUrl: string;
  modelId: string;
  port: number;
  pid(): number | undefined;
  /** Everything the server printed so far. */
  output(): string;
  /** Sends `signal` (default SIGTERM) and waits for the exit. */
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** Starts it again on the same port (after stop) and waits until it answers. */
  restart(): Promise<void>;
}

export interface LlamaServerOptions {
  install?: LlamaInstall;
  port?: number;
  modelId?: string;
  nCtx?: number;
  /** ggml threads (default 1: on a busy machine, spinning threads starve each other and a call gets ~20x slower). */
  threads?: number;
  log?: (line: string) => void;
}

/** The provisioned server and model, or an error naming how to get them. */
export function requireLlama(): LlamaInstall {
  const found = findLlama();
  if (!found) throw new Error(NO_LLAMA_HELP);
  return found;
}

async function waitUntilServing(baseUrl: string, child: ChildProcess, out: () => string, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`llama.cpp server exited (${child.exitCode ?? child.signalCode}) before serving:\n${out().slice(-2000)}`);
    }
    try {
      const r = await fetch(`${baseUrl}/models`);
      if (r.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`llama.cpp server at ${baseUrl} did not answer /v1/models within ${timeoutMs} ms:\n${out().slice(-2000)}`);
}

/** Starts `python -m llama_cpp.server` on 127.0.0.1 and resolves once /v1/models answers. */
export async function startLlamaServer(opts: LlamaServerOptions = {}): Promise<LlamaServer> {
  const install = opts.install ?? requireLlama();
  const port = opts.port ?? (await freePort());
  const modelId = opts.modelId ?? LLAMA_MODEL_ID;
  const baseUrl = `http://127.0.0.1:${port}/v1`;
  const args = [
    '-m', 'llama_cpp.server', '--model', install.model, '--model_alias', modelId,
    '--host', '127.0.0.1', '--port', String(port), '--n_ctx', String(opts.nCtx ?? 4096),
    '--n_threads', String(opts.threads ?? 1), '--n_threads_batch', String(opts.threads ?? 1), '--verbose', 'False', '--seed', '0',
  ];
  let child: ChildProcess;
  let out = '';
  const launch = async () => {
    out = '';
    child = spawn(install.python, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PYTHONUNBUFFERED: '1' } });
    const onData = (d: Buffer) => {
      out += d.toString();
      if (out.length > 200_000) out = out.slice(-100_000);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    await waitUntilServing(baseUrl, child, () => out, 120_000);
    opts.log?.(`llama.cpp server ${baseUrl} (pid ${child.pid}, model ${install.model} as ${modelId})`);
  };
  const stop = async (signal: NodeJS.Signals = 'SIGTERM') => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    await exited;
  };
  try {
    await launch();
  } catch (err) {
    await stop('SIGKILL');
    throw err;
  }
  return { baseUrl, modelId, port, pid: () => child.pid, output: () => out, stop, restart: launch };
}

declare global {
  var __lslLlama: LlamaServer | undefined;
}

/**
 * Global setup's part: the suite's llama.cpp server, announced to test files through
 * LSL_TEST_LLAMA_BASE_URL / LSL_TEST_LLAMA_MODEL_ID. With LSL_LLAMA_BASE_URL the user's server is used.
 */
export async function startSuiteLlama(): Promise<void> {
  if (process.env.LSL_LLAMA_BASE_URL) {
    process.env.LSL_TEST_LLAMA_BASE_URL = process.env.LSL_LLAMA_BASE_URL;
    process.env.LSL_TEST_LLAMA_MODEL_ID = process.env.LSL_LLAMA_MODEL_ID ?? LLAMA_MODEL_ID;
    return;
  }
  const server = await startLlamaServer({ log: (l) => process.stderr.write(`[llama] ${l}\n`) });
  globalThis.__lslLlama = server;
  process.env.LSL_TEST_LLAMA_BASE_URL = server.baseUrl;
  process.env.LSL_TEST_LLAMA_MODEL_ID = server.modelId;
}

export async function stopSuiteLlama(): Promise<void> {
  await globalThis.__lslLlama?.stop();
}

/** The suite's server in a test file: its URL, model id, and the env that points `local-llama` at it. */
export function suiteLlama(): { baseUrl: string; modelId: string; env: EnvPatch } {
  const baseUrl = process.env.LSL_TEST_LLAMA_BASE_URL;
  const modelId = process.env.LSL_TEST_LLAMA_MODEL_ID ?? LLAMA_MODEL_ID;
  if (!baseUrl) throw new Error(`this test needs the suite's llama.cpp server (not started: LSL_TEST_NO_TEMPORAL=1?). ${NO_LLAMA_HELP}`);
  return { baseUrl, modelId, env: llamaEnv(baseUrl, modelId) };
}

/** The environment that points the shipped `local-llama` entry at `baseUrl`. */
export function llamaEnv(baseUrl: string, modelId = LLAMA_MODEL_ID): EnvPatch {
  return { LSL_LLAMA_BASE_URL: baseUrl, LSL_LLAMA_MODEL_ID: modelId };
}

export interface ProxyStats {
  /** Chat calls that reached the proxy. */
  attempted: number;
  /** Chat calls the server answered with 200. */
  completed: number;
  /** Sums of the `usage` the server reported on completed calls. */
  promptTokens: number;
  completionTokens: number;
  /** Completed calls without `usage`. */
  usageMissing: number;
}

export interface CountingProxy {
  baseUrl: string;
  stats(): ProxyStats;
  close(): Promise<void>;
}

/**
 * An HTTP proxy in front of `targetBaseUrl` counting chat calls and summing the server's usage.
 * When the server is down or dies mid-call, the client's connection is cut (as if it had talked
 * to the server directly), never answered by the proxy.
 */
export async function startCountingProxy(targetBaseUrl: string): Promise<CountingProxy> {
  const target = new URL(targetBaseUrl);
  const stats: ProxyStats = { attempted: 0, completed: 0, promptTokens: 0, completionTokens: 0, usageMissing: 0 };
  const sockets = new Set<net.Socket>();
  const server = http.createServer((req, res) => {
    const isChat = req.method === 'POST' && (req.url ?? '').endsWith('/chat/completions');
    if (isChat) stats.attempted++;
    const upstream = http.request(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
      (up) => {
        const chunks: Buffer[] = [];
        up.on('data', (c: Buffer) => chunks.push(c));
        up.on('error', () => req.socket.destroy());
        up.on('end', () => {
          const body = Buffer.concat(chunks);
          if (isChat && up.statusCode === 200) {
            stats.completed++;
            try {
              const usage = JSON.parse(body.toString()).usage;
              if (usage) {
                stats.promptTokens += Number(usage.prompt_tokens ?? 0);
                stats.completionTokens += Number(usage.completion_tokens ?? 0);
              } else stats.usageMissing++;
            } catch {
              stats.usageMissing++;
            }
          }
          res.writeHead(up.statusCode ?? 502, up.headers);
          res.end(body);
        });
        // A server killed mid-body: cut the client off the same way.
        up.on('aborted', () => req.socket.destroy());
      },
    );
    upstream.on('error', () => req.socket.destroy());
    req.pipe(upstream);
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    baseUrl: `http://127.0.0.1:${port}${target.pathname.replace(/\/$/, '')}`,
    stats: () => ({ ...stats }),
    close: () => new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }),
  };
}
