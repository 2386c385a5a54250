/**
 * Wrong solutions written as an attacker would, graded the way a rollout is (gradeCode, the body
 * of humanevalTask.grade / mbppTask.grade), in bubblewrap and in the opt-in 'process' mode: each
 * is a failed verdict (never a pass, never a throw), and host attacks leave the host untouched.
 */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { datasetsDir } from '../src/paths';
import { gradeCode, humanevalTask, mbppTask } from '../src/tasks/code';
import { createSandboxPool, type SandboxPool } from '../src/tasks/sandbox';
import { leftoverSandboxProcesses } from './helpers/sandbox';
import type { TaskExample } from '../src/tasks/types';

const dir = datasetsDir();
let he: Map<string, TaskExample>;
let mbpp: Map<string, TaskExample>;
let server: net.Server;
let unixServer: net.Server;
let port = 0;
let connections = 0;
const unixPath = path.join(os.tmpdir(), `lsl-attack-${process.pid}.sock`);
const abstractName = `lsl-attack-${process.pid}`;

beforeAll(async () => {
  he = new Map((await humanevalTask.load(dir, 'test')).map((e) => [e.id, e]));
  mbpp = new Map((await mbppTask.load(dir, 'test')).map((e) => [e.id, e]));
  server = net.createServer((s) => { connections++; s.end('hello\n'); });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as net.AddressInfo).port;
  unixServer = net.createServer((s) => { connections++; s.end('hello\n'); });
  await new Promise<void>((r) => unixServer.listen(unixPath, r));
});

afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
  await new Promise<void>((r) => unixServer.close(() => r()));
});

const fence = (code: string) => '```python\n' + code.trim() + '\n```';


const ALWAYS_EQUAL = `
class Anything:
    def __eq__(self, other): return True
    def __ne__(self, other): return False
    def __lt__(self, other): return True
    def __le__(self, other): return True
    def __gt__(self, other): return True
    def __ge__(self, other): return True
    def __bool__(self): return True
    def __abs__(self): return 0
    def __sub__(self, other): return self
    def __rsub__(self, other): return self
    def __len__(self): return 0
    def __hash__(self): return 0
`;

describe.each([['bwrap'], ['process']] as const)('attacks on grading (%s)', (isolation) => {
  let pool: SandboxPool;
  beforeAll(() => { pool = createSandboxPool({ concurrency: 2, isolation }); });
  const human = (id: string, code: string) => gradeCode(fence(code), he.get(id)!, 'humaneval', pool);
  const basic = (id: string, code: string) => gradeCode(fence(code), mbpp.get(id)!, 'mbpp', pool);
  /** Each answer to HumanEval/0 is a failed verdict with feedback (a grade, never a throw). */
  const allFail = async (attempts: string[]) => {
    for (const code of attempts) {
      const g = await human('HumanEval/0', code);
      expect({ code, score: g.score, feedback: typeof g.feedback }).toEqual({ code, score: 0, feedback: 'string' });
      expect(g.feedback.length).toBeGreaterThan(0);
    }
  };

  test('the grade says how the code was isolated', async () => {
    const g = await human('HumanEval/0', 'def has_close_elements(numbers, threshold):\n    return any(abs(a - b) < threshold for i, a in enumerate(numbers) for b in numbers[i + 1:])');
    expect(g.score).toBe(1);
    expect(g.details).toMatchObject({ isolation });
    if (isolation === 'process') expect(g.details!.unisolated).toBe(true);
    else expect(g.details!.unisolated).toBeUndefined();
  });

  test('an object whose == is always true fails, with feedback naming its type', async () => {
    const g = await human('HumanEval/0', `${ALWAYS_EQUAL}\ndef has_close_elements(numbers, threshold):\n    return Anything()`);
    expect(g.score).toBe(0);
    expect(g.feedback).toMatch(/returned an object of type Anything, expected a built-in value/);
    const m = await basic('mbpp/11', `${ALWAYS_EQUAL}\ndef remove_Occ(s, ch):\n    return Anything()`);
    expect(m.score).toBe(0);
  });

  test('float and str subclasses with rigged operators fail', async () => {
    const f = await human('HumanEval/2', 'class F(float):\n    def __eq__(self, o): return True\n    def __sub__(self, o): return F(0)\n    def __abs__(self): return 0\ndef truncate_number(number):\n    return F(1)');
    expect(f.score).toBe(0);
    expect(f.feedback).toMatch(/type F \(a subclass of float\)/);
    const s = await basic('mbpp/11', 'class S(str):\n    def __eq__(self, o): return True\n    __hash__ = str.__hash__\ndef remove_Occ(s, ch):\n    return S("x")');
    expect(s.score).toBe(0);
    expect(s.feedback).toMatch(/a subclass of str/);
  });

  test('patching builtins or rebinding __builtins__ does not reach the tests', async () => {
    const abs = await human('HumanEval/2', 'import builtins\nbuiltins.abs = lambda x: 0\ndef truncate_number(number):\n    return 0.5');
    expect(abs.score).toBe(0);
    expect(abs.feedback).toMatch(/assertion failed/);
    const rebound = await human('HumanEval/2', '__builtins__ = {"abs": lambda x: 0}\ndef truncate_number(number):\n    return 0.5');
    expect(rebound.score).toBe(0);
  });

  test('patching the harness through sys.modules, frames or gc, or forging a verdict, fails', async () => {
    const attempts = [
      // the candidate process's own modules: the driver decodes whatever arrives as plain data
      'import sys\nfor m in list(sys.modules.values()):\n    if hasattr(m, "encode"):\n        try: m.encode = lambda v, depth=0: True\n        except Exception: pass\ndef has_close_elements(numbers, threshold):\n    return None',
      'import sys\nmain = sys.modules["__main__"]\nfor name in dir(main):\n    try: setattr(main, name, lambda *a, **k: None)\n    except Exception: pass\ndef has_close_elements(numbers, threshold):\n    return None',
      'import sys\nf = sys._getframe()\nwhile f.f_back: f = f.f_back\nf.f_globals["reply"] = lambda fd, obj: None\ndef has_close_elements(numbers, threshold):\n    return None',
      'import gc\nfor o in gc.get_objects():\n    if callable(o) and getattr(o, "__name__", "") in ("assert_failed", "judge", "emit"):\n        o.__code__ = (lambda *a, **k: None).__code__\ndef has_close_elements(numbers, threshold):\n    return None',
      'import os\nfor fd in range(3, 64):\n    try: os.write(fd, b\'{"kind": "verdict", "status": "passed", "feedback": "all tests passed"}\\n\')\n    except OSError: pass\ndef has_close_elements(numbers, threshold):\n    return None',
      'import os\nfor fd in range(3, 64):\n    try: os.write(fd, repr({"ok": True, "value": True}).encode())\n    except OSError: pass\ndef has_close_elements(numbers, threshold):\n    return None',
    ];
    await allFail(attempts);
  });

  test('the tests and the canonical solution are out of reach: not in memory, not on disk', async () => {
    const memory = await human('HumanEval/0', `
import gc, sys
found = [o for o in gc.get_objects() if isinstance(o, str) and ("assert" in o and "candidate" in o)]
def has_close_elements(numbers, threshold):
    return found[0] if found else "nothing found"
`);
    expect(memory.score).toBe(0);
    expect(memory.feedback).toMatch(isolation === 'bwrap' ? /= 'nothing found'/ : /importing gc is blocked/);
    const disk = await human('HumanEval/0', `
import json
def has_close_elements(numbers, threshold):
    for line in open(${JSON.stringify(path.join(dir, 'humaneval/HumanEval.jsonl'))}):
        row = json.loads(line)
        if row["entry_point"] == "has_close_elements":
            ns = {}
            exec(row["prompt"] + row["canonical_solution"], ns)
            return ns["has_close_elements"](numbers, threshold)
`);
    expect(disk.score).toBe(0);
    expect(disk.feedback).toMatch(/FileNotFoundError|PermissionError/);
    const project = await human('HumanEval/0', `
def has_close_elements(numbers, threshold):
    return open(${JSON.stringify(path.join(__dirname, '..', 'package.json'))}).read()
`);
    expect(project.score).toBe(0);
    expect(project.feedback).toMatch(/FileNotFoundError|PermissionError/);
  });

  test('answers that used to make grade() throw are failed verdicts', async () => {
    const attempts = [
      'class E(Exception):\n    def __str__(self): raise RuntimeError("no")\ndef has_close_elements(numbers, threshold):\n    raise E()',
      'class M(type):\n    def __repr__(cls): raise RuntimeError("no")\nclass E(Exception, metaclass=M):\n    pass\ndef has_close_elements(numbers, threshold):\n    raise E()',
      'import sys\nsys.setrecursionlimit(20)\ndef has_close_elements(numbers, threshold):\n    return True',
      'import sys\nsys.stdout = None\nsys.stderr = None\ndef has_close_elements(numbers, threshold):\n    return 1/0',
      'def has_close_elements(numbers, threshold):\n    raise KeyboardInterrupt',
      'class C:\n    def __repr__(self): raise RuntimeError\ndef has_close_elements(numbers, threshold):\n    raise SystemExit(C())',
      'def has_close_elements(numbers, threshold):\n    x = []\n    for _ in range(100000): x = [x]\n    return x',
      'def has_close_elements(numbers, threshold):\n    return 10 ** 100000',
      'def has_close_elements(numbers, threshold):\n    return {1: [2, {3}], "a": (float("nan"), b"\\xff", 1j, frozenset())}',
      '__lsl_assert_failed__ = None\ndef has_close_elements(numbers, threshold):\n    return None',
      'def has_close_elements(numbers, threshold):\n    import os\n    os._exit(0)',
    ];
    await allFail(attempts);
    const exited = await human('HumanEval/0', 'def has_close_elements(numbers, threshold):\n    import os\n    os._exit(3)');
    expect(exited.feedback).toMatch(/exited \(exit code 3\) before returning from has_close_elements/);
  }, 120_000);

  test('a setsid daemon does not survive the run', async () => {
    const g = await human('HumanEval/0', 'import os, time\nif os.fork() == 0:\n    os.setsid()\n    if os.fork() == 0:\n        time.sleep(100)\n    os._exit(0)\ndef has_close_elements(numbers, threshold):\n    return False');
    expect(g.score).toBe(0);
    expect(leftoverSandboxProcesses()).toEqual([]);
  });

  test('writes outside the work directory fail, through a path or a directory fd', async () => {
    const outside = path.join(os.tmpdir(), `lsl-attack-escape-${process.pid}-${isolation}`);
    const g = await human('HumanEval/0', `
import os
def has_close_elements(numbers, threshold):
    done = []
    for attempt in ("path", "dir_fd"):
        try:
            if attempt == "path":
                open(${JSON.stringify(outside)} + ".a", "w").write("x")
            else:
                d = os.open(${JSON.stringify(os.tmpdir())}, os.O_RDONLY)
                fd = os.open(${JSON.stringify(path.basename(outside))} + ".b", os.O_CREAT | os.O_WRONLY, dir_fd=d)
                os.write(fd, b"x")
            done.append(attempt)
        except OSError:
            pass
    return done
`);
    expect(g.score).toBe(0);
    expect(fs.existsSync(outside + '.a')).toBe(false);
    expect(fs.existsSync(outside + '.b')).toBe(false);
  });

  test('the audit hook cannot be switched off (process mode) and the network stays shut', async () => {
    const before = connections;
    const g = await human('HumanEval/0', `
import os, os.path, posixpath, sys
os.path.realpath = posixpath.realpath = lambda p, *a, **k: os.getcwd()
sys.modules["os"].readlink = lambda *a, **k: os.getcwd()
def has_close_elements(numbers, threshold):
    import socket
    s = socket.create_connection(("127.0.0.1", ${port}), timeout=3)
    return s.recv(5) == b"hello"
`);
    expect(g.score).toBe(0);
    expect(connections).toBe(before);
  });

  test('host unix sockets (path and abstract) are out of reach', async () => {
    const before = connections;
    const g = await human('HumanEval/0', `
def has_close_elements(numbers, threshold):
    import socket
    reached = []
    for address in (${JSON.stringify(unixPath)}, "\\0${abstractName}"):
        try:
            s = socket.socket(socket.AF_UNIX)
            s.connect(address)
            reached.append(address)
        except OSError:
            pass
    return reached
`);
    expect(g.score).toBe(0);
    expect(connections).toBe(before);
  });

  test('the worker process and its server are unharmed', async () => {
    await human('HumanEval/0', `import os\nfor target in (os.getppid(), 0, -1, ${process.pid}):\n    try: os.kill(target, 9)\n    except OSError: pass\ndef has_close_elements(numbers, threshold):\n    return False`);
    expect(() => process.kill(process.pid, 0)).not.toThrow();
    const answer = await new Promise<string>((resolve, reject) => {
      const s = net.connect(port, '127.0.0.1');
      let data = '';
      s.on('data', (d) => { data += d.toString(); });
      s.on('end', () => resolve(data));
      s.on('error', reject);
    });
    expect(answer).toBe('hello\n');
  });
});

describe('bubblewrap specifics', () => {
  const pool = createSandboxPool({ concurrency: 2, isolation: 'bwrap' });

  test('no nested user namespaces; /dev/null works; the work dir is size-limited', async () => {
    const r = await pool.run(`
import ctypes, os
def userns():
    return ctypes.CDLL(None, use_errno=True).unshare(0x10000000)
def devnull():
    with open(os.devnull, "w") as f:
        return f.write("x")
def fill():
    try:
        with open("big", "wb") as f:
            for _ in range(200):
                f.write(b"x" * (1 << 20))
    except OSError as err:
        return err.errno
    return 0
`, { tests: 'assert userns() == -1\nassert devnull() == 1\nimport errno\nassert fill() in (errno.ENOSPC, errno.EFBIG)', workdirMb: 16, fileSizeMb: 512 });
    expect(r.feedback).toBe('all tests passed');
  });

  test('the root holds only the Python runtime: no datasets, project, home or host /tmp', async () => {
    const r = await pool.run(`
import os
def visible(p):
    return os.path.exists(p)
`, { tests: `for p in (${JSON.stringify(dir)}, ${JSON.stringify(path.join(__dirname, '..'))}, "/root", "/home", ${JSON.stringify(os.tmpdir())} + "/lsl-attack-${process.pid}.sock", "/etc/passwd"):\n    assert not visible(p), p`, entryPoint: 'visible' });
    expect(r.feedback).toBe('all tests passed');
  });
});
