/**
 * Temporal-native operation with the Temporal CLI as the only client (signals, queries, the
 * list's search-attribute filter), on the suite's dev server, whose search attributes are
 * registered at its start (src/temporal/server.ts):
 * - a signal with a wrong name is not dropped silently: the run's progress and its Web UI
 *   details (user metadata), or a stage's progress, show a warning naming it;
 * - `LslStatus` follows the real state: a paused, a stopped, a failed and a completed run are
 *   each found by `temporal workflow list --query 'LslStatus="…"'`, and only under that status.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import YAML from 'yaml';
import { findTemporalCli } from '../src/temporal/provision';
import type { RunningSimulator } from '../src/sim';
import type { ExperimentProgress } from '../src/workflows/experiment';
import type { StageProgress } from '../src/workflows/gepa-stage';
import { testDeps } from './helpers/deps';
import { REPO, makeTempDir, waitFor } from './helpers/cli';
import { startTestSimulator } from './helpers/sim';
import { startTestWorker, testServer, type TestWorker } from './helpers/temporal';

const exec = promisify(execFile);
const CONFIG = path.join(REPO, 'tests/fixtures/configs/cluster-gsm8k.yaml');
const STATUSES = ['running', 'paused', 'stopping', 'stopped', 'completed', 'failed'];

let sim: RunningSimulator;
let worker: TestWorker;
let cli: string;

beforeAll(async () => {
  const found = findTemporalCli();
  if (!found) throw new Error('no Temporal CLI found (scripts/setup.sh provisions it into ~/.cache/lsl/temporal-cli)');
  cli = found.path;
  // Some latency, so a run is still under way when it is signalled.
  sim = await startTestSimulator({ latencyMs: 20 });
  worker = await startTestWorker(testDeps(makeTempDir('temporal-status'), { LSL_SIM_URL: sim.url }));
});
afterAll(async () => {
  await worker?.stop();
  await sim?.close();
});

/** `temporal <args>` against the suite's server; its stdout. */
async function temporal(...args: string[]): Promise<string> {
  const { address, namespace } = testServer();
  return (await exec(cli, [...args, '--address', address, '--namespace', namespace], { maxBuffer: 16 << 20 })).stdout;
}

/** The ids `temporal workflow list --query` finds among `ids`. */
async function listed(query: string, ids: string[]): Promise<string[]> {
  const idFilter = ids.map((id) => `WorkflowId="${id}"`).join(' OR ');
  const out = await temporal('workflow', 'list', '--query', `${query} AND (${idFilter})`, '--output', 'json');
  return (JSON.parse(out.trim() || '[]') as Array<{ execution: { workflowId: string } }>).map((e) => e.execution.workflowId).sort();
}

/** Waits until `id` is listed under `LslStatus="<status>"` and under no other status. */
async function expectStatus(id: string, status: string, timeoutMs = 60_000): Promise<void> {
  await waitFor(`${id} listed with LslStatus="${status}"`, async () => (await listed(`LslStatus="${status}"`, [id])).length === 1, timeoutMs);
  for (const other of STATUSES.filter((s) => s !== status)) expect(await listed(`LslStatus="${other}"`, [id])).toEqual([]);
}

/** The `progress` query's answer, through `temporal workflow query`. */
async function progressOf<T = ExperimentProgress>(id: string): Promise<T & { warnings?: string[] }> {
  const out = await temporal('workflow', 'query', '--workflow-id', id, '--name', 'progress', '--output', 'json');
  return (JSON.parse(out) as { queryResult: Array<T & { warnings?: string[] }> }).queryResult[0];
}

/** Starts the cluster test's small experiment (or `config`) with `temporal workflow start --input-file`. */
async function start(name: string, config: Record<string, unknown> = YAML.parse(fs.readFileSync(CONFIG, 'utf8'))): Promise<string> {
  const id = `exp-status-${name}-${randomUUID().slice(0, 8)}`;
  const input = path.join(makeTempDir('temporal-status-input'), 'exp.json');
  fs.writeFileSync(input, JSON.stringify(config));
  await temporal('workflow', 'start', '--type', 'experiment', '--task-queue', worker.taskQueue, '--workflow-id', id, '--input-file', input);
  return id;
}

const underWay = (id: string) => waitFor(`${id} to be under way`, async () => (await progressOf(id)).stages.some((s) => s.status === 'running'), 120_000);

test('a signal with a wrong name shows as a warning; LslStatus reads paused, stopped, failed and completed', async () => {
  const paused = await start('paused');
  const stopped = await start('stopped');
  // A config that cannot be prepared (no such task): the run fails in its first activity.
  const failed = await start('failed', { ...YAML.parse(fs.readFileSync(CONFIG, 'utf8')), task: 'no-such-task' });
  await underWay(paused);
  await underWay(stopped);
  await expectStatus(paused, 'running');

  // A typo of `pause`: ignored, but said so in the progress and the Web UI's details.
  await temporal('workflow', 'signal', '--workflow-id', paused, '--name', 'pasue');
  await waitFor('the unknown-signal warning in the progress', async () => ((await progressOf(paused)).warnings ?? []).length > 0, 60_000);
  expect((await progressOf(paused)).warnings).toEqual([expect.stringMatching(/unknown signal 'pasue' ignored .*pause, resume, stop/)]);
  expect(await temporal('workflow', 'metadata', '--workflow-id', paused)).toMatch(/warning: unknown signal 'pasue' ignored/);
  expect((await progressOf(paused)).paused).toBeFalsy();
  await expectStatus(paused, 'running');
  // Sent to a running stage of it, the same: the stage's progress says so.
  const stage = (await progressOf(paused)).stages.find((s) => s.status === 'running')!.workflowId;
  await temporal('workflow', 'signal', '--workflow-id', stage, '--name', 'stpo');
  await waitFor('the unknown-signal warning in the stage progress', async () => ((await progressOf<StageProgress>(stage)).warnings ?? []).length > 0, 60_000);
  expect((await progressOf<StageProgress>(stage)).warnings).toEqual([expect.stringMatching(/unknown signal 'stpo' ignored/)]);
  expect((await progressOf<StageProgress>(stage)).stopRequested).toBe(false);

  await temporal('workflow', 'signal', '--workflow-id', paused, '--name', 'pause');
  await expectStatus(paused, 'paused');
  await temporal('workflow', 'signal', '--workflow-id', stopped, '--name', 'stop');

  await expectStatus(failed, 'failed');
  expect(await listed('ExecutionStatus="Failed"', [failed])).toEqual([failed]);

  await expectStatus(stopped, 'stopped', 600_000);
  expect(await listed('ExecutionStatus="Completed"', [stopped])).toEqual([stopped]);
  // Still paused after the others ended; then resumed, it runs to the end.
  await expectStatus(paused, 'paused');
  await temporal('workflow', 'signal', '--workflow-id', paused, '--name', 'resume');
  await expectStatus(paused, 'completed', 600_000);
  expect(await listed('ExecutionStatus="Completed"', [paused])).toEqual([paused]);
  expect(await listed('LslStatus="completed"', [paused, stopped, failed])).toEqual([paused]);
}, 900_000);
