/** Errors the CLI prints as one line and exits 2 on: bad input found before anything starts. */
export class UsageError extends Error {}

/** A run that stopped on a model it cannot use (a bad key, no credit, ...): one line naming the model and why. */
export class ModelBlockedError extends Error {}

export function oneLine(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return msg.split('\n').map((l) => l.trim()).filter(Boolean).join(' ');
}
