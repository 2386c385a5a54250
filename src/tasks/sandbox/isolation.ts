/**
 * Chooses, once per process, how the sandbox isolates programs, and checks that the isolation
 * holds by running a probe through the real sandbox:
 *
 * - 'bwrap' (the default, and the only real isolation): bubblewrap puts the program's process in
 *   new user, mount, PID, network, IPC, UTS and cgroup namespaces, with no nested user namespaces
 *   (--disable-userns), a read-only root holding only the Python runtime (no datasets, project,
 *   home, LSL_HOME or host /tmp), a size-limited tmpfs as its work directory, a minimal /dev,
 *   --die-with-parent and --new-session, under the driver's rlimits and a fresh uid.
 * - 'process' (explicit opt-in only: LSL_SANDBOX_ISOLATION=process): a plain process with the
 *   same rlimits and a Python audit hook (guard.py). That is not isolation; every grade and
 *   summary then says the code ran unisolated.
 *
 * Without a working bubblewrap, grading refuses to start (a SandboxError saying how to fix it).
 * Overrides: LSL_SANDBOX_ISOLATION=bwrap|process, LSL_SANDBOX_PYTHON=/path/to/python3 (default
 * /usr/bin/python3: its runtime must be mountable on its own, which a pyenv under /root is not).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { execute, type Launcher } from './execute';
import { SandboxError, type IsolationMode, type SandboxInfo, type SandboxLimits } from './types';

export type IsolationRequest = IsolationMode;

const PROBE_PROGRAM = `
import bisect, collections, decimal, fractions, functools, hashlib, heapq, itertools, json, math
import errno, os, random, re, string, sys, typing
def version():
    return sys.version.split()[0]
def work_dir_is_writable():
    with open("probe.txt", "w") as f:
        f.write("ok")
    return open("probe.txt").read() == "ok" and open(os.devnull, "w").write("x") == 1
def network_is_blocked():
    import socket
    try:
        socket.create_connection(("1.1.1.1", 53), timeout=2)
    except OSError as err:
        return err.errno in (errno.ENETUNREACH, errno.EADDRNOTAVAIL, errno.ECONNREFUSED, errno.EHOSTUNREACH)
    return False
def outside_write_is_blocked():
    try:
        open("/lsl-sandbox-probe-escape", "w").close()
    except OSError:
        return True
    return False
def nested_user_namespaces_are_blocked():
    import ctypes
    return ctypes.CDLL(None, use_errno=True).unshare(0x10000000) != 0
`;

/** What the probe asserts: all of it under bubblewrap; in 'process' mode only that programs run. */
const PROBE_TESTS: Record<IsolationMode, string> = {
  bwrap: `
assert work_dir_is_writable()
assert network_is_blocked()
assert outside_write_is_blocked()
assert nested_user_namespaces_are_blocked()
print(version())
`,
  process: `
assert work_dir_is_writable()
print(version())
`,
};

const PROBE_LIMITS: SandboxLimits = {
  timeoutMs: 20_000, cpuSeconds: 10, memoryMb: 1024, fileSizeMb: 1, workdirMb: 8, maxProcesses: 16,
  maxCapturedBytes: 16_384, maxOutputBytes: 65_536,
};

export interface Detected { launcher: Launcher; info: SandboxInfo }

const detections = new Map<string, Promise<Detected>>();

export function parseIsolationRequest(value: string | undefined, where: string): IsolationRequest {
  const v = (value ?? 'bwrap').trim() || 'bwrap';
  if (v === 'bwrap' || v === 'process') return v;
  throw new SandboxError(`${where}: unknown sandbox isolation '${v}' (expected bwrap, or process to run code unisolated)`);
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

/**
 * bubblewrap mounts for the interpreter alone: its executable (at the same path), its standard
 * library, and the directories of the shared libraries it and its C extensions load (from ldd).
 */
export function runtimeMounts(python: string): string[] {
  const r = spawnSync(python, ['-S', '-c',
    'import json, os, sys, sysconfig; p = sysconfig.get_paths(); ' +
    'print(json.dumps([os.path.realpath(sys.executable), p["stdlib"], p["platstdlib"], sysconfig.get_config_var("DESTSHARED") or ""]))'],
  { encoding: 'utf8', timeout: 20_000 });
  if (r.status !== 0) throw new SandboxError(`cannot run the sandbox python ${python}: ${(r.stderr || r.error?.message || '').trim()}`);
  const [exe, stdlib, platstdlib, dynload] = JSON.parse(r.stdout) as string[];
  const objects = [exe];
  if (dynload && fs.existsSync(dynload)) {
    for (const f of fs.readdirSync(dynload)) if (f.endsWith('.so')) objects.push(path.join(dynload, f));
  }
  const libDirs = new Set<string>();
  const ldd = spawnSync('ldd', objects, { encoding: 'utf8', timeout: 20_000 });
  for (const m of (ldd.stdout ?? '').matchAll(/(?:=>\s*)?(\/\S+\.so[.\d]*)\s+\(0x/g)) libDirs.add(path.dirname(m[1]));
  if (libDirs.size === 0) throw new SandboxError(`cannot list the shared libraries of ${exe} (ldd: ${(ldd.stderr || ldd.error?.message || '').trim()})`);
  const mounts: string[] = [];
  const bind = (p: string) => { if (p && fs.existsSync(p)) mounts.push('--ro-bind', fs.realpathSync(p), p); };
  const dirs = [...new Set([stdlib, platstdlib, dynload, ...libDirs])].sort();
  // A directory inside another one already bound needs no mount of its own.
  const top = dirs.filter((d) => !dirs.some((o) => o !== d && d.startsWith(o + '/')));
  for (const d of top) bind(d);
  bind(exe);
  if (python !== exe) bind(python);
  return mounts;
}

function describe(launcher: Launcher, pythonVersion: string): SandboxInfo {
  const root = process.getuid?.() === 0;
  if (launcher.isolation === 'bwrap') {
    return {
      isolation: 'bwrap', unisolated: false, python: launcher.python, pythonVersion,
      user: root ? 'a fresh unprivileged uid per run, in its own user namespace (no nested ones)' : 'the worker\'s uid in its own user namespace (no nested ones)',
      network: 'bubblewrap: a new network namespace (loopback only): nothing outside it is reachable',
      filesystem: 'bubblewrap: a read-only root holding only the Python runtime, a size-limited tmpfs work directory, /proc and a minimal /dev',
      processes: 'bubblewrap: a new PID namespace killed with the run (--die-with-parent, --new-session), RLIMIT_NPROC',
    };
  }
  return {
    isolation: 'process', unisolated: true, python: launcher.python, pythonVersion,
    user: root ? 'UNISOLATED: a fresh unprivileged uid per run' : 'UNISOLATED: the worker\'s own user',
    network: 'UNISOLATED: sockets blocked by a Python audit hook only',
    filesystem: 'UNISOLATED: the host filesystem is readable; writes outside the work directory blocked by a Python audit hook only',
    processes: 'UNISOLATED: every process of the run\'s uid (or group) killed at the end, RLIMIT_NPROC; starting programs blocked by the audit hook',
  };
}

async function probe(launcher: Launcher): Promise<string> {
  const result = await execute(launcher, PROBE_PROGRAM, { tests: PROBE_TESTS[launcher.isolation], entryPoint: 'version' }, PROBE_LIMITS);
  if (!result.passed) throw new SandboxError(`probe ${result.status}: ${result.feedback}${result.stderr ? ` (stderr: ${result.stderr.trim().slice(0, 300)})` : ''}`);
  return result.stdout.trim();
}

async function detect(request: IsolationRequest, python?: string): Promise<Detected> {
  const py = python ?? (fs.existsSync('/usr/bin/python3') ? '/usr/bin/python3' : findOnPath('python3'));
  if (!py) throw new SandboxError('no python3 found for the sandbox (install python3, or set LSL_SANDBOX_PYTHON)');
  let launcher: Launcher;
  if (request === 'bwrap') {
    const bwrap = findOnPath('bwrap');
    if (!bwrap) {
      throw new SandboxError('code grading needs bubblewrap (`bwrap`), which is not installed: run scripts/setup.sh ' +
        '(Debian: apt-get install bubblewrap), or set LSL_SANDBOX_ISOLATION=process to run model code UNISOLATED');
    }
    launcher = { isolation: 'bwrap', python: py, bwrap, runtimeMounts: runtimeMounts(py) };
  } else {
    launcher = { isolation: 'process', python: py };
  }
  try {
    return { launcher, info: describe(launcher, await probe(launcher)) };
  } catch (err) {
    const why = (err as Error).message.replace(/\s*\n\s*/g, ' | ').slice(0, 600);
    throw new SandboxError(`the ${request} sandbox does not work on this machine with ${py}: ${why}` +
      (request === 'bwrap' ? ' (bubblewrap needs unprivileged user namespaces; LSL_SANDBOX_ISOLATION=process runs model code UNISOLATED)' : ''));
  }
}
