/**
 * Seeded fault injection: what goes wrong with a model call, by rate (per model or for all) or
 * by schedule ("calls 3 and 7 of sim-small fail with 429"). The decision depends only on the
 * fault seed, the model and the call's number, never on what was asked, so faults never change
 * what later calls answer.
 */
import { z } from 'zod';
import { uniformFromKey } from '../core/random';

export const FAULT_KINDS = ['429', '500', '503', '400', 'hang', 'drop', 'truncated', 'empty', 'invalid-json'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

const rate = z.number().min(0).max(1);
export const faultRatesSchema = z.partialRecord(z.enum(FAULT_KINDS), rate);
export type FaultRates = z.infer<typeof faultRatesSchema>;

export const faultConfigSchema = z.object({
  /** Seed of the rate draws (default: the world seed). */
  seed: z.union([z.number(), z.string()]).optional(),
  /** Rates for every model. Whole maps take precedence: a model's entry in `models`, else these, else the profile's `faultRates`. */
  rates: faultRatesSchema.optional(),
  /** Rates per model name. */
  models: z.record(z.string(), faultRatesSchema).optional(),
  /** Exact calls that fail: the model's calls are counted from 1 since this config was set (or the last reset). `*` means every model. */
  schedule: z.array(z.object({
    model: z.string().min(1),
    calls: z.array(z.number().int().positive()).min(1),
    kind: z.enum(FAULT_KINDS),
  }).strict()).optional(),
  /** Retry-After seconds sent with 429 (default 1). */
  retryAfterSeconds: z.number().min(0).optional(),
  /** A hung call's socket is destroyed after this long if the client has not given up (default 10 min). */
  hangMaxMs: z.number().int().positive().optional(),
}).strict();
export type FaultConfig = z.infer<typeof faultConfigSchema>;

/** One-line description of the first problem zod found, naming the field. */
export function describeZodError(where: string, error: z.ZodError): string {
  const issue = error.issues[0];
  const at = issue && issue.path.length > 0 ? issue.path.join('.') : '(root)';
  return `${where}: ${at}: ${issue?.message ?? 'invalid'}`;
}

export function parseFaultConfig(value: unknown, where = 'fault config'): FaultConfig {
  const parsed = faultConfigSchema.safeParse(value ?? {});
  if (!parsed.success) throw new Error(describeZodError(where, parsed.error));
  for (const [label, rates] of [['rates', parsed.data.rates], ...Object.entries(parsed.data.models ?? {}).map(([m, r]) => [`models.${m}`, r] as const)] as const) {
    const total = Object.values(rates ?? {}).reduce((a, b) => a + (b ?? 0), 0);
    if (total > 1) throw new Error(`${where}: ${label}: fault rates add up to ${Number(total.toFixed(6))}, more than 1`);
  }
  return parsed.data;
}

/** Decides the fault (or none) of each call. */
export class FaultPlanner {
  private calls = new Map<string, number>();

  constructor(private config: FaultConfig, private readonly defaultSeed: string) {}

  get retryAfterSeconds(): number {
    return this.config.retryAfterSeconds ?? 1;
  }

  get hangMaxMs(): number {
    return this.config.hangMaxMs ?? 600_000;
  }

  /** Replaces the config and restarts the per-model call count the schedule refers to. */
  setConfig(config: FaultConfig): void {
    this.config = config;
    this.calls.clear();
  }

  resetCounts(): void {
    this.calls.clear();
  }

  /** Counts one call of `model` and returns its fault, given the profile's own rates. */
  next(model: string, profileRates: FaultRates): FaultKind | null {
    const n = (this.calls.get(model) ?? 0) + 1;
    this.calls.set(model, n);
    for (const s of this.config.schedule ?? []) {
      if ((s.model === model || s.model === '*') && s.calls.includes(n)) return s.kind;
    }
    const chosen = this.config.models?.[model] ?? this.config.rates ?? profileRates;
    const rates = FAULT_KINDS.map((k) => chosen[k] ?? 0);
    if (!rates.some((r) => r > 0)) return null;
    let u = uniformFromKey(`${this.config.seed ?? this.defaultSeed}\u0000fault\u0000${model}\u0000${n}`);
    for (let i = 0; i < FAULT_KINDS.length; i++) {
      if (u < rates[i]) return FAULT_KINDS[i];
      u -= rates[i];
    }
    return null;
  }
}
