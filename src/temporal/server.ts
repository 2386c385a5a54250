/**
 * One way to get a Temporal server for the CLI and the tests: connect to TEMPORAL_ADDRESS, or
 * start the official dev server (optionally persisted to a SQLite file, with the Web UI).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { SearchAttributes } from '../workers/names';
import { buildTemporalCli, findTemporalCli, NO_SERVER_HELP } from './provision';

export interface TemporalServer {
  address: string;
  namespace: string;
  /** Web UI address when this process started the server with the UI on. */
  uiUrl?: string;
  /** How the server was obtained, for logs. */
  origin: string;
  shutdown(): Promise<void>;
}

export interface StartOptions {
  /** Persist the dev server's state to this SQLite file (survives restarts). */
  dbFilename?: string;
  port?: number;
  ui?: boolean;
  uiPort?: number;
  /** Try @temporalio/testing's download before building with Go (default: true unless CI). */
  allowDownload?: boolean;
  log?: (line: string) => void;
  /**
   * The dev server's own log lines go to this file (appended), not to this process's terminal.
   * Needs a CLI binary found on disk (not the SDK's download, whose output the SDK always inherits).
   */
  logFile?: string;
}

export const NAMESPACE = process.env.TEMPORAL_NAMESPACE ?? 'default';

const START_ATTEMPTS = 4;

export async function startTemporal(opts: StartOptions = {}): Promise<TemporalServer> {
  const log = opts.log ?? (() => undefined);
  const existing = process.env.TEMPORAL_ADDRESS;
  if (existing) {
    await registerSearchAttributes(existing, NAMESPACE);
    return { address: existing, namespace: NAMESPACE, origin: 'TEMPORAL_ADDRESS', shutdown: async () => undefined };
  }
  let found = findTemporalCli();
  if (!found && (opts.allowDownload ?? !process.env.CI)) {
    try {
      return await startDevServer({ type: 'cached-download' }, opts, 'download by @temporalio/testing');
    } catch (err) {
      log(`could not download the Temporal CLI (${(err as Error).message.split('\n')[0]}); building it with Go`);
    }
  }
  found ??= buildTemporalCli(log);
  if (!opts.logFile) return startDevServer({ type: 'existing-path', path: found.path }, opts, `${found.path} (${found.source})`);
  const wrapper = loggingWrapper(found.path, opts.logFile);
  try {
    return await startDevServer({ type: 'existing-path', path: wrapper }, opts, `${found.path} (${found.source})`);
  } finally {
    // The running server is the real binary (exec'd); the wrapper is no longer needed.
    fs.rmSync(path.dirname(wrapper), { recursive: true, force: true });
  }
}

const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * The SDK starts the server with this process's stdout and stderr; a one-line shell wrapper
 * that `exec`s the real binary with its output sent to `logFile` keeps the terminal clean. The
 * exec keeps the PID, so the SDK's shutdown still stops the server itself.
 */
export function loggingWrapper(binary: string, logFile: string): string {
  fs.mkdirSync(path.dirname(path.resolve(logFile)), { recursive: true });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lsl-temporal-'));
  const wrapper = path.join(dir, 'temporal');
  fs.writeFileSync(wrapper, `#!/bin/sh\nexec ${shellQuote(binary)} "$@" >>${shellQuote(path.resolve(logFile))} 2>&1\n`, { mode: 0o755 });
  return wrapper;
}

async function startDevServer(
  executable: { type: 'cached-download' } | { type: 'existing-path'; path: string },
  opts: StartOptions,
  origin: string,
): Promise<TemporalServer> {
  let env: TestWorkflowEnvironment | undefined;
  // The SDK gives the server a fixed 5 s to answer; on a loaded machine it can take longer, so a
  // start that timed out is tried again (the failed process is stopped by the SDK).
  for (let attempt = 1; !env; attempt++) {
    try {
      env = await TestWorkflowEnvironment.createLocal({
        server: {
          executable,
          namespace: NAMESPACE,
          dbFilename: opts.dbFilename,
          port: opts.port,
          ui: opts.ui ?? false,
          uiPort: opts.uiPort,
          searchAttributes: Object.values(SearchAttributes),
          // In a file there is room for warnings too; on a terminal only errors.
          log: { format: 'pretty', level: opts.logFile ? 'warn' : 'error' },
        },
      });
    } catch (err) {
      const message = (err as Error).message;
      if (attempt < START_ATTEMPTS && /did not start within/.test(message)) {
        opts.log?.(`the Temporal dev server was slow to start (attempt ${attempt} of ${START_ATTEMPTS}); trying again`);
        continue;
      }
      throw new Error(`could not start the Temporal dev server from ${origin}: ${message}. ${NO_SERVER_HELP}`);
    }
  }
  const address = env.address;
  const port = Number(String(address).split(':').pop());
  return {
    address,
    namespace: env.namespace ?? NAMESPACE,
    uiUrl: opts.ui ? `http://localhost:${opts.uiPort ?? port + 1000}` : undefined,
    origin,
    shutdown: () => env.teardown(),
  };
}

/** Registers our search attributes on a server we did not start (idempotent). */
export async function registerSearchAttributes(address: string, namespace: string): Promise<void> {
  const connection = await Connection.connect({ address });
  try {
    const have = await connection.operatorService.listSearchAttributes({ namespace });
    const missing: Record<string, temporal.api.enums.v1.IndexedValueType> = {};
    for (const key of Object.values(SearchAttributes)) {
      if (have.customAttributes?.[key.name] === undefined) {
        missing[key.name] = key.type === 'DOUBLE'
          ? temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_DOUBLE
          : temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD;
      }
    }
    if (Object.keys(missing).length > 0) {
      await connection.operatorService.addSearchAttributes({ namespace, searchAttributes: missing });
    }
  } finally {
    await connection.close();
  }
}
