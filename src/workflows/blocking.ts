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
import {
  ActivityFailure, ApplicationFailure, TimeoutFailure, condition, defineSignal, getExternalWorkflowHandle, setCurrentDetails,
  upsertSearchAttributes, workflowInfo,
} from '@temporalio/workflow';
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
 * What a child (a stage or an evaluation of an experiment) tells its parent each time its blocks
 * change: the whole list (empty once resumed). `atMs` (workflow time) then `change` order the
 * reports, so a late one never overwrites a newer one (continue-as-new restarts `change`).
 */
export interface ChildBlocksReport {
  workflowId: string;
  blocks: ModelBlock[];
  atMs: number;
  change: number;
}
export const childBlocksSignal = defineSignal<[ChildBlocksReport]>('childBlocks');

/** True when `a` was sent after `b` (or there is no `b`). */
export function newerReport(a: ChildBlocksReport, b: ChildBlocksReport | undefined): boolean {
  return !b || a.atMs > b.atMs || (a.atMs === b.atMs && a.change > b.change);
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
  private changes = 0;

  /** `onChange` gets the blocks and the change's number (1, 2, ...). */
  constructor(private readonly onChange: (blocks: ModelBlock[], change: number) => void = () => undefined) {}

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
    this.onChange([], ++this.changes);
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
    this.onChange(this.list(), ++this.changes);
  }

  private async waitForResume(model: string): Promise<void> {
    const gen = this.generation;
    const b = this.held.get(model);
    if (b) b.waiting++;
    await condition(() => this.generation !== gen);
  }
}

/**
 * Shows blocks where a user looks: `LslStatus` is `blocked` while any lasts (else `status`), the
 * Web UI's current details give the reason in one line, and a parent workflow (the experiment)
 * hears of it, to show it in its own progress, status and details.
 */
export function showBlocks(blocks: ModelBlock[], status = 'running', change = 0): void {
  upsertSearchAttributes([{ key: SearchAttributes.status, value: blocks.length ? 'blocked' : status }]);
  setCurrentDetails(blocks.length ? `blocked: ${blocks.map((b) => b.reason).join('; ')} (fix it, then send the resume signal: lsl resume <id>)` : '');
  const { parent, workflowId } = workflowInfo();
  if (!parent) return;
  // A parent that already ended (or never listens) is no error of the child's.
  getExternalWorkflowHandle(parent.workflowId)
    .signal(childBlocksSignal, { workflowId, blocks, atMs: Date.now(), change })
    .catch(() => undefined);
}
