/**
 * What keeps a run from making progress, as the run's status shows it: model calls whose last
 * attempt could not reach the endpoint (or timed out), read from the pending activities of the
 * workflows of a run, with the worker that tried.
 */
import type { WorkflowClient } from '@temporalio/client';
import { ModelErrorTypes } from '../llm/errors';

const ENDPOINT_TROUBLE = new Set<string>([ModelErrorTypes.connection, ModelErrorTypes.timeout]);

/** One line per distinct trouble, e.g. `sim-small unreachable from worker 123@host: ... (attempt 4)`. */
export async function endpointTrouble(workflows: WorkflowClient, workflowIds: string[]): Promise<string[]> {
  const lines = new Map<string, string>();
  for (const id of workflowIds) {
    let pending;
    try {
      pending = (await workflows.getHandle(id).describe()).raw.pendingActivities ?? [];
    } catch {
      continue; // not started yet, or gone
    }
    for (const pa of pending) {
      const f = pa.lastFailure;
      const type = f?.applicationFailureInfo?.type ?? '';
      if (!f || !ENDPOINT_TROUBLE.has(type)) continue;
      const message = (f.message ?? '').replace(/\s+/g, ' ');
      const key = `${pa.lastWorkerIdentity}|${message.replace(/\d+ ms/g, '')}`;
      if (!lines.has(key)) {
        lines.set(key, `model endpoint ${type === ModelErrorTypes.timeout ? 'timing out' : 'unreachable'} from worker ${pa.lastWorkerIdentity}: ${message} (attempt ${pa.attempt})`);
      }
    }
  }
  return [...lines.values()];
}
