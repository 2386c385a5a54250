/**
 * Semantic validation of an experiment config against what exists: the task registry, the model
 * registry, the task's data, and the budget's ability to pay for at least one iteration of every
 * stage. Pure; the file loader (src/experiment/load.ts) adds line numbers.
 */
import { isPriced, type ModelCatalog } from './catalog';
import { readExperimentConfig, REFLECTOR_STAGES, ROLES, type ExperimentConfig, type ReflectorKind, type Role } from './config';
import { planExperiment, type TokenEstimates } from './plan';
import { problem, type ConfigProblem, type PathSegment } from './problems';
import { planStages, resolveModel } from './stages';

/** Sizes of a task's pools (see src/core/splits.ts). */
export interface PoolSizes {
  train: number;
  test: number;
  /** True when test comes from its own pool; otherwise train, val and test share one pool. */
  separatePools: boolean;
}

export interface ValidationContext {
  taskNames: readonly string[];
  models: ModelCatalog;
  /** Pool sizes of the config's task, when known (checks that the splits fit the data). */
  pools?: PoolSizes;
  /** Token estimates for checking token and dollar budgets (defaults otherwise). */
  tokenEstimates?: Partial<TokenEstimates>;
}

export interface ValidationResult {
  /** The parsed config, or null when there are errors. */
  config: ExperimentConfig | null;
  errors: ConfigProblem[];
  warnings: ConfigProblem[];
}

function isRole(ref: string): ref is Role {
  return (ROLES as readonly string[]).includes(ref);
}

function knownList(names: readonly string[]): string {
  const shown = names.slice(0, 12).join(', ');
  return names.length > 12 ? `${shown}, ...` : shown;
}

function dedupe(problems: ConfigProblem[]): ConfigProblem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = `${p.path}\0${p.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Validates a raw config object (as read from YAML/JSON). Never throws on bad input. */
export function validateExperimentConfig(value: unknown, ctx: ValidationContext): ValidationResult {
  const { config, problems } = readExperimentConfig(value);
  if (!config) return { config: null, errors: problems, warnings: [] };
  const errors: ConfigProblem[] = [];
  const warnings: ConfigProblem[] = [];
  const names = ctx.models.names();
  const known = new Set(names);
  const rawReflector = ((value as { reflector?: Record<string, unknown> }).reflector ?? {}) as Record<string, unknown>;

  if (!ctx.taskNames.includes(config.task)) {
    errors.push(problem(['task'], `unknown task '${config.task}' (known: ${ctx.taskNames.join(', ')})`));
  }

  for (const role of ROLES) {
    const name = config.models[role];
    if (!known.has(name)) errors.push(problem(['models', role], `unknown model '${name}': not in the model registry (known: ${knownList(names)})`));
  }
  const checkRef = (at: PathSegment[], ref: string) => {
    if (!isRole(ref) && !known.has(ref)) {
      errors.push(problem(at, `unknown model '${ref}': neither a role (large, small) nor in the model registry (known: ${knownList(names)})`));
    }
  };
  checkRef(['reflector', 'default'], config.reflector.default);
  for (const kind of [...REFLECTOR_STAGES, 'wst'] as const) if (kind in rawReflector) checkRef(['reflector', kind], config.reflector[kind] ?? config.reflector.default);
  const evaluatedAt = new Map<string, number>();
  config.evaluation.models.forEach((ref, i) => {
    checkRef(['evaluation', 'models', i], ref);
    const model = resolveModel(config, ref);
    if (evaluatedAt.has(model)) {
      errors.push(problem(['evaluation', 'models', i], `'${model}' is already evaluated (evaluation.models[${evaluatedAt.get(model)}])`));
    } else evaluatedAt.set(model, i);
  });

  if (ctx.pools) {
    const { train, val, test } = config.splits;
    const p = ctx.pools;
    if (p.separatePools) {
      if (train + val > p.train) {
        errors.push(problem(['splits'], `train + val = ${train + val} exceeds the ${p.train} examples of ${config.task}'s train pool (train and val would overlap)`));
      }
      if (test > p.test) errors.push(problem(['splits', 'test'], `test = ${test} exceeds the ${p.test} examples of ${config.task}'s test pool`));
    } else if (train + val + test > p.train) {
      errors.push(problem(['splits'], `train + val + test = ${train + val + test} exceeds the ${p.train} examples of ${config.task} (the splits would overlap)`));
    }
  }

  const modelsKnown = errors.every((e) => e.at[0] !== 'models' && e.at[0] !== 'reflector' && e.at[0] !== 'evaluation');
  if (modelsKnown) {
    const stages = planStages(config);
    let pricesMissing = false;
    if (config.budget.unit === 'usd') {
      // Where the config names the model that lacks a price.
      const reflectorAt = (kind: ReflectorKind): PathSegment[] => {
        if (kind in rawReflector) return ['reflector', kind];
        if ('default' in rawReflector) return ['reflector', 'default'];
        const ref = config.reflector[kind] ?? config.reflector.default;
        return isRole(ref) ? ['models', ref] : ['reflector', kind];
      };
      for (const s of stages) {
        if (!isPriced(ctx.models.get(s.taskModel))) {
          errors.push(problem(['models', s.taskRole], `a dollar budget needs prices: '${s.taskModel}' has no priceInputPerM/priceOutputPerM in the model registry`));
          pricesMissing = true;
        }
        if (!isPriced(ctx.models.get(s.reflector))) {
          errors.push(problem(reflectorAt(s.reflectorKind), `a dollar budget needs prices: reflector '${s.reflector}' has no priceInputPerM/priceOutputPerM in the model registry`));
          pricesMissing = true;
        }
      }
    }
    if (!pricesMissing) {
      const plan = planExperiment(config, ctx.models, ctx.tokenEstimates);
      for (const s of plan.stages) {
        if (s.shortfall) errors.push(problem(['budget', s.grantOf === 'b2' ? 'b2' : 'b1'], `stage ${s.stage}: ${s.shortfall}`));
      }
    }
    const simulated = new Set([...new Set([config.models.large, config.models.small])].map((n) => ctx.models.get(n).simulated));
    if (simulated.size > 1) {
      warnings.push(problem(['models'], 'one model is simulated and the other is not: the comparison mixes a simulation with a real model'));
    }
  }

  if (config.evaluation.samples > 1 && config.evaluation.temperature === 0) {
    warnings.push(problem(['evaluation', 'temperature'], `K = ${config.evaluation.samples} samples at temperature 0 will mostly repeat the same answer; raise the temperature for pass@k`));
  }
  if (config.splits.test === 0) {
    warnings.push(problem(['splits', 'test'], 'test is 0: no arm will be evaluated on held-out problems'));
  }

  const all = dedupe(errors);
  return { config: all.length ? null : config, errors: all, warnings: dedupe(warnings) };
}
