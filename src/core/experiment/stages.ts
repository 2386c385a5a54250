/**
 * What each arm runs, as data: the single source of truth for the experiment workflow, the plan
 * and the report. The base stage is shared: lsl, matched and cycles all continue from it.
 *
 * - base: stage 1 on L from the seed prompt, grant B1.
 * - lsl: on S, a fresh pool seeded with base's best candidate (PRNG and sampler continued from
 *   base's state), grant B2. Its prompt P_hard is then evaluated on L (and S).
 * - matched: base's exact state (pool, frontier, PRNG) continued on L, grant B2.
 * - small-only: on S from the seed prompt, grant B1 + B2.
 * - cycles k: after base, k rounds of (a stage on S, then a stage on L); each stage starts a fresh
 *   pool from the previous stage's best candidate and continues its PRNG. The 2k stages share B2:
 *   each gets B2 / 2k (whole units: the remainder goes one each to the first stages), so the arm
 *   stays budget-matched with `matched` at B1 + B2 in total.
 * - wst: the teacher's prompt, optimized from its seed on the student's score: teacher S writes
 *   an instruction per problem, student L answers with it (src/core/experiment/wst.ts); grant B2,
 *   as lsl's. Its evaluations use the same two calls.
 */
import { armKind, armName, armOptimizer, DEFAULT_OPTIMIZER, type ArmSpec, type BudgetUnit, type ExperimentConfig, type ReflectorKind, type Role } from './config';

/**
 * How a stage's optimizer starts:
 * - `seed`: a new pool holding the seed prompt P0;
 * - `base-state`: base's final optimizer state, continued exactly;
 * - `base-best` / `previous-stage`: a new pool holding the best candidate of base / of the
 *   stage before it (validated anew on this stage's model), PRNG and sampler continued from that
 *   stage's final state;
 * - `teacher-seed`: a new pool holding the teacher's seed prompt (wst).
 */
export type StartsFrom = 'seed' | 'base-state' | 'base-best' | 'previous-stage' | 'teacher-seed';

export interface PlannedStage {
  /** The arm this stage belongs to (base's stage belongs to `base`, and is shared). */
  arm: string;
  /**
   * Unique within an experiment: `base`, `lsl`, `matched`, `small-only`, `cycles-2-s1`,
   * `cycles-2-l1`, ...; `@<optimizer>` appended when the arm names an optimizer other than the config's.
   */
  stage: string;
  /** The optimizer the stage runs (registry name). */
  optimizer: string;
  taskRole: Role;
  /** Registry name of the task model. */
  taskModel: string;
  /** Which `reflector.<kind>` setting chose the reflection model. */
  reflectorKind: ReflectorKind;
  /** Registry name of the reflection model. */
  reflector: string;
  /** Budget granted to the stage, in `config.budget.unit`. */
  grant: number;
  /** Which configured budget the grant comes from. */
  grantOf: 'b1' | 'b2' | 'b1+b2';
  startsFrom: StartsFrom;
  /** The stage whose state or best candidate it starts from; null when it starts from the seed. */
  after: string | null;
  /** Set when its rollouts are teacher-then-student (wst): the teacher's role and registry name; the task model is the student. */
  teacherRole?: Role;
  teacher?: string;
}

export interface PlannedArm {
  arm: string;
  /** Stages the arm's prompt depends on, in order (shared stages included). */
  stages: string[];
  /** The stage whose best candidate is the arm's prompt; null for `seed` (P0 itself). */
  yields: string | null;
  /** Set when the arm's prompt is a teacher's (wst): the teacher model its evaluations call first. */
  teacher?: string;
}

export interface PlannedRepeat {
  /** 0-based repeat index. */
  repeat: number;
  /** Seed of GEPA's PRNG in every stage of this repeat. */
  gepaSeed: number;
  /** Seed of the split draw. */
  splitSeed: number;
}

/** A role maps to the configured model; anything else is already a registry name. */
export function resolveModel(config: ExperimentConfig, ref: string): string {
  return ref === 'large' || ref === 'small' ? config.models[ref] : ref;
}

/** Splits a budget into `parts` grants summing exactly to it (whole units stay whole). */
export function splitGrant(total: number, parts: number, unit: BudgetUnit): number[] {
  if (!Number.isInteger(parts) || parts < 1) throw new Error(`splitGrant: parts must be a whole number >= 1, got ${parts}`);
  if (unit === 'usd') {
    const each = total / parts;
    const grants = Array.from({ length: parts }, () => each);
    grants[parts - 1] = total - each * (parts - 1);
    return grants;
  }
  const each = Math.floor(total / parts);
  const rest = total - each * parts;
  return Array.from({ length: parts }, (_, i) => each + (i < rest ? 1 : 0));
}

/** How an arm's stages are named and run: its optimizer, and the suffix its stage names carry. */
interface ArmContext { arm: string; optimizer: string; suffix: string }

function stageOf(
  config: ExperimentConfig,
  ctx: ArmContext,
  s: Omit<PlannedStage, 'taskModel' | 'reflector' | 'optimizer' | 'arm'>,
): PlannedStage {
  return {
    arm: ctx.arm,
    ...s,
    stage: `${s.stage}${ctx.suffix}`,
    after: s.after === null ? null : `${s.after}${ctx.suffix}`,
    optimizer: ctx.optimizer,
    taskModel: config.models[s.taskRole],
    reflector: resolveModel(config, config.reflector[s.reflectorKind] ?? config.reflector.default),
    ...(s.teacherRole ? { teacher: config.models[s.teacherRole] } : {}),
  };
}

function cycleStages(config: ExperimentConfig, ctx: ArmContext, k: number): PlannedStage[] {
  const arm = `cycles-${k}`;
  const grants = splitGrant(config.budget.b2, 2 * k, config.budget.unit);
  const out: PlannedStage[] = [];
  let previous = 'base';
  for (let i = 1; i <= k; i++) {
    const small = `${arm}-s${i}`;
    out.push(stageOf(config, ctx, {
      stage: small, taskRole: 'small', reflectorKind: 'cycles-small', grant: grants[2 * i - 2], grantOf: 'b2',
      startsFrom: i === 1 ? 'base-best' : 'previous-stage', after: previous,
    }));
    const large = `${arm}-l${i}`;
    out.push(stageOf(config, ctx, {
      stage: large, taskRole: 'large', reflectorKind: 'cycles-large', grant: grants[2 * i - 1], grantOf: 'b2',
      startsFrom: 'previous-stage', after: small,
    }));
    previous = large;
  }
  return out;
}

function armStages(config: ExperimentConfig, spec: ArmSpec): PlannedStage[] {
  const { b1, b2 } = config.budget;
  const optimizer = armOptimizer(config, spec);
  const ctx: ArmContext = { arm: armName(spec), optimizer, suffix: optimizer === (config.optimizer ?? DEFAULT_OPTIMIZER) ? '' : `@${optimizer}` };
  const kind = armKind(spec);
  switch (kind) {
    case 'seed':
      return [];
    case 'base':
      return [stageOf(config, ctx, { stage: 'base', taskRole: 'large', reflectorKind: 'base', grant: b1, grantOf: 'b1', startsFrom: 'seed', after: null })];
    case 'lsl':
      return [stageOf(config, ctx, { stage: 'lsl', taskRole: 'small', reflectorKind: 'lsl', grant: b2, grantOf: 'b2', startsFrom: 'base-best', after: 'base' })];
    case 'matched':
      return [stageOf(config, ctx, { stage: 'matched', taskRole: 'large', reflectorKind: 'matched', grant: b2, grantOf: 'b2', startsFrom: 'base-state', after: 'base' })];
    case 'small-only':
      return [stageOf(config, ctx, { stage: 'small-only', taskRole: 'small', reflectorKind: 'small-only', grant: b1 + b2, grantOf: 'b1+b2', startsFrom: 'seed', after: null })];
    case 'wst':
      return [stageOf(config, ctx, {
        stage: 'wst', taskRole: 'large', teacherRole: 'small', reflectorKind: 'wst', grant: b2, grantOf: 'b2', startsFrom: 'teacher-seed', after: null,
      })];
    default:
      return cycleStages(config, ctx, kind.cycles);
  }
}

/** Every stage of one repeat, base first, then in the order the arms are written. */
export function planStages(config: ExperimentConfig): PlannedStage[] {
  const ordered = [...config.arms.filter((a) => armKind(a) === 'base'), ...config.arms.filter((a) => armKind(a) !== 'base')];
  return ordered.flatMap((arm) => armStages(config, arm));
}

/** Each arm (in config order) with the stages its prompt depends on and the stage that yields it. */
export function planArms(config: ExperimentConfig): PlannedArm[] {
  const stages = planStages(config);
  const byName = new Map(stages.map((s) => [s.stage, s]));
  return config.arms.map((spec) => {
    const arm = armName(spec);
    const own = stages.filter((s) => s.arm === arm);
    const last = own[own.length - 1];
    if (!last) return { arm, stages: [], yields: null };
    const chain: string[] = [];
    for (let s: PlannedStage | undefined = last; s; s = s.after ? byName.get(s.after) : undefined) chain.unshift(s.stage);
    return { arm, stages: chain, yields: last.stage, ...(last.teacher ? { teacher: last.teacher } : {}) };
  });
}

/** The repeats of the experiment: GEPA seed and split seed of each. */
export function planRepeats(config: ExperimentConfig): PlannedRepeat[] {
  return config.seeds.map((gepaSeed, repeat) => ({
    repeat,
    gepaSeed,
    splitSeed: config.resplit ? config.splits.seed + repeat : config.splits.seed,
  }));
}

/** The models every arm's final prompt is evaluated on: as written (role or name) and resolved. */
export function evaluationModels(config: ExperimentConfig): { ref: string; model: string }[] {
  return config.evaluation.models.map((ref) => ({ ref, model: resolveModel(config, ref) }));
}
