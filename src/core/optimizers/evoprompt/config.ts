/** EvoPrompt settings (Guo et al. 2023, sec. 4.1: population size N = 10, T = 10 iterations). */
import { z } from 'zod';
import { commonFields, parseOptimizerConfig } from '../common/config';
import type { SearchConfigBase } from '../common/types';

export interface EvoPromptConfig extends SearchConfigBase {
  /** N: members of the population, and children per GA generation (paper: 10). */
  populationSize: number;
}

const schema = z.strictObject({
  ...commonFields,
  populationSize: z.int().min(3).max(100).default(10),
});

/** The paper's T = 10 iterations are available as `stop.maxIterations: 10`; by default the grant ends the run. */
export function resolveEvoPromptConfig(name: string, input: unknown): EvoPromptConfig {
  return parseOptimizerConfig(name, schema, input) as EvoPromptConfig;
}
