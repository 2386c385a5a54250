/**
 * Loading an experiment config file (YAML or JSON, same shape): parse, validate against the
 * registries and the task's data, and report every problem on its own line with the line of the
 * file it comes from (`examples/x.yaml:12: budget.b1: ...`).
 */
import fs from 'node:fs';
import path from 'node:path';
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import type { ModelSpec } from '../llm/types';
import type { ModelCatalog } from '../core/experiment/catalog';
import type { ExperimentConfig } from '../core/experiment/config';
import type { TokenEstimates } from '../core/experiment/plan';
import { ConfigError, formatProblem, problem, type ConfigProblem, type PathSegment } from '../core/experiment/problems';
import { validateExperimentConfig, type PoolSizes } from '../core/experiment/validate';
import { datasetsDir as defaultDatasetsDir } from '../paths';
import { getTask, isTaskName, TASK_NAMES } from '../tasks/registry';

/** The model registry as the loader needs it; `names` may be a list or a function returning one. */
export interface RegistryView {
  names: readonly string[] | (() => readonly string[]);
  get(name: string): ModelSpec;
}

export interface LoadOptions {
  registry: RegistryView;
  /** Pool sizes of a task (e.g. `(t) => taskPoolSizes(t)`); when given, the splits are checked against the data. */
  poolSizes?: (task: string) => PoolSizes | Promise<PoolSizes>;
  /** Token estimates for checking token and dollar budgets. */
  tokenEstimates?: Partial<TokenEstimates>;
  /** Known task names (default: the task registry's). */
  taskNames?: readonly string[];
  /** Receives each warning as one formatted line (default: written to stderr). */
  onWarning?: (line: string) => void;
}

export function catalogFromRegistry(registry: RegistryView): ModelCatalog {
  return {
    names: () => (typeof registry.names === 'function' ? registry.names() : registry.names),
    get: (name) => registry.get(name),
  };
}

/** A parsed source: the plain value, the problems of the syntax, and a path → line lookup. */
export interface ConfigSource {
  value: unknown;
  problems: ConfigProblem[];
  lineOf(at: readonly PathSegment[]): number | undefined;
}

function firstLine(message: string): string {
  return message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '').trim();
}

/** The line of the deepest key or item along `at` that exists in the document. */
function locate(doc: Document, counter: LineCounter, at: readonly PathSegment[]): number | undefined {
  let node: unknown = doc.contents;
  let line: number | undefined;
  const lineAt = (n: unknown) => {
    const range = (n as Node | null)?.range;
    return range ? counter.linePos(range[0]).line : undefined;
  };
  for (const seg of at) {
    if (isAlias(node)) node = node.resolve(doc);
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(seg));
      if (!pair) break;
      line = lineAt(pair.key) ?? line;
      node = pair.value;
    } else if (isSeq(node) && typeof seg === 'number' && seg < node.items.length) {
      node = node.items[seg];
      line = lineAt(node) ?? line;
    } else break;
  }
  return line;
}

/** Parses YAML or JSON text (JSON when the file name ends in .json). */
export function parseConfigSource(text: string, file = 'config.yaml'): ConfigSource {
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, uniqueKeys: true });
  const lineOf = (at: readonly PathSegment[]) => locate(doc, counter, at);
  const yamlProblems = doc.errors.map((err) => ({
    ...problem([], `${file.endsWith('.json') ? 'JSON' : 'YAML'} syntax: ${firstLine(err.message)}`),
    line: err.linePos?.[0]?.line,
  }));
  if (file.endsWith('.json')) {
    try {
      return { value: JSON.parse(text), problems: [], lineOf };
    } catch (err) {
      const fallback = { ...problem([], `JSON syntax: ${firstLine((err as Error).message)}`) };
      return { value: undefined, problems: yamlProblems.length ? yamlProblems : [fallback], lineOf };
    }
  }
  if (yamlProblems.length) return { value: undefined, problems: yamlProblems, lineOf };
  return { value: doc.toJS({ maxAliasCount: 100 }), problems: [], lineOf };
}

function withLines(problems: ConfigProblem[], source: ConfigSource): ConfigProblem[] {
  return problems.map((p) => (p.line !== undefined ? p : { ...p, line: source.lineOf(p.at) }));
}

/**
 * The one validation of a config value against the task registry, the model registry and the
 * task's data: `lsl validate/plan/run` (through the file loader below), and `prepare` in the
 * worker (so `temporal workflow start --input-file` gets the same checks). Returns the config
 * and its warnings, or throws ConfigError listing every problem (without lines: no file).
 */
export async function validateConfigValue(
  value: unknown,
  opts: LoadOptions,
): Promise<{ config: ExperimentConfig; warnings: ConfigProblem[] }> {
  const taskNames = opts.taskNames ?? TASK_NAMES;
  let pools: PoolSizes | undefined;
  const task = (value as { task?: unknown } | null)?.task;
  if (opts.poolSizes && typeof task === 'string' && taskNames.includes(task)) {
    try {
      pools = await opts.poolSizes(task);
    } catch (err) {
      throw new ConfigError([problem(['task'], `cannot read the data of '${task}': ${firstLine((err as Error).message)}`)]);
    }
  }
  const result = validateExperimentConfig(value, {
    taskNames,
    models: catalogFromRegistry(opts.registry),
    pools,
    tokenEstimates: opts.tokenEstimates,
  });
  if (!result.config) throw new ConfigError(result.errors);
  return { config: result.config, warnings: result.warnings };
}

/**
 * Validates config text as if read from `file`. Returns the config and its warnings (with lines),
 * or throws ConfigError listing every problem.
 */
export async function validateConfigText(
  text: string,
  file: string,
  opts: LoadOptions,
): Promise<{ config: ExperimentConfig; warnings: ConfigProblem[] }> {
  const source = parseConfigSource(text, file);
  if (source.problems.length) throw new ConfigError(source.problems, file);
  try {
    const { config, warnings } = await validateConfigValue(source.value, opts);
    return { config, warnings: withLines(warnings, source) };
  } catch (err) {
    if (err instanceof ConfigError) throw new ConfigError(withLines(err.problems, source), file);
    throw err;
  }
}

/**
 * Reads and validates an experiment config file. Returns the parsed config (defaults filled);
 * throws ConfigError (one line per problem, `file:line: path: message`); warnings go to
 * `opts.onWarning` (default stderr) as `file:line: warning: path: message`.
 */
export async function loadExperimentConfig(file: string, opts: LoadOptions): Promise<ExperimentConfig> {
  let text: string;
  try {
    text = await fs.promises.readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ConfigError([problem([], `cannot read the config file (${code === 'ENOENT' ? 'no such file' : code ?? (err as Error).message})`)], file);
  }
  const { config, warnings } = await validateConfigText(text, file, opts);
  const warn = opts.onWarning ?? ((line: string) => process.stderr.write(`${line}\n`));
  for (const w of warnings) warn(formatProblem(w, file, 'warning'));
  return config;
}

/** Sizes of a task's pools, by loading its data (from LSL_DATASETS_DIR unless given). */
export async function taskPoolSizes(task: string, datasetsDir: string = defaultDatasetsDir()): Promise<PoolSizes> {
  if (!isTaskName(task)) throw new Error(`unknown task '${task}' (known: ${TASK_NAMES.join(', ')})`);
  const t = getTask(task);
  const dir = path.resolve(datasetsDir);
  const train = await t.load(dir, 'train');
  const test = t.separatePools ? await t.load(dir, 'test') : train;
  return { train: train.length, test: test.length, separatePools: t.separatePools };
}
