/**
 * The epoch-shuffled minibatch stream over training ids. Batch k of the stream is what
 * iteration k+1 uses, so the position advances with the iteration number whether or not an
 * iteration got as far as reflecting. Each epoch is a fresh shuffle; when |train| is not a
 * multiple of b the epoch is padded with the ids used least so far (not already in the
 * epoch's last batch).
 */
import type { Rng } from '../random';
import type { SamplerState } from './types';

export function createSampler(): SamplerState {
  return { order: [], epoch: -1, useCounts: {} };
}

/** Length of an epoch: |train| rounded up to a multiple of b. */
export function epochLength(trainSize: number, b: number): number {
  return Math.ceil(trainSize / b) * b;
}

function shuffleEpoch(state: SamplerState, trainIds: readonly string[], b: number, rng: Rng): SamplerState {
  const order = rng.shuffle(trainIds);
  const useCounts = { ...state.useCounts };
  for (const id of order) useCounts[id] = (useCounts[id] ?? 0) + 1;
  const pad = epochLength(trainIds.length, b) - trainIds.length;
  // The padded ids join the epoch's last, partial batch: keep them distinct from its members
  // (possible whenever |train| >= b) so a minibatch never repeats an example.
  const lastBatch = new Set(order.slice(Math.floor(trainIds.length / b) * b));
  for (let p = 0; p < pad; p++) {
    // Least used so far; ties go to the id placed earliest in this epoch's shuffle.
    let pick: string | undefined;
    for (let i = 0; i < trainIds.length; i++) {
      const id = order[i];
      if (lastBatch.has(id) && lastBatch.size < trainIds.length) continue;
      if (pick === undefined || useCounts[id] < useCounts[pick]) pick = id;
    }
    order.push(pick!);
    lastBatch.add(pick!);
    useCounts[pick!] += 1;
  }
  return { order, epoch: state.epoch + 1, useCounts };
}

/**
 * The ids of batch `batchIndex` (0-based) and the sampler state after drawing it. Does not
 * modify `state`; draws from `rng` only when an epoch boundary is crossed.
 */
export function minibatchAt(
  state: SamplerState,
  trainIds: readonly string[],
  b: number,
  batchIndex: number,
  rng: Rng,
): { ids: string[]; state: SamplerState } {
  if (trainIds.length === 0) throw new Error('sampler: the training set is empty');
  const length = epochLength(trainIds.length, b);
  const start = batchIndex * b;
  const epoch = Math.floor(start / length);
  let next = state;
  if (epoch < next.epoch) throw new Error(`sampler: batch ${batchIndex} belongs to epoch ${epoch}, already past (epoch ${next.epoch})`);
  while (next.epoch < epoch) next = shuffleEpoch(next, trainIds, b, rng);
  const offset = start - epoch * length;
  return { ids: next.order.slice(offset, offset + b), state: next };
}
