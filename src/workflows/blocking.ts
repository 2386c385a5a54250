/**
 * Blocking on a model the run cannot use: a wrong key, no credit, an unknown model id, an
 * endpoint down past its outage limit. Such a call is never a score: the workflow stops
 * scheduling calls to that model, keeps everything already done, says which model and why (in
 * its progress, its `LslStatus` search attribute and its Web UI details), and waits for `resume`
 * (lsl resume, the Web UI, `temporal workflow signal --name resume`). Then the blocked calls are
 * made again with the same inputs, so the results equal those of a run that never blocked.
 * Calls to other models go on meanwhile.
 */
import { TimeoutType } from '@temporalio/common';
import { ActivityFailure, ApplicationFailure, TimeoutFailure, condition, setCurrentDetails, upsertSearchAttributes } from '@temporalio/workflow';
import { failureKind } from '../llm/failure-kind';
import { SearchAttributes } from '../workers/names';

export interface ModelBlock {
  model: string;
  /** One line naming the model and the cause, e.g. "model 'gpt-5': authentication failed ...". */
  reason: string;
  /** Workflow time the block began. */
  sinceMs: number;
  /** Calls held back by it (waiting to be made again). */
  waiting: number;
}

/**
 * Why a failed model call must block the run (one line naming the model), or null when it is
 * not that kind of failure (a bug, a cancellation: the caller rethrows it).
 */
export function blockReason(err: unknown, model: string, outageLimitMinutes?: number): string | null {
  if (!(err instanceof ActivityFailure)) return null;
  const cause = err.cause;
  if (cause instanceof ApplicationFailure) {
    const kind = failureKind(cause);
    if (kind === 'account') return oneLine(cause.message, model);
    // Transient trouble whose retries ran out (a retry policy with an attempt cap): wait as for an outage.
    if (kind === 'transient') return `model '${model}': still failing after every retry: ${oneLine(cause.message, model)}`;
    return null;
  }
  if (cause instanceof TimeoutFailure && cause.timeoutType === TimeoutType.SCHEDULE_TO_CLOSE) {
    const limit = outageLimitMinutes !== undefined ? ` (${outageLimitMinutes} min)` : '';
    const last = cause.cause instanceof Error && cause.cause.message ? `; last error: ${oneLine(cause.cause.message, model)}` : '';
    return `model '${model}': unreachable for longer than its outage limit${limit}${last}`;
  }
  return null;
}

function oneLine(message: string, model: string): string {
  const line = message.replace(/\s+/g, ' ').trim();
  return line.includes(`'${model}'`) ? line : `model '${model}': ${line}`;
}

/**
 * The blocks of one workflow. `call` runs a model call, blocking on the failures above and
 * retrying once resumed; `resume` lifts every block. `onChange` hears each change (to update
 * the search attribute and the Web UI details).
 */
export class ModelBlocks {
  private readonly held = new Map<string, ModelBlock>();
  private generation = 0;

  constructor(private readonly onChange: (blocks: ModelBlock[]) => void = () => undefined) {}

  list(): ModelBlock[] {
    return [...this.held.values()].map((b) => ({ ...b }));
  }

  get blocked(): boolean {
    return this.held.size > 0;
  }

  /** "blocked: model 'x': ..." for one block; several are joined with "; ". Null when none. */
  summary(): string | null {
    if (!this.held.size) return null;
    return `blocked: ${[...this.held.values()].map((b) => b.reason).join('; ')}`;
  }

  /** Lifts every block (the `resume` signal); true when something was blocked. */
  resume(): boolean {
    if (!this.held.size) return false;
    this.generation++;
    this.held.clear();
    this.onChange([]);
    return true;
  }

  /**
   * Runs `fn` (one call to `model`). While the model is blocked no new call starts; a call that
   * fails with a blocking failure blocks the model and is made again after `resume`.
   */
  async call<T>(model: string, fn: () => Promise<T>, outageLimitMinutes?: number): Promise<T> {
    for (;;) {
      if (this.held.has(model)) await this.waitForResume(model);
      try {
        return await fn();
      } catch (err) {
        const reason = blockReason(err, model, outageLimitMinutes);
        if (reason === null) throw err;
        this.block(model, reason);
        await this.waitForResume(model);
      }
    }
  }

  private block(model: string, reason: string): void {
    if (this.held.has(model)) return;
    this.held.set(model, { model, reason, sinceMs: Date.now(), waiting: 0 });
    this.onChange(this.list());
  }

  private async waitForResume(model: string): Promise<void> {
    const gen = this.generation;
    const b = this.held.get(model);
    if (b) b.waiting++;
    await condition(() => this.generation !== gen);
  }
}

/**
 * Shows blocks where a user looks: `LslStatus` is `blocked` while any lasts (else `status`), and
 * the Web UI's current details give the reason in one line.
 */
export function showBlocks(blocks: ModelBlock[], status = 'running'): void {
  upsertSearchAttributes([{ key: SearchAttributes.status, value: blocks.length ? 'blocked' : status }]);
  setCurrentDetails(blocks.length ? `blocked: ${blocks.map((b) => b.reason).join('; ')} (fix it, then send the resume signal: lsl resume <id>)` : '');
}
