/**
 * Runs a GEPA state to the end with synchronous handlers: for offline dry runs, tests and
 * benchmarks of the core. The stage workflow does the same loop with activities.
 */
import { applyResult, nextAction } from './engine';
import type {
  EvaluateAction,
  EvaluationResult,
  GepaAction,
  GepaState,
  PendingAction,
  ReflectAction,
  ReflectionResult,
  StepContext,
} from './types';

export interface GepaDriver {
  evaluate(action: EvaluateAction, state: GepaState): EvaluationResult;
  reflect(action: ReflectAction, state: GepaState): ReflectionResult;
  /** Clock and stop signal seen before each step (default: time 0, no stop). */
  context?(state: GepaState): StepContext;
}

export interface DriveOptions {
  /** Give up after this many actions, returning the pending one (default: no limit). */
  maxSteps?: number;
  /** Called after every action has been applied, and once with the final `done`. */
  onStep?(action: GepaAction, state: GepaState): void;
}

/**
 * The driver's answer to any pending action; a batch is answered request by request, in
 * request order (the synchronous stand-in for the workflow's aligned batch results).
 */
export function answer(driver: GepaDriver, action: PendingAction, state: GepaState): EvaluationResult | ReflectionResult | EvaluationResult[] | ReflectionResult[] {
  switch (action.kind) {
    case 'evaluate': return driver.evaluate(action, state);
    case 'reflect': return driver.reflect(action, state);
    case 'evaluate-batch':
      return action.requests.map((r) => driver.evaluate({ kind: 'evaluate', seq: action.seq, purpose: action.purpose === 'child-vals' ? 'child-val' : action.purpose === 'parent-minibatches' ? 'parent-minibatch' : 'child-minibatch', ...r }, state));
    case 'reflect-batch':
      return action.requests.map((r) => driver.reflect({ kind: 'reflect', seq: action.seq, ...r }, state));
  }
}

/** Loops nextAction/applyResult until done (or `maxSteps` actions); returns the last action. */
export function driveGepa(state: GepaState, driver: GepaDriver, opts: DriveOptions = {}): GepaAction {
  const maxSteps = opts.maxSteps ?? Infinity;
  for (let step = 0; ; step++) {
    const action = nextAction(state, driver.context ? driver.context(state) : { nowMs: 0 });
    if (action.kind === 'done') {
      opts.onStep?.(action, state);
      return action;
    }
    if (step >= maxSteps) return action;
    applyResult(state, action, answer(driver, action, state));
    opts.onStep?.(action, state);
  }
}
