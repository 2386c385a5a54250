/**
 * The real `lsl` binary for tests: spawned with a hermetic environment (none of the caller's
 * LSL_* or TEMPORAL_ADDRESS leaks in unless given), so a test decides exactly which server,
 * simulator, registry and home directory the CLI or a `lsl worker` process uses.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const REPO = path.resolve(__dirname, '..', '..');
export const LSL_BIN = path.join(REPO, 'bin', 'lsl');

export function testDatasetsDir(): string {
  return path.resolve(process.env.LSL_DATASETS_DIR ?? path.join(REPO, '..', 'shared', 'datasets'));
}

export function makeTempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `lsl-${prefix}-`));
}

/** `undefined` removes a variable. */
export type EnvPatch = Record<string, string | undefined>;

/** The caller's environment without lsl's own settings, plus the datasets dir and `patch`. */
export function lslEnv(patch: EnvPatch = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (k.startsWith('LSL_') || k.startsWith('TEMPORAL_')) continue;
    env[k] = v;
  }
  env.LSL_DATASETS_DIR = testDatasetsDir();
  for (const [k, v] of Object.entries(patch)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

export interface CliResult { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }

/** Runs `bin/lsl args` to completion; kills it (and fails) after `timeoutMs`. */
export function runLsl(args: string[], env: EnvPatch, timeoutMs = 480_000): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(LSL_BIN, args, { env: lslEnv(env), cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`lsl ${args.join(' ')}: no exit after ${timeoutMs} ms\nstderr:\n${stderr}`));
    }, timeoutMs);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** The `--json` summary: the last line of stdout. */
export function lastJsonLine<T>(r: CliResult): T {
  const lines = r.stdout.trim().split('\n');
  try {
    return JSON.parse(lines[lines.length - 1]) as T;
  } catch {
    throw new Error(`the last line of stdout is not JSON (exit ${r.code}):\n${r.stdout}\nstderr:\n${r.stderr}`);
  }
}

/** A long-running `lsl` process (worker, sim serve) whose output a test can wait on. */
export interface LslProcess {
  child: ChildProcess;
  pid: number;
  /** stdout and stderr so far, interleaved as they arrived. */
  output(): string;
  /** Resolves with the first match of `pattern` in the output; rejects if the process exits first or after `timeoutMs`. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** Sends `signal` and resolves once the process has exited. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function spawnLsl(args: string[], env: EnvPatch): LslProcess {
  const child = spawn(LSL_BIN, args, { env: lslEnv(env), cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const listeners = new Set<() => void>();
  const onData = (d: Buffer) => {
    out += d.toString();
    for (const l of listeners) l();
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      resolve({ code, signal });
      for (const l of listeners) l();
    });
  });
  const done = () => child.exitCode !== null || child.signalCode !== null;
  return {
    child,
    pid: child.pid!,
    output: () => out,
    exited,
    waitFor(pattern, timeoutMs = 60_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const m = out.match(pattern);
          if (m) finish(() => resolve(m));
          else if (done()) finish(() => reject(new Error(`lsl ${args.join(' ')} exited (${child.exitCode ?? child.signalCode}) before printing ${pattern}:\n${out}`)));
        };
        const timer = setTimeout(() => finish(() => reject(new Error(`lsl ${args.join(' ')}: ${pattern} not printed within ${timeoutMs} ms:\n${out}`))), timeoutMs);
        const finish = (f: () => void) => {
          clearTimeout(timer);
          listeners.delete(check);
          f();
        };
        listeners.add(check);
        check();
      });
    },
    async kill(signal = 'SIGTERM') {
      if (!done()) child.kill(signal);
      await exited;
    },
  };
}

/** `lsl worker` against `address` on `taskQueue`; resolves once it polls (its start-up line is printed). A worker that does not start in time is killed. */
export async function startWorkerProcess(address: string, taskQueue: string, env: EnvPatch, timeoutMs = 90_000): Promise<LslProcess> {
  const p = spawnLsl(['worker'], { ...env, TEMPORAL_ADDRESS: address, LSL_TASK_QUEUE: taskQueue });
  try {
    await p.waitFor(/lsl worker on /, timeoutMs);
  } catch (err) {
    await p.kill('SIGKILL');
    throw err;
  }
  return p;
}

/** A user registry file in `dir` (YAML text under `models:`), for LSL_MODELS. */
export function writeRegistry(dir: string, entries: string): string {
  const file = path.join(dir, 'models.yaml');
  fs.writeFileSync(file, `models:\n${entries}`);
  return file;
}

/** Every regular file under `dir`, recursively. */
export function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? filesUnder(p) : e.isFile() ? [p] : [];
  });
}

/** Files under `dir` whose bytes contain `needle`. */
export function filesContaining(dir: string, needle: string): string[] {
  const bytes = Buffer.from(needle, 'utf8');
  return filesUnder(dir).filter((f) => fs.readFileSync(f).includes(bytes));
}

/** A registry file giving the simulator's models a short client timeout, so calls lost with a killed worker are retried soon. */
export function shortTimeoutRegistry(dir: string, timeoutMs = 3000): string {
  return writeRegistry(dir, `  - { name: sim-large, timeoutMs: ${timeoutMs} }\n  - { name: sim-small, timeoutMs: ${timeoutMs} }\n`);
}

/** Polls `fn` until it returns true (errors count as not yet), failing after `timeoutMs` with `what`. */
export async function waitFor(what: string, fn: () => Promise<boolean>, timeoutMs = 300_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await fn().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Starts `bin/lsl args` and resolves with the process and the first match of `ready` in its output (benchmarks). */
export async function startLsl(args: string[], env: EnvPatch, ready: RegExp): Promise<{ child: ChildProcess; match: RegExpMatchArray }> {
  const p = spawnLsl(args, env);
  return { child: p.child, match: await p.waitFor(ready, 90_000) };
}
