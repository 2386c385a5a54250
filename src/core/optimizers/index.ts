/**
 * The population-search optimizers beside GEPA: OPRO, EvoPrompt (GA and DE) and PromptBreeder,
 * each an `Optimizer` over plain-JSON state (src/core/optimizer/types.ts). Pure: safe in workflows.
 */
import type { Optimizer, OptimizerStateBase } from '../optimizer';
import { evopromptDe, evopromptGa } from './evoprompt';
import { opro } from './opro';
import { promptBreeder } from './promptbreeder';

export { opro, type OproConfig, type OproState } from './opro';
export { evopromptGa, evopromptDe, type EvoGaState, type EvoDeState, type EvoPromptConfig } from './evoprompt';
export { promptBreeder, type PromptBreederConfig, type PromptBreederState } from './promptbreeder';
export { driveOptimizer, type SyncDriver, type DriveOptions } from './common/drive';
export { cumulativeSpend, stageSpend, type SearchSummaryExtras } from './common/engine';
export type { SearchState } from './common/types';

/** The searches by the name a config picks them with. */
export const SEARCH_OPTIMIZERS: Record<string, Optimizer<OptimizerStateBase>> = {
  opro: opro as unknown as Optimizer<OptimizerStateBase>,
  'evoprompt-ga': evopromptGa as unknown as Optimizer<OptimizerStateBase>,
  'evoprompt-de': evopromptDe as unknown as Optimizer<OptimizerStateBase>,
  promptbreeder: promptBreeder as unknown as Optimizer<OptimizerStateBase>,
};
