/** Checks a command's input before anything starts, so bad input costs nothing and says where it is. */
import fs from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { seedCandidateFrom } from '../core/optimizer/candidate';
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

/**
 * A seed candidate with named components, from a YAML or JSON file: either a mapping of
 * component name to text (in file order), or `{ components: {...}, order: [...] }`.
 */
export function readSeedCandidate(file: string): { components: Record<string, string>; order: string[] } {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'is a directory' : oneLine(err);
    throw new UsageError(`cannot read seed candidate file ${file}: ${why}`);
  }
  let doc: unknown;
  try {
    // YAML is a superset of JSON: one parser reads both.
    doc = parseYaml(text);
  } catch (err) {
    throw new UsageError(`seed candidate file ${file}: not valid YAML or JSON: ${oneLine(err)}`);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    throw new UsageError(`seed candidate file ${file}: must be a mapping of component name to text, or { components, order }`);
  }
  const obj = doc as Record<string, unknown>;
  const seed = 'components' in obj ? { components: obj.components as Record<string, string>, order: obj.order as string[] | undefined } : { components: obj as Record<string, string> };
  try {
    return seedCandidateFrom(seed);
  } catch (err) {
    throw new UsageError(`seed candidate file ${file}: ${oneLine(err)}`);
  }
}

export function positiveInt(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${flag} must be a whole number >= 1, got '${value}'`);
  return n;
}
