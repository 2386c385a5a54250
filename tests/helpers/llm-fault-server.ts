/**
 * A tiny OpenAI-shaped chat-completions server (node `http`, port 0) for the gateway's tests. It
 * answers completions and, when told, misbehaves the ways real endpoints do: error statuses with
 * headers, hangs, dropped connections, truncated bodies, empty completions. It records every
 * request and the most requests it ever had in flight at once.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export type Fault =
  /** A normal completion. Default text echoes the seed and the model id. */
  | {
    kind: 'ok'; text?: string; finishReason?: string; promptTokens?: number; completionTokens?: number; delayMs?: number; noUsage?: boolean;
    /** Reported in usage.completion_tokens_details, as OpenAI's reasoning models do. */
    reasoningTokens?: number;
    /** Sent as message.reasoning_content, as vLLM and DeepSeek do. */
    reasoningContent?: string;
  }
  /** An error status with an OpenAI-style error body (or `body` as given). */
  | { kind: 'status'; status: number; message?: string; code?: string; body?: unknown; headers?: Record<string, string> }
  /** Never answers. */
  | { kind: 'hang' }
  /** Sends the headers and half the body, then stalls. */
  | { kind: 'stall-body' }
  /** Closes the connection without answering. */
  | { kind: 'drop' }
  /** Announces a Content-Length, sends half of it, closes the connection. */
  | { kind: 'truncate' }
  /** A 200 whose JSON is cut short, with the connection ending cleanly. */
  | { kind: 'bad-json' }
  /** A completion whose content is empty. */
  | { kind: 'empty' }
  /** A 200 of valid JSON that is not a completion. */
  | { kind: 'not-completion' };

export interface RecordedRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: any;
}

export interface FaultServer {
  /** Base URL to use as the spec's baseUrl (ends in /v1). */
  url: string;
  origin: string;
  requests: RecordedRequest[];
  /** The most completion requests in flight at the same time. */
  maxInFlight: number;
  /** Queues behaviours for the next requests, in order; afterwards the default applies. */
  next(...faults: Fault[]): void;
  setDefault(fault: Fault): void;
  reset(): void;
  close(): Promise<void>;
}

function completionBody(body: any, fault: Extract<Fault, { kind: 'ok' }> | { kind: 'empty' }) {
  const text = fault.kind === 'empty' ? '' : fault.text ?? `echo seed=${body?.seed} model=${body?.model}`;
  const promptChars = Array.isArray(body?.messages) ? body.messages.reduce((n: number, m: any) => n + String(m.content).length, 0) : 0;
  const ok = fault.kind === 'ok' ? fault : undefined;
  const usage = ok?.noUsage
    ? undefined
    : {
        prompt_tokens: ok?.promptTokens ?? promptChars,
        completion_tokens: ok?.completionTokens ?? text.length,
        total_tokens: (ok?.promptTokens ?? promptChars) + (ok?.completionTokens ?? text.length),
        ...(ok?.reasoningTokens !== undefined ? { completion_tokens_details: { reasoning_tokens: ok.reasoningTokens } } : {}),
      };
  return {
    id: 'chatcmpl-test',
    object: 'chat.completion',
    created: 1_700_000_000,
    model: body?.model ?? 'unknown',
    choices: [{ index: 0, message: { role: 'assistant', content: text, ...(ok?.reasoningContent ? { reasoning_content: ok.reasoningContent } : {}) }, finish_reason: ok?.finishReason ?? 'stop', logprobs: null }],
    ...(usage ? { usage } : {}),
  };
}

export async function startFaultServer(): Promise<FaultServer> {
  const queue: Fault[] = [];
  let fallback: Fault = { kind: 'ok' };
  let inFlight = 0;
  const state = { requests: [] as RecordedRequest[], maxInFlight: 0 };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let body: any = null;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8') || 'null');
      } catch {
        body = Buffer.concat(chunks).toString('utf8');
      }
      state.requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      inFlight++;
      state.maxInFlight = Math.max(state.maxInFlight, inFlight);
      let done = false;
      const finish = () => {
        if (!done) {
          done = true;
          inFlight--;
        }
      };
      res.on('close', finish);
      const fault = queue.shift() ?? fallback;
      const json = (status: number, value: unknown, headers: Record<string, string> = {}) => {
        const text = JSON.stringify(value);
        res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
        res.end(text);
      };
      switch (fault.kind) {
        case 'ok':
          if (fault.delayMs) setTimeout(() => json(200, completionBody(body, fault)), fault.delayMs);
          else json(200, completionBody(body, fault));
          return;
        case 'empty':
          json(200, completionBody(body, fault));
          return;
        case 'status':
          json(
            fault.status,
            fault.body ?? { error: { message: fault.message ?? `status ${fault.status}`, type: 'test_error', code: fault.code ?? null, param: null } },
            fault.headers,
          );
          return;
        case 'hang':
          return;
        case 'stall-body': {
          const text = JSON.stringify(completionBody(body, { kind: 'ok' }));
          res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
          res.write(text.slice(0, Math.floor(text.length / 2)));
          return;
        }
        case 'drop':
          req.socket.destroy();
          return;
        case 'truncate': {
          const text = JSON.stringify(completionBody(body, { kind: 'ok' }));
          res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
          res.write(text.slice(0, Math.floor(text.length / 2)), () => req.socket.destroy());
          return;
        }
        case 'bad-json': {
          const text = JSON.stringify(completionBody(body, { kind: 'ok' }));
          const cut = text.slice(0, Math.floor(text.length / 2));
          res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(cut) });
          res.end(cut);
          return;
        }
        case 'not-completion':
          json(200, { hello: 'world' });
          return;
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;
  return {
    url: `${origin}/v1`,
    origin,
    get requests() {
      return state.requests;
    },
    get maxInFlight() {
      return state.maxInFlight;
    },
    next: (...faults) => void queue.push(...faults),
    setDefault: (fault) => void (fallback = fault),
    reset() {
      queue.length = 0;
      fallback = { kind: 'ok' };
      state.requests = [];
      state.maxInFlight = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
