/**
 * The per-comparison time limit. Comparisons are synchronous, so the limit is checked between
 * steps (parses, evaluation nodes, probe points) rather than by interrupting; together with the
 * size caps on what is parsed and evaluated, no single step can run long.
 */

export class TimeLimitExceeded extends Error {
  constructor(readonly limitMs: number) {
    super(`comparison exceeded its time limit of ${limitMs} ms`);
  }
}

export interface Deadline {
  readonly limitMs: number;
  /** Throws TimeLimitExceeded once the limit has passed. */
  check(): void;
}

/** `now` is injectable so a test can drive the clock; the default is the monotonic clock. */
export function startDeadline(limitMs: number, now: () => number = () => performance.now()): Deadline {
  if (!(limitMs > 0)) throw new RangeError(`math grader time limit must be a positive number of ms (got ${limitMs})`);
  const end = now() + limitMs;
  return {
    limitMs,
    check() {
      if (now() > end) throw new TimeLimitExceeded(limitMs);
    },
  };
}
