/**
 * What a CLI command runs against. Embedded default: a dev server persisted to a file in the run
 * directory (with the Web UI), an in-process worker, and the simulator when a sim model is used.
 * With TEMPORAL_ADDRESS: that server, plus an in-process worker unless --no-worker.
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { datasetsDir } from '../paths';
import { startTemporal, type TemporalServer } from '../temporal/server';
import { createLslWorker, defaultDeps, type LslWorker } from '../workers/worker';

export interface Session {
  client: Client;
  namespace: string;
  address: string;
  uiUrl?: string;
  simUrl?: string;
  close(): Promise<void>;
}

export interface SessionOptions {
  runDir: string;
  /** Start the simulator in-process (when a sim-* model is used and LSL_SIM_URL is unset). */
  needsSim: boolean;
  simLatencyMs?: number;
  startWorker: boolean;
  log: (line: string) => void;
}

let runtimeInstalled = false;

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

export async function openSession(opts: SessionOptions): Promise<Session> {
  fs.mkdirSync(opts.runDir, { recursive: true });
  const closers: Array<() => Promise<void>> = [];
  const close = async () => {
    for (const c of closers.reverse()) await c().catch(() => undefined);
  };
  // The native runtime must be configured before anything (the dev server included) creates it.
  if (!runtimeInstalled) {
    runtimeInstalled = true;
    Runtime.install({ logger: new DefaultLogger('ERROR') });
  }
  try {
    let simUrl = process.env.LSL_SIM_URL;
    if (opts.needsSim && !simUrl) {
      const { startSimulator } = await import('../sim/server');
      const sim = await startSimulator({ port: 0, datasetsDir: datasetsDir(), latencyMs: opts.simLatencyMs });
      simUrl = sim.url;
      closers.push(() => sim.close());
      opts.log(`simulator: ${sim.url}`);
    }

    let server: TemporalServer;
    if (process.env.TEMPORAL_ADDRESS) {
      server = await startTemporal();
    } else {
      // The server's port is chosen per start attempt by the SDK; the UI's is ours to report.
      const uiPort = await freePort();
      // Its own log lines (store errors at shutdown, ...) go to a file beside its state, not into our output.
      server = await startTemporal({
        dbFilename: path.join(opts.runDir, 'temporal.db'), ui: true, uiPort, log: opts.log,
        logFile: path.join(opts.runDir, 'temporal-server.log'),
      });
      closers.push(() => server.shutdown());
      opts.log(`Temporal dev server: ${server.address} (state in ${path.join(opts.runDir, 'temporal.db')})`);
      if (server.uiUrl) opts.log(`Temporal Web UI: ${server.uiUrl}`);
    }

    const connection = await Connection.connect({ address: server.address });
    closers.push(() => connection.close());
    const client = new Client({ connection, namespace: server.namespace });

    if (opts.startWorker) {
      const native = await NativeConnection.connect({ address: server.address });
      const worker: LslWorker = await createLslWorker({ connection: native, namespace: server.namespace, deps: defaultDeps({ simUrl }) });
      const running = worker.run();
      closers.push(async () => {
        if (worker.getState() === 'RUNNING') worker.shutdown();
        await running;
        await native.close();
      });
    }
    return { client, namespace: server.namespace, address: server.address, uiUrl: server.uiUrl, simUrl, close };
  } catch (err) {
    await close();
    throw err;
  }
}
