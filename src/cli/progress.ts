/** Live progress: polls a workflow's `progress` query while waiting for its result. */
import type { WorkflowHandle } from '@temporalio/client';

export async function resultWithProgress<R, P>(
  handle: WorkflowHandle,
  render: (p: P) => string,
  opts: { intervalMs?: number; stream?: NodeJS.WriteStream } = {},
): Promise<R> {
  const stream = opts.stream ?? process.stderr;
  const tty = Boolean(stream.isTTY);
  let last = '';
  let lastPrinted = 0;
  const tick = async () => {
    try {
      const line = render(await handle.query<P>('progress'));
      if (line === last) return;
      last = line;
      if (tty) stream.write(`\r\x1b[K${line}`);
      else if (Date.now() - lastPrinted > 5000) {
        stream.write(`${line}\n`);
        lastPrinted = Date.now();
      }
    } catch {
      // The workflow may not have handled its first task yet, or just finished: try next tick.
    }
  };
  const timer = setInterval(() => void tick(), opts.intervalMs ?? 500);
  try {
    return (await handle.result()) as R;
  } finally {
    clearInterval(timer);
    if (tty && last) stream.write('\n');
  }
}

export function bar(done: number, total: number, width = 24): string {
  const filled = total > 0 ? Math.round((done / total) * width) : 0;
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total}`;
}

/** A two-column table for results. */
export function table(rows: Array<[string, string | number]>): string {
  const w = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${k.padEnd(w)}  ${v}`).join('\n');
}
