/**
 * Real processes for tests that crash things: the `lsl` CLI and `lsl worker`, spawned with their
 * own environment, so a test can SIGKILL a worker and start another.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const REPO = path.resolve(__dirname, '..', '..');
export const LSL = path.join(REPO, 'bin', 'lsl');

export function datasetsDirForTests(): string {
  return process.env.LSL_DATASETS_DIR ?? path.resolve(REPO, '..', 'shared', 'datasets');
}

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `lsl-${prefix}-`));
}

/** A registry file that gives the simulator's models a short client timeout, so calls lost with a killed worker are retried soon. */
export function shortTimeoutRegistry(dir: string, timeoutMs = 3000): string {
  const file = path.join(dir, 'models.yaml');
  fs.writeFileSync(file, `models:\n  - { name: sim-large, timeoutMs: ${timeoutMs} }\n  - { name: sim-small, timeoutMs: ${timeoutMs} }\n`);
  return file;
}

export interface CliResult { code: number | null; stdout: string; stderr: string }

/** Runs `bin/lsl` to completion. */
export function runLsl(args: string[], env: NodeJS.ProcessEnv, timeoutMs = 300_000): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(LSL, args, { env: { ...process.env, LSL_DATASETS_DIR: datasetsDirForTests(), ...env }, cwd: REPO });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`lsl ${args.join(' ')} timed out after ${timeoutMs} ms\n${stderr}`));
    }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** The last line of stdout parsed as JSON (the `--json` summary). */
export function jsonSummary<T>(r: CliResult): T {
  const lines = r.stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]) as T;
}

export interface WorkerProcess {
  child: ChildProcess;
  /** Resolves when the worker has polled (its start-up line was printed). */
  ready: Promise<void>;
  output(): string;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/** Starts `lsl worker` against `address` on `taskQueue`. */
export function startWorkerProcess(address: string, taskQueue: string, env: NodeJS.ProcessEnv): WorkerProcess {
  const child = spawn(LSL, ['worker'], {
    env: { ...process.env, LSL_DATASETS_DIR: datasetsDirForTests(), ...env, TEMPORAL_ADDRESS: address, LSL_TASK_QUEUE: taskQueue },
    cwd: REPO,
  });
  let out = '';
  const ready = new Promise<void>((resolve, reject) => {
    const onData = (d: Buffer) => {
      out += d.toString();
      if (out.includes('lsl worker on')) resolve();
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code) => reject(new Error(`worker exited (${code}) before it was ready:\n${out}`)));
  });
  ready.catch(() => undefined);
  return {
    child,
    ready,
    output: () => out,
    kill: (signal = 'SIGTERM') =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill(signal);
      }),
  };
}
