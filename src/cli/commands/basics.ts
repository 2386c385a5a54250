/** Small subcommands: worker, sim serve, datasets, status. */
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { datasetsDir } from '../../paths';
import { DATASET_NAMES, pullDataset, verifyDataset } from '../../tasks/datasets';
import { startTemporal } from '../../temporal/server';
import { SearchAttributes, TASK_QUEUE } from '../../workers/names';
import { progressQuery } from '../../workflows/control';
import { createLslWorker, defaultDeps, defaultStore } from '../../workers/worker';
import { UsageError } from '../errors';
import { resumeHint } from '../blocked';
import { liveStages } from '../live-stages';
import { endpointTrouble } from '../trouble';

export async function workerCommand(): Promise<void> {
  if (!process.env.TEMPORAL_ADDRESS) {
    throw new UsageError('lsl worker needs TEMPORAL_ADDRESS (host:port of a running Temporal server, e.g. `temporal server start-dev`)');
  }
  const store = defaultStore();
  const deps = defaultDeps(); // its store: openStore(LSL_STORE) in createDeps, the same as `store`
  const log = (l: string) => process.stderr.write(`${l}\n`);
  // sim-* rollouts need a simulator: without LSL_SIM_URL this worker serves one itself, in-process
  // (its answers depend only on the request, so every worker's simulator answers alike).
  const simModels = deps.registry.names().filter((n) => deps.registry.get(n).provider === 'sim');
  let sim: { url: string; close(): Promise<void> } | undefined;
  if (simModels.length && !process.env.LSL_SIM_URL) {
    if (process.env.LSL_WORKER_SIM === 'off') {
      throw new UsageError(`this worker serves ${simModels.join(', ')} but LSL_SIM_URL is not set (set it to a running \`lsl sim serve\`, or unset LSL_WORKER_SIM=off to run one in-process)`);
    }
    const { startSimulator } = await import('../../sim/server');
    const latency = process.env.LSL_SIM_LATENCY_MS === undefined ? undefined : Number(process.env.LSL_SIM_LATENCY_MS);
    if (latency !== undefined && !(Number.isFinite(latency) && latency >= 0)) throw new UsageError(`LSL_SIM_LATENCY_MS must be a number of ms >= 0, got '${process.env.LSL_SIM_LATENCY_MS}'`);
    sim = await startSimulator({ port: 0, datasetsDir: datasetsDir(), latencyMs: latency });
    process.env.LSL_SIM_URL = sim.url; // expanded by this worker's gateway
    log(`simulator (in-process, for ${simModels.join(', ')}): ${sim.url}`);
  }
  const server = await startTemporal(); // registers our search attributes on the server
  const connection = await NativeConnection.connect({ address: server.address });
  const worker = await createLslWorker({ connection, namespace: server.namespace, deps });
  const modelQueues = worker.taskQueues.slice(1);
  log(`lsl worker on ${server.address}, namespace ${server.namespace}, task queue ${TASK_QUEUE}${modelQueues.length ? ` (and rate-limited ${modelQueues.join(', ')})` : ''}, store ${store.location}`);
  try {
    await worker.run(); // SIGINT/SIGTERM shut it down gracefully (the SDK's runtime handles them)
  } finally {
    await connection.close();
    await sim?.close();
  }
}

export async function simServeCommand(flags: { port?: string; latency?: string; host?: string }): Promise<void> {
  const port = flags.port === undefined ? 8787 : Number(flags.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be 0-65535, got '${flags.port}'`);
  const latencyMs = flags.latency === undefined ? undefined : Number(flags.latency);
  const { startSimulator } = await import('../../sim/server');
  const sim = await startSimulator({ port, host: flags.host, datasetsDir: datasetsDir(), latencyMs });
  process.stdout.write(`${sim.url}\n`);
  await new Promise<void>((resolve) => {
    const stop = () => void sim.close().then(resolve);
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}

export async function datasetsVerifyCommand(names: string[], flags: { json?: boolean }): Promise<void> {
  const dir = datasetsDir();
  const unknown = names.filter((n) => !DATASET_NAMES.includes(n));
  if (unknown.length) throw new UsageError(`unknown dataset '${unknown[0]}' (known: ${DATASET_NAMES.join(', ')})`);
  const rows = (names.length ? names : DATASET_NAMES).flatMap((n) => verifyDataset(dir, n));
  if (flags.json) process.stdout.write(JSON.stringify({ dir, rows }) + '\n');
  else for (const r of rows) process.stdout.write(`${r.status.padEnd(8)} ${r.dataset}/${r.file}\n`);
  const bad = rows.filter((r) => r.status !== 'ok');
  if (bad.length) {
    process.stderr.write(`lsl: ${bad.length} dataset file(s) missing or not matching SOURCE.md in ${dir}\n`);
    process.exitCode = 1;
  }
}

export async function datasetsPullCommand(name: string): Promise<void> {
  if (!DATASET_NAMES.includes(name)) throw new UsageError(`unknown dataset '${name}' (known: ${DATASET_NAMES.join(', ')})`);
  await pullDataset(datasetsDir(), name, (l) => process.stderr.write(`${l}\n`));
  process.stdout.write(`${name}: downloaded and verified into ${datasetsDir()}\n`);
}

/** A client for commands that act on existing workflows (status, pause, ...): TEMPORAL_ADDRESS or localhost:7233. */
export async function connectClient(): Promise<Client> {
  const address = process.env.TEMPORAL_ADDRESS ?? 'localhost:7233';
  try {
    const connection = await Connection.connect({ address, connectTimeout: '5s' });
    return new Client({ connection, namespace: process.env.TEMPORAL_NAMESPACE ?? 'default' });
  } catch (err) {
    throw new UsageError(`cannot reach a Temporal server at ${address} (set TEMPORAL_ADDRESS): ${(err as Error).message.split('\n')[0]}`);
  }
}

export async function statusCommand(id: string, flags: { json?: boolean }): Promise<void> {
  const client = await connectClient();
  try {
    const handle = client.workflow.getHandle(id);
    const desc = await handle.describe();
    let progress: unknown = null;
    try {
      progress = await handle.query(progressQuery<unknown>());
    } catch (err) {
      progress = { unavailable: (err as Error).message.split('\n')[0] };
    }
    const p = progress as { stages?: Array<{ status: string; workflowId: string; spent?: number; best?: number }>; evaluations?: Array<{ status: string; workflowId: string }> } | null;
    // An experiment's running stages with their own live spend and best score.
    if (p?.stages) {
      const live = await liveStages(client, p.stages);
      for (const s of p.stages) {
        const l = live.get(s.workflowId);
        if (l) Object.assign(s, { spent: s.spent ?? l.spent, ...(s.best === undefined && l.best !== null ? { best: l.best } : {}) });
      }
    }
    const children = [...(p?.stages ?? []), ...(p?.evaluations ?? [])].filter((s) => s.status === 'running').map((s) => s.workflowId);
    const trouble = await endpointTrouble(client.workflow, [id, ...children]);
    // A blocked run (an experiment, a stage, an evaluation) says which model and why, in one line.
    const blocked = (progress as { blocked?: unknown } | null)?.blocked;
    const out = {
      workflowId: id, type: desc.type, status: desc.status.name, lslStatus: desc.typedSearchAttributes.get(SearchAttributes.status) ?? null,
      startTime: desc.startTime, closeTime: desc.closeTime,
      ...(typeof blocked === 'string' ? { blocked: resumeHint(blocked, id) } : {}),
      progress,
      ...(trouble.length ? { trouble } : {}),
    };
    process.stdout.write((flags.json ? JSON.stringify(out) : JSON.stringify(out, null, 2)) + '\n');
  } finally {
    await client.connection.close();
  }
}
