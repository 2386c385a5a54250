/** The code sandbox's vocabulary: limits, verdicts, and what isolation this machine gives. */

export type SandboxStatus = 'passed' | 'failed' | 'error' | 'timeout' | 'oom' | 'output_limit';

export interface SandboxLimits {
  /** Wall clock; past it the whole process group is killed. */
  timeoutMs: number;
  /** RLIMIT_CPU (default: the wall timeout rounded up to whole seconds). */
  cpuSeconds: number;
  /** RLIMIT_AS. */
  memoryMb: number;
  /** RLIMIT_FSIZE: the largest file the program may write. */
  fileSizeMb: number;
  /** RLIMIT_NPROC budget: processes the program may have at once (itself included). */
  maxProcesses: number;
  /** Bytes of stdout and of stderr kept in the result; the rest is drained and dropped. */
  maxCapturedBytes: number;
  /** Total output after which the program is killed (status `output_limit`). */
  maxOutputBytes: number;
}

export interface RunOptions extends Partial<SandboxLimits> {
  /**
   * Test code run after the program in the same module namespace, with each `assert` rewritten
   * to report the values of both sides. Without tests the program runs as `__main__` and passes
   * when it ends normally; with tests it runs as module `solution`, so a model's
   * `if __name__ == "__main__":` demo block (often reading input()) is skipped.
   */
  tests?: string;
}

export interface SandboxResult {
  passed: boolean;
  status: SandboxStatus;
  /** For a reflecting model: the failing assertion with its values, the exception, or the limit hit. */
  feedback: string;
  durationMs: number;
  stdout: string;
  stderr: string;
  stdoutTruncated: boolean;
  stderrTruncated: boolean;
  /** CPU seconds of the program's main process, when the supervisor could report them. */
  cpuSeconds: number | null;
}

export type IsolationMode = 'namespaces' | 'process';

/** What the sandbox guarantees on this machine (detected once per process). */
export interface SandboxInfo {
  isolation: IsolationMode;
  python: string;
  pythonVersion: string;
  user: string;
  network: string;
  filesystem: string;
  processes: string;
  /** Why the stronger mode was not used, when it was not. */
  fallbackReason?: string;
}

/** The sandbox itself failed (not the program): cannot spawn, cannot set up isolation. */
export class SandboxError extends Error {}
