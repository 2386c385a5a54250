/** Checks a command's input before anything starts, so bad input costs nothing and says where it is. */
import fs from 'node:fs';
import { loadRegistry, type ModelRegistry } from '../llm/registry';
import type { ModelSpec } from '../llm/types';
import { datasetsDir } from '../paths';
import { assertDatasetFiles } from '../tasks/datasets';
import { getTask } from '../tasks/registry';
import type { Task } from '../tasks/types';
import { UsageError, oneLine } from './errors';

export function checkTask(name: string): Task {
  let task: Task;
  try {
    task = getTask(name);
  } catch (err) {
    throw new UsageError(oneLine(err));
  }
  try {
    assertDatasetFiles(datasetsDir(), task.files);
  } catch (err) {
    throw new UsageError(oneLine(err));
  }
  return task;
}

/** The model registry (shipped plus LSL_MODELS); a broken file is bad input, named in one line. */
export function loadRegistryOrUsage(modelsFile?: string): ModelRegistry {
  try {
    return loadRegistry(modelsFile ?? process.env.LSL_MODELS);
  } catch (err) {
    throw new UsageError(oneLine(err));
  }
}

export function checkModels(names: string[], modelsFile?: string): ModelSpec[] {
  const registry = loadRegistryOrUsage(modelsFile);
  return names.map((n) => {
    try {
      return registry.get(n);
    } catch (err) {
      throw new UsageError(oneLine(err));
    }
  });
}

export function readInstruction(file: string | undefined, fallback: string): string {
  if (!file) return fallback;
  try {
    const text = fs.readFileSync(file, 'utf8');
    if (!text.trim()) throw new Error('file is empty');
    return text.trim();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'is a directory' : oneLine(err);
    throw new UsageError(`cannot read instruction file ${file}: ${why}`);
  }
}

export function positiveInt(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${flag} must be a whole number >= 1, got '${value}'`);
  return n;
}
