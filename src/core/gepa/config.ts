/** GEPA configuration: defaults (those of the reference where it has one) and validation. */
import { ACCEPTANCE_NAMES, BATCH_SAMPLER_NAMES, COMPONENT_SELECTORS, SELECTORS } from './strategies';
import type { GepaConfig, GepaConfigInput, ReservationPolicy } from './types';

/** The reservation policies a config may name (types.ts ReservationPolicy says what each does). */
export const RESERVATION_POLICIES: readonly ReservationPolicy[] = ['worst-case', 'per-step'];

export const defaultGepaConfig: Readonly<GepaConfig> = Object.freeze({
  seed: 0,
  minibatchSize: 3,
  perfectScore: 1,
  selector: 'pareto',
  epsilon: 0.1,
  componentSelector: 'round_robin',
  batchSampler: 'epoch_shuffled',
  acceptance: 'strict_improvement',
  reservation: 'per-step',
  proposals: 1,
  useMerge: false,
  maxMerge: 5,
  mergeSubsetSize: 5,
  cache: true,
  stop: Object.freeze({ maxIdleIterations: 100 }) as GepaConfig['stop'],
  reflection: Object.freeze({ maxRecordChars: 2000 }) as GepaConfig['reflection'],
}) as GepaConfig;

const TOP_KEYS = new Set([
  'seed', 'minibatchSize', 'perfectScore', 'selector', 'epsilon', 'componentSelector', 'batchSampler', 'acceptance', 'reservation', 'proposals', 'proposalParents', 'proposalKeep', 'useMerge',
  'maxMerge', 'mergeSubsetSize', 'cache', 'stop', 'reflection',
]);
const STOP_KEYS = new Set([
  'maxIterations', 'noImprovementIterations', 'scoreThreshold', 'maxWallClockMs', 'maxUsd', 'maxIdleIterations',
]);
const REFLECTION_KEYS = new Set(['maxRecordChars', 'maxRecords']);

function fail(path: string, message: string): never {
  throw new Error(`gepa config: ${path} ${message}`);
}

function show(v: unknown): string {
  return typeof v === 'string' ? `"${v}"` : JSON.stringify(v) ?? String(v);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function checkKeys(obj: Record<string, unknown>, known: Set<string>, where: string): void {
  for (const k of Object.keys(obj)) {
    if (!known.has(k)) fail(where ? `${where}.${k}` : k, `is not a known option (known: ${[...known].join(', ')})`);
  }
}

function int(path: string, v: unknown, min: number): void {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) fail(path, `must be a whole number >= ${min}, got ${show(v)}`);
}

function num(path: string, v: unknown, min: number, max = Infinity, minExclusive = false): void {
  if (typeof v !== 'number' || !Number.isFinite(v) || (minExclusive ? v <= min : v < min) || v > max) {
    const range = min === -Infinity ? '' : max === Infinity ? ` ${minExclusive ? '>' : '>='} ${min}` : ` in [${min}, ${max}]`;
    fail(path, `must be a finite number${range}, got ${show(v)}`);
  }
}

function oneOf(path: string, v: unknown, allowed: readonly string[]): void {
  if (typeof v !== 'string' || !allowed.includes(v)) fail(path, `must be one of ${allowed.join(', ')}, got ${show(v)}`);
}

/** Throws a one-line error naming the first bad option; returns the config typed when it is complete and valid. */
export function validateGepaConfig(config: unknown): GepaConfig {
  if (!isObject(config)) fail('', `must be an object, got ${show(config)}`);
  checkKeys(config, TOP_KEYS, '');
  int('seed', config.seed, 0);
  int('minibatchSize', config.minibatchSize, 1);
  num('perfectScore', config.perfectScore, -Infinity);
  oneOf('selector', config.selector, SELECTORS);
  num('epsilon', config.epsilon, 0, 1);
  oneOf('componentSelector', config.componentSelector, COMPONENT_SELECTORS);
  oneOf('batchSampler', config.batchSampler, BATCH_SAMPLER_NAMES);
  oneOf('acceptance', config.acceptance, ACCEPTANCE_NAMES);
  oneOf('reservation', config.reservation, RESERVATION_POLICIES);
  int('proposals', config.proposals, 1);
  const n = config.proposals as number;
  if (config.proposalParents !== undefined) {
    int('proposalParents', config.proposalParents, 1);
    if (n % (config.proposalParents as number) !== 0) fail('proposalParents', `must divide proposals (${n}), got ${show(config.proposalParents)}`);
  }
  if (config.proposalKeep !== undefined && config.proposalKeep !== 'all' && config.proposalKeep !== 'best') {
    if (typeof config.proposalKeep !== 'number') fail('proposalKeep', `must be all, best or a whole number >= 1, got ${show(config.proposalKeep)}`);
    int('proposalKeep', config.proposalKeep, 1);
  }
  if (typeof config.useMerge !== 'boolean') fail('useMerge', `must be true or false, got ${show(config.useMerge)}`);
  int('maxMerge', config.maxMerge, 0);
  int('mergeSubsetSize', config.mergeSubsetSize, 1);
  if (typeof config.cache !== 'boolean') fail('cache', `must be true or false, got ${show(config.cache)}`);
  const stop = config.stop;
  if (!isObject(stop)) fail('stop', `must be an object, got ${show(stop)}`);
  checkKeys(stop, STOP_KEYS, 'stop');
  if (stop.maxIterations !== undefined) int('stop.maxIterations', stop.maxIterations, 1);
  if (stop.noImprovementIterations !== undefined) int('stop.noImprovementIterations', stop.noImprovementIterations, 1);
  if (stop.scoreThreshold !== undefined) num('stop.scoreThreshold', stop.scoreThreshold, -Infinity);
  if (stop.maxWallClockMs !== undefined) num('stop.maxWallClockMs', stop.maxWallClockMs, 0, Infinity, true);
  if (stop.maxUsd !== undefined) num('stop.maxUsd', stop.maxUsd, 0, Infinity, true);
  int('stop.maxIdleIterations', stop.maxIdleIterations, 1);
  const refl = config.reflection;
  if (!isObject(refl)) fail('reflection', `must be an object, got ${show(refl)}`);
  checkKeys(refl, REFLECTION_KEYS, 'reflection');
  int('reflection.maxRecordChars', refl.maxRecordChars, 200);
  if (refl.maxRecords !== undefined) int('reflection.maxRecords', refl.maxRecords, 1);
  return config as unknown as GepaConfig;
}

/** Fills defaults into a partial config and validates the result. */
export function resolveGepaConfig(input: GepaConfigInput = {}): GepaConfig {
  if (!isObject(input)) fail('', `must be an object, got ${show(input)}`);
  const stopIn = input.stop ?? {};
  const reflIn = input.reflection ?? {};
  if (!isObject(stopIn)) fail('stop', `must be an object, got ${show(stopIn)}`);
  if (!isObject(reflIn)) fail('reflection', `must be an object, got ${show(reflIn)}`);
  const merged = {
    ...defaultGepaConfig,
    ...stripUndefined(input),
    stop: { ...defaultGepaConfig.stop, ...stripUndefined(stopIn) },
    reflection: { ...defaultGepaConfig.reflection, ...stripUndefined(reflIn) },
  };
  return validateGepaConfig(merged);
}

// Keeps "absent" and "undefined" meaning the same thing, and keeps state JSON-clean.
function stripUndefined<T extends object>(o: T): Partial<T> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) out[k] = v;
  return out as Partial<T>;
}
