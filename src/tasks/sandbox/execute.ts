/**
 * One sandboxed execution. The worker starts the test driver (driver.py, trusted: it runs the
 * task's tests and writes the verdict to fd 3); the driver starts the candidate process
 * (candidate.py, untrusted: the model's program) under bubblewrap, or in opt-in 'process' mode as
 * a plain process, and calls the program's functions across two pipes as plain data. Here: a
 * fresh host directory, stripped environments, a wall-clock kill of the whole process group,
 * capped capture of what the program prints, and the verdict turned into a SandboxResult.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SandboxError, type IsolationMode, type SandboxLimits, type SandboxResult, type SandboxStatus } from './types';

const HERE = __dirname;
export const DRIVER_PATH = path.join(HERE, 'driver.py');
/** The files the candidate process needs, mounted read-only at /lsl inside bubblewrap. */
const CANDIDATE_FILES = ['candidate.py', 'wire.py', 'explain.py', 'guard.py'];

let candidateDir: string | undefined;
/**
 * Where the candidate's files are read from: a world-readable copy made once per process. A root
 * worker runs each candidate under a fresh uid, which cannot read the checkout's own copies when
 * the checkout sits below a private directory (a clone inside `mktemp -d`, mode 0700).
 */
function candidateFiles(): string {
  if (candidateDir && fs.existsSync(candidateDir)) return candidateDir;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lsl-candidate-'));
  for (const f of CANDIDATE_FILES) {
    fs.copyFileSync(path.join(HERE, f), path.join(dir, f));
    fs.chmodSync(path.join(dir, f), 0o444);
  }
  fs.chmodSync(dir, 0o755);
  return (candidateDir = dir);
}

/** How to start programs on this machine (chosen once by isolation.ts). */
export interface Launcher {
  isolation: IsolationMode;
  /** The interpreter of the driver and of the candidate. */
  python: string;
  /** Absolute path of `bwrap` ('bwrap' mode). */
  bwrap?: string;
  /** bubblewrap arguments that mount the Python runtime read-only (and nothing else). */
  runtimeMounts?: string[];
}

/** What the driver runs besides the program (all trusted task code). */
export interface TestJob {
  tests?: string;
  /** Test setup code (MBPP's test_setup_code / test_imports), run before the tests. */
  setup?: string;
  /** Trusted code defining helpers the tests use (HumanEval's prompt), run in the driver. */
  prelude?: string;
  /** The function the tests call, proxied to the program even when the prelude defines it too. */
  entryPoint?: string;
}

const SANDBOX_PATH = '/usr/local/bin:/usr/bin:/bin';
const WORK = '/work';
/** Verdict-channel bytes read at most: a verdict is a few KB. */
const MAX_CHANNEL_BYTES = 1 << 20;
/** After the driver exits, how long leftover holders of its pipes get before we stop reading. */
const CLOSE_GRACE_MS = 2000;
/** The driver times itself; the worker's kill comes this much later, for a driver that hangs. */
const DRIVER_GRACE_MS = 3000;

let runCounter = 0;

/**
 * A fresh uid per run when the worker is root: RLIMIT_NPROC then counts only this run's
 * processes, and nothing outside the run belongs to it. Spread by pid so concurrent workers on one
 * machine do not share uids.
 */
function sandboxUid(): number | null {
  const range = sandboxUidRange();
  if (!range) return null;
  runCounter = (runCounter + 1) % (range[1] - range[0]);
  return range[0] + runCounter;
}

/** The uids this worker process gives its runs, [first, last), when it is root. */
export function sandboxUidRange(): [number, number] | null {
  if (process.getuid?.() !== 0) return null;
  const first = 100_000 + (process.pid % 20_000) * 50_000;
  return [first, first + 50_000];
}

/** The candidate's command line; the driver fills in {IN} and {OUT}, its two pipe ends. */
function candidateCommand(launcher: Launcher, workdir: string, limits: SandboxLimits): string[] {
  const py = [launcher.python, '-S', '-B'];
  if (launcher.isolation === 'process') {
    return [...py, path.join(candidateFiles(), 'candidate.py'), '{IN}', '{OUT}', '--guard', workdir];
  }
  if (!launcher.bwrap || !launcher.runtimeMounts) throw new SandboxError('bwrap mode needs the path of `bwrap` and the runtime mounts');
  const dir = candidateFiles();
  const files = CANDIDATE_FILES.flatMap((f) => ['--ro-bind', path.join(dir, f), `/lsl/${f}`]);
  return [
    launcher.bwrap,
    '--unshare-all', '--unshare-user', '--disable-userns', '--die-with-parent', '--new-session', '--cap-drop', 'ALL',
    ...launcher.runtimeMounts,
    '--proc', '/proc',
    '--dev', '/dev',
    ...files,
    '--size', String(limits.workdirMb * 1024 * 1024), '--tmpfs', WORK,
    '--remount-ro', '/',
    '--chdir', WORK,
    '--', ...py, '/lsl/candidate.py', '{IN}', '{OUT}',
  ];
}

/** Keeps the first `cap` bytes of a stream and counts the rest. */
class CappedBuffer {
  private chunks: Buffer[] = [];
  private kept = 0;
  total = 0;
  constructor(private readonly cap: number) {}
  push(chunk: Buffer): void {
    this.total += chunk.length;
    if (this.kept >= this.cap) return;
    const part = chunk.length <= this.cap - this.kept ? chunk : chunk.subarray(0, this.cap - this.kept);
    this.chunks.push(part);
    this.kept += part.length;
  }
  get truncated(): boolean { return this.total > this.kept; }
  text(): string { return Buffer.concat(this.chunks).toString('utf8'); }
}

interface ChannelRecord {
  kind: 'verdict' | 'sandbox-error';
  status?: SandboxStatus;
  feedback?: string;
  message?: string;
  cpuSeconds?: number | null;
}

function seconds(ms: number): string {
  return Number.isInteger(ms / 1000) ? String(ms / 1000) : (ms / 1000).toFixed(1);
}

function tail(text: string, n = 600): string {
  const t = text.trim();
  return t.length <= n ? t : '...' + t.slice(t.length - n);
}

/** Kills every process of `uid` (the 'process' mode's sweep: a setsid daemon left no group to kill). */
export function killUid(uid: number): void {
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (fs.statSync(`/proc/${entry}`).uid === uid) process.kill(Number(entry), 'SIGKILL');
    } catch { /* gone */ }
  }
}

export async function execute(launcher: Launcher, program: string, job: TestJob, limits: SandboxLimits): Promise<SandboxResult> {
  const workdir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'lsl-sandbox-'));
  const uid = sandboxUid();
  try {
    if (uid !== null) {
      await fs.promises.chown(workdir, uid, uid);
      await fs.promises.chmod(workdir, 0o700);
    }
    return await launch(launcher, workdir, uid, program, job, limits);
  } finally {
    if (uid !== null && launcher.isolation === 'process') killUid(uid);
    await fs.promises.rm(workdir, { recursive: true, force: true, maxRetries: 3 });
  }
}

function launch(launcher: Launcher, workdir: string, uid: number | null, program: string, job: TestJob,
  limits: SandboxLimits): Promise<SandboxResult> {
  const inside = launcher.isolation === 'bwrap' ? WORK : workdir;
  const driverJob = {
    program, tests: job.tests ?? null, setup: job.setup ?? null, prelude: job.prelude ?? null, entryPoint: job.entryPoint ?? null,
    command: candidateCommand(launcher, workdir, limits),
    uid, workdir,
    env: {
      PATH: SANDBOX_PATH, LANG: 'C.UTF-8', PYTHONHASHSEED: '0', PYTHONDONTWRITEBYTECODE: '1',
      PYTHONIOENCODING: 'utf-8', HOME: inside, TMPDIR: inside,
    },
    limits: {
      timeoutMs: limits.timeoutMs, cpuSeconds: limits.cpuSeconds, memoryMb: limits.memoryMb,
      fileSizeMb: limits.fileSizeMb, maxProcesses: limits.maxProcesses,
    },
  };
  const env = { PATH: SANDBOX_PATH, LANG: 'C.UTF-8', PYTHONHASHSEED: '0', PYTHONDONTWRITEBYTECODE: '1', PYTHONIOENCODING: 'utf-8' };
  const started = performance.now();

  return new Promise<SandboxResult>((resolve, reject) => {
    const child = spawn(launcher.python, ['-S', '-B', DRIVER_PATH], { cwd: workdir, env, stdio: ['pipe', 'pipe', 'pipe', 'pipe'], detached: true });
    const stdout = new CappedBuffer(limits.maxCapturedBytes);
    const stderr = new CappedBuffer(limits.maxCapturedBytes);
    const channel = new CappedBuffer(MAX_CHANNEL_BYTES);
    let timedOut = false;
    let outputExceeded = false;
    let settled = false;
    let spawnError: Error | null = null;

    const killGroup = () => {
      if (child.pid === undefined) return;
      try { process.kill(-child.pid, 'SIGKILL'); } catch { /* already gone */ }
    };
    const wallTimer = setTimeout(() => { timedOut = true; killGroup(); }, limits.timeoutMs + DRIVER_GRACE_MS);
    let graceTimer: NodeJS.Timeout | undefined;

    const onOutput = (buf: CappedBuffer) => (chunk: Buffer) => {
      buf.push(chunk);
      if (!outputExceeded && stdout.total + stderr.total > limits.maxOutputBytes) {
        outputExceeded = true;
        killGroup();
      }
    };
    child.stdout!.on('data', onOutput(stdout));
    child.stderr!.on('data', onOutput(stderr));
    (child.stdio[3] as NodeJS.ReadableStream).on('data', (chunk: Buffer) => channel.push(chunk));
    child.stdin!.on('error', () => { /* it may exit before reading all of its job */ });
    child.stdin!.end(JSON.stringify(driverJob));

    child.on('error', (err) => { spawnError = err; });
    child.on('exit', () => {
      killGroup();
      graceTimer = setTimeout(() => {
        for (const s of [child.stdout, child.stderr, child.stdio[3]]) (s as NodeJS.ReadableStream & { destroy(): void } | null)?.destroy();
        finish();
      }, CLOSE_GRACE_MS);
    });
    child.on('close', () => finish());

    function finish(): void {
      if (settled) return;
      settled = true;
      clearTimeout(wallTimer);
      if (graceTimer) clearTimeout(graceTimer);
      if (spawnError) {
        reject(new SandboxError(`cannot start the sandbox's test driver (${launcher.python}): ${spawnError.message}`));
        return;
      }
      const records = parseChannel(channel.text());
      const startError = records.find((r) => r.kind === 'sandbox-error');
      if (startError && !timedOut) {
        reject(new SandboxError(`the sandbox could not start (${launcher.isolation} mode, an infrastructure fault, retryable): ` +
          `${startError.message}${stderr.total ? `; stderr: ${tail(stderr.text(), 300)}` : ''}`));
        return;
      }
      const verdict = records.find((r) => r.kind === 'verdict');
      const { status, feedback } = decide(timedOut, outputExceeded, verdict, limits, stderr.text());
      resolve({
        passed: status === 'passed',
        status,
        feedback,
        durationMs: Math.round(performance.now() - started),
        stdout: stdout.text(),
        stderr: stderr.text(),
        stdoutTruncated: stdout.truncated,
        stderrTruncated: stderr.truncated,
        cpuSeconds: typeof verdict?.cpuSeconds === 'number' ? verdict.cpuSeconds : null,
        isolation: launcher.isolation,
      });
    }
  });
}

function parseChannel(text: string): ChannelRecord[] {
  const out: ChannelRecord[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      const rec = JSON.parse(line) as ChannelRecord;
      if (rec && typeof rec === 'object') out.push(rec);
    } catch { /* cut short by a kill */ }
  }
  return out;
}

function decide(timedOut: boolean, outputExceeded: boolean, verdict: ChannelRecord | undefined, limits: SandboxLimits,
  stderrText: string): { status: SandboxStatus; feedback: string } {
  if (outputExceeded) {
    return { status: 'output_limit', feedback: `the program wrote more than ${limits.maxOutputBytes} bytes of output and was killed` };
  }
  if (verdict?.status && typeof verdict.feedback === 'string') return { status: verdict.status, feedback: verdict.feedback };
  if (timedOut) return { status: 'timeout', feedback: `timed out after ${seconds(limits.timeoutMs)} s` };
  const stderrTail = stderrText.trim() ? `\nstderr: ${tail(stderrText)}` : '';
  return { status: 'error', feedback: `the test driver ended without a verdict${stderrTail}` };
}
