/** EvoPrompt (Guo et al. 2023, arXiv:2309.08532): the GA and DE variants as optimizers. */
export { evopromptGa, type EvoGaState } from './ga';
export { evopromptDe, type EvoDeState } from './de';
export { rouletteTwo } from './roulette';
export { crossoverPrompt, differentialPrompt, variationPrompt } from './prompts';
export type { EvoPromptConfig } from './config';
