/**
 * The loop every population search shares, as an `Optimizer` (src/core/optimizer/types.ts): the
 * seed is scored first (fitness on a fixed training subset F and validation on V, one batch), an
 * optional initialization (an initial population) follows, then iterations until a stop rule or
 * the grant ends the run. What an iteration does is the optimizer's own `SearchSpec`; this module
 * keeps the ledger, the candidates, the pool, the PRNG and the pending action.
 *
 * Budget (spend <= grant in every unit):
 * - metricCalls: each evaluate action reserves exactly the calls it asks for. A candidate whose
 *   fitness no longer fits is dropped (not evaluated), and a candidate whose validation no longer
 *   fits is not added; either ends the run with 'budget' once the iteration is over. An iteration
 *   starts only when one candidate's fitness (|F| calls) still fits. So the grant is spent to
 *   within |F| calls, and a stage stops at the same point whatever happens in between.
 * - iterations: one iteration reserved at its start, spent at its end.
 * - tokens / usd: the iteration's planned metric calls are reserved at its start at the mean cost
 *   per metric call so far (optimizer calls included), as GEPA does; released at its end.
 * Randomness: one PRNG in the state, advanced only inside the optimizer's own steps.
 */
import { Rng } from '../../random';
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
  spentIn,
  summarizeLedger,
  type HolderAccount,
  type UsageRecord,
} from '../../budget';
import { candidateHash, renderCandidate, seedCandidateFrom } from '../../gepa/candidate';
import { parseReflection, truncateMiddle } from '../../gepa/reflection';
import type {
  CandidateRef,
  EvaluateRequest,
  GenerateOutcome,
  GenerateRequest,
  Optimizer,
  OptimizerAction,
  OptimizerInitArgs,
  OptimizerProgress,
  OptimizerResult,
  OptimizerStepContext,
  OptimizerSummary,
  RolloutOutcome,
  ScoredCandidate,
} from '../../optimizer';
import { stopReason } from '../../optimizer/stop';
import type { SearchConfigBase, SearchCounters, SearchState } from './types';

/** What an optimizer's step asks for next. */
export type StepWork =
  | { kind: 'evaluate'; purpose: string; requests: EvaluateRequest[] }
  | { kind: 'generate'; purpose: string; requests: GenerateRequest[] }
  /** The iteration (or initialization) is over; `outcome` names why (ignored for the initialization). */
  | { kind: 'end'; outcome: string };

/** A generate output as a step reads it: the instruction in its fenced block, or null. */
export type Proposal = string | null;

export interface SearchSpec<C extends SearchConfigBase, Step, Algo> {
  readonly name: string;
  resolveConfig(input: unknown): C;
  initAlgo(state: SearchState<C, Step, Algo>): Algo;
  /** Work after the seed is scored (an initial population), or null for none. */
  initialize?(state: SearchState<C, Step, Algo>, rng: Rng): Step | null;
  /** Most metric calls one iteration may make (reserved up front for token and dollar grants). */
  plannedCalls(state: SearchState<C, Step, Algo>): number;
  begin(state: SearchState<C, Step, Algo>, rng: Rng): Step;
  /** The next work of the step in flight; may update the step and the state. */
  advance(state: SearchState<C, Step, Algo>, step: Step, rng: Rng): StepWork;
  /** Takes the proposals of the step's generate action (aligned with its requests). */
  onGenerate(state: SearchState<C, Step, Algo>, step: Step, proposals: Proposal[], rng: Rng): void;
  /** The step's phase, for progress. */
  phaseOf?(step: Step): string;
}

type AnyState = SearchState<SearchConfigBase, unknown, unknown>;

function clone<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}

function checkIds(name: string, what: string, ids: readonly string[]): void {
  if (!Array.isArray(ids) || ids.length === 0) throw new Error(`${name}: ${what} ids must be a non-empty list`);
  if (new Set(ids).size !== ids.length) throw new Error(`${name}: ${what} ids repeat an id`);
}

function zeroCounters(): SearchCounters {
  return {
    iterations: 0, generateCalls: 0, generateFailures: 0, unparsed: 0, duplicates: 0, evaluated: 0, dropped: 0,
    validated: 0, sinceImprovement: 0, idleStreak: 0, iterationCalls: 0, bestAtStart: null,
  };
}

// ---------------------------------------------------------------- helpers for the steps

export function stageSpend(state: AnyState): number {
  return account(state.ledger, state.holder).metricCalls;
}

export function cumulativeSpend(state: AnyState): number {
  return state.spendOffset + stageSpend(state);
}

function unit(state: AnyState) {
  return account(state.ledger, state.holder).grant!.unit;
}

/** Holds `calls` metric calls for an evaluate action (metricCalls grants; others reserve per iteration). */
function reserveCalls(state: AnyState, calls: number): boolean {
  if (unit(state) !== 'metricCalls') return true;
  return reserve(state.ledger, state.holder, calls).ok;
}

export function candidateRef(state: AnyState, id: string): CandidateRef {
  return clone(state.candidates[id].candidate);
}

/** A candidate's text as the task model reads it. */
export function textOf(state: AnyState, id: string): string {
  return renderCandidate(state.candidates[id].candidate);
}

/**
 * Adds a proposal: `parent` with component `component` replaced by `text`. Returns its id, or
 * null when the same program is already known (counted as a duplicate).
 */
export function propose(
  state: AnyState,
  args: { parent: string; parents?: string[]; component: string; text: string; origin: string },
): string | null {
  const base = state.candidates[args.parent].candidate;
  const components = { ...base.components, [args.component]: args.text };
  const hash = candidateHash({ components, order: base.order });
  if (state.byHash[hash] !== undefined) {
    state.counters.duplicates += 1;
    return null;
  }
  const id = `c${state.nextCandidate++}`;
  state.candidates[id] = {
    candidate: { id, components, order: [...base.order], parents: args.parents ?? [args.parent] },
    hash, origin: args.origin, iteration: state.iteration, fit: {}, fitness: null, val: {}, poolIndex: null,
    discoveredAtSpend: -1,
  };
  state.order.push(id);
  state.byHash[hash] = id;
  return id;
}

/**
 * Fitness requests for `ids` (only the fitness examples still unknown). In a metric-call grant,
 * the first candidate that no longer fits is dropped with every one after it, and the run ends
 * after this iteration.
 */
export function fitnessRequests(state: AnyState, ids: readonly string[]): EvaluateRequest[] {
  const requests: EvaluateRequest[] = [];
  for (const id of ids) {
    const c = state.candidates[id];
    if (c.fitness !== null || c.dropped) continue;
    const missing = state.fitIds.filter((e) => c.fit[e] === undefined);
    if (state.budgetOut || !reserveCalls(state, missing.length)) {
      c.dropped = true;
      state.counters.dropped += 1;
      state.budgetOut = true;
      continue;
    }
    requests.push({ candidate: candidateRef(state, id), split: 'train', exampleIds: missing, needsText: true, textChars: state.config.maxRecordChars });
  }
  return requests;
}

/** The validation request of `id`, or null when it is validated or its |V| calls no longer fit. */
export function validationRequest(state: AnyState, id: string): EvaluateRequest | null {
  const c = state.candidates[id];
  if (c.poolIndex !== null) return null;
  const missing = state.valIds.filter((v) => c.val[v] === undefined);
  if (state.budgetOut || !reserveCalls(state, missing.length)) {
    state.budgetOut = true;
    return null;
  }
  return { candidate: candidateRef(state, id), split: 'val', exampleIds: missing };
}

/** The fittest of `ids` (measured, not dropped; ties: the first), or null. */
export function fittest(state: AnyState, ids: readonly string[]): string | null {
  let best: string | null = null;
  for (const id of ids) {
    const f = state.candidates[id].fitness;
    if (f !== null && (best === null || f > state.candidates[best].fitness!)) best = id;
  }
  return best;
}

/**
 * The validation work for the fittest of `ids` when it beats every validated candidate's
 * fitness, or null (nothing to validate, or it no longer fits the grant).
 */
export function validateIfBetter(state: AnyState, ids: readonly string[], purpose: string): StepWork | null {
  const top = fittest(state, ids);
  if (top === null || (state.bestFitness !== null && state.candidates[top].fitness! <= state.bestFitness)) return null;
  const request = validationRequest(state, top);
  return request ? { kind: 'evaluate', purpose, requests: [request] } : null;
}

export function generateRequest(state: AnyState, prompt: string): GenerateRequest {
  return { prompt, temperature: state.config.temperature, sampleIndex: state.nextSample++ };
}

export function fitnessOf(state: AnyState, id: string): number {
  return state.candidates[id].fitness ?? -Infinity;
}

/** Candidate ids of the pool, best validation mean first (ties: earliest). */
export function bestPoolId(state: AnyState): string {
  let best = state.pool[0];
  for (const p of state.pool) if (p.valMean > best.valMean) best = p;
  return best.id;
}

// ---------------------------------------------------------------- the optimizer

export function createSearchOptimizer<C extends SearchConfigBase, Step, Algo>(
  spec: SearchSpec<C, Step, Algo>,
): Optimizer<SearchState<C, Step, Algo>> {
  type S = SearchState<C, Step, Algo>;
  const name = spec.name;

  function withRng<T>(state: S, fn: (rng: Rng) => T): T {
    const rng = new Rng(state.rng);
    const out = fn(rng);
    state.rng = rng.state();
    return out;
  }

  function init(args: OptimizerInitArgs<S>): S {
    checkIds(name, 'train', args.trainIds);
    checkIds(name, 'val', args.valIds);
    const start = args.start;
    if (start.kind === 'continue') return continueFrom(start.previous, args);
    const config = spec.resolveConfig(args.config);
    const previous = start.kind === 'best-of' ? start.previous : null;
    if (previous && previous.optimizer !== name) {
      throw new Error(`${name}: a best-of start needs an earlier ${name} state, got one of ${String(previous.optimizer)}`);
    }
    const seed = previous
      ? (() => {
          const best = previous.candidates[bestPoolId(previous as unknown as AnyState)].candidate;
          return { components: best.components, order: best.order };
        })()
      : seedCandidateFrom((start as { seed: { components: Record<string, string>; order: string[] } }).seed);
    const rng = previous ? new Rng(previous.rng) : Rng.fromSeed(`${name}:${config.seed}`);
    const fitIds = config.fitnessExamples !== undefined && config.fitnessExamples < args.trainIds.length
      ? rng.shuffle(args.trainIds).slice(0, config.fitnessExamples)
      : [...args.trainIds];
    const ledger = createLedger();
    grantLedger(ledger, args.holder, args.grant.amount, args.grant.unit);
    if (args.grant.unit === 'metricCalls' && args.grant.amount < args.valIds.length + fitIds.length) {
      throw new Error(
        `${name}: a grant of ${args.grant.amount} metric calls cannot cover scoring the seed (${fitIds.length} fitness + ${args.valIds.length} validation calls)`,
      );
    }
    const hash = candidateHash(seed);
    const spendOffset = previous ? cumulativeSpend(previous as unknown as AnyState) : 0;
    const iteration = previous ? previous.iteration : 0;
    const state = {
      version: 1, optimizer: name, config, holder: args.holder, ledger,
      trainIds: [...args.trainIds], valIds: [...args.valIds], fitIds,
      rng: rng.state(), nextSeq: 1, nextCandidate: 1, nextSample: previous ? previous.nextSample : 0,
      candidates: {
        c0: {
          candidate: { id: 'c0', components: { ...seed.components }, order: [...seed.order], parents: [] },
          hash, origin: 'seed', iteration, fit: {}, fitness: null, val: {}, poolIndex: null, discoveredAtSpend: spendOffset,
        },
      },
      order: ['c0'], byHash: { [hash]: 'c0' }, pool: [], seedId: 'c0', bestFitness: null, examples: {},
      iteration, outcomes: {}, counters: zeroCounters(), learningCurve: [], spendOffset,
      phase: 'seed', step: null, pending: null, budgetOut: false, startedAtMs: null, stopReason: null,
      algo: undefined as unknown as Algo,
    } as S;
    state.algo = spec.initAlgo(state);
    return state;
  }

  function continueFrom(previous: S, args: OptimizerInitArgs<S>): S {
    if (previous.optimizer !== name) throw new Error(`${name}: cannot continue a state of ${String(previous.optimizer)}`);
    if (previous.pending || previous.step) throw new Error(`${name}: cannot start a new stage in the middle of an iteration`);
    const same = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x, i) => x === b[i]);
    if (!same(previous.trainIds, args.trainIds) || !same(previous.valIds, args.valIds)) {
      throw new Error(`${name}: a continued stage must use the same train and val ids as the state it continues`);
    }
    const next = clone(previous);
    next.spendOffset = cumulativeSpend(previous as unknown as AnyState);
    next.holder = args.holder;
    next.ledger = createLedger();
    grantLedger(next.ledger, args.holder, args.grant.amount, args.grant.unit);
    if (args.config !== undefined) next.config = { ...next.config, stop: spec.resolveConfig(args.config).stop };
    next.counters = zeroCounters();
    next.outcomes = {};
    next.budgetOut = false;
    next.startedAtMs = null;
    next.stopReason = null;
    return next;
  }

  function stopCondition(state: S, ctx: OptimizerStepContext): string | null {
    if (!ctx.stopRequested && state.budgetOut) return 'budget';
    return stopReason(state.config.stop, {
      ...ctx, startedAtMs: state.startedAtMs, account: account(state.ledger, state.holder), bestValMean: bestMean(state),
      iterations: state.counters.iterations, sinceImprovement: state.counters.sinceImprovement, idleStreak: state.counters.idleStreak,
    });
  }

  /** Reserves what an iteration needs up front in its unit; false when it does not fit. */
  function reserveIteration(state: S, isIteration: boolean): boolean {
    const acc = account(state.ledger, state.holder);
    switch (acc.grant!.unit) {
      case 'metricCalls': return acc.grant!.amount - acc.metricCalls - acc.reserved >= state.fitIds.length;
      case 'iterations': return isIteration ? reserve(state.ledger, state.holder, 1).ok : true;
      case 'tokens':
      case 'usd': return reserve(state.ledger, state.holder, estimateCost(acc, acc.grant!.unit, spec.plannedCalls(state))).ok;
    }
  }

  function bestMean(state: S): number {
    let best = -Infinity;
    for (const p of state.pool) if (p.valMean > best) best = p.valMean;
    return best;
  }

  function endStep(state: S, outcome: string): void {
    const acc = account(state.ledger, state.holder);
    if (state.phase === 'init') state.phase = 'search';
    else {
      if (acc.grant!.unit === 'iterations') spend(state.ledger, state.holder, 1);
      else recordIterations(state.ledger, state.holder, 1);
      state.outcomes[outcome] = (state.outcomes[outcome] ?? 0) + 1;
      state.counters.idleStreak = state.counters.iterationCalls === 0 ? state.counters.idleStreak + 1 : 0;
      const improved = state.counters.bestAtStart === null || bestMean(state) > state.counters.bestAtStart;
      state.counters.sinceImprovement = improved ? 0 : state.counters.sinceImprovement + 1;
    }
    if (acc.reserved > 0) release(state.ledger, state.holder, acc.reserved);
    state.step = null;
  }

  function issue(state: S, work: Exclude<StepWork, { kind: 'end' }>): OptimizerAction {
    const action = { ...work, seq: state.nextSeq++ } as OptimizerAction;
    state.pending = action as S['pending'];
    return action;
  }

  function nextAction(state: S, ctx: OptimizerStepContext): OptimizerAction {
    if (state.pending) return state.pending;
    if (state.stopReason) return { kind: 'done', reason: state.stopReason };
    if (state.startedAtMs === null) state.startedAtMs = ctx.nowMs;
    for (;;) {
      if (state.phase === 'seed') {
        const seed = state.seedId;
        const requests = [...fitnessRequests(state as unknown as AnyState, [seed])];
        const v = validationRequest(state as unknown as AnyState, seed);
        if (v) requests.push(v);
        if (requests.length > 0) return issue(state, { kind: 'evaluate', purpose: 'seed', requests });
        if (state.candidates[seed].poolIndex === null) throw new Error(`${name}: the grant cannot cover scoring the seed`);
        state.phase = spec.initialize ? 'init' : 'search';
        continue;
      }
      if (state.step === null) {
        const reason = stopCondition(state, ctx) ?? (reserveIteration(state, state.phase === 'search') ? null : 'budget');
        if (reason) {
          state.stopReason = reason;
          return { kind: 'done', reason };
        }
        if (state.phase === 'init') {
          const step = withRng(state, (rng) => spec.initialize!(state, rng));
          if (step === null) {
            endStep(state, 'init');
            continue;
          }
          state.step = step;
        } else {
          state.iteration += 1;
          state.counters.iterations += 1;
          state.counters.iterationCalls = 0;
          state.counters.bestAtStart = state.pool.length > 0 ? bestMean(state) : null;
          state.step = withRng(state, (rng) => spec.begin(state, rng));
        }
      }
      const work = withRng(state, (rng) => spec.advance(state, state.step as Step, rng));
      if (work.kind === 'end') {
        endStep(state, work.outcome);
        continue;
      }
      if (work.requests.length === 0) throw new Error(`${name}: a step asked for an empty ${work.kind} action`);
      return issue(state, work);
    }
  }

  function applyResult(state: S, action: OptimizerAction, result: OptimizerResult): S {
    const pending = state.pending;
    if (!pending) throw new Error(`${name}: applyResult for action #${'seq' in action ? action.seq : '?'}, but no action is pending`);
    if (action.kind !== pending.kind || (action as { seq: number }).seq !== pending.seq) {
      throw new Error(`${name}: applyResult for ${action.kind} action, but the pending action is ${pending.kind} #${pending.seq}`);
    }
    if (!result || result.kind !== pending.kind) throw new Error(`${name}: result of action #${pending.seq} must be of kind ${pending.kind}`);
    if (pending.kind === 'evaluate') applyEvaluation(state, pending, (result as Extract<OptimizerResult, { kind: 'evaluate' }>).results);
    else {
      const outputs = (result as Extract<OptimizerResult, { kind: 'generate' }>).outputs;
      if (!Array.isArray(outputs) || outputs.length !== pending.requests.length) {
        throw new Error(`${name}: generate result of action #${pending.seq} needs ${pending.requests.length} outputs`);
      }
      const proposals = outputs.map((o) => readProposal(state, o));
      state.pending = null;
      withRng(state, (rng) => spec.onGenerate(state, state.step as Step, proposals, rng));
      return state;
    }
    state.pending = null;
    return state;
  }

  function readProposal(state: S, o: GenerateOutcome): Proposal {
    state.counters.generateCalls += 1;
    if (!o || typeof o !== 'object') throw new Error(`${name}: a generate output must be { rawText } or { error }`);
    if ('error' in o) {
      state.counters.generateFailures += 1;
      return null;
    }
    if (typeof o.rawText !== 'string') throw new Error(`${name}: a generate output needs a string rawText`);
    const parsed = o.truncated ? null : parseReflection(o.rawText);
    if (!parsed || !parsed.ok) {
      state.counters.unparsed += 1;
      return null;
    }
    return parsed.text;
  }

  function applyEvaluation(state: S, action: Extract<OptimizerAction, { kind: 'evaluate' }>, results: Array<Record<string, RolloutOutcome>>): void {
    if (!Array.isArray(results) || results.length !== action.requests.length) {
      throw new Error(`${name}: evaluation result of action #${action.seq} needs ${action.requests.length} result maps, aligned with its requests`);
    }
    let calls = 0;
    action.requests.forEach((req, i) => {
      for (const id of req.exampleIds) {
        const r = results[i]?.[id];
        if (!r || typeof r.score !== 'number' || !Number.isFinite(r.score)) {
          throw new Error(`${name}: evaluation result of action #${action.seq} lacks a finite score for example "${id}" of ${req.candidate.id}`);
        }
      }
      calls += req.exampleIds.length;
    });
    const acc = account(state.ledger, state.holder);
    if (calls > 0) {
      if (acc.grant!.unit === 'metricCalls') spend(state.ledger, state.holder, calls);
      else recordMetricCalls(state.ledger, state.holder, calls);
    }
    state.counters.iterationCalls += calls;
    const cap = state.config.maxRecordChars;
    action.requests.forEach((req, i) => {
      const c = state.candidates[req.candidate.id];
      for (const id of req.exampleIds) {
        const r = results[i][id];
        const score = r.failed ? 0 : r.score;
        if (req.split === 'val') {
          c.val[id] = score;
          continue;
        }
        c.fit[id] = score;
        const ex = (state.examples[id] ??= { input: truncateMiddle(String(r.input ?? ''), cap) });
        if (ex.correct === undefined && score >= 1 && !r.failed && typeof r.output === 'string' && r.output.trim()) {
          ex.correct = truncateMiddle(r.output, cap);
        }
      }
      if (c.fitness === null && state.fitIds.every((e) => c.fit[e] !== undefined)) {
        c.fitness = state.fitIds.reduce((s, e) => s + c.fit[e], 0) / state.fitIds.length;
        c.discoveredAtSpend = cumulativeSpend(state as unknown as AnyState);
        state.counters.evaluated += 1;
      }
      if (c.poolIndex === null && state.valIds.every((v) => c.val[v] !== undefined)) addToPool(state, req.candidate.id);
    });
  }

  function addToPool(state: S, id: string): void {
    const c = state.candidates[id];
    const previous = bestMean(state);
    const valScores = state.valIds.map((v) => c.val[v]);
    const valMean = valScores.reduce((a, b) => a + b, 0) / valScores.length;
    c.poolIndex = state.pool.length;
    state.pool.push({ id, valScores, valMean });
    c.val = {};
    if (c.fitness !== null && (state.bestFitness === null || c.fitness > state.bestFitness)) state.bestFitness = c.fitness;
    if (id !== state.seedId) state.counters.validated += 1;
    const best = Math.max(previous, valMean);
    state.learningCurve.push({ spend: cumulativeSpend(state as unknown as AnyState), best, candidateId: id, iteration: c.iteration });
  }

  function scored(state: S, id: string): ScoredCandidate {
    const c = state.candidates[id];
    const p = state.pool[c.poolIndex!];
    return {
      candidate: clone(c.candidate), text: renderCandidate(c.candidate), valMean: p.valMean, valScores: [...p.valScores],
      discoveredAtSpend: c.discoveredAtSpend, origin: c.origin,
    };
  }

  function summarize(state: S): OptimizerSummary & SearchSummaryExtras {
    if (state.pool.length === 0) throw new Error(`${name}: nothing to summarize before the seed has been scored`);
    const acc = account(state.ledger, state.holder);
    return {
      optimizer: name,
      holder: state.holder,
      stopReason: state.stopReason,
      valIds: [...state.valIds],
      best: scored(state, bestPoolId(state as unknown as AnyState)),
      seed: scored(state, state.seedId),
      pool: state.pool.map((p) => scored(state, p.id)),
      learningCurve: state.learningCurve.map((p) => ({ ...p })),
      ledger: summarizeLedger(state.ledger),
      outcomes: { ...state.outcomes },
      iterations: state.counters.iterations,
      accepted: state.counters.validated,
      metricCalls: acc.metricCalls,
      cumulativeMetricCalls: cumulativeSpend(state as unknown as AnyState),
      explored: state.order.map((id) => {
        const c = state.candidates[id];
        return {
          id, parents: [...c.candidate.parents], origin: c.origin, iteration: c.iteration, fitness: c.fitness,
          valMean: c.poolIndex === null ? null : state.pool[c.poolIndex].valMean, text: renderCandidate(c.candidate),
        };
      }),
      fitIds: [...state.fitIds],
      counters: { ...state.counters },
    };
  }

  function progress(state: S): OptimizerProgress {
    const acc = account(state.ledger, state.holder);
    const grant = acc.grant!;
    const phase = state.stopReason ? 'done'
      : state.phase !== 'search' ? state.phase
      : state.step === null ? 'between-iterations'
      : spec.phaseOf ? spec.phaseOf(state.step) : 'iteration';
    return {
      optimizer: name,
      iteration: state.iteration,
      phase,
      spent: spentIn(acc, grant.unit),
      grant: { ...grant },
      metricCalls: acc.metricCalls,
      bestValMean: state.pool.length === 0 ? null : bestMean(state),
      poolSize: state.pool.length,
      stopReason: state.stopReason,
      outcomes: { ...state.outcomes },
    };
  }

  return {
    name,
    resolveConfig: (config: unknown) => spec.resolveConfig(config),
    init,
    nextAction,
    applyResult,
    recordUsage: (state: S, usage: UsageRecord) => recordLedgerUsage(state.ledger, state.holder, usage),
    isQuiescent: (state: S) => state.pending === null,
    summarize,
    progress,
    account: (state: S): HolderAccount => clone(account(state.ledger, state.holder)),
  };
}

/** What a search's summary has besides the shared OptimizerSummary fields. */
export interface SearchSummaryExtras {
  /** Every candidate made, in order, with its lineage (the pool holds only validated ones). */
  explored: Array<{ id: string; parents: string[]; origin: string; iteration: number; fitness: number | null; valMean: number | null; text: string }>;
  fitIds: string[];
  counters: SearchCounters;
}
