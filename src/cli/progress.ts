/** Live progress: polls a workflow's `progress` query while waiting for its result. */
import type { WorkflowHandle } from '@temporalio/client';
import type { QueryDefinition, Workflow, WorkflowResultType } from '@temporalio/common';
import { endpointTrouble } from './trouble';

/** Writes a status line in place on a terminal, or every few seconds into a log. */
export class StatusLine {
  private last = '';
  private lastPrinted = 0;
  constructor(private readonly stream: NodeJS.WriteStream = process.stderr) {}

  show(line: string): void {
    if (line === this.last) return;
    if (this.stream.isTTY) {
      this.last = line;
      this.stream.write(`\r\x1b[K${line.slice(0, (this.stream.columns ?? 200) - 1)}`);
    } else if (Date.now() - this.lastPrinted > 5000) {
      // In a log, `last` is the last line printed: a state that then holds (blocked, paused) is still printed once.
      this.last = line;
      this.stream.write(`${line}\n`);
      this.lastPrinted = Date.now();
    }
  }

  end(): void {
    if (this.stream.isTTY && this.last) this.stream.write('\n');
  }
}

/**
 * Awaits a workflow's result while showing `render(progress)`. Queries run one at a time and the
 * last one is awaited before returning, so no call outlives the caller's connection.
 */
export async function resultWithProgress<W extends Workflow, P>(
  handle: WorkflowHandle<W>,
  query: QueryDefinition<P>,
  render: (p: P) => string | Promise<string>,
  opts: { intervalMs?: number; workflowIds?: (p: P) => string[] } = {},
): Promise<WorkflowResultType<W>> {
  const status = new StatusLine();
  let done = false;
  const result = handle.result().finally(() => void (done = true));
  let trouble: string[] = [];
  let troubleAt = 0;
  while (!done) {
    await Promise.race([result.catch(() => undefined), new Promise((r) => setTimeout(r, opts.intervalMs ?? 500))]);
    if (done) break;
    try {
      const p = await handle.query(query);
      // A worker that cannot reach a model says so here, not only in pending-activity details.
      if (Date.now() - troubleAt > 5000) {
        troubleAt = Date.now();
        trouble = await endpointTrouble(handle.client, [handle.workflowId, ...(opts.workflowIds?.(p) ?? [])]);
      }
      status.show([await render(p), ...trouble.map((t) => `  ! ${t}`)].join(' '));
    } catch {
      // Not queryable yet (no workflow task handled), or just finished: try next tick.
    }
  }
  status.end();
  return result;
}

export function bar(done: number, total: number, width = 24): string {
  const filled = total > 0 ? Math.round((done / total) * width) : 0;
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total}`;
}

/** Aligned columns: text left, numbers right; a header gets a rule under it. */
export function columns(header: string[] | null, rows: string[][], numeric: boolean[] = []): string[] {
  const all = header ? [header, ...rows] : rows;
  const widths = (header ?? rows[0] ?? []).map((_, i) => Math.max(...all.map((r) => r[i].length)));
  const line = (cells: string[]) =>
    cells.map((cell, i) => (numeric[i] ? cell.padStart(widths[i]) : cell.padEnd(widths[i]))).join('  ').trimEnd();
  return [...(header ? [line(header), line(widths.map((w) => '-'.repeat(w)))] : []), ...rows.map(line)];
}

/** A two-column table for results. */
export function table(rows: Array<[string, string | number]>): string {
  return columns(null, rows.map(([k, v]) => [k, String(v)])).join('\n');
}

/** The result table goes to stdout; with --json it goes to stderr and one JSON line is stdout's last. */
export function printResult(table: string, summary: unknown, json: boolean | undefined): void {
  const text = table.endsWith('\n') ? table : `${table}\n`;
  if (json) {
    process.stderr.write(text);
    process.stdout.write(JSON.stringify(summary) + '\n');
  } else process.stdout.write(text);
}
