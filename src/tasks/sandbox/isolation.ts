/**
 * Chooses, once per process, how the sandbox isolates programs on this machine, by running a
 * probe through the real sandbox and checking that the isolation holds:
 *
 * - 'namespaces' (preferred): `unshare` gives the program new mount, network and PID namespaces
 *   (plus a user namespace when the worker is not root). The network namespace has no interface
 *   up, so every connection fails; all mounts are read-only except the work directory; when the
 *   PID namespace's init (the bootstrap's supervisor) exits, every process left is killed.
 * - 'process' (fallback, where namespaces are unavailable, e.g. an unprivileged container): the
 *   program runs in its own process group with the same rlimits, and a Python audit hook blocks
 *   sockets, writes outside the work directory, starting programs and ctypes. Audit hooks are not
 *   a security boundary (C extensions bypass them); sandboxInfo() says when this mode is in use.
 *
 * Overrides: LSL_SANDBOX_ISOLATION=auto|namespaces|process, LSL_SANDBOX_PYTHON=/path/to/python3
 * (the interpreter must be readable by an unprivileged uid: a pyenv under /root is not, so
 * /usr/bin/python3 is the second choice).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execute, type Launcher } from './execute';
import { SandboxError, type IsolationMode, type SandboxInfo, type SandboxLimits } from './types';

export type IsolationRequest = 'auto' | IsolationMode;

const PROBE_ESCAPE_FILE = 'lsl-sandbox-probe-escape';

const PROBE_PROGRAM = `
import bisect, collections, decimal, fractions, functools, hashlib, heapq, itertools, json, math
import random, re, socket, string, sys, typing
with open("probe.txt", "w") as f:
    f.write("ok")
print(sys.version.split()[0])
`;

const PROBE_TESTS = `
import errno, os
def network_is_blocked():
    try:
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.settimeout(2)
        s.connect(("127.0.0.1", 9))
    except PermissionError:
        return True
    except OSError as err:
        return err.errno in (errno.ENETUNREACH, errno.EADDRNOTAVAIL)
    return False
def outside_write_is_blocked():
    try:
        open(os.path.join(os.path.dirname(os.getcwd()), "${PROBE_ESCAPE_FILE}"), "w").close()
    except OSError:
        return True
    return False
assert open("probe.txt").read() == "ok"
assert network_is_blocked()
assert outside_write_is_blocked()
`;

const PROBE_LIMITS: SandboxLimits = {
  timeoutMs: 20_000, cpuSeconds: 10, memoryMb: 1024, fileSizeMb: 1, maxProcesses: 16,
  maxCapturedBytes: 16_384, maxOutputBytes: 65_536,
};

export interface Detected { launcher: Launcher; info: SandboxInfo }

const detections = new Map<string, Promise<Detected>>();

export function parseIsolationRequest(value: string | undefined, where: string): IsolationRequest {
  const v = (value ?? 'auto').trim() || 'auto';
  if (v === 'auto' || v === 'namespaces' || v === 'process') return v;
  throw new SandboxError(`${where}: unknown sandbox isolation '${v}' (expected auto, namespaces or process)`);
}

/** Detected once per (request, python) and shared by every pool of the process. */
export function detectIsolation(request: IsolationRequest, python?: string): Promise<Detected> {
  const key = `${request}\0${python ?? ''}`;
  let p = detections.get(key);
  if (!p) {
    p = detect(request, python);
    detections.set(key, p);
    p.catch(() => detections.delete(key));
  }
  return p;
}

function findOnPath(name: string): string | null {
  const dirs = [...(process.env.PATH ?? '').split(path.delimiter), '/usr/bin', '/bin'];
  for (const dir of dirs) {
    if (!dir) continue;
    const file = path.join(dir, name);
    try {
      fs.accessSync(file, fs.constants.X_OK);
      return file;
    } catch { /* keep looking */ }
  }
  return null;
}

/** The interpreter behind `python3` on PATH (through pyenv shims), then the system one. */
function pythonCandidates(python?: string): string[] {
  if (python) return [python];
  const out: string[] = [];
  const r = spawnSync('python3', ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8', timeout: 20_000 });
  const exe = r.status === 0 ? r.stdout.trim() : '';
  if (exe && path.isAbsolute(exe)) out.push(exe);
  if (fs.existsSync('/usr/bin/python3') && !out.includes('/usr/bin/python3')) out.push('/usr/bin/python3');
  return out;
}

function describe(launcher: Launcher, pythonVersion: string, fallbackReason?: string): SandboxInfo {
  const root = process.getuid?.() === 0;
  if (launcher.isolation === 'namespaces') {
    return {
      isolation: 'namespaces', python: launcher.python, pythonVersion,
      user: root ? 'a fresh unprivileged uid per run' : 'root of a new user namespace with every capability dropped',
      network: 'new network namespace with no interface up: every connection fails',
      filesystem: 'private mount namespace: everything read-only except the run\'s temporary directory',
      processes: 'new PID namespace (all killed when the run ends), RLIMIT_NPROC, own process group',
    };
  }
  return {
    isolation: 'process', python: launcher.python, pythonVersion,
    user: root ? 'a fresh unprivileged uid per run' : 'the worker\'s own user',
    network: 'FALLBACK: sockets blocked by a Python audit hook only (no network namespace)',
    filesystem: 'FALLBACK: writes outside the temporary directory blocked by a Python audit hook only' +
      (root ? ' (and the unprivileged uid)' : ''),
    processes: 'own process group killed at the end, RLIMIT_NPROC; starting programs blocked by the audit hook',
    ...(fallbackReason ? { fallbackReason } : {}),
  };
}

async function probe(launcher: Launcher): Promise<string> {
  const escape = path.join(os.tmpdir(), PROBE_ESCAPE_FILE);
  try {
    const result = await execute(launcher, PROBE_PROGRAM, PROBE_TESTS, PROBE_LIMITS);
    if (!result.passed) throw new SandboxError(`probe ${result.status}: ${result.feedback}`);
    return result.stdout.trim();
  } finally {
    fs.rmSync(escape, { force: true });
  }
}

async function detect(request: IsolationRequest, python?: string): Promise<Detected> {
  const pythons = pythonCandidates(python);
  if (pythons.length === 0) throw new SandboxError('no python3 found for the sandbox (set LSL_SANDBOX_PYTHON)');
  const modes: IsolationMode[] = request === 'auto' ? ['namespaces', 'process'] : [request];
  const failures: string[] = [];
  let namespacesFailure: string | undefined = request === 'process' ? 'process mode requested (LSL_SANDBOX_ISOLATION or the pool option)' : undefined;
  for (const isolation of modes) {
    let unshare: string | undefined;
    if (isolation === 'namespaces') {
      unshare = findOnPath('unshare') ?? undefined;
      if (!unshare) {
        failures.push('namespaces: `unshare` (util-linux) not found');
        namespacesFailure = failures.join('; ');
        continue;
      }
    }
    for (const py of pythons) {
      const launcher: Launcher = { isolation, python: py, unshare };
      try {
        const version = await probe(launcher);
        return { launcher, info: describe(launcher, version, isolation === 'process' ? namespacesFailure : undefined) };
      } catch (err) {
        failures.push(`${isolation} with ${py}: ${(err as Error).message.replace(/\s*\n\s*/g, ' | ').slice(0, 400)}`);
      }
    }
    if (isolation === 'namespaces') namespacesFailure = failures.join('; ');
  }
  throw new SandboxError(`no working sandbox on this machine: ${failures.join('; ')}`);
}
