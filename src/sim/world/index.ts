/** The kinds of world the simulator knows, and which kind a task's instances belong to. */
import type { Task, TaskExample } from '../../tasks/types';
import { codeWorld } from './code';
import { mathWorld } from './math';
import { numericWorld } from './numeric';
import type { KindWorld, Trap, WorldKind } from './types';

export const WORLDS: Record<WorldKind, KindWorld> = {
  numeric: numericWorld,
  math: mathWorld,
  code: codeWorld,
};

const NUMERIC_TASKS = new Set(['gsm8k', 'svamp', 'gsm-hard']);

/** Code tasks are code; named numeric tasks and other tasks with a plain-number gold are numeric; the rest is LaTeX math. */
export function worldKindFor(task: Pick<Task, 'name' | 'kind'>, example?: TaskExample): WorldKind {
  if (task.kind === 'code') return 'code';
  if (NUMERIC_TASKS.has(task.name)) return 'numeric';
  if (task.name === 'math500' || task.name.startsWith('aime')) return 'math';
  return example && /^-?\d+(\.\d+)?$/.test(example.gold.trim()) ? 'numeric' : 'math';
}

/** Every trap of every kind, by name (names are unique across kinds). */
export const ALL_TRAPS: ReadonlyMap<string, Trap> = new Map(
  Object.values(WORLDS).flatMap((w) => w.traps.map((t) => [t.name, t] as const)),
);

export type { KindWorld, Trap, WorldKind, SimInstance, InstanceFacts, AnswerPlan, FormatRule } from './types';
