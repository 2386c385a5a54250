/**
 * Optimizers by the name a stage's input picks them by. Pure (imported by the stage workflow);
 * a new optimizer is an entry here, and no change to the workflow.
 */
import { gepaOptimizer } from '../gepa/optimizer';
import { SEARCH_OPTIMIZERS } from '../optimizers';
import type { Optimizer, OptimizerStateBase } from './types';

export const DEFAULT_OPTIMIZER = 'gepa';

/** Each entry has its own state type. */
export const optimizers: Record<string, Optimizer<any>> = {
  gepa: gepaOptimizer,
  // OPRO, EvoPrompt GA and DE, PromptBreeder (src/core/optimizers).
  ...SEARCH_OPTIMIZERS,
};

/** Adds an optimizer under its name (tests register toy ones in their own workflow bundle). */
export function registerOptimizer<State extends OptimizerStateBase>(optimizer: Optimizer<State>): void {
  optimizers[optimizer.name] = optimizer;
}

/** The optimizer called `name`; an unknown name is one line listing the known ones. */
export function getOptimizer(name: string = DEFAULT_OPTIMIZER): Optimizer<OptimizerStateBase> {
  const o = Object.prototype.hasOwnProperty.call(optimizers, name) ? optimizers[name] : undefined;
  if (!o) throw new Error(`unknown optimizer '${name}' (known: ${Object.keys(optimizers).join(', ')})`);
  return o;
}
