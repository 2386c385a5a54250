/**
 * Hostile programs against the real sandbox (real python3 processes), under bubblewrap and in the
 * opt-in 'process' mode: each gets a clear verdict and the worker (this Node process, and a server
 * it runs) is unharmed. The attacks on the verdict itself are in sandbox-attacks.test.ts.
 */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createSandboxPool, type SandboxPool } from '../src/tasks/sandbox';
import { leftoverSandboxProcesses } from './helpers/sandbox';

const SECRET = 'sk-lsl-test-secret-4f9c2a7e';

let server: net.Server;
let port = 0;
let connections = 0;

beforeAll(async () => {
  process.env.OPENAI_API_KEY = SECRET;
  server = net.createServer((socket) => {
    connections++;
    socket.end('hello\n');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as net.AddressInfo).port;
});

afterAll(async () => {
  delete process.env.OPENAI_API_KEY;
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

/** The worker's own server still answers: nothing the program did reached outside. */
async function serverStillAnswers(): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1');
    let data = '';
    s.on('data', (d) => { data += d.toString(); });
    s.on('end', () => resolve(data));
    s.on('error', reject);
  });
}


describe.each([['bwrap'], ['process']] as const)('sandbox isolation (%s)', (isolation) => {
  let pool: SandboxPool;
  beforeAll(() => { pool = createSandboxPool({ concurrency: 2, isolation }); });

  test('reports which isolation it uses', async () => {
    const info = await pool.info();
    expect(info.isolation).toBe(isolation);
    expect(info.unisolated).toBe(isolation === 'process');
    expect(info.network).toMatch(isolation === 'process' ? /UNISOLATED/ : /network namespace/);
    expect(info.pythonVersion).toMatch(/^3\.\d+\.\d+/);
  });

  test('an infinite loop is stopped by the CPU limit', async () => {
    const r = await pool.run('while True:\n    pass\n', { tests: 'assert True', cpuSeconds: 1, timeoutMs: 15_000 });
    expect(r.status).toBe('timeout');
    expect(r.feedback).toMatch(/^CPU time limit of 1 s exceeded while loading the program/);
    expect(r.durationMs).toBeLessThan(10_000);
  });

  test('a sleeping program is killed at the wall-clock timeout', async () => {
    const r = await pool.run('import time\ntime.sleep(60)\n', { timeoutMs: 1000 });
    expect(r.status).toBe('timeout');
    expect(r.feedback).toMatch(/^timed out after 1 s/);
    expect(r.durationMs).toBeLessThan(5000);
  });

  test('a memory bomb gets an oom verdict', async () => {
    const big = await pool.run('x = bytearray(64 * 1024 ** 3)\n', { memoryMb: 512 });
    expect(big.status).toBe('oom');
    expect(big.feedback).toMatch(/MemoryError.*512 MB/);
    const growing = await pool.run('chunks = []\nwhile True:\n    chunks.append(bytearray(10 ** 7))\n', { memoryMb: 256 });
    expect(growing.status).toBe('oom');
  });

  test('a fork bomb hits the process limit and leaves nothing behind', async () => {
    const r = await pool.run('import os\nwhile True:\n    os.fork()\n', { tests: 'assert True', maxProcesses: 16, timeoutMs: 20_000 });
    expect(r.status).toBe('error');
    expect(r.feedback).toMatch(isolation === 'bwrap' ? /BlockingIOError|Resource temporarily unavailable/ : /starting programs is blocked/);
    expect(leftoverSandboxProcesses()).toEqual([]);
  });

  test('a daemon the program leaves behind (new session, still sleeping) is killed with the run', async () => {
    const program = 'import os, time\nif os.fork() == 0:\n    os.setsid()\n    time.sleep(100)\n';
    const r = await pool.run(program, { tests: 'assert True', timeoutMs: 20_000 });
    expect(r.status).toBe(isolation === 'bwrap' ? 'passed' : 'error');
    expect(r.durationMs).toBeLessThan(10_000);
    expect(leftoverSandboxProcesses()).toEqual([]);
  });

  test('writes outside the work directory fail, inside it they work', async () => {
    const outside = path.join(os.tmpdir(), `lsl-sandbox-escape-${process.pid}-${isolation}`);
    const inRepo = path.join(__dirname, `lsl-sandbox-escape-${process.pid}.txt`);
    const program = `
def write(target):
    try:
        with open(target, "w") as f:
            f.write("x")
        return "written"
    except OSError as err:
        return "refused"
`;
    const r = await pool.run(program, {
      tests: `assert write("inside.txt") == "written"\nassert write(${JSON.stringify(outside)}) == "refused"\nassert write(${JSON.stringify(inRepo)}) == "refused"`,
    });
    expect(r.feedback).toBe('all tests passed');
    expect(fs.existsSync(outside)).toBe(false);
    expect(fs.existsSync(inRepo)).toBe(false);
  });

  test('the environment is stripped: no API key, only what Python needs', async () => {
    expect(process.env.OPENAI_API_KEY).toBe(SECRET);
    const r = await pool.run('import os\ndef names():\n    return sorted(os.environ)\ndef home_is_cwd():\n    return os.environ["HOME"] == os.getcwd()\nprint(os.environ.get("OPENAI_API_KEY"))\n', {
      tests: 'assert "OPENAI_API_KEY" not in names()\nassert home_is_cwd()\nprint(names())',
    });
    expect(r.status).toBe('passed');
    expect(r.stdout).not.toContain(SECRET);
    const names = JSON.parse(r.stdout.trim().split('\n').pop()!.replace(/'/g, '"')) as string[];
    expect(names.every((n) => ['PATH', 'LANG', 'PYTHONHASHSEED', 'PYTHONDONTWRITEBYTECODE', 'PYTHONIOENCODING', 'HOME', 'TMPDIR', 'LC_CTYPE', 'PWD'].includes(n))).toBe(true);
    expect(names).toEqual(expect.arrayContaining(['PATH', 'HOME', 'PYTHONHASHSEED']));
  });

  test('a network connection to a server the worker runs fails', async () => {
    const before = connections;
    const r = await pool.run(`import socket\ns = socket.create_connection(("127.0.0.1", ${port}), timeout=3)\nprint(s.recv(10))\n`);
    expect(r.status).toBe('error');
    expect(r.feedback).toMatch(isolation === 'bwrap' ? /Connection refused|Network is unreachable/ : /importing socket is blocked/);
    expect(connections).toBe(before);
    expect(await serverStillAnswers()).toBe('hello\n');
    expect(connections).toBe(before + 1);
  });

  test('100 MB of output is cut off, the first 64 KiB kept', async () => {
    const r = await pool.run('import sys\nchunk = "x" * (1 << 20)\nfor _ in range(100):\n    sys.stdout.write(chunk)\n');
    expect(r.status).toBe('output_limit');
    expect(r.feedback).toMatch(/more than \d+ bytes of output/);
    expect(r.stdout.length).toBe(64 * 1024);
    expect(r.stdoutTruncated).toBe(true);
  });

  test('killing its parent, its group or everything it can does not reach the worker', async () => {
    const attempts = [
      'import os\nos.kill(os.getppid(), 9)\n',
      'import os\nos.kill(0, 9)\n',
      'import os\nos.kill(-1, 9)\n',
      `import os\nos.kill(${process.pid}, 9)\n`,
    ];
    for (const program of attempts) {
      const r = await pool.run(program, { tests: 'assert True' });
      expect(['passed', 'error', 'failed']).toContain(r.status);
      expect(r.feedback.length).toBeGreaterThan(0);
    }
    // os.kill(<worker pid>) must not have landed: the worker, and its server, still run.
    expect(() => process.kill(process.pid, 0)).not.toThrow();
    expect(await serverStillAnswers()).toBe('hello\n');
  });
});
