/** A pool that bounds how many sandboxed programs run at once (default: one per core). */
import os from 'node:os';
import { execute } from './execute';
import { detectIsolation, parseIsolationRequest, type IsolationRequest } from './isolation';
import { SandboxError, type RunOptions, type SandboxInfo, type SandboxLimits, type SandboxResult } from './types';

export const DEFAULT_LIMITS: Omit<SandboxLimits, 'cpuSeconds'> = {
  timeoutMs: 10_000,
  memoryMb: 1024,
  fileSizeMb: 16,
  workdirMb: 64,
  maxProcesses: 32,
  maxCapturedBytes: 64 * 1024,
  maxOutputBytes: 8 * 1024 * 1024,
};

export interface SandboxPoolOptions {
  /** Programs running at once (default: the number of cores). */
  concurrency?: number;
  /** Default limits for this pool's runs (each run may override them). */
  limits?: Partial<SandboxLimits>;
  /** Default: env LSL_SANDBOX_ISOLATION, else 'bwrap' ('process' runs unisolated: explicit opt-in only). */
  isolation?: IsolationRequest;
  /** Default: env LSL_SANDBOX_PYTHON, else detected. */
  python?: string;
}

export interface SandboxPool {
  readonly concurrency: number;
  run(program: string, opts?: RunOptions): Promise<SandboxResult>;
  info(): Promise<SandboxInfo>;
}

function positive(name: string, value: number | undefined): void {
  if (value !== undefined && !(Number.isFinite(value) && value > 0)) {
    throw new SandboxError(`sandbox limit ${name} must be a positive number, got ${value}`);
  }
}

export function resolveLimits(...layers: (Partial<SandboxLimits> | undefined)[]): SandboxLimits {
  const merged: Partial<SandboxLimits> = {};
  for (const layer of layers) {
    if (!layer) continue;
    for (const [k, v] of Object.entries(layer)) {
      if (v === undefined || ['tests', 'setup', 'prelude', 'entryPoint'].includes(k)) continue;
      if (!(k in DEFAULT_LIMITS) && k !== 'cpuSeconds') throw new SandboxError(`unknown sandbox limit '${k}'`);
      positive(k, v as number);
      (merged as Record<string, number>)[k] = v as number;
    }
  }
  const base = { ...DEFAULT_LIMITS, ...merged };
  return { ...base, cpuSeconds: Math.ceil(merged.cpuSeconds ?? base.timeoutMs / 1000) };
}

export function createSandboxPool(options: SandboxPoolOptions = {}): SandboxPool {
  const concurrency = options.concurrency ?? os.availableParallelism();
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new SandboxError(`sandbox pool concurrency must be a positive integer, got ${options.concurrency}`);
  }
  const isolation = options.isolation !== undefined
    ? parseIsolationRequest(options.isolation, 'createSandboxPool option isolation')
    : parseIsolationRequest(process.env.LSL_SANDBOX_ISOLATION, 'env LSL_SANDBOX_ISOLATION');
  const python = options.python ?? (process.env.LSL_SANDBOX_PYTHON || undefined);
  resolveLimits(options.limits);

  let active = 0;
  const waiting: (() => void)[] = [];
  const acquire = (): Promise<void> => {
    if (active < concurrency) {
      active++;
      return Promise.resolve();
    }
    return new Promise((resolve) => waiting.push(resolve));
  };
  const release = (): void => {
    const next = waiting.shift();
    if (next) next();
    else active--;
  };

  return {
    concurrency,
    info: async () => (await detectIsolation(isolation, python)).info,
    async run(program, opts = {}) {
      const { tests, setup, prelude, entryPoint, ...overrides } = opts;
      const limits = resolveLimits(options.limits, overrides);
      const { launcher } = await detectIsolation(isolation, python);
      await acquire();
      try {
        return await execute(launcher, program, { tests, setup, prelude, entryPoint }, limits);
      } finally {
        release();
      }
    },
  };
}

let defaultPool: SandboxPool | undefined;

/** The process-wide pool that runPython and the code tasks share. */
export function sharedSandboxPool(): SandboxPool {
  defaultPool ??= createSandboxPool();
  return defaultPool;
}

/** Runs a program (and optional tests) in the shared pool. */
export function runPython(program: string, opts?: RunOptions): Promise<SandboxResult> {
  return sharedSandboxPool().run(program, opts);
}

/** How the shared pool isolates programs on this machine. */
export function sandboxInfo(): Promise<SandboxInfo> {
  return sharedSandboxPool().info();
}
