/**
 * The GEPA optimizer as a state machine that never awaits. A driver (the GEPA stage workflow)
 * asks `nextAction` what to do, does it (rollouts or a reflection call) and hands the outcome
 * to `applyResult`, until the action is `done`. All randomness comes from the PRNG whose state
 * lives in the GepaState, so a saved state continues exactly.
 *
 * `nextAction` and `applyResult` update the state they are given in place (the pool can be
 * large; copying it at every step would dominate the cost); `applyResult` returns it too.
 * Clone with `JSON.parse(JSON.stringify(state))` to keep an old one.
 */
import { Rng } from '../random';
import {
  account,
  createLedger,
  estimateCost,
  grant as grantLedger,
  recordIterations,
  recordMetricCalls,
  recordUsage as recordLedgerUsage,
  release,
  reserve,
  spend,
  type Grant,
  type UsageRecord,
} from '../budget';
import { countMissingTrain, countMissingVal, fillTrain, fillVal, forgetRecords, unique } from './cache';
import { candidateHash, seedCandidateFrom } from './candidate';
import { resolveGepaConfig } from './config';
import { addToFronts, createFronts, frontierWeights } from './frontier';
import { findMerge, mergeSubset } from './merge';
import {
  buildReflectionPrompt,
  capRecord,
  chooseRecords,
  feedbackFor,
  parseReflection,
  truncateMiddle,
} from './reflection';
import { createSampler } from './sampler';
import { ACCEPTANCES, BATCH_SAMPLERS, COMPONENT_CHOOSERS, PARENT_SELECTORS } from './strategies';
import type {
  CachedTrainResult,
  Candidate,
  EvaluateAction,
  EvaluatePurpose,
  EvaluationResult,
  ExampleResult,
  GepaAction,
  GepaConfigInput,
  GepaState,
  GepaStopConfig,
  InFlight,
  EvaluateBatchAction,
  ParallelStep,
  PendingAction,
  Proposal,
  ReflectBatchAction,
  ReflectAction,
  ReflectionRecord,
  ReflectionResult,
  SamplerState,
  StageCounters,
  StepContext,
  StopReason,
} from './types';

/** What a new stage may take over from an earlier one: the PRNG, the sampler and the iteration count. */
export interface GepaCarry {
  rng: GepaState['rng'];
  sampler: SamplerState;
  iteration: number;
}

export interface InitGepaArgs {
  config?: GepaConfigInput;
  /** One instruction, or named components (in the order given). */
  seedCandidate: string | { components: Record<string, string>; order?: string[] };
  trainIds: readonly string[];
  valIds: readonly string[];
  grant: Grant;
  /** Ledger holder name of this stage (default "gepa"). */
  holder?: string;
  /** Continue the PRNG and sampler of an earlier stage (see carryFrom). */
  carry?: GepaCarry;
  /** Metric calls already spent on this line of optimization, so spends stay cumulative. */
  spendOffset?: number;
}

function checkIds(what: string, ids: readonly string[]): void {
  if (!Array.isArray(ids) || ids.length === 0) throw new Error(`gepa: ${what} ids must be a non-empty list`);
  const seen = new Set<string>();
  for (const id of ids) {
    if (typeof id !== 'string' || id === '') throw new Error(`gepa: ${what} ids must be non-empty strings, got ${JSON.stringify(id)}`);
    if (seen.has(id)) throw new Error(`gepa: ${what} id "${id}" appears twice`);
    seen.add(id);
  }
}

function zeroCounters(): StageCounters {
  return {
    iterations: 0, accepted: 0, rejected: 0, skipped: 0, reflectionCalls: 0, reflectionRejections: 0,
    reflectionFailures: 0, reflectionTruncations: 0, duplicates: 0, mergesTried: 0, mergesAccepted: 0, sinceImprovement: 0, idleStreak: 0,
  };
}

export function initGepaState(args: InitGepaArgs): GepaState {
  const config = resolveGepaConfig(args.config ?? {});
  checkIds('train', args.trainIds);
  checkIds('val', args.valIds);
  const holder = args.holder ?? 'gepa';
  const spendOffset = args.spendOffset ?? 0;
  if (!Number.isInteger(spendOffset) || spendOffset < 0) throw new Error(`gepa: spendOffset must be a whole number >= 0, got ${spendOffset}`);
  const ledger = createLedger();
  grantLedger(ledger, holder, args.grant.amount, args.grant.unit);
  if (args.grant.unit === 'metricCalls' && args.grant.amount < args.valIds.length) {
    throw new Error(
      `gepa: a grant of ${args.grant.amount} metric calls cannot cover the seed's validation on ${args.valIds.length} examples`,
    );
  }
  if (args.carry) checkCarry(args.carry, args.trainIds);
  const seed = seedCandidateFrom(args.seedCandidate);
  const iteration = args.carry?.iteration ?? 0;
  const seedCandidate: Candidate = {
    id: 'c0',
    components: seed.components,
    order: seed.order,
    parents: [],
    discoveredAtSpend: spendOffset,
    iteration,
    origin: 'seed',
    componentPointer: 0,
  };
  return {
    version: 1,
    optimizer: 'gepa',
    config,
    holder,
    trainIds: [...args.trainIds],
    valIds: [...args.valIds],
    rng: args.carry ? [...args.carry.rng] as GepaState['rng'] : Rng.fromSeed(`gepa:${config.seed}`).state(),
    sampler: args.carry ? clone(args.carry.sampler) : createSampler(),
    iteration,
    pool: [],
    poolIndexByHash: {},
    fronts: createFronts(args.valIds.length),
    cache: {},
    trainInputs: {},
    ledger,
    spendOffset,
    nextCandidateNumber: 1,
    nextSeq: 1,
    seedCandidate,
    inFlight: null,
    pending: null,
    merge: { due: 0, lastIterationFoundNew: false, triedTriplets: [] },
    counters: zeroCounters(),
    learningCurve: [],
    lastAccepted: null,
    startedAtMs: null,
    stopReason: null,
  };
}

function checkCarry(carry: GepaCarry, trainIds: readonly string[]): void {
  if (carry.sampler.epoch < 0) return;
  const known = new Set(Object.keys(carry.sampler.useCounts));
  const same = known.size === trainIds.length && trainIds.every((id) => known.has(id));
  if (!same) throw new Error('gepa: the carried sampler was built over different training ids than this stage');
}

function clone<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}

/** The PRNG, sampler and iteration count of a state, for a new stage that continues them. */
export function carryFrom(state: GepaState): GepaCarry {
  return { rng: [...state.rng] as GepaState['rng'], sampler: clone(state.sampler), iteration: state.iteration };
}

/**
 * A new stage on the same pool, frontier, PRNG and sampler (e.g. the matched arm continuing
 * stage 1), with its own grant and ledger. Spends stay cumulative. Returns a new state.
 */
export function continueGepaState(
  state: GepaState,
  args: { grant: Grant; holder?: string; stop?: Partial<GepaStopConfig> },
): GepaState {
  if (state.inFlight || state.pending) throw new Error('gepa: cannot start a new stage in the middle of an iteration');
  if (state.pool.length === 0) throw new Error('gepa: cannot continue a state whose seed was never validated');
  const next = clone(state);
  next.optimizer = 'gepa';
  next.spendOffset = cumulativeSpend(state);
  next.holder = args.holder ?? state.holder;
  next.ledger = createLedger();
  grantLedger(next.ledger, next.holder, args.grant.amount, args.grant.unit);
  if (args.stop) {
    next.config = resolveGepaConfig({ ...next.config, stop: { ...args.stop } });
  }
  next.counters = zeroCounters();
  next.startedAtMs = null;
  next.stopReason = null;
  return next;
}

/** Metric calls of this stage. */
export function stageSpend(state: GepaState): number {
  return account(state.ledger, state.holder).metricCalls;
}

/** Metric calls over all stages of this state. */
export function cumulativeSpend(state: GepaState): number {
  return state.spendOffset + stageSpend(state);
}

/** Records a model call's usage (tokens, dollars, reflection or rollout, re-done or first) in the stage's ledger. */
export function recordUsage(state: GepaState, usage: UsageRecord): void {
  recordLedgerUsage(state.ledger, state.holder, usage);
}

// ---------------------------------------------------------------- the loop

export function nextAction(state: GepaState, ctx: StepContext): GepaAction {
  if (state.pending) return state.pending;
  if (state.stopReason) return { kind: 'done', reason: state.stopReason };
  if (state.startedAtMs === null) state.startedAtMs = ctx.nowMs;
  for (;;) {
    if (!state.inFlight) {
      if (state.pool.length === 0) startSeed(state);
      else {
        const reason = stopCondition(state, ctx) ?? beginIteration(state);
        if (reason) {
          state.stopReason = reason;
          return { kind: 'done', reason };
        }
      }
    }
    const action = advance(state);
    if (action) {
      state.pending = action;
      return action;
    }
    if (state.stopReason) return { kind: 'done', reason: state.stopReason };
  }
}

function perStep(state: GepaState): boolean {
  // States saved before the option existed hold budget as they always did.
  return (state.config.reservation ?? 'worst-case') === 'per-step';
}

/**
 * Per-step reservation: holds the validation an accepted child (or merge) now needs. When it
 * does not fit, the iteration ends without adding the candidate and the run ends on budget.
 */
function reserveValidation(state: GepaState, calls: number): boolean {
  if (!perStep(state) || reserveWork(state, calls, false)) return true;
  state.counters.unaffordable = (state.counters.unaffordable ?? 0) + 1;
  finishIteration(state, false);
  state.stopReason = 'budget';
  return false;
}

function bestMean(state: GepaState): number {
  let best = -Infinity;
  for (const p of state.pool) if (p.valMean > best) best = p.valMean;
  return best;
}

function stopCondition(state: GepaState, ctx: StepContext): StopReason | null {
  const stop = state.config.stop;
  if (ctx.stopRequested) return 'stop-requested';
  if (stop.maxUsd !== undefined) {
    const acc = account(state.ledger, state.holder);
    let usd = 0;
    for (const m of Object.values(acc.byModel)) usd += m.first.usd + m.redone.usd;
    if (Math.max(usd, ctx.usdSpent ?? 0) >= stop.maxUsd) return 'max-usd';
  }
  if (stop.maxWallClockMs !== undefined && ctx.nowMs - (state.startedAtMs ?? ctx.nowMs) >= stop.maxWallClockMs) return 'wall-clock';
  if (stop.scoreThreshold !== undefined && bestMean(state) >= stop.scoreThreshold) return 'score-threshold';
  if (stop.maxIterations !== undefined && state.counters.iterations >= stop.maxIterations) return 'max-iterations';
  if (stop.noImprovementIterations !== undefined && state.counters.sinceImprovement >= stop.noImprovementIterations) return 'no-improvement';
  if (state.counters.idleStreak >= stop.maxIdleIterations) return 'stalled';
  return null;
}

/** Reserves what an iteration (or the seed's validation) may need; false when it does not fit. */
function reserveWork(state: GepaState, calls: number, isIteration: boolean): boolean {
  const acc = account(state.ledger, state.holder);
  const unit = acc.grant!.unit;
  switch (unit) {
    case 'metricCalls':
      return reserve(state.ledger, state.holder, calls).ok;
    case 'iterations':
      return isIteration ? reserve(state.ledger, state.holder, 1).ok : true;
    case 'tokens':
    case 'usd':
      return reserve(state.ledger, state.holder, estimateCost(acc, unit, calls)).ok;
  }
}

function chargeCalls(state: GepaState, n: number): void {
  if (n === 0) return;
  const acc = account(state.ledger, state.holder);
  if (acc.grant!.unit === 'metricCalls') spend(state.ledger, state.holder, n);
  else recordMetricCalls(state.ledger, state.holder, n);
  state.inFlight!.spentCalls += n;
}

function startSeed(state: GepaState): void {
  if (!reserveWork(state, state.valIds.length, false)) {
    throw new Error('gepa: the grant cannot cover the seed validation');
  }
  state.inFlight = { kind: 'seed', step: 'seed-val', spentCalls: 0, seedVal: {} };
}

function evaluateAction(
  state: GepaState,
  purpose: EvaluatePurpose,
  candidate: Candidate,
  split: 'train' | 'val',
  exampleIds: string[],
): EvaluateAction {
  return { kind: 'evaluate', seq: state.nextSeq++, purpose, candidateId: candidate.id, candidate: clone(candidate), split, exampleIds };
}

/**
 * Starts the next iteration: a scheduled merge if one can be found, else a reflective
 * mutation. Draws on a copy of the PRNG and sampler and commits them only when the iteration's
 * work fits the budget, so a run that ends on budget leaves its state exactly at the boundary.
 */
function beginIteration(state: GepaState): StopReason | null {
  const cfg = state.config;
  const rng = new Rng(state.rng);
  const iteration = state.iteration + 1;
  const means = state.pool.map((p) => p.valMean);
  let known: number[] | undefined;
  const weights = () => (known ??= frontierWeights(state.fronts, means));

  const mergeScheduled =
    cfg.useMerge && state.merge.due > 0 && state.merge.lastIterationFoundNew && state.counters.mergesAccepted < cfg.maxMerge;
  if (mergeScheduled) {
    const plan = findMerge(state.pool, weights(), rng, new Set(state.merge.triedTriplets));
    if (plan) {
      const subset = mergeSubset(state.valIds, state.pool[plan.i].valScores, state.pool[plan.j].valScores, cfg.mergeSubsetSize, rng);
      const mergeNeed = perStep(state) ? countMissingVal(state, plan.hash, subset) : countMissingVal(state, plan.hash);
      if (!reserveWork(state, mergeNeed, true)) return 'budget';
      commitIterationStart(state, rng, state.sampler, iteration);
      state.merge.triedTriplets.push(plan.triplet);
      const pi = state.pool[plan.i].candidate;
      const pj = state.pool[plan.j].candidate;
      const merged: Candidate = {
        id: `c${state.nextCandidateNumber++}`,
        components: plan.components,
        order: plan.order,
        parents: [pi.id, pj.id],
        discoveredAtSpend: -1,
        iteration,
        origin: 'merge',
        componentPointer: Math.max(pi.componentPointer, pj.componentPointer),
      };
      state.inFlight = {
        kind: 'merge', step: 'merge-subset', spentCalls: 0, parentIndexes: [plan.i, plan.j], ancestorIndex: plan.ancestor,
        merged, mergedHash: plan.hash, subset, mergedVal: {},
      };
      return null;
    }
  }

  if ((cfg.proposals ?? 1) > 1) return beginRound(state, rng, weights);
  const parentIndex = PARENT_SELECTORS[cfg.selector]({ pool: state.pool, weights, rng, epsilon: cfg.epsilon });
  const sampleBatch = BATCH_SAMPLERS[cfg.batchSampler ?? 'epoch_shuffled'];
  const drawn = sampleBatch(state.sampler, state.trainIds, cfg.minibatchSize, iteration - 1, rng);
  const batch = unique(drawn.ids).length;
  const need = countMissingTrain(state, state.pool[parentIndex].hash, drawn.ids) + batch + (perStep(state) ? 0 : state.valIds.length);
  if (!reserveWork(state, need, true)) return 'budget';
  commitIterationStart(state, rng, drawn.state, iteration);
  state.inFlight = {
    kind: 'reflective', step: 'parent-minibatch', spentCalls: 0, parentIndex, minibatch: drawn.ids,
    parentResults: {}, components: [], reflectIndex: 0, newTexts: {}, child: null, childHash: null,
    childResults: {}, childVal: {},
  };
  return null;
}

function commitIterationStart(state: GepaState, rng: Rng, sampler: SamplerState, iteration: number): void {
  state.rng = rng.state();
  state.sampler = sampler;
  state.iteration = iteration;
  state.counters.iterations += 1;
  // A merge is tried only right after the iteration that found a new program.
  state.merge.lastIterationFoundNew = false;
}

/** Ends the current iteration: settles the reservation and the streak counters. */
function finishIteration(state: GepaState, improved: boolean): void {
  const flight = state.inFlight!;
  const acc = account(state.ledger, state.holder);
  const unit = acc.grant!.unit;
  if (flight.kind !== 'seed') {
    if (unit === 'iterations') spend(state.ledger, state.holder, 1);
    else recordIterations(state.ledger, state.holder, 1);
    state.counters.idleStreak = flight.spentCalls === 0 ? state.counters.idleStreak + 1 : 0;
    state.counters.sinceImprovement = improved ? 0 : state.counters.sinceImprovement + 1;
  }
  if (acc.reserved > 0) release(state.ledger, state.holder, acc.reserved);
  state.inFlight = null;
}

function addToPool(state: GepaState, candidate: Candidate, hash: string, scores: Record<string, number>): boolean {
  const previousBest = bestMean(state);
  const valScores = state.valIds.map((id) => scores[id]);
  const valMean = valScores.reduce((a, b) => a + b, 0) / valScores.length;
  const index = state.pool.length;
  state.pool.push({ candidate, hash, valScores, valMean });
  state.poolIndexByHash[hash] = index;
  addToFronts(state.fronts, index, valScores);
  // The pool holds its validation scores now; the cache keeps only train results for it.
  if (state.cache[hash]) state.cache[hash].val = {};
  const best = Math.max(previousBest, valMean);
  const spendNow = cumulativeSpend(state);
  state.learningCurve.push({ spend: spendNow, best, candidateId: candidate.id, iteration: candidate.iteration });
  if (candidate.origin !== 'seed') {
    state.lastAccepted = { iteration: candidate.iteration, candidateId: candidate.id, origin: candidate.origin, valMean, spend: spendNow };
  }
  return valMean > previousBest;
}

/** Moves the iteration in flight forward; returns the next action it needs, or null. */
function advance(state: GepaState): PendingAction | null {
  const flight = state.inFlight!;
  const cfg = state.config;
  switch (flight.kind) {
    case 'seed': {
      const missing = fillVal(state, candidateHash(state.seedCandidate), state.valIds, flight.seedVal);
      if (missing.length > 0) return evaluateAction(state, 'seed-val', state.seedCandidate, 'val', missing);
      addToPool(state, clone(state.seedCandidate), candidateHash(state.seedCandidate), flight.seedVal);
      finishIteration(state, false);
      return null;
    }
    case 'merge': {
      if (flight.step === 'merge-subset') {
        const missing = fillVal(state, flight.mergedHash, flight.subset, flight.mergedVal);
        if (missing.length > 0) return evaluateAction(state, 'merge-subset', flight.merged, 'val', missing);
        const [i, j] = flight.parentIndexes;
        const positions = flight.subset.map((id) => state.valIds.indexOf(id));
        const sumOf = (scores: readonly number[]) => positions.reduce((s, v) => s + scores[v], 0);
        const mergedSum = flight.subset.reduce((s, id) => s + flight.mergedVal[id], 0);
        if (mergedSum >= Math.max(sumOf(state.pool[i].valScores), sumOf(state.pool[j].valScores))) {
          if (!reserveValidation(state, countMissingVal(state, flight.mergedHash, state.valIds, flight.mergedVal))) return null;
          state.counters.mergesAccepted += 1;
          state.merge.due = Math.max(0, state.merge.due - 1);
          flight.merged.discoveredAtSpend = cumulativeSpend(state);
          state.counters.mergesTried += 1;
          flight.step = 'merge-val';
        } else {
          state.counters.mergesTried += 1;
          finishIteration(state, false);
        }
        return null;
      }
      const missing = fillVal(state, flight.mergedHash, state.valIds, flight.mergedVal);
      if (missing.length > 0) return evaluateAction(state, 'merge-val', flight.merged, 'val', missing);
      finishIteration(state, addToPool(state, flight.merged, flight.mergedHash, flight.mergedVal));
      return null;
    }
    case 'reflective':
      return advanceReflective(state, flight, cfg);
    case 'parallel':
      return advanceRound(state, flight);
  }
}

function advanceReflective(
  state: GepaState,
  flight: Extract<InFlight, { kind: 'reflective' }>,
  cfg: GepaState['config'],
): EvaluateAction | ReflectAction | null {
  const parentEntry = state.pool[flight.parentIndex];
  const parent = parentEntry.candidate;
  switch (flight.step) {
    case 'parent-minibatch': {
      const missing = fillTrain(state, parentEntry.hash, flight.minibatch, flight.parentResults, true);
      if (missing.length > 0) return evaluateAction(state, 'parent-minibatch', parent, 'train', missing);
      if (flight.minibatch.every((id) => flight.parentResults[id].score >= cfg.perfectScore)) {
        state.counters.skipped += 1;
        finishIteration(state, false);
        return null;
      }
      flight.components = COMPONENT_CHOOSERS[cfg.componentSelector](parent);
      flight.step = 'reflect';
      return null;
    }
    case 'reflect': {
      if (flight.reflectIndex < flight.components.length) {
        const component = flight.components[flight.reflectIndex];
        const records = reflectionRecords(state, flight);
        const currentText = parent.components[component];
        return {
          kind: 'reflect',
          seq: state.nextSeq++,
          candidateId: parent.id,
          component,
          currentText,
          prompt: buildReflectionPrompt({ currentText, records, component, componentCount: parent.order.length }),
          records,
        };
      }
      const components = { ...parent.components, ...flight.newTexts };
      const hash = candidateHash({ components, order: parent.order });
      if (state.poolIndexByHash[hash] !== undefined) {
        state.counters.duplicates += 1;
        finishIteration(state, false);
        return null;
      }
      flight.child = {
        id: `c${state.nextCandidateNumber++}`,
        components,
        order: [...parent.order],
        parents: [parent.id],
        discoveredAtSpend: -1,
        iteration: state.iteration,
        origin: 'reflection',
        componentPointer: parent.componentPointer,
      };
      flight.childHash = hash;
      flight.step = 'child-minibatch';
      return null;
    }
    case 'child-minibatch': {
      const child = flight.child!;
      const missing = fillTrain(state, flight.childHash!, flight.minibatch, flight.childResults, false);
      if (missing.length > 0) return evaluateAction(state, 'child-minibatch', child, 'train', missing);
      const accept = ACCEPTANCES[cfg.acceptance ?? 'strict_improvement'];
      if (accept(flight.minibatch.map((id) => flight.parentResults[id].score), flight.minibatch.map((id) => flight.childResults[id].score))) {
        if (!reserveValidation(state, countMissingVal(state, flight.childHash!))) return null;
        child.discoveredAtSpend = cumulativeSpend(state);
        flight.step = 'child-val';
        return null;
      }
      state.counters.rejected += 1;
      forgetRecords(state, flight.childHash!);
      finishIteration(state, false);
      return null;
    }
    case 'child-val': {
      const child = flight.child!;
      const missing = fillVal(state, flight.childHash!, state.valIds, flight.childVal);
      if (missing.length > 0) return evaluateAction(state, 'child-val', child, 'val', missing);
      state.counters.accepted += 1;
      const improved = addToPool(state, child, flight.childHash!, flight.childVal);
      if (cfg.useMerge) {
        if (state.counters.mergesAccepted + state.merge.due < cfg.maxMerge) state.merge.due += 1;
        state.merge.lastIterationFoundNew = true;
      }
      finishIteration(state, improved);
      return null;
    }
  }
}

function reflectionRecords(state: GepaState, flight: Pick<Proposal, 'minibatch' | 'parentResults'>): ReflectionRecord[] {
  const cfg = state.config;
  const records = unique(flight.minibatch).map((id) => {
    const r = flight.parentResults[id];
    const passed = r.score >= cfg.perfectScore;
    return {
      exampleId: id,
      input: state.trainInputs[id] ?? '',
      output: r.output ?? '',
      feedback: feedbackFor(r.score, passed, r.feedback ?? '', r.failed),
      score: r.score,
      passed,
    };
  });
  return chooseRecords(records, cfg.reflection.maxRecords).map((r) => capRecord(r, cfg.reflection.maxRecordChars));
}

// ---------------------------------------------------------------- results

/** Feeds the outcome of the pending action back. Returns the (updated in place) state. */
export function applyResult(
  state: GepaState,
  action: PendingAction,
  result: EvaluationResult | ReflectionResult | EvaluationResult[] | ReflectionResult[],
): GepaState {
  const pending = state.pending;
  if (!pending) throw new Error(`gepa: applyResult for action #${action.seq}, but no action is pending`);
  if (action.seq !== pending.seq || action.kind !== pending.kind) {
    throw new Error(`gepa: applyResult for ${action.kind} action #${action.seq}, but the pending action is ${pending.kind} #${pending.seq}`);
  }
  if (pending.kind === 'evaluate') applyEvaluation(state, pending, result as EvaluationResult);
  else if (pending.kind === 'reflect') applyReflection(state, pending, result as ReflectionResult);
  else if (pending.kind === 'evaluate-batch') applyEvaluationBatch(state, pending, result as EvaluationResult[]);
  else applyReflectionBatch(state, pending, result as ReflectionResult[]);
  state.pending = null;
  return state;
}

function checkExample(action: EvaluateAction, id: string, r: ExampleResult | undefined): void {
  const where = `evaluation result of action #${action.seq} (${action.purpose})`;
  if (!r || typeof r !== 'object') throw new Error(`gepa: ${where} lacks example "${id}"`);
  if (typeof r.score !== 'number' || !Number.isFinite(r.score)) {
    throw new Error(`gepa: ${where}: example "${id}" has score ${String(r.score)}, expected a finite number`);
  }
  for (const field of ['feedback', 'output', 'input'] as const) {
    if (typeof r[field] !== 'string') throw new Error(`gepa: ${where}: example "${id}" needs a string ${field}`);
  }
}

function applyEvaluation(state: GepaState, action: EvaluateAction, result: EvaluationResult): void {
  const results = result?.results;
  if (!results || typeof results !== 'object') {
    throw new Error(`gepa: evaluation result of action #${action.seq} must be { results: { <example id>: ... } }`);
  }
  const asked = new Set(action.exampleIds);
  for (const id of Object.keys(results)) {
    if (!asked.has(id)) throw new Error(`gepa: evaluation result of action #${action.seq} has example "${id}", which was not asked for`);
  }
  for (const id of action.exampleIds) checkExample(action, id, results[id]);

  chargeCalls(state, action.exampleIds.length);
  const cfg = state.config;
  const cap = cfg.reflection.maxRecordChars;
  const flight = state.inFlight!;
  const hash = candidateHash(action.candidate);
  const entry = () => (state.cache[hash] ??= { train: {}, val: {} });
  for (const id of action.exampleIds) {
    const r = results[id];
    const score = r.failed ? 0 : r.score;
    if (action.split === 'train') {
      if (state.trainInputs[id] === undefined) state.trainInputs[id] = truncateMiddle(r.input, cap);
      const rec: CachedTrainResult = { score, output: truncateMiddle(r.output, cap), feedback: truncateMiddle(r.feedback, cap) };
      if (r.failed) rec.failed = true;
      if (flight.kind === 'reflective') {
        if (action.purpose === 'parent-minibatch') flight.parentResults[id] = rec;
        else flight.childResults[id] = rec;
      }
      if (cfg.cache) entry().train[id] = rec;
    } else {
      if (flight.kind === 'seed') flight.seedVal[id] = score;
      else if (flight.kind === 'merge') flight.mergedVal[id] = score;
      else if (flight.kind === 'reflective') flight.childVal[id] = score;
      // Scores of candidates outside the pool are worth keeping (a rejected merge may recur).
      if (cfg.cache && action.purpose === 'merge-subset') entry().val[id] = score;
    }
  }
}

function applyReflection(state: GepaState, action: ReflectAction, result: ReflectionResult): void {
  const flight = state.inFlight;
  if (!flight || flight.kind !== 'reflective') throw new Error(`gepa: reflection result #${action.seq} outside a reflective iteration`);
  state.counters.reflectionCalls += 1;
  if (!result || typeof result !== 'object') throw new Error(`gepa: reflection result of action #${action.seq} must be { rawText } or { error }`);
  if ('error' in result) {
    state.counters.reflectionFailures += 1;
    finishIteration(state, false);
    return;
  }
  if (typeof result.rawText !== 'string') throw new Error(`gepa: reflection result of action #${action.seq} needs a string rawText`);
  const parsed = result.truncated ? { ok: false as const, reason: 'truncated' } : parseReflection(result.rawText);
  if (!parsed.ok) {
    state.counters.reflectionRejections += 1;
    if (result.truncated) state.counters.reflectionTruncations = (state.counters.reflectionTruncations ?? 0) + 1;
    finishIteration(state, false);
    return;
  }
  flight.newTexts[action.component] = parsed.text;
  flight.reflectIndex += 1;
}

// ---------------------------------------------------------------- parallel proposals

/**
 * A round of parallel proposals (config.proposals > 1), as the reference defines them: p parents
 * (proposalParents) each proposed from n/p times on successive minibatches; every parent
 * minibatch in one batch, every reflection in one batch, every child minibatch in one batch,
 * then the kept children (proposalKeep) validated in one batch and added in proposal order.
 * All choices are made in proposal order from results aligned with requests, so the outcome
 * never depends on the order the calls completed in. Each proposal reserves its own budget;
 * proposals that do not fit are not started (none fits: the run ends on budget).
 */
function beginRound(state: GepaState, rng: Rng, weights: () => number[]): StopReason | null {
  const cfg = state.config;
  const n = cfg.proposals ?? 1;
  const p = cfg.proposalParents ?? n;
  const parents = Array.from({ length: p }, () => PARENT_SELECTORS[cfg.selector]({ pool: state.pool, weights, rng, epsilon: cfg.epsilon }));
  const sampleBatch = BATCH_SAMPLERS[cfg.batchSampler ?? 'epoch_shuffled'];
  let sampler = state.sampler;
  const proposals: Proposal[] = [];
  for (let k = 0; k < n; k++) {
    const parentIndex = parents[Math.floor(k / (n / p))];
    const iteration = state.iteration + k + 1;
    const drawn = sampleBatch(sampler, state.trainIds, cfg.minibatchSize, iteration - 1, rng);
    const need = countMissingTrain(state, state.pool[parentIndex].hash, drawn.ids) + unique(drawn.ids).length + (perStep(state) ? 0 : state.valIds.length);
    if (!reserveWork(state, need, true)) break;
    sampler = drawn.state;
    proposals.push({
      parentIndex, minibatch: drawn.ids, iteration, ended: null, parentResults: {}, components: [], newTexts: {},
      child: null, childHash: null, childResults: {}, childVal: {},
    });
  }
  if (proposals.length === 0) return 'budget';
  state.rng = rng.state();
  state.sampler = sampler;
  state.iteration += proposals.length;
  state.counters.iterations += proposals.length;
  state.merge.lastIterationFoundNew = false;
  state.inFlight = { kind: 'parallel', step: 'parent-minibatches', spentCalls: 0, proposals };
  return null;
}

const live = (round: ParallelStep) => round.proposals.filter((p) => p.ended === null);

function batchAction(state: GepaState, purpose: EvaluateBatchAction['purpose'], requests: EvaluateBatchAction['requests']): EvaluateBatchAction {
  return { kind: 'evaluate-batch', seq: state.nextSeq++, purpose, requests: requests.map((r) => ({ ...r, candidate: clone(r.candidate) })) };
}

function advanceRound(state: GepaState, round: ParallelStep): PendingAction | null {
  const cfg = state.config;
  switch (round.step) {
    case 'parent-minibatches': {
      // One request per distinct parent: the union of its proposals' unknown ids, each asked once.
      const missing = new Map<string, { index: number; ids: Set<string> }>();
      for (const p of round.proposals) {
        const entry = state.pool[p.parentIndex];
        const ids = fillTrain(state, entry.hash, p.minibatch, p.parentResults, true);
        if (ids.length === 0) continue;
        const m = missing.get(entry.hash) ?? { index: p.parentIndex, ids: new Set<string>() };
        for (const id of ids) m.ids.add(id);
        missing.set(entry.hash, m);
      }
      if (missing.size > 0) {
        return batchAction(state, 'parent-minibatches', [...missing.values()].map((m) => ({
          candidateId: state.pool[m.index].candidate.id, candidate: state.pool[m.index].candidate, split: 'train' as const, exampleIds: [...m.ids],
        })));
      }
      for (const p of round.proposals) {
        if (p.minibatch.every((id) => p.parentResults[id].score >= cfg.perfectScore)) p.ended = 'skipped';
        // Chosen in proposal order: round robin turns a parent proposed from twice to its next component.
        else p.components = COMPONENT_CHOOSERS[cfg.componentSelector](state.pool[p.parentIndex].candidate);
      }
      round.step = 'reflections';
      if (live(round).length === 0) finishRound(state, round);
      return null;
    }
    case 'reflections': {
      const requests: ReflectBatchAction['requests'] = [];
      round.proposals.forEach((p, k) => {
        if (p.ended !== null) return;
        const parent = state.pool[p.parentIndex].candidate;
        const records = reflectionRecords(state, p);
        for (const component of p.components) {
          const currentText = parent.components[component];
          requests.push({
            candidateId: parent.id, component, currentText, records, sampleIndex: k,
            prompt: buildReflectionPrompt({ currentText, records, component, componentCount: parent.order.length }),
          });
        }
      });
      return { kind: 'reflect-batch', seq: state.nextSeq++, requests };
    }
    case 'child-minibatches': {
      const requests: EvaluateBatchAction['requests'] = [];
      for (const p of live(round)) {
        const ids = fillTrain(state, p.childHash!, p.minibatch, p.childResults, false);
        if (ids.length > 0) requests.push({ candidateId: p.child!.id, candidate: p.child!, split: 'train', exampleIds: ids });
      }
      if (requests.length > 0) return batchAction(state, 'child-minibatches', requests);
      keepChildren(state, round);
      return null;
    }
    case 'child-vals': {
      const requests: EvaluateBatchAction['requests'] = [];
      for (const p of live(round)) {
        const ids = fillVal(state, p.childHash!, state.valIds, p.childVal);
        if (ids.length > 0) requests.push({ candidateId: p.child!.id, candidate: p.child!, split: 'val', exampleIds: ids });
      }
      if (requests.length > 0) return batchAction(state, 'child-vals', requests);
      let improved = false;
      for (const p of live(round)) {
        p.ended = 'accepted';
        if (addToPool(state, p.child!, p.childHash!, p.childVal)) improved = true;
        if (cfg.useMerge) {
          if (state.counters.mergesAccepted + state.merge.due < cfg.maxMerge) state.merge.due += 1;
          state.merge.lastIterationFoundNew = true;
        }
      }
      finishRound(state, round, improved);
      return null;
    }
  }
}

/** Children from the round's reflections, in proposal order (a text already known is a duplicate). */
function makeChildren(state: GepaState, round: ParallelStep): void {
  const seen = new Set<string>();
  for (const p of live(round)) {
    const parent = state.pool[p.parentIndex].candidate;
    const components = { ...parent.components, ...p.newTexts };
    const hash = candidateHash({ components, order: parent.order });
    if (state.poolIndexByHash[hash] !== undefined || seen.has(hash)) {
      p.ended = 'duplicate';
      continue;
    }
    seen.add(hash);
    p.child = {
      id: `c${state.nextCandidateNumber++}`, components, order: [...parent.order], parents: [parent.id],
      discoveredAtSpend: -1, iteration: p.iteration, origin: 'reflection', componentPointer: parent.componentPointer,
    };
    p.childHash = hash;
  }
  round.step = 'child-minibatches';
  if (live(round).length === 0) finishRound(state, round);
}

/** Acceptance on the minibatch, then the kept ones (by gain, ties in proposal order) get their validation reserved. */
function keepChildren(state: GepaState, round: ParallelStep): void {
  const cfg = state.config;
  const accept = ACCEPTANCES[cfg.acceptance ?? 'strict_improvement'];
  const gains: Array<{ p: Proposal; gain: number; k: number }> = [];
  round.proposals.forEach((p, k) => {
    if (p.ended !== null) return;
    const parentScores = p.minibatch.map((id) => p.parentResults[id].score);
    const childScores = p.minibatch.map((id) => p.childResults[id].score);
    if (!accept(parentScores, childScores)) {
      p.ended = 'not-better';
      forgetRecords(state, p.childHash!);
      return;
    }
    const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
    gains.push({ p, gain: sum(childScores) - sum(parentScores), k });
  });
  const keepN = cfg.proposalKeep === 'best' ? 1 : cfg.proposalKeep === 'all' || cfg.proposalKeep === undefined ? gains.length : cfg.proposalKeep;
  const kept = new Set([...gains].sort((a, b) => b.gain - a.gain || a.k - b.k).slice(0, keepN).map((g) => g.p));
  let affordable = true;
  for (const { p } of gains) {
    if (!kept.has(p)) {
      p.ended = 'not-kept';
      continue;
    }
    // Per-step: each kept child reserves its validation in proposal order; the first that does not fit ends the run.
    if (affordable && perStep(state) && !reserveWork(state, countMissingVal(state, p.childHash!), false)) affordable = false;
    if (!affordable) {
      p.ended = 'unaffordable';
      continue;
    }
    p.child!.discoveredAtSpend = cumulativeSpend(state);
  }
  // The kept children that fit are still validated and added: the run ends on budget after this round (finishRound).
  round.step = 'child-vals';
  if (live(round).length === 0) finishRound(state, round);
}

/** Ends a round: every proposal's outcome counted once, budget settled. */
function finishRound(state: GepaState, round: ParallelStep, improved = false): void {
  const c = state.counters;
  for (const p of round.proposals) {
    switch (p.ended) {
      case 'skipped': c.skipped += 1; break;
      case 'reflection-failed': c.reflectionFailures += 1; break;
      case 'reflection-truncated': c.reflectionTruncations = (c.reflectionTruncations ?? 0) + 1; c.reflectionRejections += 1; break;
      case 'reflection-malformed': c.reflectionRejections += 1; break;
      case 'duplicate': c.duplicates += 1; break;
      case 'not-better': c.rejected += 1; break;
      case 'not-kept': c.notKept = (c.notKept ?? 0) + 1; break;
      case 'unaffordable': c.unaffordable = (c.unaffordable ?? 0) + 1; break;
      case 'accepted': c.accepted += 1; break;
      default: throw new Error(`gepa: a proposal of iteration ${p.iteration} ended without an outcome`);
    }
  }
  const acc = account(state.ledger, state.holder);
  const n = round.proposals.length;
  if (acc.grant!.unit === 'iterations') spend(state.ledger, state.holder, n);
  else recordIterations(state.ledger, state.holder, n);
  c.idleStreak = round.spentCalls === 0 ? c.idleStreak + 1 : 0;
  c.sinceImprovement = improved ? 0 : c.sinceImprovement + n;
  if (acc.reserved > 0) release(state.ledger, state.holder, acc.reserved);
  state.inFlight = null;
  if (round.proposals.some((p) => p.ended === 'unaffordable')) state.stopReason = 'budget';
}

function applyEvaluationBatch(state: GepaState, action: EvaluateBatchAction, results: EvaluationResult[]): void {
  const round = state.inFlight as ParallelStep;
  if (!Array.isArray(results) || results.length !== action.requests.length) {
    throw new Error(`gepa: batch evaluation #${action.seq} needs ${action.requests.length} results aligned with its requests`);
  }
  action.requests.forEach((req, r) => {
    const one: EvaluateAction = { kind: 'evaluate', seq: action.seq, purpose: 'child-minibatch', ...req };
    const res = results[r]?.results;
    if (!res || typeof res !== 'object') throw new Error(`gepa: batch evaluation #${action.seq}: result ${r} must be { results: { <example id>: ... } }`);
    for (const id of req.exampleIds) checkExample(one, id, res[id]);
  });
  const calls = action.requests.reduce((n, r) => n + r.exampleIds.length, 0);
  chargeCalls(state, calls);
  const cfg = state.config;
  const cap = cfg.reflection.maxRecordChars;
  action.requests.forEach((req, r) => {
    const hash = candidateHash(req.candidate);
    const res = results[r].results;
    for (const id of req.exampleIds) {
      const x = res[id];
      const score = x.failed ? 0 : x.score;
      if (req.split === 'val') {
        for (const p of round.proposals) if (p.child?.id === req.candidateId) p.childVal[id] = score;
        continue;
      }
      if (state.trainInputs[id] === undefined) state.trainInputs[id] = truncateMiddle(x.input, cap);
      const rec: CachedTrainResult = { score, output: truncateMiddle(x.output, cap), feedback: truncateMiddle(x.feedback, cap) };
      if (x.failed) rec.failed = true;
      if (cfg.cache) (state.cache[hash] ??= { train: {}, val: {} }).train[id] = rec;
      for (const p of round.proposals) {
        if (action.purpose === 'parent-minibatches' && state.pool[p.parentIndex].hash === hash && p.minibatch.includes(id)) p.parentResults[id] ??= rec;
        if (action.purpose === 'child-minibatches' && p.child?.id === req.candidateId) p.childResults[id] = rec;
      }
    }
  });
}

function applyReflectionBatch(state: GepaState, action: ReflectBatchAction, outputs: ReflectionResult[]): void {
  const round = state.inFlight as ParallelStep;
  if (!Array.isArray(outputs) || outputs.length !== action.requests.length) {
    throw new Error(`gepa: batch reflection #${action.seq} needs ${action.requests.length} outcomes aligned with its requests`);
  }
  state.counters.reflectionCalls += outputs.length;
  action.requests.forEach((req, r) => {
    const p = round.proposals[req.sampleIndex];
    if (p.ended !== null) return; // an earlier component of this proposal already failed
    const out = outputs[r];
    if (!out || typeof out !== 'object') throw new Error(`gepa: batch reflection #${action.seq}: outcome ${r} must be { rawText } or { error }`);
    if ('error' in out) {
      p.ended = 'reflection-failed';
      return;
    }
    if (typeof out.rawText !== 'string') throw new Error(`gepa: batch reflection #${action.seq}: outcome ${r} needs a string rawText`);
    const parsed = out.truncated ? { ok: false as const, reason: 'truncated' } : parseReflection(out.rawText);
    if (!parsed.ok) p.ended = out.truncated ? 'reflection-truncated' : 'reflection-malformed';
    else p.newTexts[req.component] = parsed.text;
  });
  makeChildren(state, round);
}
