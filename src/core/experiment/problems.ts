/**
 * Problems found in an experiment config, each tied to the place it comes from (a path such as
 * `budget.b1`, and a line once the file is known), and the error that carries them.
 */
import type { z } from 'zod';

export type PathSegment = string | number;

export interface ConfigProblem {
  /** Where in the config, e.g. `budget.b1`, `arms[2]`; empty for the whole document. */
  path: string;
  /** The same path as segments, for mapping to a line of the source file. */
  at: PathSegment[];
  /** 1-based line in the source file, when the config came from a file. */
  line?: number;
  message: string;
}

/** `['arms', 2, 'cycles']` → `arms[2].cycles`. */
export function formatPath(at: readonly PathSegment[]): string {
  let out = '';
  for (const seg of at) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out ? `.${seg}` : seg;
  }
  return out;
}

export function problem(at: PathSegment[], message: string): ConfigProblem {
  return { path: formatPath(at), at, message };
}

/**
 * One line per problem: `file:12: budget.b1: message` (file, line and path only when known);
 * `label` (e.g. `warning`) goes after the location.
 */
export function formatProblem(p: ConfigProblem, file?: string, label?: string): string {
  const where = file ? `${file}${p.line !== undefined ? `:${p.line}` : ''}: ` : p.line !== undefined ? `line ${p.line}: ` : '';
  return `${where}${label ? `${label}: ` : ''}${p.path ? `${p.path}: ` : ''}${p.message}`;
}

export class ConfigError extends Error {
  readonly problems: ConfigProblem[];
  readonly file?: string;

  constructor(problems: ConfigProblem[], file?: string) {
    super(problems.map((p) => formatProblem(p, file)).join('\n'));
    this.name = 'ConfigError';
    this.problems = problems;
    this.file = file;
  }
}

/** A short rendering of a value for a message (never a whole prompt). */
export function showValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  const text = typeof value === 'string' ? JSON.stringify(value) : String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

const typeNames: Record<string, string> = {
  int: 'a whole number',
  number: 'a number',
  string: 'text',
  boolean: 'true or false',
  object: 'a mapping',
  array: 'a list',
};

function bound(issue: { minimum?: unknown; maximum?: unknown; inclusive?: boolean }, small: boolean): string {
  const limit = small ? issue.minimum : issue.maximum;
  const op = small ? (issue.inclusive ? '>=' : '>') : issue.inclusive ? '<=' : '<';
  return `${op} ${String(limit)}`;
}

/** Readable problems from zod issues: one per issue, one per unknown key. */
export function problemsFromZod(issues: readonly z.core.$ZodIssue[]): ConfigProblem[] {
  const out: ConfigProblem[] = [];
  for (const issue of issues) {
    const at = issue.path.filter((s): s is PathSegment => typeof s !== 'symbol');
    const input = (issue as { input?: unknown }).input;
    switch (issue.code) {
      case 'unrecognized_keys':
        for (const key of issue.keys) out.push(problem([...at, key], 'unknown key'));
        break;
      case 'invalid_type':
        out.push(problem(at, input === undefined
          ? `required (${typeNames[issue.expected] ?? issue.expected})`
          : `expected ${typeNames[issue.expected] ?? issue.expected}, got ${showValue(input)}`));
        break;
      case 'too_small':
        if (issue.origin === 'array') out.push(problem(at, `needs at least ${String(issue.minimum)} item(s)`));
        else if (issue.origin === 'string') out.push(problem(at, 'must not be empty'));
        else out.push(problem(at, `must be ${bound(issue, true)}, got ${showValue(input)}`));
        break;
      case 'too_big':
        if (issue.origin === 'array') out.push(problem(at, `allows at most ${String(issue.maximum)} item(s)`));
        else if (issue.origin === 'string') out.push(problem(at, `must be at most ${String(issue.maximum)} characters`));
        else out.push(problem(at, `must be ${bound(issue, false)}, got ${showValue(input)}`));
        break;
      case 'invalid_value':
        out.push(problem(at, `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}, got ${showValue(input)}`));
        break;
      case 'invalid_key':
        out.push(problem(at, issue.issues[0]?.message ?? issue.message));
        break;
      default:
        // custom, invalid_format, invalid_union: their messages are written in the schema.
        out.push(problem(at, issue.message));
    }
  }
  return out;
}
