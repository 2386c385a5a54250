/**
 * The simulator's HTTP server: OpenAI's Chat Completions protocol over node's `http`, with the
 * simulated world behind it and seeded faults in front of it. Every answer depends only on the
 * request (and the world seed), so reruns, caches and replays agree.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { hash32, uniformFromKey } from '../core/random';
import { datasetsDir as defaultDatasetsDir } from '../paths';
import { FaultPlanner, parseFaultConfig, type AccountFaultKind, type FaultConfig } from './faults';
import { availableTasks, buildInstanceIndex, type ExtraExamples, type InstanceIndex } from './instances';
import { resolveProfiles, SIM_EFFORTS, type SimEffort, type SimProfile, type SimProfileOverride } from './profiles';
import { answerEvolution, parseEvolution } from './evolution';
import { answerMerge, answerReflection, parseMerge, parseReflection } from './reflection';
import { StatsBook, type CallKind, type SimStats } from './stats';
import { answerTask, type ModelContext } from './task-call';
import { answerTeaching, isTeachingRequest } from './teaching';
import { countPromptTokens, countTokens, tokenizer, truncateToTokens } from './tokens';

export const DEFAULT_SIM_PORT = 8787;

export interface SimOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  host?: string;
  datasetsDir?: string;
  /** Task names to index (default: every registered task whose module and files exist). */
  tasks?: string[];
  /** Examples to index besides the tasks' (a JSONL task the registry does not know, or tests). */
  extraExamples?: ExtraExamples[];
  worldSeed?: number | string;
  /** Overrides or additions by profile name, merged over the built-in profiles. */
  profiles?: Record<string, SimProfileOverride>;
  faults?: FaultConfig;
  /** Latency for every profile: a mean in ms, or mean and jitter. */
  latencyMs?: number | { mean: number; jitter?: number };
}

export interface RunningSimulator {
  /** `http://HOST:PORT`; the OpenAI base URL is `${url}/v1`. */
  url: string;
  close(): Promise<void>;
  stats(): SimStats;
  /** Zeroes the stats and the fault schedule's call counts. */
  reset(): void;
  /** Replaces the fault config (the schedule counts calls from now). Throws on an invalid config. */
  setFaults(faults: FaultConfig): void;
  /** Names of the served models. */
  models(): string[];
}

/** An error in OpenAI's JSON shape. */
class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly type: string,
    readonly code: string | null = null,
    readonly param: string | null = null,
  ) {
    super(message);
  }
}

interface ChatMessageIn {
  role: string;
  content: string;
  name?: string;
}

interface ChatBody {
  model: string;
  messages: ChatMessageIn[];
  n: number;
  temperature: number;
  seed: number;
  maxTokens: number | null;
  /** What was sent, for the checks of reasoning profiles. */
  sent: { maxTokens: boolean; temperature?: number; reasoningEffort?: string };
  stream: boolean;
  includeUsage: boolean;
  responseFormat: { type: 'text' } | { type: 'json_object' } | { type: 'json_schema'; schema: unknown };
}

const ROLES = new Set(['system', 'developer', 'user', 'assistant', 'tool']);
const MAX_BODY_BYTES = 32 * 1024 * 1024;

function contentText(content: unknown, where: string): string {
  if (content === null || content === undefined) return '';
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content.map((part, i) => {
      if (part && typeof part === 'object' && (part as { type?: unknown }).type === 'text' && typeof (part as { text?: unknown }).text === 'string') return (part as { text: string }).text;
      throw new ApiError(400, `${where}[${i}]: only text content parts are supported by the simulator`, 'invalid_request_error', null, where);
    }).join('\n');
  }
  throw new ApiError(400, `${where}: expected a string or an array of content parts`, 'invalid_request_error', null, where);
}

function parseChatBody(raw: unknown): ChatBody {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new ApiError(400, 'request body must be a JSON object', 'invalid_request_error');
  const b = raw as Record<string, unknown>;
  if (typeof b.model !== 'string' || !b.model) throw new ApiError(400, 'you must provide a model parameter', 'invalid_request_error', null, 'model');
  if (!Array.isArray(b.messages) || b.messages.length === 0) throw new ApiError(400, "'messages' must be a non-empty array", 'invalid_request_error', null, 'messages');
  const messages = b.messages.map((m, i): ChatMessageIn => {
    if (!m || typeof m !== 'object') throw new ApiError(400, `messages[${i}] must be an object`, 'invalid_request_error', null, `messages[${i}]`);
    const { role, content, name } = m as Record<string, unknown>;
    if (typeof role !== 'string' || !ROLES.has(role)) throw new ApiError(400, `messages[${i}].role must be one of ${[...ROLES].join(', ')}`, 'invalid_request_error', null, `messages[${i}].role`);
    return { role, content: contentText(content, `messages[${i}].content`), ...(typeof name === 'string' ? { name } : {}) };
  });
  const num = (key: string, lo: number, hi: number, int: boolean): number | undefined => {
    const v = b[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < lo || v > hi || (int && !Number.isInteger(v))) {
      throw new ApiError(400, `'${key}' must be ${int ? 'an integer' : 'a number'} in [${lo}, ${hi}], got ${JSON.stringify(v)}`, 'invalid_request_error', null, key);
    }
    return v;
  };
  const rf = b.response_format as Record<string, unknown> | undefined;
  let responseFormat: ChatBody['responseFormat'] = { type: 'text' };
  if (rf && typeof rf === 'object') {
    if (rf.type === 'json_object') responseFormat = { type: 'json_object' };
    else if (rf.type === 'json_schema') responseFormat = { type: 'json_schema', schema: (rf.json_schema as { schema?: unknown } | undefined)?.schema };
    else if (rf.type !== 'text') throw new ApiError(400, `response_format.type must be text, json_object or json_schema`, 'invalid_request_error', null, 'response_format.type');
  }
  const streamOptions = b.stream_options as { include_usage?: unknown } | undefined;
  return {
    model: b.model,
    messages,
    n: num('n', 1, 16, true) ?? 1,
    temperature: num('temperature', 0, 2, false) ?? 1,
    seed: num('seed', -Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, true) ?? 0,
    maxTokens: num('max_completion_tokens', 1, 1e9, true) ?? num('max_tokens', 1, 1e9, true) ?? null,
    sent: {
      maxTokens: b.max_tokens !== undefined && b.max_tokens !== null,
      temperature: num('temperature', 0, 2, false),
      reasoningEffort: typeof b.reasoning_effort === 'string' ? b.reasoning_effort : undefined,
    },
    stream: b.stream === true,
    includeUsage: streamOptions?.include_usage === true,
    responseFormat,
  };
}

/** Text of one reply plus the fields a JSON-mode reply is built from. */
interface Reply {
  text: string;
  answer?: string;
  instruction?: string;
}

/** A JSON-mode reply: the schema's properties filled by name (answer, instruction, reasoning). */
function jsonReply(format: ChatBody['responseFormat'], reply: Reply): string {
  const value = (name: string, type: unknown): unknown => {
    const n = name.toLowerCase();
    const text = /instruction|prompt/.test(n) ? reply.instruction ?? reply.text : /answer|final|result|solution|code/.test(n) ? reply.answer ?? reply.text : reply.text;
    if (type === 'number' || type === 'integer') {
      const x = Number(reply.answer);
      return Number.isFinite(x) ? (type === 'integer' ? Math.round(x) : x) : 0;
    }
    if (type === 'boolean') return true;
    if (type === 'array') return [];
    if (type === 'object') return {};
    return text;
  };
  const props = format.type === 'json_schema' ? (format.schema as { properties?: Record<string, { type?: unknown }> } | undefined)?.properties : undefined;
  if (props && typeof props === 'object' && Object.keys(props).length > 0) {
    return JSON.stringify(Object.fromEntries(Object.entries(props).map(([k, p]) => [k, value(k, p?.type)])));
  }
  if (reply.instruction !== undefined) return JSON.stringify({ instruction: reply.instruction });
  if (reply.answer !== undefined) return JSON.stringify({ reasoning: reply.text, answer: reply.answer });
  return JSON.stringify({ reply: reply.text });
}

/** Account faults with the status, type and code OpenAI sends. */
const ACCOUNT_ERRORS: Record<AccountFaultKind, (model: string) => ApiError> = {
  auth: () => new ApiError(401, 'Incorrect API key provided: sk-sim-****. You can find your API key at https://platform.openai.com/account/api-keys. (simulated)', 'invalid_request_error', 'invalid_api_key'),
  quota: () => new ApiError(429, 'You exceeded your current quota, please check your plan and billing details. (simulated)', 'insufficient_quota', 'insufficient_quota'),
  'model-not-found': (model) => new ApiError(404, `The model \`${model}\` does not exist or you do not have access to it. (simulated)`, 'invalid_request_error', 'model_not_found'),
};

/**
 * The effort of a call to a reasoning profile (null for other profiles), refusing what OpenAI's
 * reasoning models refuse, with their status and error shape.
 */
function reasoningEffortOf(body: ChatBody, profile: SimProfile, model: string): SimEffort | null {
  const effort = body.sent.reasoningEffort;
  if (!profile.reasoning) {
    if (effort !== undefined) throw new ApiError(400, `Unsupported parameter: 'reasoning_effort' is not supported with this model.`, 'invalid_request_error', 'unsupported_parameter', 'reasoning_effort');
    return null;
  }
  if (body.sent.maxTokens) {
    throw new ApiError(400, `Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.`, 'invalid_request_error', 'unsupported_parameter', 'max_tokens');
  }
  if (body.sent.temperature !== undefined && body.sent.temperature !== 1) {
    throw new ApiError(400, `Unsupported value: 'temperature' does not support ${body.sent.temperature} with this model. Only the default (1) value is supported.`, 'invalid_request_error', 'unsupported_value', 'temperature');
  }
  if (effort === undefined) return profile.reasoning.defaultEffort;
  if (!(SIM_EFFORTS as readonly string[]).includes(effort)) {
    throw new ApiError(400, `Invalid value: '${effort}'. Supported values are: ${SIM_EFFORTS.map((e) => `'${e}'`).join(', ')}. (model ${model})`, 'invalid_request_error', 'invalid_value', 'reasoning_effort');
  }
  return effort as SimEffort;
}

/** The profile as it answers at this effort: more thinking, more skill. */
function withEffort(profile: SimProfile, effort: SimEffort): SimProfile {
  const bonus = profile.reasoning?.skillBonus[effort] ?? 0;
  const clamp = (x: number) => Math.min(1, Math.max(0, x));
  return { ...profile, skill: clamp(profile.skill + bonus), reflectionSkill: clamp(profile.reflectionSkill + bonus) };
}

/** Hidden tokens spent on one request: the effort's mean, ±40%, fixed by the request. */
function reasoningTokensOf(profile: SimProfile, effort: SimEffort, requestKey: string): number {
  const mean = profile.reasoning?.tokens[effort] ?? 0;
  return Math.round(mean * (0.6 + 0.8 * uniformFromKey(`reasoning\u0000${requestKey}`)));
}

const UNKNOWN_REPLY = 'I can solve math word problems, competition math problems and Python programming tasks. Please share the problem you would like me to solve.';

export async function startSimulator(opts: SimOptions = {}): Promise<RunningSimulator> {
  const profiles: Record<string, SimProfile> = resolveProfiles(opts.profiles, opts.latencyMs);
  const worldSeed = String(opts.worldSeed ?? 0);
  const dir = opts.datasetsDir ?? defaultDatasetsDir();
  const taskNames = opts.tasks ?? availableTasks(dir);
  const index: InstanceIndex = await buildInstanceIndex(dir, taskNames, opts.extraExamples);
  tokenizer(); // load the ranks now, not on the first request
  const planner = new FaultPlanner(parseFaultConfig(opts.faults ?? {}, 'simulator faults'), worldSeed);
  const stats = new StatsBook({ instances: index.size, tasks: [...taskNames, ...(opts.extraExamples ?? []).map((e) => e.task)] });
  const timers = new Set<NodeJS.Timeout>();
  const hanging = new Set<http.ServerResponse>();
  let closing = false;

  const sleep = (ms: number) => new Promise<void>((resolve) => {
    if (ms <= 0) return resolve();
    const t = setTimeout(() => { timers.delete(t); resolve(); }, ms);
    timers.add(t);
  });

  function sendJson(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    if (res.destroyed || res.writableEnded) return;
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
    res.end(text);
  }

  function sendError(res: http.ServerResponse, err: ApiError, headers: Record<string, string> = {}): void {
    sendJson(res, err.status, { error: { message: err.message, type: err.type, param: err.param, code: err.code } }, headers);
  }

  function classify(body: ChatBody, model: string, profile: SimProfile, sampleIndex: number): { kind: CallKind; reply: Reply } {
    const ctx: ModelContext = { worldSeed, model, profile };
    const lastUserAt = body.messages.map((m) => m.role).lastIndexOf('user');
    if (lastUserAt < 0) return { kind: 'unknown', reply: { text: UNKNOWN_REPLY } };
    const user = body.messages[lastUserAt].content;
    const reflection = parseReflection(user);
    if (reflection) {
      const a = answerReflection(ctx, reflection, user, {
        find: (text) => index.find(text)?.instance ?? null,
        facts: (inst) => index.facts(inst),
      });
      return { kind: 'reflection', reply: { text: a.content, instruction: a.instruction } };
    }
    // Other optimizers' requests (scored instructions, parents to evolve, a text to mutate, workings to explain).
    const evolution = parseEvolution(user, (text) => index.find(text));
    if (evolution) {
      const a = answerEvolution(ctx, evolution, user, sampleIndex, { find: (text) => index.find(text)?.instance ?? null, facts: (inst) => index.facts(inst) });
      return { kind: 'evolution', reply: { text: a.content, instruction: a.instruction } };
    }
    // A known question makes it a task call, even when the prompt happens to hold two code fences and the word "merge".
    const match = index.find(user);
    if (!match) {
      const merge = parseMerge(user);
      if (!merge) return { kind: 'unknown', reply: { text: UNKNOWN_REPLY } };
      const a = answerMerge(merge[0], merge[1]);
      return { kind: 'merge', reply: { text: a.content, instruction: a.instruction } };
    }
    // The instruction: everything the model reads except the question itself.
    const others = body.messages.filter((_, i) => i !== lastUserAt).map((m) => m.content);
    const rest = `${user.slice(0, match.start)}${user.slice(match.end)}`.trim();
    const instruction = [...others, rest].filter((t) => t.trim()).join('\n');
    // Asked to write an instruction for a student who will solve this problem, not to solve it.
    if (isTeachingRequest(instruction)) {
      const t = answerTeaching(ctx, { instance: match.instance, facts: index.facts(match.instance), directions: instruction, sampleIndex });
      return { kind: 'teaching', reply: { text: t.content, instruction: t.instruction } };
    }
    const a = answerTask(ctx, {
      instance: match.instance,
      facts: index.facts(match.instance),
      instruction,
      instructionTokens: countTokens(instruction),
      sampleIndex,
    });
    return { kind: 'task', reply: { text: a.content, answer: a.answer } };
  }

  async function chat(req: http.IncomingMessage, res: http.ServerResponse, raw: string): Promise<void> {
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      stats.reject();
      throw new ApiError(400, 'We could not parse the JSON body of your request.', 'invalid_request_error');
    }
    let body: ChatBody;
    try {
      body = parseChatBody(parsed);
    } catch (err) {
      stats.reject();
      throw err;
    }
    const profile = profiles[body.model];
    if (!profile) {
      stats.reject();
      throw new ApiError(404, `The model \`${body.model}\` does not exist or you do not have access to it.`, 'invalid_request_error', 'model_not_found');
    }
    const model = body.model;
    const callNo = stats.call(model);
    const fault = planner.next(model, profile.faultRates);
    // The account and outages come before anything the model would do: no answer is computed.
    if (fault && (fault.kind === 'auth' || fault.kind === 'quota' || fault.kind === 'model-not-found')) {
      stats.fault(model, fault.kind);
      throw ACCOUNT_ERRORS[fault.kind](model);
    }
    if (fault?.kind === 'outage') {
      stats.fault(model, 'outage');
      if (fault.mode === 'drop') {
        req.socket.destroy();
        return;
      }
      throw new ApiError(503, 'The service is temporarily unavailable (simulated outage).', 'server_error', 'service_unavailable');
    }
    let effort: SimEffort | null;
    try {
      effort = reasoningEffortOf(body, profile, model);
    } catch (err) {
      stats.error(model);
      throw err;
    }
    const thinker = effort === null ? profile : withEffort(profile, effort);
    const sampleOf = (i: number) => (body.temperature > 0 ? body.seed + i : 0);
    const first = classify(body, model, thinker, sampleOf(0));
    stats.kind(model, first.kind);
    const replies = [first.reply];
    for (let i = 1; i < body.n; i++) replies.push(classify(body, model, thinker, sampleOf(i)).reply);
    const u = uniformFromKey(`${worldSeed}\u0000latency\u0000${model}\u0000${callNo}`);
    const latency = Math.max(0, profile.latencyMs.mean + (2 * u - 1) * profile.latencyMs.jitter);

    if (fault?.kind === 'hang') {
      stats.fault(model, 'hang');
      hanging.add(res);
      const t = setTimeout(() => { timers.delete(t); res.destroy(); }, planner.hangMaxMs);
      timers.add(t);
      res.on('close', () => { hanging.delete(res); clearTimeout(t); timers.delete(t); });
      return;
    }
    if (fault?.kind === 'drop') {
      stats.fault(model, 'drop');
      req.socket.destroy();
      return;
    }
    await sleep(latency);
    if (res.destroyed || closing) return;
    if (fault && (fault.kind === '429' || fault.kind === '500' || fault.kind === '503' || fault.kind === '400')) {
      stats.fault(model, fault.kind);
      const errors: Record<typeof fault.kind, ApiError> = {
        429: new ApiError(429, `Rate limit reached for ${model} (simulated). Please try again in ${planner.retryAfterSeconds}s.`, 'requests', 'rate_limit_exceeded'),
        500: new ApiError(500, 'The server had an error while processing your request (simulated).', 'server_error'),
        503: new ApiError(503, 'The engine is currently overloaded, please try again later (simulated).', 'server_error', 'overloaded'),
        400: new ApiError(400, 'Invalid request (simulated fault).', 'invalid_request_error'),
      };
      sendError(res, errors[fault.kind], fault.kind === '429' ? { 'retry-after': String(planner.retryAfterSeconds) } : {});
      return;
    }

    const promptTokens = countPromptTokens(body.messages);
    if (promptTokens + (body.maxTokens ?? 0) > profile.contextTokens) {
      stats.error(model);
      throw new ApiError(400, `This model's maximum context length is ${profile.contextTokens} tokens. However, you requested ${promptTokens + (body.maxTokens ?? 0)} tokens (${promptTokens} in the messages, ${body.maxTokens ?? 0} in the completion). Please reduce the length of the messages or completion.`, 'invalid_request_error', 'context_length_exceeded', 'messages');
    }

    const json = body.responseFormat.type !== 'text';
    let reasoningTokens = 0;
    const choices = replies.map((reply, i) => {
      let content = json ? jsonReply(body.responseFormat, reply) : reply.text;
      if (fault?.kind === 'empty') content = '';
      if (fault?.kind === 'invalid-json') {
        const asJson = json ? content : jsonReply({ type: 'json_object' }, reply);
        content = asJson.slice(0, Math.max(1, Math.floor(asJson.length / 2)));
      }
      // A reasoning model thinks first; its budget covers the thinking and then the answer.
      const thought = effort === null ? 0 : reasoningTokensOf(profile, effort, `${raw}\u0000${i}`);
      const budget = body.maxTokens === null ? null : Math.max(0, body.maxTokens - thought);
      const spentThinking = body.maxTokens === null ? thought : Math.min(thought, body.maxTokens);
      reasoningTokens += spentThinking;
      let finish = 'stop';
      if (budget !== null && countTokens(content) > budget) {
        content = budget > 0 ? truncateToTokens(content, budget) : '';
        finish = 'length';
        stats.cutOff(model);
      }
      return { index: i, message: { role: 'assistant', content, refusal: null }, logprobs: null, finish_reason: finish };
    });
    const completionTokens = choices.reduce((a, c) => a + countTokens(c.message.content), 0) + reasoningTokens;
    const usage = {
      prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens,
      ...(effort === null ? {} : { completion_tokens_details: { reasoning_tokens: reasoningTokens } }),
    };
    const id = `chatcmpl-sim-${hash32(`${model}\u0000${raw}`).toString(16)}-${callNo}`;
    const created = Math.floor(Date.now() / 1000);
    if (fault) stats.fault(model, fault.kind);
    stats.tokens(model, promptTokens, completionTokens, reasoningTokens);

    if (body.stream) {
      const chunk = (delta: object, finish: string | null, i: number) => ({ id, object: 'chat.completion.chunk', created, model, system_fingerprint: 'lsl-sim', choices: [{ index: i, delta, logprobs: null, finish_reason: finish }] });
      const events: unknown[] = [];
      for (const c of choices) {
        events.push(chunk({ role: 'assistant', content: c.message.content }, null, c.index));
        events.push(chunk({}, c.finish_reason, c.index));
      }
      if (body.includeUsage) events.push({ id, object: 'chat.completion.chunk', created, model, choices: [], usage });
      let text = events.map((e) => `data: ${JSON.stringify(e)}\n\n`).join('') + 'data: [DONE]\n\n';
      if (fault?.kind === 'truncated') text = text.slice(0, Math.floor(text.length / 2));
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      res.end(text);
      return;
    }
    const completion = { id, object: 'chat.completion', created, model, system_fingerprint: 'lsl-sim', choices, usage };
    if (fault?.kind === 'truncated') {
      // Half the body, then the end of the response: the client gets JSON that does not parse.
      const text = JSON.stringify(completion);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(text.slice(0, Math.floor(text.length / 2)));
      return;
    }
    sendJson(res, 200, completion);
  }

  function readBody(req: http.IncomingMessage): Promise<string> {
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      req.on('data', (c: Buffer) => {
        size += c.length;
        if (size > MAX_BODY_BYTES) {
          reject(new ApiError(413, `request body larger than ${MAX_BODY_BYTES} bytes`, 'invalid_request_error'));
          req.destroy();
          return;
        }
        chunks.push(c);
      });
      req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      req.on('error', reject);
    });
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://sim');
    const route = `${req.method} ${url.pathname.replace(/\/+$/, '') || '/'}`;
    if (route === 'POST /v1/chat/completions') return chat(req, res, await readBody(req));
    if (route === 'GET /v1/models') {
      return sendJson(res, 200, { object: 'list', data: Object.keys(profiles).map((id) => ({ id, object: 'model', created: 0, owned_by: 'lsl-sim' })) });
    }
    const one = /^GET \/v1\/models\/(.+)$/.exec(route);
    if (one) {
      const id = decodeURIComponent(one[1]);
      if (!profiles[id]) throw new ApiError(404, `The model \`${id}\` does not exist or you do not have access to it.`, 'invalid_request_error', 'model_not_found');
      return sendJson(res, 200, { id, object: 'model', created: 0, owned_by: 'lsl-sim' });
    }
    if (route === 'GET /health') return sendJson(res, 200, { status: 'ok', simulated: true, models: Object.keys(profiles), instances: index.size });
    if (route === 'GET /sim/stats') return sendJson(res, 200, stats.snapshot());
    if (route === 'POST /sim/reset') {
      await readBody(req);
      api.reset();
      return sendJson(res, 200, { ok: true });
    }
    if (route === 'POST /sim/faults') {
      const raw = await readBody(req);
      let value: unknown;
      try {
        value = JSON.parse(raw || '{}');
      } catch {
        throw new ApiError(400, 'POST /sim/faults: body is not valid JSON', 'invalid_request_error');
      }
      try {
        api.setFaults(value as FaultConfig);
      } catch (err) {
        throw new ApiError(400, (err as Error).message, 'invalid_request_error');
      }
      return sendJson(res, 200, { ok: true });
    }
    stats.reject();
    throw new ApiError(404, `no route ${req.method} ${url.pathname}`, 'invalid_request_error', 'not_found');
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      const e = err instanceof ApiError ? err : new ApiError(500, `simulator error: ${(err as Error).message ?? String(err)}`, 'server_error');
      sendError(res, e);
    });
  });
  server.keepAliveTimeout = 5_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const addr = server.address() as AddressInfo;
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;

  const api: RunningSimulator = {
    url: `http://${host}:${addr.port}`,
    stats: () => stats.snapshot(),
    reset: () => {
      stats.reset();
      planner.resetCounts();
    },
    setFaults: (faults) => planner.setConfig(parseFaultConfig(faults, 'simulator faults')),
    models: () => Object.keys(profiles),
    close: () => new Promise<void>((resolve, reject) => {
      if (closing) return resolve();
      closing = true;
      for (const t of timers) clearTimeout(t);
      timers.clear();
      for (const res of hanging) res.destroy();
      hanging.clear();
      server.close((err) => (err ? reject(err) : resolve()));
      server.closeAllConnections();
    }),
  };
  return api;
}
