/**
 * Configs name the environment variable holding an API key, never the key; this is the second
 * line of defence for a config that broke that rule, so a key never reaches a report.
 */
const SECRET_KEY = /^(api[_-]?key|apikey|secret|client[_-]?secret|password|passwd|token|access[_-]?token|auth|authorization|bearer)$/i;
/** Strings shaped like provider keys: sk-..., sk-proj-..., Bearer tokens. */
const SECRET_VALUE = /\b(sk-[A-Za-z0-9_-]{16,}|Bearer\s+[A-Za-z0-9._~+/-]{16,}=*)/g;

export const REDACTED = '[redacted]';

export function redactSecrets(value: unknown): unknown {
  if (typeof value === 'string') return value.replace(SECRET_VALUE, REDACTED);
  if (Array.isArray(value)) return value.map(redactSecrets);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = SECRET_KEY.test(k) && v !== null && v !== undefined && v !== '' ? REDACTED : redactSecrets(v);
    return out;
  }
  return value;
}
