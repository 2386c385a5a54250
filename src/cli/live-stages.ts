/**
 * The running stages' own spend and best validation score, read from each stage's `progress`
 * query: the experiment's progress carries them only once a stage has finished (a child reporting
 * every rollout to its parent would cost a signal, and history, per change).
 */
import type { Client } from '@temporalio/client';
import { progressQuery } from '../workflows/control';
import type { StageProgress } from '../workflows/gepa-stage';

export interface LiveStage { spent: number; best: number | null }

export async function liveStages(client: Client, stages: Array<{ status: string; workflowId: string }>): Promise<Map<string, LiveStage>> {
  const live = new Map<string, LiveStage>();
  for (const s of stages.filter((x) => x.status === 'running')) {
    try {
      const sp = await client.workflow.getHandle(s.workflowId).query(progressQuery<StageProgress>());
      live.set(s.workflowId, { spent: sp.spent, best: sp.bestValMean });
    } catch {
      // The stage may not have handled its first task yet.
    }
  }
  return live;
}
