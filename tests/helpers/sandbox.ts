/** What the sandbox tests check on the host: no process of a run's uid outlives the run. */
import fs from 'node:fs';
import { sandboxUidRange } from '../../src/tasks/sandbox/execute';

/**
 * Live processes owned by this worker's per-run sandbox uids (root mode). A zombie is an exited
 * process waiting for its parent's wait(): it runs nothing and holds no resources, and other test
 * files run sandboxes at the same time, so one can be caught here; zombies are left out.
 */
export function leftoverSandboxProcesses(): string[] {
  const range = sandboxUidRange();
  if (!range) return [];
  const found: string[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const status = fs.readFileSync(`/proc/${entry}/status`, 'utf8');
      const uid = Number(/^Uid:\s+(\d+)/m.exec(status)?.[1]);
      const state = /^State:\s+(.*)$/m.exec(status)?.[1] ?? '';
      if (uid >= range[0] && uid < range[1] && !state.startsWith('Z')) found.push(`${entry} ${state}`);
    } catch { /* exited meanwhile */ }
  }
  return found;
}
