/** The settings every search shares, and one-line errors for a bad optimizer config. */
import { z } from 'zod';
import { formatProblem, problemsFromZod } from '../../experiment/problems';

export const stopSchema = z.strictObject({
  maxIterations: z.int().min(1).optional(),
  noImprovementIterations: z.int().min(1).optional(),
  scoreThreshold: z.number().optional(),
  maxWallClockMs: z.number().positive().optional(),
  maxUsd: z.number().positive().optional(),
  /** A guard against loops of proposals that are all duplicates or unreadable (no metric call spent). */
  maxIdleIterations: z.int().min(1).default(20),
});

/** Fields of every search config; an optimizer spreads them into its own strict object. */
export const commonFields = {
  seed: z.int().default(0),
  fitnessExamples: z.int().min(1).optional(),
  temperature: z.number().min(0).max(2).default(1),
  maxRecordChars: z.int().min(200).default(1500),
  stop: stopSchema.prefault({}),
};

/** Parses `input` with `schema`; throws one line naming the optimizer and the first bad field. */
export function parseOptimizerConfig<T>(name: string, schema: z.ZodType<T>, input: unknown): T {
  const parsed = schema.safeParse(input ?? {}, { reportInput: true });
  if (parsed.success) return stripUndefined(parsed.data);
  const first = problemsFromZod(parsed.error.issues)[0];
  throw new Error(`${name} config: ${formatProblem(first)}`);
}

// Keeps "absent" and "undefined" the same, so the config is JSON-clean in the state.
function stripUndefined<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}
