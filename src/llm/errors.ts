/**
 * Model-call failures as Temporal failures, in three kinds decided here and nowhere else:
 * - `account`: the key, the credit, the model id or the worker's configuration is wrong (401, 403,
 *   404, `insufficient_quota`, a missing key, an unknown model, a parameter the model refuses).
 *   Every later call would fail the same way, so it is never a score: the run blocks until the
 *   user fixes the cause and resumes.
 * - `transient`: the endpoint is overloaded or unreachable (429, 408/409/5xx, timeouts,
 *   connection refused or reset, truncated bodies). Retried with backoff (the server's
 *   Retry-After first) up to the model's outage limit; past it the run blocks.
 * - `refusal`: this one request is refused (400/413/422 such as a context-length error, a content
 *   filter, an empty or cut-off completion). A recorded failed rollout with the reason, never retried.
 * Temporal retries the activity (the SDK's own retries are off): account and refusal failures are
 * non-retryable. Messages are one line, never hold a key or a whole prompt.
 */
import { ApplicationFailure } from '@temporalio/common';
import { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';
import { failureKind, modelFailureDetails, ModelErrorTypes, type ModelErrorType, type ModelFailureDetails, type SpentOnFailure } from './failure-kind';

export * from './failure-kind';

/** A per-example refusal, as the rollout records it: the reason (one line), its type, what it cost. */
export interface Refusal { reason: string; type: string; spent?: SpentOnFailure }

/** The refusal in `err` when it is one (an ApplicationFailure of kind `refusal`), else undefined. */
export function refusalOf(err: unknown): Refusal | undefined {
  if (!(err instanceof ApplicationFailure) || failureKind(err) !== 'refusal') return undefined;
  return { reason: err.message, type: err.type ?? 'ModelRefusal', spent: modelFailureDetails(err)?.spent };
}

export interface ErrorContext {
  /** Registry name, for the message. */
  model?: string;
  /** Values that must never appear in a message (the API key in use). */
  secrets?: string[];
  /** Set by the gateway when its own deadline aborted the call. */
  timedOut?: boolean;
  timeoutMs?: number;
}

const MAX_DETAIL = 200;

/** One line, bounded, with anything key-like masked. */
export function sanitizeMessage(text: string, secrets: string[] = []): string {
  let s = text;
  for (const secret of secrets.filter((x) => x && x.length >= 8)) {
    s = s.split(secret).join('***');
    // Servers echo keys in part too (without the prefix, cut short): mask any long piece of one.
    s = s.replace(/[A-Za-z0-9_-]{8,}/g, (piece) => (secret.includes(piece) ? '***' : piece));
  }
  s = s
    .replace(/\b(sk|rk|pk)-[A-Za-z0-9_*.-]{4,}/g, '$1-***')
    .replace(/(Bearer\s+)\S+/gi, '$1***')
    .replace(/\s+/g, ' ')
    .trim();
  return s.length > MAX_DETAIL ? `${s.slice(0, MAX_DETAIL - 1)}…` : s;
}

/**
 * Milliseconds to wait from `retry-after-ms` or `Retry-After` (seconds or an HTTP date), or
 * undefined when absent or unreadable (then the activity's retry policy decides).
 */
export function retryAfterMs(headers: { get(name: string): string | null } | undefined, now = Date.now()): number | undefined {
  if (!headers) return undefined;
  const ms = headers.get('retry-after-ms');
  if (ms !== null && /^\s*\d+(\.\d+)?\s*$/.test(ms)) return Math.round(Number(ms));
  const value = headers.get('retry-after')?.trim();
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) return Math.round(Number(value) * 1000);
  const at = Date.parse(value);
  if (Number.isNaN(at)) return undefined;
  const wait = at - now;
  return wait > 0 ? wait : undefined;
}

function failure(
  type: string,
  message: string,
  opts: { nonRetryable: boolean; nextRetryDelay?: number; status?: number; model?: string; spent?: SpentOnFailure },
): ApplicationFailure {
  return ApplicationFailure.create({
    type,
    message,
    nonRetryable: opts.nonRetryable,
    nextRetryDelay: opts.nextRetryDelay,
    details: [{
      model: opts.model ?? null, status: opts.status ?? null, kind: failureKind({ type, nonRetryable: opts.nonRetryable }),
      ...(opts.spent ? { spent: opts.spent } : {}),
    } satisfies ModelFailureDetails],
  });
}

/** Builds a failure for a problem found by the gateway itself (missing key, empty completion, ...). */
export function modelFailure(
  type: ModelErrorType,
  message: string,
  ctx: ErrorContext & { nonRetryable: boolean; spent?: SpentOnFailure },
): ApplicationFailure {
  const prefix = ctx.model ? `model '${ctx.model}': ` : '';
  return failure(type, prefix + sanitizeMessage(message, ctx.secrets), { nonRetryable: ctx.nonRetryable, model: ctx.model, spent: ctx.spent });
}

/** The server's own error text, without the status the openai client puts in front of it. */
function serverText(err: APIError): string {
  const body = err.error as { message?: unknown } | undefined;
  if (body && typeof body.message === 'string') return body.message;
  return err.message.replace(/^\d{3}\s*/, '');
}

// Errors are recognised by name, not instanceof: they may come from another realm (a vm
// context, as under jest) where the built-in classes are different objects.
function errorName(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && typeof (err as Error).name === 'string' ? (err as Error).name : undefined;
}

function errorMessage(err: unknown): string {
  return typeof err === 'object' && err !== null && typeof (err as Error).message === 'string' ? (err as Error).message : String(err);
}

function isTruncatedBody(err: unknown): boolean {
  // A 2xx whose body could not be read in full: undici says "terminated" when the socket closes
  // mid-body; JSON.parse fails on a body cut short.
  const name = errorName(err);
  return name === 'SyntaxError' || (name === 'TypeError' && /terminated/i.test(errorMessage(err)));
}

/**
 * Whether a failed call may still have been paid: it reached the server, but no answer came back
 * (a timeout, a connection cut mid-call, a body cut short, a 2xx that is no completion). A server
 * that answered with an error status, or a connection that was never made, cost nothing. Decides
 * whether the next attempt at the same call is booked as re-done work.
 */
export function reachedModelUnanswered(err: unknown): boolean {
  if (!(err instanceof ApplicationFailure)) return true;
  if (modelFailureDetails(err)?.status != null) return false;
  switch (err.type) {
    case ModelErrorTypes.connection: return !/ECONNREFUSED|ENOTFOUND|EAI_AGAIN/.test(err.message);
    case ModelErrorTypes.timeout:
    case ModelErrorTypes.truncated:
    case ModelErrorTypes.invalidResponse:
    case ModelErrorTypes.unexpected:
      return true;
    default:
      return false;
  }
}

/** Turns anything a model call threw into an ApplicationFailure with a typed `type`. */
export function classifyModelError(err: unknown, ctx: ErrorContext = {}): ApplicationFailure {
  if (err instanceof ApplicationFailure) return err;
  const model = ctx.model;
  const prefix = model ? `model '${model}': ` : '';
  const clean = (s: string) => sanitizeMessage(s, ctx.secrets);
  const retryable = (type: string, message: string, extra: { nextRetryDelay?: number; status?: number } = {}) =>
    failure(type, prefix + message, { nonRetryable: false, model, ...extra });
  const fatal = (type: string, message: string, status?: number) => failure(type, prefix + message, { nonRetryable: true, model, status });

  const isAbort = errorName(err) === 'AbortError' || err instanceof APIUserAbortError;
  if (err instanceof APIConnectionTimeoutError || (ctx.timedOut && (isAbort || err instanceof APIConnectionError || errorName(err) === 'TypeError'))) {
    const after = ctx.timeoutMs ? ` after ${ctx.timeoutMs} ms` : '';
    return retryable(ModelErrorTypes.timeout, `no complete response${after} (timed out)`);
  }
  if (err instanceof APIConnectionError) {
    // undici's chain: "fetch failed" caused by the socket's own error (ECONNREFUSED, closed, ...).
    const reasons: string[] = [];
    for (let e: unknown = (err as { cause?: unknown }).cause; e && reasons.length < 3; e = (e as { cause?: unknown }).cause) {
      reasons.push(errorMessage(e));
    }
    const why = reasons.length ? reasons.join(': ') : err.message;
    return retryable(ModelErrorTypes.connection, `connection failed: ${clean(why)}`);
  }
  if (err instanceof APIError && typeof err.status === 'number') {
    const status = err.status;
    const text = clean(serverText(err));
    const delay = retryAfterMs(err.headers);
    const wait = delay !== undefined ? ` (retry after ${delay} ms)` : '';
    const line = `HTTP ${status}: ${text}`;
    if (status === 429) {
      // OpenAI answers 429 also when the account is out of credit: waiting does not help.
      if (err.code === 'insufficient_quota' || err.type === 'insufficient_quota') {
        return fatal(ModelErrorTypes.quotaExceeded, `quota exceeded (the account is out of credit), ${line}`, status);
      }
      return retryable(ModelErrorTypes.rateLimited, `rate limited${wait}, ${line}`, { nextRetryDelay: delay, status });
    }
    if (status === 408) return retryable(ModelErrorTypes.timeout, `server timed out${wait}, ${line}`, { nextRetryDelay: delay, status });
    if (status === 409) return retryable(ModelErrorTypes.conflict, `conflict${wait}, ${line}`, { nextRetryDelay: delay, status });
    if (status >= 500) return retryable(ModelErrorTypes.serverError, `server error${wait}, ${line}`, { nextRetryDelay: delay, status });
    if (err.code === 'context_length_exceeded') return fatal(ModelErrorTypes.contextLength, `prompt too long for the model's context, ${line}`, status);
    // A parameter this model refuses is refused on every call: the registry entry is wrong.
    if (status === 400 && (err.code === 'unsupported_parameter' || err.code === 'unsupported_value')) {
      return fatal(ModelErrorTypes.unsupportedParameter, `the model refuses a parameter (is it a reasoning model? set reasoning: true in its registry entry), ${line}`, status);
    }
    if (status === 400 || status === 422) return fatal(ModelErrorTypes.badRequest, `bad request, ${line}`, status);
    if (status === 401) return fatal(ModelErrorTypes.auth, `authentication failed (check the key in the worker's environment), ${line}`, status);
    if (status === 403) return fatal(ModelErrorTypes.permission, `permission denied, ${line}`, status);
    if (status === 404) return fatal(ModelErrorTypes.notFound, `model or endpoint not found (check baseUrl and model id), ${line}`, status);
    if (status === 413) return fatal(ModelErrorTypes.tooLarge, `request too large, ${line}`, status);
    if (status >= 400) return fatal(ModelErrorTypes.clientError, `request refused, ${line}`, status);
    return retryable(ModelErrorTypes.invalidResponse, `unexpected ${line}`, { status });
  }
  if (isTruncatedBody(err)) {
    return retryable(ModelErrorTypes.truncated, `response body cut short: ${clean(errorMessage(err))}`);
  }
  if (isAbort) return retryable(ModelErrorTypes.connection, 'call aborted before a response');
  // Anything else is a bug or an unforeseen failure: retry it a bounded number of times.
  const what = errorName(err) ? `${errorName(err)}: ${errorMessage(err)}` : String(err);
  return retryable(ModelErrorTypes.unexpected, `call failed: ${clean(what)}`);
}
