/**
 * The model registry: the shipped entries (models.default.yaml at the repo root) plus, when given,
 * a user file (YAML or JSON, `models: [...]`) whose entries add models or override shipped ones by
 * name (only the fields they state). Every entry is validated with zod; a bad entry is ONE line
 * naming the file, its line, the entry and the field. Entries hold the NAME of the variable with
 * the API key (`apiKeyEnv`), never a key: anything that looks like a key is refused.
 */
import fs from 'node:fs';
import path from 'node:path';
import YAML, { LineCounter, isNode } from 'yaml';
import { z } from 'zod';
import { expandDefaults, templateProblem } from './env-template';
import { REASONING_EFFORTS, type ModelSpec } from './types';

/** Defaults for fields a user entry leaves out (shipped entries state everything). */
export const SPEC_DEFAULTS = { temperature: 0, maxTokens: 2048, concurrency: 8, timeoutMs: 120_000, outageLimitMinutes: 24 * 60 } as const;

const SHIPPED_FILE = 'models.default.yaml';

function templated(what: string) {
  return z
    .string({ error: `expected ${what} (a string)` })
    .min(1, { error: `expected ${what}, got an empty string` })
    .superRefine((value, ctx) => {
      const problem = templateProblem(value);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    });
}

const baseUrl = templated('a base URL').superRefine((value, ctx) => {
  // Placeholders without defaults are only known in the worker; check the rest now.
  if (/\$\{[A-Za-z_][A-Za-z0-9_]*\}/.test(value)) return;
  const url = expandDefaults(value);
  let ok = false;
  try {
    ok = ['http:', 'https:'].includes(new URL(url).protocol);
  } catch {
    ok = false;
  }
  if (!ok) ctx.addIssue({ code: 'custom', message: `expected an http(s) URL such as https://api.openai.com/v1, got '${url}'` });
});

const nonNegative = (what: string) =>
  z.number({ error: `expected ${what} (a number >= 0)` }).min(0, { error: `expected ${what} (a number >= 0)` });
const positiveInt = (what: string) =>
  z.number({ error: `expected ${what} (a whole number >= 1)` })
    .int({ error: `expected ${what} (a whole number >= 1)` })
    .min(1, { error: `expected ${what} (a whole number >= 1)` });

const entrySchema = z.strictObject(
  {
    name: z
      .string({ error: 'expected a model name (a string)' })
      .regex(/^[A-Za-z0-9][A-Za-z0-9._:/@+-]*$/, {
        error: 'expected a model name of letters, digits and . _ : / @ + - (no spaces)',
      }),
    provider: z.enum(['openai', 'openai-compatible', 'sim'], {
      error: "expected provider 'openai', 'openai-compatible' or 'sim'",
    }),
    baseUrl,
    model: templated('the model id sent to the endpoint'),
    apiKeyEnv: z
      .string({ error: 'expected the NAME of an environment variable (a string)' })
      .regex(/^[A-Z_][A-Z0-9_]{0,63}$/, {
        error: 'expected the NAME of an environment variable in capitals (e.g. OPENAI_API_KEY), never the key itself',
      })
      .optional(),
    temperature: z
      .number({ error: 'expected a temperature (a number from 0 to 2)' })
      .min(0, { error: 'expected a temperature (a number from 0 to 2)' })
      .max(2, { error: 'expected a temperature (a number from 0 to 2)' })
      .default(SPEC_DEFAULTS.temperature),
    maxTokens: positiveInt('maxTokens').default(SPEC_DEFAULTS.maxTokens),
    priceInputPerM: nonNegative('USD per million input tokens').optional(),
    priceOutputPerM: nonNegative('USD per million output tokens').optional(),
    concurrency: positiveInt('a concurrency').default(SPEC_DEFAULTS.concurrency),
    timeoutMs: positiveInt('a timeout in milliseconds').default(SPEC_DEFAULTS.timeoutMs),
    simulated: z.boolean({ error: 'expected true or false' }).optional(),
    reasoning: z.boolean({ error: 'expected true or false' }).optional(),
    reasoningEffort: z.enum(REASONING_EFFORTS, { error: `expected a reasoning effort (${REASONING_EFFORTS.join(', ')})` }).optional(),
    maxCompletionTokens: positiveInt('maxCompletionTokens').optional(),
    rpm: positiveInt('requests per minute').optional(),
    tpm: positiveInt('tokens per minute').optional(),
    outageLimitMinutes: z.number({ error: 'expected an outage limit in minutes (a number > 0)' })
      .positive({ error: 'expected an outage limit in minutes (a number > 0)' })
      .default(SPEC_DEFAULTS.outageLimitMinutes),
  },
  { error: (iss) => (iss.code === 'unrecognized_keys' ? undefined : 'expected a model entry (a mapping of fields)') },
);

const SPEC_FIELDS = Object.keys(entrySchema.shape);

/** The zod schema of one registry entry (input may omit the defaulted fields; output is a full ModelSpec). */
export const modelSpecSchema = entrySchema
  .superRefine((spec, ctx) => {
    if ((spec.priceInputPerM === undefined) !== (spec.priceOutputPerM === undefined)) {
      const missing = spec.priceInputPerM === undefined ? 'priceInputPerM' : 'priceOutputPerM';
      ctx.addIssue({ code: 'custom', path: [missing], message: 'state both prices or neither (a half-known price would undercount dollars)' });
    }
    // Effort and completion budget only mean something to a reasoning model; refusing them
    // elsewhere catches an entry that forgot `reasoning: true` (the endpoint would refuse max_tokens).
    for (const field of ['reasoningEffort', 'maxCompletionTokens'] as const) {
      if (spec[field] !== undefined && !spec.reasoning) {
        ctx.addIssue({ code: 'custom', path: [field], message: `${field} is for reasoning models: add reasoning: true (or remove ${field})` });
      }
    }
    // A task queue's rate limit (how rpm is enforced, src/workers/model-queues.ts) counts calls, and
    // a call's tokens are known only once it is made: a tpm the workers cannot hold is refused,
    // rather than read and silently ignored.
    if (spec.tpm !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['tpm'], message: 'tpm is not enforced (rate limits count calls, not tokens): state rpm instead, at most tpm / the most tokens one call uses' });
    }
  })
  .transform((spec): ModelSpec => ({ ...spec, simulated: spec.simulated ?? spec.provider === 'sim' }));

export type ModelSpecInput = z.input<typeof modelSpecSchema>;

const fileSchema = z.strictObject(
  { models: z.array(z.unknown(), { error: 'expected a list of model entries' }) },
  { error: (iss) => (iss.code === 'unrecognized_keys' ? undefined : "expected a mapping with a 'models' list") },
);

export class ModelRegistryError extends Error {}

export class UnknownModelError extends Error {
  constructor(readonly model: string, known: string[]) {
    super(`unknown model '${model}' (known: ${known.join(', ')})`);
  }
}

export interface ModelRegistry {
  /** Registry names, sorted. */
  names(): string[];
  has(name: string): boolean;
  /** The spec (placeholders not yet expanded); throws UnknownModelError listing the known names. */
  get(name: string): ModelSpec;
  all(): ModelSpec[];
  /** The files the entries came from, shipped file first. */
  readonly sources: string[];
}

type PathPart = string | number;

function pathText(parts: readonly PathPart[]): string {
  return parts.reduce<string>((s, p) => (typeof p === 'number' ? `${s}[${p}]` : s ? `${s}.${p}` : p), '');
}

/** Where a parsed document came from, to turn a path into `file:line`. */
interface Source {
  label: string;
  doc?: YAML.Document;
  lines?: LineCounter;
}

function lineOf(src: Source, parts: readonly PathPart[]): number | undefined {
  if (!src.doc || !src.lines) return undefined;
  // A missing field has no node: report the nearest enclosing one (the entry).
  for (let n = parts.length; n >= 0; n--) {
    const node = n === 0 ? src.doc.contents : src.doc.getIn(parts.slice(0, n), true);
    if (isNode(node) && node.range) return src.lines.linePos(node.range[0]).line;
  }
  return undefined;
}

function fail(src: Source, parts: readonly PathPart[], message: string): never {
  const line = lineOf(src, parts);
  const where = line === undefined ? src.label : `${src.label}:${line}`;
  throw new ModelRegistryError(`${where}: ${parts.length ? `${pathText(parts)}: ` : ''}${message}`);
}

function valueAt(root: unknown, parts: readonly PathPart[]): unknown {
  let v: any = root;
  for (const p of parts) v = v == null ? undefined : v[p];
  return v;
}

/** `value` is what was validated; `base` is where it sits in the file. */
function failOnIssue(src: Source, value: unknown, base: readonly PathPart[], issue: z.core.$ZodIssue, known: readonly string[]): never {
  const rel = issue.path as PathPart[];
  const parts = [...base, ...rel];
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0];
    fail(src, [...parts, key], `unknown field '${key}' (known: ${known.join(', ')})`);
  }
  if (issue.code === 'invalid_type' && valueAt(value, rel) === undefined) fail(src, parts, `missing: ${issue.message}`);
  fail(src, parts, issue.message);
}


const KEY_FIELD = /^(api[_-]?key|key|secret|token|password|authorization|bearer)$/i;
const KEY_VALUE = /^\s*(sk-|Bearer\s)/i;

/** Refuses an entry that holds a key. Never echoes the value. */
function refuseKeys(src: Source, entry: unknown, base: readonly PathPart[]): void {
  if (!entry || typeof entry !== 'object' || Array.isArray(entry)) return;
  for (const [field, value] of Object.entries(entry)) {
    if (KEY_FIELD.test(field)) {
      fail(src, [...base, field], "refused: a registry entry never holds a key; put the key in the worker's environment and name the variable in apiKeyEnv");
    }
    if (typeof value === 'string' && KEY_VALUE.test(value)) {
      fail(src, [...base, field], "refused: the value looks like an API key; put the key in the worker's environment and name the variable in apiKeyEnv");
    }
  }
}

function readSource(file: string, label: string): { src: Source; data: unknown } {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : code === 'EACCES' ? 'permission denied' : String(code ?? err);
    throw new ModelRegistryError(`${label}: cannot read models file: ${why}`);
  }
  // YAML is a superset of JSON, so one parser gives line numbers for both.
  const lines = new LineCounter();
  const doc = YAML.parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const src: Source = { label, doc, lines };
  if (doc.errors.length) {
    const e = doc.errors[0];
    const line = lines.linePos(e.pos[0]).line;
    throw new ModelRegistryError(`${label}:${line}: not valid YAML/JSON: ${e.message.split('\n')[0]}`);
  }
  return { src, data: doc.toJS() };
}

/** Validates a file's entries; `base` are specs the entries may override by name (only the fields stated). */
function parseEntries(src: Source, data: unknown, base: Map<string, ModelSpec>): ModelSpec[] {
  const file = fileSchema.safeParse(data ?? {});
  if (!file.success) failOnIssue(src, data, [], file.error.issues[0], ['models']);
  const seen = new Map<string, number>();
  return file.data.models.map((entry, i) => {
    const at: PathPart[] = ['models', i];
    refuseKeys(src, entry, at);
    const name = (entry as { name?: unknown } | null)?.name;
    if (typeof name === 'string') {
      if (seen.has(name)) fail(src, [...at, 'name'], `duplicate model '${name}' (also models[${seen.get(name)}])`);
      seen.set(name, i);
    }
    const overridden = typeof name === 'string' ? base.get(name) : undefined;
    const input = overridden && entry && typeof entry === 'object' && !Array.isArray(entry) ? { ...overridden, ...entry } : entry;
    const parsed = modelSpecSchema.safeParse(input);
    if (!parsed.success) failOnIssue(src, input, at, parsed.error.issues[0], SPEC_FIELDS);
    return parsed.data;
  });
}

/** models.default.yaml, found from this module whether it runs from src/ (tsx, jest) or dist/src/. */
export function shippedRegistryPath(): string {
  for (let dir = __dirname, i = 0; i < 5; i++, dir = path.dirname(dir)) {
    const candidate = path.join(dir, SHIPPED_FILE);
    if (fs.existsSync(candidate)) return candidate;
  }
  throw new ModelRegistryError(`${SHIPPED_FILE}: the shipped model registry is missing (looked upward from ${__dirname})`);
}

function makeRegistry(specs: Iterable<ModelSpec>, sources: string[]): ModelRegistry {
  const byName = new Map<string, ModelSpec>();
  for (const s of specs) byName.set(s.name, s);
  const names = [...byName.keys()].sort();
  return {
    names: () => [...names],
    has: (name) => byName.has(name),
    get(name) {
      const spec = byName.get(name);
      if (!spec) throw new UnknownModelError(name, names);
      return spec;
    },
    all: () => names.map((n) => byName.get(n)!),
    sources,
  };
}

/**
 * The shipped entries plus the user file `file` (or, when absent, the file named by env
 * `LSL_MODELS`), whose entries add models or override shipped ones by name.
 */
export function loadRegistry(file?: string, env: NodeJS.ProcessEnv = process.env): ModelRegistry {
  const shippedPath = shippedRegistryPath();
  const shipped = readSource(shippedPath, SHIPPED_FILE);
  const merged = new Map<string, ModelSpec>();
  for (const s of parseEntries(shipped.src, shipped.data, new Map())) merged.set(s.name, s);
  const sources = [shippedPath];
  const userFile = file ?? (env.LSL_MODELS || undefined);
  if (userFile) {
    const user = readSource(userFile, userFile);
    for (const s of parseEntries(user.src, user.data, merged)) merged.set(s.name, s);
    sources.push(path.resolve(userFile));
  }
  return makeRegistry(merged.values(), sources);
}

/** A registry of exactly these entries (validated like a file's), for tests and embedding. */
export function registryFromSpecs(entries: ModelSpecInput[], label = 'models'): ModelRegistry {
  const specs = parseEntries({ label }, { models: entries }, new Map());
  return makeRegistry(specs, []);
}
