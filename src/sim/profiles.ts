/**
 * Simulated models: named profiles of ability, reflection ability, speed, context size and
 * fault rates. The built-in ones can be overridden or extended by name.
 */
import { z } from 'zod';
import { describeZodError, faultRatesSchema } from './faults';

const unit = z.number().min(0).max(1);

/** OpenAI's effort levels (`reasoning_effort`). */
export const SIM_EFFORTS = ['none', 'minimal', 'low', 'medium', 'high', 'xhigh'] as const;
export type SimEffort = (typeof SIM_EFFORTS)[number];

/**
 * A reasoning model, as OpenAI's behave: it refuses `max_tokens` and a non-default temperature,
 * spends hidden reasoning tokens (about `tokens[effort]`, ±40% by request) before its answer,
 * answers with `skill + skillBonus[effort]`, and returns empty content with finish_reason
 * `length` when `max_completion_tokens` does not cover the reasoning.
 */
export const reasoningSchema = z.object({
  defaultEffort: z.enum(SIM_EFFORTS),
  tokens: z.record(z.enum(SIM_EFFORTS), z.number().int().min(0)),
  skillBonus: z.record(z.enum(SIM_EFFORTS), z.number().min(-1).max(1)),
}).strict();
export type SimReasoning = z.infer<typeof reasoningSchema>;

export const simProfileSchema = z.object({
  /** Task ability, 0..1. */
  skill: unit,
  /** How well the model turns feedback into rules, 0..1. */
  reflectionSkill: unit,
  latencyMs: z.object({ mean: z.number().min(0), jitter: z.number().min(0) }).strict(),
  contextTokens: z.number().int().positive(),
  faultRates: faultRatesSchema,
  /** Share of answers in another format when the instruction does not ask for the task's format. */
  formatSlipRate: unit,
  /** `a` in sigmoid(a * (skill - difficulty)). */
  steepness: z.number().positive(),
  /** Prompt saturation: past `thresholdTokens` of instruction, every `tokensPerRule` more cost `costPerRule * (1 - skill)`. */
  saturation: z.object({
    thresholdTokens: z.number().int().min(0),
    tokensPerRule: z.number().int().positive(),
    costPerRule: unit,
  }).strict(),
  reasoning: reasoningSchema.optional(),
}).strict();

export type SimProfile = z.infer<typeof simProfileSchema>;

/** A profile override: any subset of fields (nested objects may be partial too). */
export type SimProfileOverride = Partial<Omit<SimProfile, 'latencyMs' | 'saturation' | 'reasoning'>> & {
  latencyMs?: Partial<SimProfile['latencyMs']>;
  saturation?: Partial<SimProfile['saturation']>;
  reasoning?: Partial<SimReasoning>;
};

const common = {
  latencyMs: { mean: 0, jitter: 0 },
  faultRates: {},
  steepness: 6,
  saturation: { thresholdTokens: 350, tokensPerRule: 30, costPerRule: 0.04 },
} satisfies Partial<SimProfile>;

export const defaultProfiles: Readonly<Record<string, SimProfile>> = Object.freeze({
  'sim-large': { ...common, skill: 0.85, reflectionSkill: 0.85, contextTokens: 128_000, formatSlipRate: 0.15 },
  'sim-medium': { ...common, skill: 0.7, reflectionSkill: 0.7, contextTokens: 65_536, formatSlipRate: 0.25 },
  'sim-small': { ...common, skill: 0.5, reflectionSkill: 0.5, contextTokens: 32_768, formatSlipRate: 0.4 },
  // Modelled on gpt-5: strong, follows formats, and thinks before it answers.
  'sim-reasoning': {
    ...common, skill: 0.8, reflectionSkill: 0.8, contextTokens: 400_000, formatSlipRate: 0.1,
    reasoning: {
      defaultEffort: 'medium',
      tokens: { none: 0, minimal: 40, low: 250, medium: 700, high: 1800, xhigh: 3500 },
      skillBonus: { none: -0.15, minimal: -0.1, low: -0.05, medium: 0, high: 0.06, xhigh: 0.09 },
    },
  },
});

/** Base for a new profile that states only some fields. */
const NEW_PROFILE_BASE: SimProfile = defaultProfiles['sim-small'];

/**
 * The built-in profiles with `overrides` merged over them by name (new names start from the
 * small profile's values), and `latencyMs` applied to all when given. Throws a one-line error
 * naming the profile and field that is wrong.
 */
export function resolveProfiles(
  overrides: Record<string, SimProfileOverride> = {},
  latencyMs?: number | { mean: number; jitter?: number },
): Record<string, SimProfile> {
  const out: Record<string, SimProfile> = {};
  const names = new Set([...Object.keys(defaultProfiles), ...Object.keys(overrides)]);
  for (const name of names) {
    const base = defaultProfiles[name] ?? NEW_PROFILE_BASE;
    const o = overrides[name] ?? {};
    const merged = {
      ...base,
      ...o,
      latencyMs: { ...base.latencyMs, ...o.latencyMs },
      saturation: { ...base.saturation, ...o.saturation },
      faultRates: { ...base.faultRates, ...o.faultRates },
      ...(base.reasoning || o.reasoning ? { reasoning: { ...base.reasoning, ...o.reasoning } } : {}),
    };
    if (latencyMs !== undefined) {
      merged.latencyMs = typeof latencyMs === 'number' ? { mean: latencyMs, jitter: 0 } : { mean: latencyMs.mean, jitter: latencyMs.jitter ?? 0 };
    }
    const parsed = simProfileSchema.safeParse(merged);
    if (!parsed.success) throw new Error(describeZodError(`simulator profile '${name}'`, parsed.error));
    out[name] = parsed.data;
  }
  return out;
}
