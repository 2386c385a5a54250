/**
 * Validation of ReportInput at the report's door: a malformed input fails with one line naming
 * the field (e.g. `ReportInput.arms[2].stages[0].spent.usd: expected number, got "3"`), not with
 * a NaN in a table.
 */
import { z } from 'zod';
import type { ReportInput } from './types';

const count = z.number().finite().nonnegative();
const isoTime = z.string().refine((s) => Number.isFinite(Date.parse(s)), 'expected an ISO 8601 timestamp');
const grant = z.object({ amount: count, unit: z.string().min(1) });
const spent = z.object({
  metricCalls: count,
  reflectionCalls: count,
  inputTokens: count,
  outputTokens: count,
  usd: count,
  wallMs: count,
  redoneMetricCalls: count,
});
const candidate = z.object({
  id: z.string().min(1),
  parents: z.array(z.string()),
  origin: z.string(),
  discoveredAtSpend: count,
  valMean: z.number().min(0).max(1),
  text: z.string(),
});
const stage = z.object({
  stage: z.string().min(1),
  taskModel: z.string().min(1),
  reflector: z.string().min(1),
  grant,
  spent,
  learningCurve: z.array(z.object({ spend: count, best: z.number().min(0).max(1) })),
  candidates: z.array(candidate),
  stopReason: z.string().nullable().optional(),
  transfer: z.array(z.object({ candidate: z.string().min(1), model: z.string().min(1), valMean: z.number().min(0).max(1) })).optional(),
  spentOfGrant: count.optional(),
});
const arm = z.object({
  arm: z.string().min(1),
  repeat: z.number().int().nonnegative(),
  finished: z.boolean(),
  finalPrompt: z.string(),
  teacher: z.string().min(1).optional(),
  grant,
  stages: z.array(stage),
});
const result = z.object({
  repeat: z.number().int().nonnegative(),
  arm: z.string().min(1),
  model: z.string().min(1),
  id: z.string().min(1),
  sample: z.number().int().nonnegative(),
  score: z.number().min(0).max(1),
  extracted: z.string().nullable(),
  output: z.string(),
  feedback: z.string(),
});

export const resultSchema = result;

export const reportInputSchema = z.object({
  experimentId: z.string().min(1),
  name: z.string().min(1),
  version: z.string().min(1),
  versions: z.record(z.string(), z.string()).optional(),
  configHash: z.string(),
  startedAt: isoTime,
  finishedAt: isoTime,
  status: z.enum(['completed', 'stopped', 'failed']),
  simulated: z.boolean(),
  config: z.unknown(),
  task: z.string().min(1),
  splits: z.object({ seed: z.number(), train: z.array(z.string()), val: z.array(z.string()), test: z.array(z.string()) }),
  models: z.array(
    z.object({
      role: z.string().min(1),
      name: z.string().min(1),
      model: z.string(),
      provider: z.string(),
      simulated: z.boolean(),
      priceInputPerM: count.optional(),
      priceOutputPerM: count.optional(),
    }),
  ),
  repeats: z.number().int().positive(),
  arms: z.array(arm),
  evaluation: z.object({
    ledger: z.array(z.object({ model: z.string().min(1), calls: count, inputTokens: count, outputTokens: count, usd: count })),
    analysis: z.array(z.object({ model: z.string().min(1), calls: count, inputTokens: count, outputTokens: count, usd: count })).optional(),
  }),
  results: z.array(result).optional(),
});

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  const s = JSON.stringify(value);
  return s === undefined ? String(value) : s.length > 40 ? `${s.slice(0, 40)}…` : s;
}

function pathOf(root: string, path: readonly PropertyKey[]): string {
  return path.reduce<string>((acc, seg) => (typeof seg === 'number' ? `${acc}[${seg}]` : `${acc}.${String(seg)}`), root);
}

/** Parses and checks a ReportInput; throws one line naming the first bad field. */
export function parseReportInput(value: unknown): ReportInput {
  const parsed = reportInputSchema.safeParse(value, { reportInput: true });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const input = (issue as { input?: unknown }).input;
    const got = issue.code === 'invalid_type' ? `, got ${describe(input)}` : '';
    throw new Error(`${pathOf('ReportInput', issue.path)}: ${issue.message}${got}`);
  }
  return parsed.data as ReportInput;
}
