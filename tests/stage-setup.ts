/**
 * What the GEPA stage tests share: real activity dependencies in a temp dir (gateway pointed at a
 * test simulator, artifact store, response cache), a GSM8K stage input built the way
 * `lsl optimize` builds it, progress polling, and the histories of a continue-as-new chain.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';
import { createDeps, type ActivityDeps } from '../src/activities';
import { DEFAULT_INSTRUCTION } from '../src/cli/commands/eval';
import type { GepaConfigInput, GepaSummary } from '../src/core/gepa';
import { drawSplits } from '../src/core/splits';
import { datasetsDir } from '../src/paths';
import { LocalArtifactStore } from '../src/store/artifacts';
import { getTask } from '../src/tasks/registry';
import type { GepaStageInput, GepaStageResult, GepaStageProgress } from '../src/workflows/gepa-stage';

const made: string[] = [];

/** A fresh temp dir, removed by removeTempDirs (call it in afterAll, after workers have stopped). */
export function tempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `lsl-${prefix}-`));
  made.push(dir);
  return dir;
}

export function removeTempDirs(): void {
  for (const dir of made.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
}

/** Activity dependencies of one worker: the shipped registry, sim models at `simUrl`, its own cache and store under `dir`. */
export function stageDeps(simUrl: string, dir: string): ActivityDeps & { store: LocalArtifactStore } {
  const store = new LocalArtifactStore(path.join(dir, 'artifacts'));
  return { ...createDeps({ home: dir, env: {}, simUrl, datasetsDir: datasetsDir(), store }), store };
}

export interface Gsm8kStageOptions {
  budget: number;
  train?: number;
  val?: number;
  seed?: number;
  config?: GepaConfigInput;
  continueAsNewEvery?: number;
  /** Client timeout of both sim models (the registry's is 30 s). */
  modelTimeoutMs?: number;
  concurrency?: number;
}

/** The stage `lsl optimize --task gsm8k --model sim-small --reflector sim-large` starts, with these sizes. */
export async function gsm8kStageInput(opts: Gsm8kStageOptions): Promise<GepaStageInput> {
  const task = getTask('gsm8k');
  const seed = opts.seed ?? 0;
  const trainPool = (await task.load(datasetsDir(), 'train')).map((e) => e.id);
  const splits = drawSplits({ trainPool, testPool: [], separatePools: true, sizes: { train: opts.train ?? 60, val: opts.val ?? 30, test: 0 }, seed });
  return {
    stage: 'optimize', task: 'gsm8k', pool: 'train', taskModel: 'sim-small', reflector: 'sim-large',
    trainIds: splits.train, valIds: splits.val, start: { kind: 'seed', seed: DEFAULT_INSTRUCTION },
    grant: { amount: opts.budget, unit: 'metricCalls' }, config: { seed, ...opts.config },
    concurrency: opts.concurrency ?? 32,
    modelTimeoutMs: opts.modelTimeoutMs ?? 30_000, reflectorTimeoutMs: opts.modelTimeoutMs ?? 30_000,
    continueAsNewEvery: opts.continueAsNewEvery,
  };
}

/** Polls the `progress` query until `ok` holds (the stage may not have answered yet: its first task runs the query). */
export async function waitForProgress(
  handle: WorkflowHandle,
  ok: (p: GepaStageProgress) => boolean,
  timeoutMs = 60_000,
): Promise<GepaStageProgress> {
  const deadline = Date.now() + timeoutMs;
  let last: GepaStageProgress | string = 'no answer yet';
  while (Date.now() < deadline) {
    try {
      const p = await handle.query<GepaStageProgress>('progress');
      if (ok(p)) return p;
      last = p;
    } catch (err) {
      last = (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`progress never reached the expected state within ${timeoutMs} ms; last: ${JSON.stringify(last)}`);
}

/** The activity an event starts: a scheduled activity, or a local activity's marker; null for other events. */
export function activityStarted(e: temporal.api.history.v1.IHistoryEvent): string | null {
  const scheduled = e.activityTaskScheduledEventAttributes?.activityType?.name;
  if (scheduled) return scheduled;
  const marker = e.markerRecordedEventAttributes;
  const data = marker?.markerName === 'core_local_activity' ? marker.details?.data?.payloads?.[0] : undefined;
  return data ? defaultPayloadConverter.fromPayload<{ activity_type: string }>(data).activity_type : null;
}

export interface RunHistory { runId: string; events: number; continuedAsNew: boolean }

/** Every run of a workflow's continue-as-new chain, in order, with its history length. */
export async function runChain(client: Client, workflowId: string, firstRunId: string): Promise<RunHistory[]> {
  const runs: RunHistory[] = [];
  let runId: string | undefined = firstRunId;
  while (runId) {
    const history: temporal.api.history.v1.IHistory = await client.workflow.getHandle(workflowId, runId).fetchHistory();
    const events = history.events ?? [];
    const last = events[events.length - 1] as temporal.api.history.v1.IHistoryEvent | undefined;
    const next: string | undefined = last?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? undefined;
    runs.push({ runId, events: events.length, continuedAsNew: Boolean(next) });
    runId = next;
  }
  return runs;
}

/** A stage's outcome without what legitimately differs between equal runs (wall time, artifact key of the state with its start time). */
export function outcomeOf(r: GepaStageResult): Omit<GepaStageResult, 'wallMs' | 'stateKey' | 'continuedAsNew'> {
  const { wallMs: _w, stateKey: _s, continuedAsNew: _c, ...rest } = r;
  return rest;
}

/** The full summary artifact of a stage, ledger aside (re-done work after a crash legitimately changes it). */
export async function poolOf(store: LocalArtifactStore, r: GepaStageResult): Promise<Omit<GepaSummary, 'ledger'>> {
  const { ledger: _l, ...rest } = await store.getJson<GepaSummary>(r.summaryKey);
  return rest;
}
