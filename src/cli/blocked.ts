/**
 * A run that blocks on a model it cannot use (a bad key, no credit, an endpoint down past its
 * outage limit), as a CLI command sees it. On a shared server the run waits for `lsl resume`
 * while the status line says why. An embedded server ends with this process, so a blocked run
 * there could never be resumed: it is ended (nothing was scored) and the reason is the error.
 */
import type { WorkflowHandle } from '@temporalio/client';
import { ModelBlockedError } from './errors';

/** A blocked run's line with what to do about it. */
export function resumeHint(blocked: string, workflowId: string): string {
  return `${blocked} (fix it, then: lsl resume ${workflowId})`;
}

export function blockWatch(handle: WorkflowHandle, command: string, embedded = !process.env.TEMPORAL_ADDRESS) {
  let ended: string | null = null;
  return {
    /** The status line's suffix for this progress; ends an embedded run on its first block. */
    async line(p: { blocked?: string | null }): Promise<string> {
      if (!p.blocked) return '';
      if (embedded && !ended) {
        await handle.terminate(`${command}: ${p.blocked}`);
        ended = p.blocked;
      }
      return `  ${resumeHint(p.blocked, handle.workflowId)}`;
    },
    /** Turns the ended run's failure into the block's reason. */
    failure(err: unknown): never {
      if (ended) throw new ModelBlockedError(`${ended}; nothing was scored (fix the cause and run ${command} again)`);
      throw err;
    },
  };
}
