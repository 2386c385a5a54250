/**
 * Credit runs out in the middle of `lsl run` (the simulator answers 429 `insufficient_quota`
 * from call 150 on, for every model): the experiment blocks, says which model and why (its
 * progress query, its LslStatus, `lsl status`, the `lsl run` progress line), and records no
 * score for the refused calls. Once the fault is cleared (`POST /sim/faults`, "more credit") and
 * `lsl resume` is sent to the experiment, the run continues and its results.jsonl equals the
 * undisturbed run's byte for byte.
 *
 * The config is the suite's tiny GSM8K experiment (every arm, small budgets), not
 * examples/sim-gsm8k.yaml: two of the demo experiment take too long on the shared test machine.
 */
import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import type { RunningSimulator } from '../src/sim';
import { SearchAttributes } from '../src/workers/names';
import type { ExperimentProgress } from '../src/workflows/experiment';
import { REPO, lastJsonLine, makeTempDir, runLsl, spawnLsl, waitFor, type LslProcess } from './helpers/cli';
import { startTestSimulator } from './helpers/sim';
import { testClient, testServer } from './helpers/temporal';

const CONFIG = path.join(REPO, 'tests/fixtures/configs/tiny-gsm8k.yaml');
const QUOTA_FROM_CALL = 150;

interface RunSummary { experimentId: string; status: string; reportDir: string; arms: Array<{ arm: string; spent: number; testAccuracy: Record<string, number> }> }

const sims: RunningSimulator[] = [];
const runs: LslProcess[] = [];
afterAll(async () => {
  for (const r of runs) await r.kill('SIGKILL');
  for (const s of sims) await s.close();
});

/** `lsl run CONFIG` on the suite's server, with its own worker (task queue), home (cache, artifacts) and simulator. */
function startRun(sim: RunningSimulator, id: string): LslProcess {
  const p = spawnLsl(['run', CONFIG, '--json', '--id', id], {
    LSL_HOME: makeTempDir(id), LSL_SIM_URL: sim.url, LSL_WORKFLOW_BUNDLE: process.env.LSL_TEST_WORKFLOW_BUNDLE,
    TEMPORAL_ADDRESS: testServer().address, LSL_TASK_QUEUE: `${id}-queue`,
  });
  runs.push(p);
  return p;
}

async function finished(p: LslProcess): Promise<RunSummary> {
  const { code } = await p.exited;
  if (code !== 0) throw new Error(`lsl run exited ${code}:\n${p.output()}`);
  return lastJsonLine<RunSummary>({ code, signal: null, stdout: p.output(), stderr: '' });
}

test('quota exhausted at call 150 blocks the run with its reason; after the fix and lsl resume, results.jsonl equals the undisturbed run', async () => {
  const calm = await startTestSimulator({ latencyMs: 10 });
  const broke = await startTestSimulator({ latencyMs: 10, faults: { account: [{ model: '*', fromCall: QUOTA_FROM_CALL, kind: 'quota' }] } });
  sims.push(calm, broke);
  const suffix = randomUUID().slice(0, 8);
  const refId = `exp-quota-ref-${suffix}`;
  const id = `exp-quota-${suffix}`;
  const reference = startRun(calm, refId);
  const disturbed = startRun(broke, id);

  const client = await testClient();
  try {
    const handle = client.workflow.getHandle(id);
    const progress = () => handle.query<ExperimentProgress>('progress');
    // Blocked: every running stage holds its calls (credit is gone for every model).
    let blockedAt!: ExperimentProgress;
    await waitFor('every running stage of the experiment to be blocked', async () => {
      const p = await progress();
      const running = p.stages.filter((s) => s.status === 'running').map((s) => s.workflowId);
      blockedAt = p;
      return p.blocks.length > 0 && running.every((w) => p.blocks.some((b) => b.workflowId === w));
    }, 600_000);
    expect(blockedAt.blocked).toMatch(/^blocked: model 'sim-(large|small)': .*quota.* \(stage [a-z-]+(, stage [a-z-]+)*\)/);
    for (const b of blockedAt.blocks) {
      expect(b.reason).toMatch(new RegExp(`^model '${b.model}': `));
      expect(b.child).toMatch(/^stage /);
    }
    expect(broke.stats().models['sim-large'].faults.quota + broke.stats().models['sim-small'].faults.quota).toBeGreaterThan(0);

    // LslStatus (search attributes are eventually visible) and `lsl status`, one line with model and cause.
    await waitFor('LslStatus blocked', async () => (await handle.describe()).typedSearchAttributes.get(SearchAttributes.status) === 'blocked');
    const status = await runLsl(['status', id, '--json'], { TEMPORAL_ADDRESS: testServer().address });
    expect(status.code).toBe(0);
    const shown = JSON.parse(status.stdout) as { status: string; lslStatus: string; blocked: string; progress: ExperimentProgress };
    expect(shown.status).toBe('RUNNING');
    expect(shown.lslStatus).toBe('blocked');
    expect(shown.blocked).toMatch(/^blocked: model 'sim-(large|small)': .*quota.*\(fix it, then: lsl resume exp-quota-/);
    expect(shown.blocked).not.toMatch(/\n/);
    expect(shown.progress.blocked).toMatch(/^blocked: model /);
    // The `lsl run` progress line (printed every few seconds into a log) says it too.
    await disturbed.waitFor(/blocked: model 'sim-(large|small)': [^\n]*quota[^\n]*\(fix it, then: lsl resume exp-quota-/, 60_000);

    // More credit (the fault cleared over HTTP), then resume the experiment: it reaches the blocked stages.
    const cleared = await fetch(`${broke.url}/sim/faults`, { method: 'POST', body: '{}' });
    expect(cleared.status).toBe(200);
    const resumed = await runLsl(['resume', id], { TEMPORAL_ADDRESS: testServer().address });
    expect(resumed.code).toBe(0);
    await waitFor('the blocks lifted', async () => (await progress()).blocked === null, 60_000);
    await waitFor('LslStatus back to running', async () =>
      ['running', 'completed'].includes(String((await handle.describe()).typedSearchAttributes.get(SearchAttributes.status))), 60_000);

    const [ref, run] = await Promise.all([finished(reference), finished(disturbed)]);
    expect(run.status).toBe('completed');
    // Byte for byte: no refused call became a score, and the blocked calls were made again with the same inputs.
    const bytes = (r: RunSummary) => fs.readFileSync(path.join(r.reportDir, 'results.jsonl'));
    expect(bytes(run).equals(bytes(ref))).toBe(true);
    expect(run.arms).toEqual(ref.arms);
    expect(await runLsl(['status', id, '--json'], { TEMPORAL_ADDRESS: testServer().address }).then((r) => JSON.parse(r.stdout).lslStatus)).toBe('completed');
  } finally {
    await client.connection.close();
  }
}, 1_500_000); // two experiments side by side: ~13 min at load average 23 on 2 cores
