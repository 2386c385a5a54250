/**
 * The stop rules every optimizer checks between iterations, as one pure function over the
 * facts it needs (GEPA's engine has the same rules inline; it can switch to this one).
 */
import type { HolderAccount } from '../budget';

export interface StopRules {
  /** Iterations of this stage (proposals, skipped ones included). */
  maxIterations?: number;
  /** Iterations without a new best mean validation score. */
  noImprovementIterations?: number;
  /** Stop once the best mean validation score reaches this. */
  scoreThreshold?: number;
  /** Wall-clock time of this stage, measured with ctx.nowMs. */
  maxWallClockMs?: number;
  /** Dollars of this stage, all recorded spending (re-done work included) or ctx.usdSpent. */
  maxUsd?: number;
  /**
   * Consecutive iterations that spent no metric call (everything came from the cache) before
   * the run is declared stalled. Guards against a loop of free skips or rejected reflections.
   */
  maxIdleIterations: number;
}

export interface StopFacts {
  stopRequested?: boolean;
  nowMs: number;
  startedAtMs: number | null;
  /** Dollars as the caller counts them (the larger of this and the account's is used). */
  usdSpent?: number;
  account: HolderAccount;
  bestValMean: number;
  iterations: number;
  sinceImprovement: number;
  idleStreak: number;
}

/** The first rule that ends the run, or null. */
export function stopReason(stop: StopRules, f: StopFacts): string | null {
  if (f.stopRequested) return 'stop-requested';
  if (stop.maxUsd !== undefined) {
    let usd = 0;
    for (const m of Object.values(f.account.byModel)) usd += m.first.usd + m.redone.usd;
    if (Math.max(usd, f.usdSpent ?? 0) >= stop.maxUsd) return 'max-usd';
  }
  if (stop.maxWallClockMs !== undefined && f.nowMs - (f.startedAtMs ?? f.nowMs) >= stop.maxWallClockMs) return 'wall-clock';
  if (stop.scoreThreshold !== undefined && f.bestValMean >= stop.scoreThreshold) return 'score-threshold';
  if (stop.maxIterations !== undefined && f.iterations >= stop.maxIterations) return 'max-iterations';
  if (stop.noImprovementIterations !== undefined && f.sinceImprovement >= stop.noImprovementIterations) return 'no-improvement';
  if (f.idleStreak >= stop.maxIdleIterations) return 'stalled';
  return null;
}
