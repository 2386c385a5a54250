/**
 * Every name shared by workers, clients, the CLI and tests: task queues, workflow types,
 * search-attribute keys. One module so a rename cannot drift between them.
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

// Workflow code imports this module too, and has no `process` in its sandbox.
export const TASK_QUEUE = (typeof process !== 'undefined' && process.env.LSL_TASK_QUEUE) || 'lsl';

export const WorkflowTypes = {
  evaluatePrompt: 'evaluatePrompt',
  gepaStage: 'gepaStage',
  experiment: 'experiment',
} as const;

/** Typed search attributes upserted by our workflows (registered on the server at start-up). */
export const SearchAttributes = {
  experimentId: defineSearchAttributeKey('LslExperimentId', SearchAttributeType.KEYWORD),
  arm: defineSearchAttributeKey('LslArm', SearchAttributeType.KEYWORD),
  stage: defineSearchAttributeKey('LslStage', SearchAttributeType.KEYWORD),
  status: defineSearchAttributeKey('LslStatus', SearchAttributeType.KEYWORD),
  task: defineSearchAttributeKey('LslTask', SearchAttributeType.KEYWORD),
  model: defineSearchAttributeKey('LslModel', SearchAttributeType.KEYWORD),
  /** A stage's best mean score on its validation set, on its task model (LslModel). */
  bestValScore: defineSearchAttributeKey('LslBestValScore', SearchAttributeType.DOUBLE),
  /** An evaluation's accuracy on the test split, on its model (LslModel). */
  testAccuracy: defineSearchAttributeKey('LslTestAccuracy', SearchAttributeType.DOUBLE),
} as const;

/** `name=Type` pairs for `temporal server start-dev --search-attribute`. */
export function searchAttributeCliArgs(): string[] {
  const typeName: Record<string, string> = {
    [SearchAttributeType.KEYWORD]: 'Keyword',
    [SearchAttributeType.DOUBLE]: 'Double',
  };
  return Object.values(SearchAttributes).flatMap((k) => ['--search-attribute', `${k.name}=${typeName[k.type]}`]);
}
