/**
 * The evaluation cache: known scores of a candidate text (by content hash) are reused instead
 * of re-running rollouts. Train results keep what reflection needs (capped output and
 * feedback); validation scores come from the pool once a candidate is in it. Every hit is
 * recorded in the ledger as a cache hit (no metric call).
 */
import { recordCacheHits } from '../budget';
import type { CachedTrainResult, GepaState } from './types';

export function unique(ids: readonly string[]): string[] {
  return [...new Set(ids)];
}

/** Train results of `hash` on `ids` into `into` from the cache; returns the ids still unknown. */
export function fillTrain(
  state: GepaState,
  hash: string,
  ids: readonly string[],
  into: Record<string, CachedTrainResult>,
  needRecord: boolean,
): string[] {
  const missing: string[] = [];
  let hits = 0;
  const entry = state.config.cache ? state.cache[hash] : undefined;
  for (const id of unique(ids)) {
    if (into[id]) continue;
    const cached = entry?.train[id];
    if (cached && (!needRecord || cached.output !== undefined)) {
      into[id] = cached;
      hits++;
    } else missing.push(id);
  }
  if (hits > 0) recordCacheHits(state.ledger, state.holder, hits);
  return missing;
}

export function fillVal(state: GepaState, hash: string, ids: readonly string[], into: Record<string, number>): string[] {
  const missing: string[] = [];
  let hits = 0;
  const poolIndex = state.config.cache ? state.poolIndexByHash[hash] : undefined;
  const entry = state.config.cache ? state.cache[hash] : undefined;
  const position = poolIndex === undefined ? null : new Map(state.valIds.map((id, v) => [id, v]));
  for (const id of unique(ids)) {
    if (into[id] !== undefined) continue;
    let score: number | undefined;
    if (poolIndex !== undefined) score = state.pool[poolIndex].valScores[position!.get(id)!];
    else score = entry?.val[id];
    if (score !== undefined) {
      into[id] = score;
      hits++;
    } else missing.push(id);
  }
  if (hits > 0) recordCacheHits(state.ledger, state.holder, hits);
  return missing;
}

/** Parent train ids that would need a rollout (a cached result must carry its record). */
export function countMissingTrain(state: GepaState, hash: string, ids: readonly string[]): number {
  const entry = state.config.cache ? state.cache[hash] : undefined;
  let n = 0;
  for (const id of unique(ids)) if (entry?.train[id]?.output === undefined) n++;
  return n;
}

/** Validation ids of `hash` (all of them, or `ids`) that would need a rollout, beyond those already in `have`. */
export function countMissingVal(
  state: GepaState,
  hash: string,
  ids: readonly string[] = state.valIds,
  have: Record<string, number> = {},
): number {
  if (state.config.cache && state.poolIndexByHash[hash] !== undefined) return 0;
  const entry = state.config.cache ? state.cache[hash] : undefined;
  let n = 0;
  for (const id of unique(ids)) if (have[id] === undefined && entry?.val[id] === undefined) n++;
  return n;
}

/** A rejected child's outputs are no longer needed for reflection: keep only its scores. */
export function forgetRecords(state: GepaState, hash: string): void {
  const entry = state.cache[hash];
  if (!entry) return;
  for (const id of Object.keys(entry.train)) entry.train[id] = { score: entry.train[id].score };
}

