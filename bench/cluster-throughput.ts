/**
 * Rollouts per second on the production-style cluster (scripts/cluster.sh: Temporal on PostgreSQL,
 * MinIO store), one `lsl worker` vs two, each with its own in-process simulator at 0 ms latency
 * and its own LSL_HOME; every run with its own instruction (no cache hits).
 *   bash scripts/cluster.sh up && npx tsx bench/cluster-throughput.ts [rollouts=600] [workers per run=1,2,1,2]
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { WorkflowTypes } from '../src/workers/names';
import type { EvaluateInput, EvaluateResult } from '../src/workflows/evaluate';
import { writeWorkflowBundle } from '../tests/helpers/bundle';
import { spawnLsl, type LslProcess } from '../tests/helpers/cli';

const REPO = path.resolve(__dirname, '..');
const N = Number(process.argv[2] ?? 600);
/** Workers per run, in order (alternating, so a change of the machine's load hits both). */
const SEQUENCE = (process.argv[3] ?? '1,2,1,2').split(',').map(Number);

async function main() {
  const env: Record<string, string> = {};
  for (const m of execFileSync('bash', [path.join(REPO, 'scripts/cluster.sh'), 'env'], { encoding: 'utf8' }).matchAll(/^export ([A-Z0-9_]+)=(.*)$/gm)) env[m[1]] = m[2];
  const connection = await Connection.connect({ address: env.TEMPORAL_ADDRESS });
  const client = new Client({ connection, namespace: env.TEMPORAL_NAMESPACE });
  const rows: string[] = [];
  // Bundled once: the workers' start-up is not measured, and webpack at each start is slow here.
  const bundle = await writeWorkflowBundle(fs.mkdtempSync(path.join(os.tmpdir(), 'lsl-bench-bundle-')));
  for (const workers of SEQUENCE) {
    const prefix = `bench-${randomUUID().slice(0, 8)}`;
    const taskQueue = `bench-${prefix}`;
    const procs: LslProcess[] = [];
    for (let i = 0; i < workers; i++) {
      const p = spawnLsl(['worker'], {
        ...env, LSL_STORE: `${env.LSL_STORE}/${prefix}`, LSL_TASK_QUEUE: taskQueue,
        LSL_HOME: fs.mkdtempSync(path.join(os.tmpdir(), 'lsl-bench-w-')), LSL_SIM_LATENCY_MS: '0', LSL_WORKFLOW_BUNDLE: bundle,
        LSL_DATASETS_DIR: process.env.LSL_DATASETS_DIR ?? path.join(REPO, '..', 'shared', 'datasets'),
      });
      await p.waitFor(/lsl worker on /, 180_000);
      procs.push(p);
    }
    try {
      const input: EvaluateInput = {
        task: 'gsm8k', model: 'sim-small', pool: 'test', limit: N, concurrency: 64, modelTimeoutMs: 30_000,
        instruction: `Solve it (${prefix}).`, samples: 1,
      };
      const t0 = Date.now();
      const r = await client.workflow.execute(WorkflowTypes.evaluatePrompt, { taskQueue, workflowId: `bench-${prefix}`, args: [input] }) as EvaluateResult;
      const s = (Date.now() - t0) / 1000;
      // The 1-minute load average at the end of the run: the machine is shared.
      rows.push(`| ${workers} | ${N} | ${r.modelCalls} | ${s.toFixed(1)} | ${(N / s).toFixed(1)} | ${os.loadavg()[0].toFixed(2)} |`);
      console.log(rows[rows.length - 1]);
    } finally {
      for (const p of procs) await p.kill('SIGTERM');
    }
  }
  console.log(`| workers | rollouts | model calls | wall s | rollouts/s | load (1 min) |\n| --- | --- | --- | --- | --- | --- |\n${rows.join('\n')}`);
  await connection.close();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
