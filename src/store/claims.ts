/**
 * Claims on model calls, shared by every worker through the store: before paying for a request
 * that is not in the response cache, a caller claims its key (a write-once object). Another
 * caller of the same key then waits for the answer in the cache instead of paying again.
 *
 * A holder rewrites its claim every `refreshMs` while its call runs. A claim whose bytes have not
 * changed for `staleMs` (measured on the waiter's own clock, so no clocks are compared) belongs
 * to a dead caller: the waiter takes over by claiming the next generation (`<key>/<gen + 1>`,
 * write-once too, so exactly one waiter wins). A retried activity that finds the claim of its own
 * earlier attempt takes over at once: Temporal retries an attempt only after giving it up.
 *
 * A call that failed without an answer from the server (a timeout, a connection cut mid-call) may
 * still have been paid, so its claim is left in place, marked so (`release({ mayHavePaid: true })`):
 * whoever makes the call next takes over at once and books it as re-done. A call the server
 * refused with an error status cost nothing; its claim is removed and the next one is a first call.
 */
import os from 'node:os';
import type { ObjectStore } from './objects';

export interface ClaimOwner {
  /** Stable across attempts: `<workflowId>/<activityId>` for an activity. */
  id: string;
  attempt: number;
}

export interface ClaimTimings {
  refreshMs: number;
  staleMs: number;
  pollMs: number;
}

export const DEFAULT_CLAIM_TIMINGS: ClaimTimings = { refreshMs: 2_000, staleMs: 10_000, pollMs: 250 };

export type ClaimOutcome =
  | { kind: 'answered' }
  /** `tookOver`: another caller's claim was given up as dead, so its call may have been paid too. */
  | { kind: 'claimed'; tookOver: boolean; release(opts?: { mayHavePaid?: boolean }): Promise<void> };

interface ClaimBody { owner: string; attempt: number; worker: string; beat: number; mayHavePaid?: boolean }

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class CallClaims {
  private readonly worker = `${os.hostname()}:${process.pid}`;

  constructor(readonly objects: ObjectStore, readonly timings: ClaimTimings = DEFAULT_CLAIM_TIMINGS) {}

  /**
   * Returns when this caller holds the claim on `key`, or when `answered()` is true (another
   * caller's answer is in the cache).
   */
  async acquire(key: string, owner: ClaimOwner, answered: () => Promise<boolean>): Promise<ClaimOutcome> {
    let gen = 0;
    let tookOver = false;
    const body = (beat: number, mayHavePaid?: boolean) => Buffer.from(JSON.stringify({
      owner: owner.id, attempt: owner.attempt, worker: this.worker, beat, ...(mayHavePaid ? { mayHavePaid } : {}),
    } satisfies ClaimBody));
    for (;;) {
      if (await this.objects.putIfAbsent(`${key}/${gen}`, body(0))) return this.held(key, gen, tookOver, body);
      let last: string | undefined;
      let since = Date.now();
      for (;;) {
        if (await answered()) return { kind: 'answered' };
        const bytes = await this.objects.get(`${key}/${gen}`);
        if (!bytes) break; // released without an answer (a failed call): claim it ourselves
        const text = bytes.toString('utf8');
        let held: Partial<ClaimBody> = {};
        try {
          held = JSON.parse(text) as ClaimBody;
        } catch {
          // A claim cut short is as good as a stale one.
        }
        if ((held.owner === owner.id && (held.attempt ?? 0) < owner.attempt) || held.mayHavePaid) {
          // Our own earlier attempt, given up by Temporal (it may have been paid before its worker
          // died), or a call that failed after reaching the server: nobody will answer it.
          gen++;
          tookOver = true;
          break;
        }
        if (text !== last) {
          last = text;
          since = Date.now();
        } else if (Date.now() - since >= this.timings.staleMs) {
          gen++;
          tookOver = true;
          break;
        }
        await sleep(this.timings.pollMs);
      }
    }
  }

  private held(key: string, gen: number, tookOver: boolean, body: (beat: number, mayHavePaid?: boolean) => Buffer): ClaimOutcome {
    let beat = 0;
    let writing: Promise<void> = Promise.resolve();
    const timer = setInterval(() => {
      writing = this.objects.put(`${key}/${gen}`, body(++beat)).catch(() => undefined);
    }, this.timings.refreshMs);
    timer.unref();
    return {
      kind: 'claimed',
      tookOver,
      release: async (opts = {}) => {
        clearInterval(timer);
        await writing;
        // Earlier generations are dead claims; nobody needs them any more.
        for (let g = opts.mayHavePaid ? gen - 1 : gen; g >= 0; g--) await this.objects.delete(`${key}/${g}`).catch(() => undefined);
        if (opts.mayHavePaid) await this.objects.put(`${key}/${gen}`, body(++beat, true)).catch(() => undefined);
      },
    };
  }
}
