/**
 * The one helper every Temporal test uses: a worker on its own task queue against the suite's
 * dev server (started once in global-setup.ts), plus a client.
 */
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Runtime, DefaultLogger } from '@temporalio/worker';
import type { ActivityDeps } from '../../src/activities';
import { NO_SERVER_HELP } from '../../src/temporal/provision';
import { createLslWorker, type LslWorker } from '../../src/workers/worker';

let runtimeInstalled = false;

export function testServer(): { address: string; namespace: string; bundlePath: string } {
  const address = process.env.LSL_TEST_TEMPORAL_ADDRESS;
  const bundlePath = process.env.LSL_TEST_WORKFLOW_BUNDLE;
  if (!address || !bundlePath) {
    throw new Error(`this test needs the suite's Temporal server (not started: LSL_TEST_NO_TEMPORAL=1?). ${NO_SERVER_HELP}`);
  }
  return { address, namespace: process.env.LSL_TEST_TEMPORAL_NAMESPACE ?? 'default', bundlePath };
}

export async function testClient(): Promise<Client> {
  const { address, namespace } = testServer();
  return new Client({ connection: await Connection.connect({ address }), namespace });
}

export interface TestWorker {
  client: Client;
  taskQueue: string;
  worker: LslWorker;
  /** Stops the worker and closes connections. */
  stop(): Promise<void>;
}

/** A worker on its own task queue; `workflowBundlePath` replaces the suite's bundle (e.g. with a toy optimizer registered). */
export async function startTestWorker(deps: ActivityDeps, opts: { taskQueue?: string; workflowBundlePath?: string } = {}): Promise<TestWorker> {
  if (!runtimeInstalled) {
    runtimeInstalled = true;
    try {
      Runtime.install({ logger: new DefaultLogger('WARN') });
    } catch {
      // Already installed in this process by an earlier test file: the native runtime is process-wide.
    }
  }
  const { address, namespace, bundlePath } = testServer();
  const taskQueue = opts.taskQueue ?? `test-${randomUUID()}`;
  const connection = await NativeConnection.connect({ address });
  const worker = await createLslWorker({ connection, namespace, taskQueue, deps, workflowBundlePath: opts.workflowBundlePath ?? bundlePath });
  const running = worker.run();
  const client = await testClient();
  return {
    client,
    taskQueue,
    worker,
    async stop() {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
      await connection.close();
      await client.connection.close();
    },
  };
}
