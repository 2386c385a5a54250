/** The Python code sandbox: run a candidate program with its tests, isolated and bounded. */
export { createSandboxPool, runPython, sandboxInfo, sharedSandboxPool, resolveLimits, DEFAULT_LIMITS } from './pool';
export type { SandboxPool, SandboxPoolOptions } from './pool';
export type { IsolationRequest } from './isolation';
export { SandboxError } from './types';
export type { IsolationMode, RunOptions, SandboxInfo, SandboxLimits, SandboxResult, SandboxStatus } from './types';
