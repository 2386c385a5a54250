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
  /** Size of the program's work directory (a tmpfs under bubblewrap). */
  workdirMb: number;
  /** RLIMIT_NPROC budget: processes the program may have at once (itself included). */
  maxProcesses: number;
  /** Bytes of stdout and of stderr kept in the result; the rest is drained and dropped. */
  maxCapturedBytes: number;
  /** Total output after which the program is killed (status `output_limit`). */
  maxOutputBytes: number;
}

export interface RunOptions extends Partial<SandboxLimits> {
  /**
   * Test code, run by the trusted driver (never in the program's process), with each `assert`
   * rewritten to report the values of both sides; the names it uses that the program defines are
   * calls into the program's process. Without tests the program runs as `__main__` and passes
   * when it ends normally; with tests it runs as module `solution`, so a model's
   * `if __name__ == "__main__":` demo block (often reading input()) is skipped.
   */
  tests?: string;
  /** Test setup code run before the tests (in the driver; in the program's process when it uses the program's classes). */
  setup?: string;
  /** Trusted code run in the driver before the tests (HumanEval's prompt, whose helpers the tests use). */
  prelude?: string;
  /** The function the tests call: always the program's, even when the prelude defines it too. */
  entryPoint?: string;
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
  /** CPU seconds of the program's process (and its children), when the driver could report them. */
  cpuSeconds: number | null;
  /** How the program was isolated: 'process' means it ran unisolated (explicit opt-in). */
  isolation: IsolationMode;
}

/** 'bwrap': bubblewrap (the only real isolation); 'process': unisolated, only on explicit opt-in. */
export type IsolationMode = 'bwrap' | 'process';

/** What the sandbox guarantees on this machine (detected once per process). */
export interface SandboxInfo {
  isolation: IsolationMode;
  python: string;
  pythonVersion: string;
  user: string;
  network: string;
  filesystem: string;
  processes: string;
  /** True in 'process' mode: every report and summary must say the code ran unisolated. */
  unisolated: boolean;
}

/** The sandbox itself failed (not the program): cannot spawn, cannot set up isolation. */
export class SandboxError extends Error {}
