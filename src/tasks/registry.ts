/**
 * Task names used everywhere (CLI, configs, the simulator). Modules are loaded lazily so a
 * command that needs GSM8K does not pay for the math algebra library or the sandbox.
 */
import type { Task, TaskName } from './types';

/* eslint-disable @typescript-eslint/no-require-imports -- synchronous lazy loading keeps getTask() sync and start-up light */
const loaders: Record<TaskName, () => Task> = {
  gsm8k: () => require('./gsm8k').gsm8kTask,
  svamp: () => require('./numeric-tasks').svampTask,
  'gsm-hard': () => require('./numeric-tasks').gsmHardTask,
  math500: () => require('./math').math500Task,
  aime2024: () => require('./math').aime2024Task,
  aime2025: () => require('./math').aime2025Task,
  humaneval: () => require('./code').humanevalTask,
  mbpp: () => require('./code').mbppTask,
  'mbpp-sanitized': () => require('./code').mbppSanitizedTask,
};
/* eslint-enable @typescript-eslint/no-require-imports */

export const TASK_NAMES = Object.keys(loaders) as TaskName[];

export class UnknownTaskError extends Error {}

export function isTaskName(name: string): name is TaskName {
  return Object.prototype.hasOwnProperty.call(loaders, name);
}

export function getTask(name: string): Task {
  if (!isTaskName(name)) throw new UnknownTaskError(`unknown task '${name}' (known: ${TASK_NAMES.join(', ')})`);
  const task = loaders[name]();
  if (!task) throw new UnknownTaskError(`task '${name}' is not implemented yet`);
  return task;
}

/** The tasks a worker can run, by name: a dependency, so tests and embedders can add their own. */
export interface TaskRegistry {
  get(name: string): Task;
  readonly names: readonly TaskName[];
}

export const builtinTasks: TaskRegistry = { get: getTask, names: TASK_NAMES };
