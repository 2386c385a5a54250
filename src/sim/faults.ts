/**
 * Seeded fault injection: what goes wrong with a model call, by rate (per model or for all), by
 * schedule ("calls 3 and 7 of sim-small fail with 429"), from a call on ("the key is refused
 * from call 150 on": account faults) or over a time window ("down from 60 s to 240 s"). The
 * decision depends only on the fault seed, the model, the call's number and the time since the
 * config was set, never on what was asked, so faults never change what later calls answer.
 */
import { z } from 'zod';
import { uniformFromKey } from '../core/random';

export const FAULT_KINDS = ['429', '500', '503', '400', 'hang', 'drop', 'truncated', 'empty', 'invalid-json'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** Faults of the account rather than the call: every call from one on gets them (401, 429 insufficient_quota, 404). */
export const ACCOUNT_FAULT_KINDS = ['auth', 'quota', 'model-not-found'] as const;
export type AccountFaultKind = (typeof ACCOUNT_FAULT_KINDS)[number];

/** Everything the planner can decide, as counted in the stats; `outage` is a call inside an outage window. */
export const ALL_FAULT_KINDS = [...FAULT_KINDS, ...ACCOUNT_FAULT_KINDS, 'outage'] as const;
export type AnyFaultKind = (typeof ALL_FAULT_KINDS)[number];

/** How an outage looks to the client: 503s, or connections closed without an answer. */
export const OUTAGE_MODES = ['503', 'drop'] as const;
export type OutageMode = (typeof OUTAGE_MODES)[number];

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
  /**
   * Account faults from a call on, until the config is replaced: `fromCall` counts the model's
   * calls (`*`: all calls of all models together) from 1 since this config was set (or the last reset).
   */
  account: z.array(z.object({
    model: z.string().min(1),
    fromCall: z.number().int().positive(),
    kind: z.enum(ACCOUNT_FAULT_KINDS),
  }).strict()).optional(),
  /** The endpoint is down from `fromSeconds` to `toSeconds` after this config was set (or the last reset). */
  outages: z.array(z.object({
    model: z.string().min(1).default('*'),
    fromSeconds: z.number().min(0),
    toSeconds: z.number().positive(),
    mode: z.enum(OUTAGE_MODES).default('503'),
  }).strict().refine((o) => o.toSeconds > o.fromSeconds, { message: 'toSeconds must be after fromSeconds', path: ['toSeconds'] })).optional(),
  /** Retry-After seconds sent with 429 (default 1). */
  retryAfterSeconds: z.number().min(0).optional(),
  /** A hung call's socket is destroyed after this long if the client has not given up (default 10 min). */
  hangMaxMs: z.number().int().positive().optional(),
}).strict();
export type FaultConfig = z.input<typeof faultConfigSchema>;
export type ParsedFaultConfig = z.output<typeof faultConfigSchema>;

/** One-line description of the first problem zod found, naming the field. */
export function describeZodError(where: string, error: z.ZodError): string {
  const issue = error.issues[0];
  const at = issue && issue.path.length > 0 ? issue.path.join('.') : '(root)';
  return `${where}: ${at}: ${issue?.message ?? 'invalid'}`;
}

export function parseFaultConfig(value: unknown, where = 'fault config'): ParsedFaultConfig {
  const parsed = faultConfigSchema.safeParse(value ?? {});
  if (!parsed.success) throw new Error(describeZodError(where, parsed.error));
  for (const [label, rates] of [['rates', parsed.data.rates], ...Object.entries(parsed.data.models ?? {}).map(([m, r]) => [`models.${m}`, r] as const)] as const) {
    const total = Object.values(rates ?? {}).reduce((a, b) => a + (b ?? 0), 0);
    if (total > 1) throw new Error(`${where}: ${label}: fault rates add up to ${Number(total.toFixed(6))}, more than 1`);
  }
  return parsed.data;
}

/** What the planner decided for one call. */
export type PlannedFault = { kind: FaultKind | AccountFaultKind } | { kind: 'outage'; mode: OutageMode } | null;

/** Decides the fault (or none) of each call. */
export class FaultPlanner {
  private calls = new Map<string, number>();
  private allCalls = 0;
  private since: number;
  private config: ParsedFaultConfig;

  constructor(config: ParsedFaultConfig, private readonly defaultSeed: string, private readonly now: () => number = Date.now) {
    this.config = config;
    this.since = now();
  }

  get retryAfterSeconds(): number {
    return this.config.retryAfterSeconds ?? 1;
  }

  get hangMaxMs(): number {
    return this.config.hangMaxMs ?? 600_000;
  }

  /** Replaces the config and restarts the call counts and the clock the schedule refers to. */
  setConfig(config: ParsedFaultConfig): void {
    this.config = config;
    this.resetCounts();
  }

  resetCounts(): void {
    this.calls.clear();
    this.allCalls = 0;
    this.since = this.now();
  }

  /** Counts one call of `model` and returns its fault, given the profile's own rates. */
  next(model: string, profileRates: FaultRates): PlannedFault {
    const n = (this.calls.get(model) ?? 0) + 1;
    this.calls.set(model, n);
    const all = ++this.allCalls;
    const seconds = (this.now() - this.since) / 1000;
    // The account first: a refused key is refused whatever else is wrong.
    for (const a of this.config.account ?? []) {
      if (a.model === '*' ? all >= a.fromCall : a.model === model && n >= a.fromCall) return { kind: a.kind };
    }
    for (const o of this.config.outages ?? []) {
      if ((o.model === '*' || o.model === model) && seconds >= o.fromSeconds && seconds < o.toSeconds) return { kind: 'outage', mode: o.mode };
    }
    for (const s of this.config.schedule ?? []) {
      if ((s.model === model || s.model === '*') && s.calls.includes(n)) return { kind: s.kind };
    }
    const chosen = this.config.models?.[model] ?? this.config.rates ?? profileRates;
    const rates = FAULT_KINDS.map((k) => chosen[k] ?? 0);
    if (!rates.some((r) => r > 0)) return null;
    let u = uniformFromKey(`${this.config.seed ?? this.defaultSeed}\u0000fault\u0000${model}\u0000${n}`);
    for (let i = 0; i < FAULT_KINDS.length; i++) {
      if (u < rates[i]) return { kind: FAULT_KINDS[i] };
      u -= rates[i];
    }
    return null;
  }
}
