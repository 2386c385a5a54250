/**
 * One sandboxed execution: a fresh work directory, a stripped environment, the bootstrap
 * (bootstrap.py) started in its own process group (and, in 'namespaces' mode, in new mount,
 * network and PID namespaces through util-linux `unshare`), capped output capture, a wall-clock
 * kill, and the verdict turned into a SandboxResult.
 */
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SandboxError, type IsolationMode, type SandboxLimits, type SandboxResult, type SandboxStatus } from './types';

export const BOOTSTRAP_PATH = path.join(__dirname, 'bootstrap.py');

/** How to start the bootstrap on this machine (chosen once by isolation.ts). */
export interface Launcher {
  isolation: IsolationMode;
  python: string;
  /** Absolute path of `unshare` ('namespaces' mode). */
  unshare?: string;
}

const SANDBOX_PATH = '/usr/local/bin:/usr/bin:/bin';
/** Verdict-channel bytes read at most: a verdict is a few KB; anything past this is spam. */
const MAX_CHANNEL_BYTES = 1 << 20;
/** After the bootstrap exits, how long leftover holders of its pipes get before we stop reading. */
const CLOSE_GRACE_MS = 2000;

let runCounter = 0;

/**
 * A fresh uid per run when the worker is root: RLIMIT_NPROC then counts only this run's
 * processes, and files outside the work directory are not the program's to change. Spread by pid
 * so concurrent workers on one machine do not share uids.
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

function launchCommand(launcher: Launcher): [string, string[]] {
  // -S: no site (standard library only, no .pth hooks of the machine); -B: no bytecode files.
  const python = [launcher.python, '-S', '-B', BOOTSTRAP_PATH];
  if (launcher.isolation === 'process') return [python[0], python.slice(1)];
  if (!launcher.unshare) throw new SandboxError('namespaces mode needs the path of `unshare`');
  const rootless = process.getuid?.() !== 0 ? ['--user', '--map-root-user'] : [];
  return [launcher.unshare, [...rootless, '--mount', '--net', '--pid', '--fork', '--kill-child', '--mount-proc', '--', ...python]];
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
  kind: 'verdict' | 'exit' | 'setup-error';
  nonce: string;
  status?: SandboxStatus;
  feedback?: string;
  message?: string;
  signal?: string;
  code?: number;
  cpuSeconds?: number;
}

function seconds(ms: number): string {
  return Number.isInteger(ms / 1000) ? String(ms / 1000) : (ms / 1000).toFixed(1);
}

function tail(text: string, n = 600): string {
  const t = text.trim();
  return t.length <= n ? t : '...' + t.slice(t.length - n);
}

export async function execute(launcher: Launcher, program: string, tests: string | undefined, limits: SandboxLimits): Promise<SandboxResult> {
  const workdir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'lsl-sandbox-'));
  try {
    const uid = sandboxUid();
    if (uid !== null) {
      await fs.promises.chown(workdir, uid, uid);
      await fs.promises.chmod(workdir, 0o700);
    }
    return await launch(launcher, workdir, uid, program, tests, limits);
  } finally {
    await fs.promises.rm(workdir, { recursive: true, force: true, maxRetries: 3 });
  }
}

function launch(launcher: Launcher, workdir: string, uid: number | null, program: string, tests: string | undefined,
  limits: SandboxLimits): Promise<SandboxResult> {
  const nonce = crypto.randomBytes(16).toString('hex');
  const job = {
    nonce, workdir, uid, program, tests: tests ?? null,
    isolation: launcher.isolation,
    guard: launcher.isolation === 'process',
    limits: { cpuSeconds: limits.cpuSeconds, memoryMb: limits.memoryMb, fileSizeMb: limits.fileSizeMb, maxProcesses: limits.maxProcesses },
  };
  const [cmd, args] = launchCommand(launcher);
  const env = {
    PATH: SANDBOX_PATH, LANG: 'C.UTF-8', PYTHONHASHSEED: '0', PYTHONDONTWRITEBYTECODE: '1',
    PYTHONIOENCODING: 'utf-8', HOME: workdir, TMPDIR: workdir,
  };
  const started = performance.now();

  return new Promise<SandboxResult>((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: workdir, env, stdio: ['pipe', 'pipe', 'pipe', 'pipe'], detached: true });
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
    const wallTimer = setTimeout(() => { timedOut = true; killGroup(); }, limits.timeoutMs);
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
    child.stdin!.on('error', () => { /* the program may exit before reading all of its job */ });
    child.stdin!.end(JSON.stringify(job));

    child.on('error', (err) => { spawnError = err; });
    child.on('exit', () => {
      // Leftover processes of the group (process mode; in namespaces mode the PID namespace is gone).
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
        reject(new SandboxError(`cannot start the sandbox (${cmd}): ${spawnError.message}`));
        return;
      }
      const records = parseChannel(channel.text(), nonce);
      const setupError = records.find((r) => r.kind === 'setup-error');
      if (setupError && !timedOut) {
        reject(new SandboxError(`sandbox setup failed (${launcher.isolation} mode): ${setupError.message}${stderr.total ? `; stderr: ${tail(stderr.text(), 300)}` : ''}`));
        return;
      }
      const verdict = records.find((r) => r.kind === 'verdict');
      const exit = records.find((r) => r.kind === 'exit');
      const { status, feedback } = decide({ timedOut, outputExceeded, verdict, exit, limits, stderrText: stderr.text() });
      resolve({
        passed: status === 'passed',
        status,
        feedback,
        durationMs: Math.round(performance.now() - started),
        stdout: stdout.text(),
        stderr: stderr.text(),
        stdoutTruncated: stdout.truncated,
        stderrTruncated: stderr.truncated,
        cpuSeconds: typeof exit?.cpuSeconds === 'number' ? exit.cpuSeconds : null,
      });
    }
  });
}

function parseChannel(text: string, nonce: string): ChannelRecord[] {
  const out: ChannelRecord[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      const rec = JSON.parse(line) as ChannelRecord;
      if (rec && rec.nonce === nonce) out.push(rec);
    } catch { /* not ours */ }
  }
  return out;
}

interface Outcome {
  timedOut: boolean;
  outputExceeded: boolean;
  verdict?: ChannelRecord;
  exit?: ChannelRecord;
  limits: SandboxLimits;
  stderrText: string;
}

function decide(o: Outcome): { status: SandboxStatus; feedback: string } {
  if (o.timedOut) return { status: 'timeout', feedback: `timed out after ${seconds(o.limits.timeoutMs)} s` };
  if (o.outputExceeded) {
    return { status: 'output_limit', feedback: `the program wrote more than ${o.limits.maxOutputBytes} bytes of output and was killed` };
  }
  if (o.verdict?.status && typeof o.verdict.feedback === 'string') return { status: o.verdict.status, feedback: o.verdict.feedback };
  const stderrTail = o.stderrText.trim() ? `\nstderr: ${tail(o.stderrText)}` : '';
  const exit = o.exit;
  if (exit) {
    const cpuLimitHit = exit.signal === 'SIGXCPU' ||
      (exit.signal === 'SIGKILL' && typeof exit.cpuSeconds === 'number' && exit.cpuSeconds >= o.limits.cpuSeconds - 0.05);
    if (cpuLimitHit) return { status: 'timeout', feedback: `CPU time limit of ${o.limits.cpuSeconds} s exceeded` };
    if (exit.signal) return { status: 'error', feedback: `the program was killed by ${exit.signal} before its tests finished${stderrTail}` };
    return { status: 'error', feedback: `the program ended its process (exit code ${exit.code}) before its tests finished${stderrTail}` };
  }
  return { status: 'error', feedback: `the sandbox process ended without a verdict${stderrTail}` };
}
