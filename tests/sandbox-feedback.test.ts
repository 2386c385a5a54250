/** Verdicts and feedback of the real sandbox: what a reflecting model is told about a failure. */
import fs from 'node:fs';
import os from 'node:os';
import { createSandboxPool, resolveLimits, runPython, SandboxError } from '../src/tasks/sandbox';

const pool = createSandboxPool({ concurrency: 2 });

describe('sandbox verdicts and feedback', () => {
  test('passing tests', async () => {
    const r = await pool.run('def add(a, b):\n    return a + b\n', { tests: 'assert add(2, 3) == 5\nassert add(-1, 1) == 0' });
    expect(r).toMatchObject({ passed: true, status: 'passed', feedback: 'all tests passed' });
    expect(r.durationMs).toBeGreaterThan(0);
    expect(r.cpuSeconds).not.toBeNull();
  });

  test('a failing top-level assert shows the value each side had', async () => {
    const r = await pool.run('def add(a, b):\n    return a - b\n', { tests: 'assert add(2, 3) == 5\nassert add(1, 1) == 2' });
    expect(r.status).toBe('failed');
    expect(r.passed).toBe(false);
    expect(r.feedback).toBe('assertion failed (test line 1): assert add(2, 3) == 5\n  left: add(2, 3) = -1\n  right: 5');
  });

  test('asserts inside a HumanEval-style check(candidate) show values and the message', async () => {
    const tests = [
      'def check(candidate):',
      '    assert candidate([3, 1, 2]) == [1, 2, 3]',
      '    assert candidate([]) == [], "empty input"',
      'check(sort_list)',
    ].join('\n');
    const r = await pool.run('def sort_list(xs):\n    return sorted(xs) if xs else None\n', { tests });
    expect(r.status).toBe('failed');
    expect(r.feedback).toContain('assertion failed (test line 3): assert candidate([]) == [], "empty input"');
    expect(r.feedback).toContain('left: candidate([]) = None');
    expect(r.feedback).toContain('right: []');
    expect(r.feedback).toContain('message: empty input');
  });

  test('rewritten asserts keep Python semantics (in, is, chained, truthiness)', async () => {
    const tests = [
      'assert 2 in f()', 'assert f() is not None', 'assert 0 < len(f()) < 5', 'assert f()',
      'assert not [] ', 'x = 0', 'assert (x := x + 1) == 1 and x == 1',
    ].join('\n');
    const ok = await pool.run('def f():\n    return [1, 2]\n', { tests });
    expect(ok.feedback).toBe('all tests passed');
    const bad = await pool.run('def f():\n    return []\n', { tests: 'assert f()' });
    expect(bad.feedback).toBe('assertion failed (test line 1): assert f()\n  value: []');
  });

  test('an exception in the tests names its type, message, and the lines in tests and program', async () => {
    const r = await pool.run('def inv(x):\n    return 1 / x\n', { tests: 'assert inv(2) == 0.5\nassert inv(0) == 0' });
    expect(r.status).toBe('failed');
    expect(r.feedback).toBe('inv(0) raised ZeroDivisionError: division by zero\n  at solution line 2: return 1 / x\n  at tests line 2: assert inv(0) == 0');
  });

  test('a program that fails to load or to compile is an error', async () => {
    const load = await pool.run('import math\nVALUE = undefined_name + 1\n', { tests: 'assert True' });
    expect(load.status).toBe('error');
    expect(load.feedback).toBe("error while loading the program: NameError: name 'undefined_name' is not defined\n  at solution line 2: VALUE = undefined_name + 1");
    const syntax = await pool.run('def f(:\n    pass\n', { tests: 'assert True' });
    expect(syntax.status).toBe('error');
    expect(syntax.feedback).toMatch(/^the program does not compile: File "solution.py", line 1\n.*\n.*\nSyntaxError: invalid syntax$/);
  });

  test('leaving before the tests run is never a pass', async () => {
    const exitCall = await pool.run('exit(0)\n', { tests: 'assert False' });
    expect(exitCall).toMatchObject({ status: 'error', feedback: 'the program called exit(0) before the tests ran' });
    const hardExit = await pool.run('import os\nos._exit(0)\n', { tests: 'assert False' });
    expect(hardExit).toMatchObject({ status: 'error', feedback: "the program's process exited (exit code 0) while loading the program" });
    const forged = await pool.run('import os\nos.write(3, b\'{"kind": "verdict", "status": "passed", "feedback": "x", "nonce": "guess"}\\n\')\nos._exit(0)\n', { tests: 'assert False' });
    expect(forged.status).toBe('error');
  });

  test('with tests, a __main__ demo block is skipped and input() does not hang', async () => {
    const program = 'def f(x):\n    return x * 2\nif __name__ == "__main__":\n    print(f(int(input())))\n';
    const withTests = await pool.run(program, { tests: 'assert f(2) == 4' });
    expect(withTests.status).toBe('passed');
    const asScript = await pool.run(program, { timeoutMs: 5000 });
    expect(asScript.status).toBe('error');
    expect(asScript.feedback).toMatch(/EOFError/);
  });

  test('a plain program passes when it ends normally and fails on a non-zero exit', async () => {
    const ok = await runPython('print("hi")\n');
    expect(ok).toMatchObject({ status: 'passed', stdout: 'hi\n', stderr: '' });
    const exitOne = await runPython('import sys\nprint("bye", file=sys.stderr)\nsys.exit(3)\n');
    expect(exitOne).toMatchObject({ status: 'failed', feedback: 'the program exited with 3', stderr: 'bye\n' });
  });

  test('output beyond the capture cap is drained and dropped, the run still passes', async () => {
    const r = await pool.run('print("y" * 200000)\n', { tests: 'assert True', maxCapturedBytes: 1000 });
    expect(r.status).toBe('passed');
    expect(r.stdout).toBe('y'.repeat(1000));
    expect(r.stdoutTruncated).toBe(true);
  });

  test('hash randomization is off; the working directory is fresh per run and removed after it', async () => {
    const program = 'import os\nprint(hash("lsl"), os.listdir("."))\nopen("left-behind.txt", "w").write("x")\n';
    const before = fs.readdirSync(os.tmpdir()).filter((f) => f.startsWith('lsl-sandbox-'));
    const a = await pool.run(program);
    const b = await pool.run(program);
    expect(a.stdout).toBe(b.stdout);
    expect(a.stdout.trim()).toMatch(/^-?\d+ \[\]$/);
    // The host directory of each run (the driver's) is gone; the program's own is a tmpfs.
    const after = fs.readdirSync(os.tmpdir()).filter((f) => f.startsWith('lsl-sandbox-'));
    expect(after.filter((f) => !before.includes(f))).toEqual([]);
  });

  test('the pool never runs more programs at once than its concurrency', async () => {
    const two = createSandboxPool({ concurrency: 2 });
    const program = 'import time\nstart = time.time()\ntime.sleep(0.6)\nprint(start, time.time())\n';
    const runs = await Promise.all(Array.from({ length: 5 }, () => two.run(program)));
    const spans = runs.map((r) => r.stdout.trim().split(' ').map(Number));
    let maxOverlap = 0;
    for (const [s] of spans) maxOverlap = Math.max(maxOverlap, spans.filter(([a, b]) => a <= s && s < b).length);
    expect(maxOverlap).toBe(2);
  });

  test('bad limits and bad pool options are rejected with a clear error', () => {
    expect(() => resolveLimits({ timeoutMs: -5 })).toThrow(new SandboxError('sandbox limit timeoutMs must be a positive number, got -5'));
    expect(() => resolveLimits({ memoryMB: 5 } as any)).toThrow("unknown sandbox limit 'memoryMB'");
    expect(() => createSandboxPool({ concurrency: 0 })).toThrow('sandbox pool concurrency must be a positive integer, got 0');
    expect(resolveLimits({ timeoutMs: 2500 })).toMatchObject({ timeoutMs: 2500, cpuSeconds: 3 });
    expect(() => createSandboxPool({ isolation: 'chroot' as any }))
      .toThrow("createSandboxPool option isolation: unknown sandbox isolation 'chroot' (expected bwrap, or process to run code unisolated)");
  });

  test('a python that cannot start is a SandboxError naming it, not a failed program', async () => {
    const broken = createSandboxPool({ python: '/nonexistent/python3' });
    await expect(broken.run('print(1)')).rejects.toThrow(SandboxError);
    await expect(broken.info()).rejects.toThrow(/cannot run the sandbox python \/nonexistent\/python3: .*ENOENT/);
  });
});
