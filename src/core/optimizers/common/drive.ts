/**
 * Runs any optimizer to the end with synchronous handlers: for tests, dry runs and benchmarks of
 * the pure cores. The stage workflow does the same loop with activities.
 */
import type {
  GenerateOutcome,
  Optimizer,
  OptimizerAction,
  OptimizerEvaluateAction,
  OptimizerGenerateAction,
  OptimizerStateBase,
  OptimizerStepContext,
  RolloutOutcome,
} from '../../optimizer';

export interface SyncDriver<S> {
  /** Aligned with the action's requests. */
  evaluate(action: OptimizerEvaluateAction, state: S): Array<Record<string, RolloutOutcome>>;
  generate(action: OptimizerGenerateAction, state: S): GenerateOutcome[];
  context?(state: S): OptimizerStepContext;
}

export interface DriveOptions<S> {
  /** Give up after this many actions, returning the pending one. */
  maxSteps?: number;
  /** Called after every action has been applied (and once with the final `done`); may return a replacement state. */
  onStep?(action: OptimizerAction, state: S): S | void;
}

/** Loops nextAction/applyResult until done; returns the final action and state. */
export function driveOptimizer<S extends OptimizerStateBase>(
  optimizer: Optimizer<S>,
  state: S,
  driver: SyncDriver<S>,
  opts: DriveOptions<S> = {},
): { action: OptimizerAction; state: S } {
  const maxSteps = opts.maxSteps ?? 100_000;
  for (let step = 0; ; step++) {
    const action = optimizer.nextAction(state, driver.context ? driver.context(state) : { nowMs: 0 });
    if (action.kind === 'done') {
      state = opts.onStep?.(action, state) ?? state;
      return { action, state };
    }
    if (step >= maxSteps) return { action, state };
    state = action.kind === 'evaluate'
      ? optimizer.applyResult(state, action, { kind: 'evaluate', results: driver.evaluate(action, state) })
      : optimizer.applyResult(state, action, { kind: 'generate', outputs: driver.generate(action, state) });
    state = opts.onStep?.(action, state) ?? state;
  }
}
