/** All activities, built from their dependencies. Workflows import only `typeof` this. */
import type { ActivityDeps } from './deps';
import { createExampleActivities } from './examples';
import { createExperimentActivities } from './experiment';
import { createResultActivities } from './results';
import { createReflectActivities } from './reflect';
import { createRolloutActivities } from './rollout';

export { createDeps, builtinTasks, type ActivityDeps, type DepsOptions, type TaskRegistry } from './deps';
export type { RolloutInput, RolloutRecord, TeachInput, TeachRecord } from './rollout';
export type { ReflectInput, ReflectOutput } from './reflect';

export function createActivities(deps: ActivityDeps) {
  return {
    ...createExampleActivities(deps),
    ...createRolloutActivities(deps),
    ...createResultActivities(deps),
    ...createReflectActivities(deps),
    ...createExperimentActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
