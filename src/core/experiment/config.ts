/**
 * The experiment configuration: what a researcher writes (YAML or JSON, same shape) and the
 * parsed form the rest of the project reads, with every default filled in. Pure: the experiment
 * workflow re-parses its input with it.
 *
 * Parsing is idempotent: a parsed config is itself a valid config and parses to itself, so the
 * workflow input (the parsed config as JSON) can be fed back to `temporal workflow start`.
 */
import { z } from 'zod';
import { BUDGET_UNITS, type BudgetUnit } from '../budget';
import { COMPONENT_SELECTORS, SELECTORS } from '../gepa/strategies';
import { canonicalJson, fnv1a64Hex } from './canonical';
import { SEARCH_OPTIMIZERS } from '../optimizers';
import { ConfigError, problem, problemsFromZod, showValue, type ConfigProblem, type PathSegment } from './problems';
import { analysisProblems, analysisSchema, normalizeAnalysis, type AnalysisConfig } from './analysis';
import { wstSchema, type WstConfig } from './wst';

/** Optimizer names an experiment can pick. */
export function knownOptimizers(): string[] {
  return [DEFAULT_OPTIMIZER, ...Object.keys(SEARCH_OPTIMIZERS)];
}

/** A non-GEPA optimizer's settings for one repeat, completed and checked by the optimizer itself. */
export function optimizerSettings(name: string, settings: Record<string, unknown> | undefined, seed: number): Record<string, unknown> {
  const optimizer = SEARCH_OPTIMIZERS[name];
  if (!optimizer) throw new Error(`unknown optimizer '${name}'`);
  return optimizer.resolveConfig({ ...settings, seed }) as Record<string, unknown>;
}

/**
 * Problems of an `optimizers:` section (settings by optimizer name, GEPA's excepted), each at
 * `at` + its path: the experiment config and `lsl optimize --optimizer-config` share this check.
 */
export function optimizersSectionProblems(
  section: Record<string, unknown>,
  where: { at: PathSegment[]; gepaGoes: string; seedSetBy: string },
): ConfigProblem[] {
  const known = knownOptimizers();
  const out: ConfigProblem[] = [];
  for (const [name, settings] of Object.entries(section)) {
    const at = [...where.at, name];
    if (name === DEFAULT_OPTIMIZER) out.push(problem(at, `GEPA's settings go ${where.gepaGoes}`));
    else if (!known.includes(name)) out.push(problem(at, `unknown optimizer '${name}' (known: ${known.join(', ')})`));
    else if (typeof settings !== 'object' || settings === null || Array.isArray(settings)) out.push(problem(at, `must be a mapping of settings, got ${showValue(settings)}`));
    else if ('seed' in settings) out.push(problem([...at, 'seed'], `is set ${where.seedSetBy}`));
    else {
      try {
        optimizerSettings(name, settings as Record<string, unknown>, 0);
      } catch (err) {
        out.push(problem(at, (err as Error).message));
      }
    }
  }
  return out;
}

export const ROLES = ['large', 'small'] as const;
/** The model an arm's stage runs on: L or S; configs map each to a registry name. */
export type Role = (typeof ROLES)[number];

export const BASIC_ARMS = ['seed', 'base', 'lsl', 'matched', 'small-only'] as const;
/**
 * Arms run only when named (not in the default list, so configs that leave `arms` out keep their
 * ids): `wst`, S teaching L per problem with a GEPA-optimized teacher prompt (src/core/experiment/wst.ts).
 */
export const EXTRA_ARMS = ['wst'] as const;
export type BasicArm = (typeof BASIC_ARMS)[number] | (typeof EXTRA_ARMS)[number];
/** Arms that run an optimizer, and so may name one: `lsl@opro`. */
export const OPTIMIZED_ARMS = ['base', 'lsl', 'matched', 'small-only'] as const;
export type OptimizedArm = (typeof OPTIMIZED_ARMS)[number];
/**
 * An arm as written in `arms`: a named arm, or `{ cycles: k }` (k rounds of S then L after base);
 * `<arm>@<optimizer>` (or `{ cycles: k, optimizer }`) runs that arm's stages with another
 * optimizer than the config's `optimizer`, so several optimizers run side by side on the same grants.
 */
export type ArmSpec = BasicArm | `${OptimizedArm}@${string}` | { cycles: number; optimizer?: string };

/** The optimizer every arm's stages use unless the arm names another. */
export const DEFAULT_OPTIMIZER = 'gepa';

export { BUDGET_UNITS, type BudgetUnit } from '../budget';

/** Stage kinds whose reflection model can be chosen (`reflector.<kind>`, else `reflector.default`). */
export const REFLECTOR_STAGES = ['base', 'lsl', 'matched', 'small-only', 'cycles-small', 'cycles-large'] as const;
export type ReflectorStage = (typeof REFLECTOR_STAGES)[number];
/** The wst stage's reflector (`reflector.wst`, else `reflector.default`): only written when set, so older configs keep their ids. */
export type ReflectorKind = ReflectorStage | 'wst';

export { COMPONENT_SELECTORS, SELECTORS } from '../gepa/strategies';

/** The seed candidate: named components in the order they are rendered. */
export interface SeedPrompt {
  components: Record<string, string>;
  order: string[];
}

export interface GepaSettings {
  /** b: examples per reflection minibatch. */
  minibatchSize: number;
  selector: (typeof SELECTORS)[number];
  /** Exploration rate of the epsilon_greedy selector. */
  epsilon: number;
  componentSelector: (typeof COMPONENT_SELECTORS)[number];
  merge: boolean;
  maxMerge: number;
  perfectScore: number;
  /** Parallel proposals per GEPA round (absent: 1, one at a time). */
  proposals?: number;
  /** GEPA's budget reservation (absent: the engine's default, per-step). */
  reservation?: 'worst-case' | 'per-step';
  stop: { noImprovementIterations?: number; scoreThreshold?: number; maxWallClockMinutes?: number };
}

export interface ExperimentConfig {
  name: string;
  task: string;
  splits: { train: number; val: number; test: number; seed: number };
  seed: SeedPrompt;
  /** Registry names of L and S. */
  models: { large: string; small: string };
  /** Per stage kind: a role (`large`/`small`) or a registry name. Every kind is filled in. */
  reflector: { default: string } & Record<ReflectorStage, string> & { wst?: string };
  budget: { unit: BudgetUnit; b1: number; b2: number };
  arms: ArmSpec[];
  /** The optimizer of every stage whose arm names none (absent: gepa). */
  optimizer?: string;
  /** Settings of the optimizers other than GEPA, by name, as each optimizer reads them (no `seed`: the repeat's seed is used). */
  optimizers?: Record<string, Record<string, unknown>>;
  gepa: GepaSettings;
  evaluation: { models: string[]; samples: number; temperature: number };
  /** Number of repeats; always equals `seeds.length`. */
  repeats: number;
  /** GEPA seed of each repeat (default 1..repeats). */
  seeds: number[];
  /** When true each repeat also draws its own splits (seed `splits.seed + repeat index`). */
  resplit: boolean;
  simulator?: { latencyMs?: number };
  /** How the report answers the question and `lsl plan` sizes it; absent when not written (defaults: analysisSettings). */
  analysis?: AnalysisConfig;
  /** The wst arm's settings; absent when not written (defaults: wstSettings). */
  wst?: WstConfig;
}

const wholeNumber = (min: number) => z.int().min(min);

const modelRef = z.string().min(1).describe('A role (`large`, `small`) or a model registry name.');

const componentName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_-]*$/, {
  error: 'a component name is a letter or "_" followed by letters, digits, "_" or "-"',
});

const seedSchema = z.union(
  [
    z.strictObject({ instruction: z.string().describe('The single instruction component.') }),
    z.strictObject({
      components: z.record(componentName, z.string()).describe('Named components, rendered in the order written.'),
      order: z.array(z.string()).optional().describe('Explicit component order (defaults to the order written).'),
    }),
  ],
  { error: 'seed must be { instruction: <text> } or { components: { <name>: <text>, ... } }' },
);

const optimizerName = z.string().regex(/^[a-z][a-z0-9-]*$/, { error: 'an optimizer name is lower-case letters, digits and "-"' });

const armSchema = z.union(
  [
    z.enum([...BASIC_ARMS, ...EXTRA_ARMS]),
    z.templateLiteral([z.enum(OPTIMIZED_ARMS), '@', optimizerName]),
    z.strictObject({
      cycles: wholeNumber(1).describe('k rounds of (a stage on S, then a stage on L) after base.'),
      optimizer: optimizerName.optional().describe('The optimizer of these stages (default: the config\'s `optimizer`).'),
    }),
  ],
  {
    error: (issue) =>
      `unknown arm ${showValue(issue.input)} (known: ${[...BASIC_ARMS, ...EXTRA_ARMS].join(', ')}, { cycles: k }, or <arm>@<optimizer> such as lsl@opro)`,
  },
);

const reflectorShape: Record<string, z.ZodOptional<typeof modelRef>> = {};
for (const stage of [...REFLECTOR_STAGES, 'wst']) reflectorShape[stage] = modelRef.optional();

/** The file format. Defaults are filled here; cross-field rules are checked after parsing. */
export const experimentConfigSchema = z
  .strictObject({
    name: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, {
        error: 'must be 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit (it becomes part of the workflow id)',
      })
      .describe('Short name; the experiment id is exp-<name>-<hash of the config>.'),
    task: z.string().min(1).describe('Task name from the task registry, e.g. gsm8k, math500, humaneval.'),
    splits: z
      .strictObject({
        train: wholeNumber(0).describe('Training examples (reflection minibatches are drawn from them).'),
        val: wholeNumber(1).describe('Validation (Pareto) examples.'),
        test: wholeNumber(0).describe('Held-out test examples, evaluated once per arm and model.'),
        seed: z.int().default(1).describe('Seed of the split draw.'),
      })
      .describe('Split sizes, drawn by a seed and recorded as ids.'),
    seed: seedSchema.describe('The seed prompt P0.'),
    models: z.strictObject({ large: modelRef, small: modelRef }).describe('Registry names of L and S.'),
    reflector: z
      .strictObject({ default: modelRef.default('large'), ...reflectorShape })
      .prefault({})
      .describe('Reflection model per stage kind; unspecified kinds use `default` (L).'),
    budget: z
      .strictObject({
        unit: z.enum(BUDGET_UNITS).default('metricCalls'),
        b1: z.number().positive().describe('Budget of stage 1 (base).'),
        b2: z.number().min(0).describe('Budget of stage 2 (lsl, matched; cycles share it).'),
      })
      .describe('Budgets per stage, in one unit; every unit is recorded whatever the limit.'),
    arms: z
      .array(armSchema)
      .min(1)
      .default([...BASIC_ARMS])
      .describe('Which arms to run; lsl, matched and cycles need base (with the same optimizer).'),
    optimizer: optimizerName.optional().describe(`The optimizer of every arm that names none (${DEFAULT_OPTIMIZER} when absent).`),
    optimizers: z
      .record(optimizerName, z.record(z.string(), z.unknown()))
      .optional()
      .describe('Settings of the optimizers other than GEPA (opro, evoprompt-ga, ...), by name.'),
    gepa: z
      .strictObject({
        minibatchSize: wholeNumber(1).default(3),
        selector: z.enum(SELECTORS).default('pareto'),
        epsilon: z.number().min(0).max(1).default(0.1),
        componentSelector: z.enum(COMPONENT_SELECTORS).default('round_robin'),
        merge: z.boolean().default(false),
        maxMerge: wholeNumber(0).default(5),
        perfectScore: z.number().gt(0).max(1).default(1),
        proposals: wholeNumber(1).optional().describe('Parallel (parent, minibatch) proposals per GEPA round; 1 = one at a time.'),
        reservation: z.enum(['worst-case', 'per-step']).optional().describe('per-step: 2b up front, |V| once a child is accepted; worst-case: 2b + |V| per iteration.'),
        stop: z
          .strictObject({
            noImprovementIterations: wholeNumber(1).optional(),
            scoreThreshold: z.number().min(0).max(1).optional(),
            maxWallClockMinutes: z.number().positive().optional(),
          })
          .prefault({}),
      })
      .prefault({}),
    evaluation: z
      .strictObject({
        models: z.array(modelRef).min(1).default(['large', 'small']),
        samples: wholeNumber(1).default(1).describe('K samples per test problem.'),
        temperature: z.number().min(0).max(2).default(0),
      })
      .prefault({}),
    repeats: wholeNumber(1).optional().describe('Number of repeated runs (GEPA seeds 1..n) unless `seeds` is given.'),
    seeds: z.array(z.int()).min(1).optional().describe('GEPA seed of each repeat.'),
    resplit: z.boolean().default(false).describe('Re-draw the splits for each repeat too.'),
    simulator: z
      .strictObject({ latencyMs: z.number().min(0).optional() })
      .optional()
      .describe('Overrides for offline runs on the model simulator.'),
    analysis: analysisSchema.optional(),
    wst: wstSchema.optional(),
  })
  .describe('An LSL experiment: arms, models, splits, budgets and GEPA settings.');

type SchemaOutput = z.output<typeof experimentConfigSchema>;

/**
 * A config as written (YAML/JSON, defaults optional): the experiment workflow's input. A parsed
 * `ExperimentConfig` is one too. Typed for callers; the worker still validates it (`prepare`).
 */
export type ExperimentConfigInput = z.input<typeof experimentConfigSchema>;

export function armName(arm: ArmSpec): string {
  return typeof arm === 'string' ? arm : `cycles-${arm.cycles}${arm.optimizer ? `@${arm.optimizer}` : ''}`;
}

/** The arm without its optimizer: a basic arm or `{ cycles }`. */
export function armKind(arm: ArmSpec): BasicArm | { cycles: number } {
  if (typeof arm === 'string') return arm.split('@')[0] as BasicArm;
  return { cycles: arm.cycles };
}

/** The optimizer an arm's stages run: the one it names, else the config's. */
export function armOptimizer(config: Pick<ExperimentConfig, 'optimizer'>, arm: ArmSpec): string {
  const named = typeof arm === 'string' ? arm.split('@')[1] : arm.optimizer;
  return named ?? config.optimizer ?? DEFAULT_OPTIMIZER;
}

/** Rules across fields that a schema cannot say; each problem names its path. */
function structureProblems(c: SchemaOutput): ConfigProblem[] {
  const out: ConfigProblem[] = [];
  const seen = new Map<string, number>();
  c.arms.forEach((arm, i) => {
    const name = armName(arm);
    if (seen.has(name)) out.push(problem(['arms', i], `duplicate arm '${name}' (also arms[${seen.get(name)}])`));
    else seen.set(name, i);
  });
  const known = knownOptimizers();
  const defaultOptimizer = c.optimizer ?? DEFAULT_OPTIMIZER;
  if (!known.includes(defaultOptimizer)) out.push(problem(['optimizer'], `unknown optimizer '${defaultOptimizer}' (known: ${known.join(', ')})`));
  const bases = new Set(c.arms.filter((a) => armKind(a) === 'base').map((a) => armOptimizer(c, a)));
  c.arms.forEach((arm, i) => {
    const kind = armKind(arm);
    const opt = armOptimizer(c, arm);
    if (opt !== defaultOptimizer && !known.includes(opt)) out.push(problem(['arms', i], `unknown optimizer '${opt}' (known: ${known.join(', ')})`));
    if ((kind === 'lsl' || kind === 'matched' || typeof kind === 'object') && !bases.has(opt)) {
      const base = opt === defaultOptimizer ? 'base' : `base@${opt}`;
      out.push(problem(['arms', i], `arm '${armName(arm)}' continues from ${base}: add '${base}' to arms`));
    }
  });
  out.push(...optimizersSectionProblems(c.optimizers ?? {}, { at: ['optimizers'], gepaGoes: 'in the `gepa` block', seedSetBy: 'per repeat by `seeds`' }));
  const optimizes = c.arms.some((a) => a !== 'seed');
  if (optimizes && c.splits.train < c.gepa.minibatchSize) {
    out.push(problem(['splits', 'train'], `train (${c.splits.train}) must hold at least one minibatch (gepa.minibatchSize = ${c.gepa.minibatchSize})`));
  }
  if (c.budget.unit !== 'usd') {
    for (const key of ['b1', 'b2'] as const) {
      if (!Number.isInteger(c.budget[key])) {
        out.push(problem(['budget', key], `a budget in ${c.budget.unit} must be a whole number, got ${c.budget[key]}`));
      }
    }
  }
  if ('components' in c.seed) {
    const names = Object.keys(c.seed.components);
    if (names.length === 0) out.push(problem(['seed', 'components'], 'needs at least one component'));
    if (c.seed.order) {
      const order = c.seed.order;
      const missing = names.filter((n) => !order.includes(n));
      const extra = order.filter((n) => !names.includes(n));
      if (missing.length || extra.length || new Set(order).size !== order.length) {
        out.push(problem(['seed', 'order'], `must list each component exactly once (components: ${names.join(', ')})`));
      }
    }
  }
  if (c.seeds) {
    if (c.repeats !== undefined && c.repeats !== c.seeds.length) {
      out.push(problem(['repeats'], `repeats (${c.repeats}) does not match the ${c.seeds.length} seeds given`));
    }
    const firstAt = new Map<number, number>();
    c.seeds.forEach((s, i) => {
      if (firstAt.has(s)) out.push(problem(['seeds', i], `duplicate seed ${s} (also seeds[${firstAt.get(s)}]): the repeat would be identical`));
      else firstAt.set(s, i);
    });
  }
  out.push(...analysisProblems(c.analysis, c.arms.map(armName)));
  return out;
}

function normalize(c: SchemaOutput): ExperimentConfig {
  const seed: SeedPrompt = 'instruction' in c.seed
    ? { components: { instruction: c.seed.instruction }, order: ['instruction'] }
    : { components: { ...c.seed.components }, order: c.seed.order ? [...c.seed.order] : Object.keys(c.seed.components) };
  const reflector = { default: c.reflector.default } as ExperimentConfig['reflector'];
  for (const stage of REFLECTOR_STAGES) reflector[stage] = (c.reflector as Record<string, string | undefined>)[stage] ?? c.reflector.default;
  const seeds = c.seeds ? [...c.seeds] : Array.from({ length: c.repeats ?? 1 }, (_, i) => i + 1);
  const stop = Object.fromEntries(Object.entries(c.gepa.stop).filter(([, v]) => v !== undefined));
  const config: ExperimentConfig = {
    name: c.name,
    task: c.task,
    splits: { ...c.splits },
    seed,
    models: { ...c.models },
    reflector,
    budget: { ...c.budget },
    arms: c.arms.map((a) => (typeof a === 'string' ? a : { cycles: a.cycles, ...(a.optimizer ? { optimizer: a.optimizer } : {}) })),
    gepa: { ...c.gepa, stop },
    evaluation: { ...c.evaluation, models: [...c.evaluation.models] },
    repeats: seeds.length,
    seeds,
    resplit: c.resplit,
  };
  if (c.simulator) config.simulator = { ...c.simulator };
  if (c.analysis) config.analysis = normalizeAnalysis(c.analysis);
  const reflectorWst = (c.reflector as Record<string, string | undefined>).wst;
  if (reflectorWst !== undefined) config.reflector.wst = reflectorWst;
  if (c.wst) config.wst = { ...c.wst };
  // Absent when GEPA is the only optimizer, so configs written before there were others keep their ids.
  if (c.optimizer !== undefined) config.optimizer = c.optimizer;
  if (c.optimizers !== undefined && Object.keys(c.optimizers).length > 0) config.optimizers = JSON.parse(JSON.stringify(c.optimizers));
  return config;
}

/** Parses without throwing: the config, or the problems (schema and cross-field) with their paths. */
export function readExperimentConfig(value: unknown): { config: ExperimentConfig | null; problems: ConfigProblem[] } {
  const parsed = experimentConfigSchema.safeParse(value, { reportInput: true });
  if (!parsed.success) return { config: null, problems: problemsFromZod(parsed.error.issues) };
  const problems = structureProblems(parsed.data);
  return problems.length ? { config: null, problems } : { config: normalize(parsed.data), problems: [] };
}

/** Parses a config object (from YAML, JSON or a workflow input); throws ConfigError listing every problem. */
export function parseExperimentConfig(value: unknown): ExperimentConfig {
  const { config, problems } = readExperimentConfig(value);
  if (!config) throw new ConfigError(problems);
  return config;
}

/** 16 hex digits identifying the parsed config (defaults included, key order irrelevant). */
export function configHash(config: ExperimentConfig): string {
  return fnv1a64Hex(canonicalJson(config));
}

/** The experiment's business id, used as the Temporal workflow id: `exp-<name>-<hash8>`. */
export function experimentIdFor(config: ExperimentConfig): string {
  return `exp-${config.name}-${configHash(config).slice(0, 8)}`;
}

/** JSON Schema (draft 2020-12) of the file format, for editors and `schemas/experiment.schema.json`. */
export function experimentJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(experimentConfigSchema, { io: 'input', target: 'draft-2020-12' }) as Record<string, unknown>;
  return { ...schema, title: 'LSL experiment config' };
}
