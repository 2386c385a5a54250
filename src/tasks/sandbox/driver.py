"""The test driver: runs a task's tests against a candidate program it never runs itself.

Started by execute.ts with one job (JSON) on stdin. It starts the candidate process (candidate.py,
inside bubblewrap, or in 'process' mode a plain process), sends it the program, and runs the
task's trusted code here: the HumanEval prompt (`prelude`: its helpers such as `poly` stay the
dataset's), the test setup code, and the tests, with every `assert` rewritten to report both
sides' values. Each name the tests use that the program defines is bound to a proxy: calling it
sends the arguments to the candidate process and gets back plain data of exact built-in types
(wire.py), never an object with behaviour. The first thing that goes wrong on the program's side
(an exception, a non-built-in result, an exit, a timeout, a crash) fails the verdict, whatever
the tests do with it afterwards. The verdict goes to fd 3, which the candidate process never has.

Test setup code that uses a class the program defines (MBPP 367 and 927 build trees of the
program's own `Node`) runs in the candidate process instead; the names it binds reach the tests
as opaque handles that can only be passed back to the program's functions.
"""
import ast
import builtins
import json
import marshal
import os
import resource
import select
import signal
import sys
import time

import explain
import wire

VERDICT_FD = 3
# Standard-library modules the tests may get when the program imported them (MBPP's tests use
# `math.isclose` after the solution's `import math`), except those with side effects on import.
UNSAFE_MODULES = {"antigravity", "this", "turtle", "tkinter", "idlelib", "webbrowser", "pydoc", "ensurepip",
                  "venv", "pip", "lib2to3", "turtledemo", "ctypes", "subprocess", "multiprocessing", "socket"}


class CandidateFailure(BaseException):
    """Raised into the tests when the program's side failed (BaseException: `except Exception` in
    the tests cannot swallow it, and the verdict is failed anyway)."""


class SandboxStartError(Exception):
    """The sandbox itself could not start: an infrastructure fault, the one retryable error."""


def describe_status(status):
    if status is None:
        return "still running"
    if os.WIFSIGNALED(status):
        return "killed by %s" % signal.Signals(os.WTERMSIG(status)).name
    return "exit code %d" % os.WEXITSTATUS(status)


class TestAssertionError(AssertionError):
    """A failed test assert, with the values both sides had."""


def parse_reply(data):
    return ast.literal_eval(data.decode("utf-8", "surrogatepass"))


def emit(record):
    data = (json.dumps(record) + "\n").encode("utf-8", "replace")
    try:
        os.write(VERDICT_FD, data)
    except OSError:
        pass


# ---------------------------------------------------------------- asserts that show their values

LITERAL = "\0literal:"  # marks a side written as a literal: its source already says its value


def assert_failed(line, source, parts, message):
    lines = ["assertion failed (test line %d): %s" % (line, explain.clip(source))]
    for label, part_source, value in parts:
        shown = explain.safe_repr(value)
        if part_source is None:
            lines.append("  %s: %s" % (label, shown))
        elif part_source.startswith(LITERAL):
            lines.append("  %s: %s" % (label, explain.clip(part_source[len(LITERAL):], 160)))
        else:
            lines.append("  %s: %s = %s" % (label, explain.clip(part_source, 160), shown))
    if message is not None:
        lines.append("  message: %s" % explain.clip(str(message)))
    raise TestAssertionError("\n".join(lines))


def side_source(source, node):
    text = ast.get_source_segment(source, node) or ast.unparse(node)
    try:
        ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return text
    return LITERAL + text


class AssertRewriter(ast.NodeTransformer):
    """`assert L op R, m` -> evaluate L and R once, compare, and on failure report both values."""

    HELPER = "__lsl_assert_failed__"

    def __init__(self, source):
        self.source = source

    def visit_Assert(self, node):
        source = ast.get_source_segment(self.source, node) or ast.unparse(node)
        test = node.test
        msg = node.msg if node.msg is not None else ast.Constant(None)
        name = lambda n, ctx=ast.Load: ast.Name(id=n, ctx=ctx())  # noqa: E731
        if isinstance(test, ast.Compare) and len(test.ops) == 1:
            stmts = [
                ast.Assign(targets=[name("__lsl_l__", ast.Store)], value=test.left),
                ast.Assign(targets=[name("__lsl_r__", ast.Store)], value=test.comparators[0]),
            ]
            cond = ast.Compare(left=name("__lsl_l__"), ops=test.ops, comparators=[name("__lsl_r__")])
            parts = ast.List(elts=[
                ast.Tuple(elts=[ast.Constant("left"), ast.Constant(side_source(self.source, test.left)), name("__lsl_l__")], ctx=ast.Load()),
                ast.Tuple(elts=[ast.Constant("right"), ast.Constant(side_source(self.source, test.comparators[0])), name("__lsl_r__")], ctx=ast.Load()),
            ], ctx=ast.Load())
        else:
            stmts = [ast.Assign(targets=[name("__lsl_v__", ast.Store)], value=test)]
            cond = name("__lsl_v__")
            parts = ast.List(elts=[
                ast.Tuple(elts=[ast.Constant("value"), ast.Constant(None), name("__lsl_v__")], ctx=ast.Load()),
            ], ctx=ast.Load())
        fail = ast.Expr(ast.Call(func=name(self.HELPER), args=[
            ast.Constant(node.lineno), ast.Constant(source), parts, msg], keywords=[]))
        stmts.append(ast.If(test=ast.UnaryOp(op=ast.Not(), operand=cond), body=[fail], orelse=[]))
        for stmt in stmts:
            ast.copy_location(stmt, node)
        return [ast.fix_missing_locations(s) for s in stmts]


def compile_tests(tree, source):
    tree = AssertRewriter(source).visit(tree)
    ast.fix_missing_locations(tree)
    return compile(tree, "tests.py", "exec", dont_inherit=True)


# ---------------------------------------------------------------- which names come from the program

def bound_at_top(tree):
    """Names a module binds at its top level (defs, classes, imports, assignments, loops)."""
    out = set()
    for node in tree.body:
        for sub in ast.walk(node) if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) else [node]:
            if isinstance(sub, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                out.add(sub.name)
            elif isinstance(sub, (ast.Import, ast.ImportFrom)):
                for alias in sub.names:
                    out.add((alias.asname or alias.name).split(".")[0])
            elif isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Store):
                out.add(sub.id)
    return out


def used_names(tree):
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}


# ---------------------------------------------------------------- the candidate process

class Candidate:
    def __init__(self, job, deadline):
        self.job, self.deadline = job, deadline
        self.failure = None  # (status, feedback) of the first failure on the program's side
        self.calls = 0
        req_r, self.req_w = os.pipe()
        self.resp_r, resp_w = os.pipe()
        cmd = [a.replace("{IN}", "3").replace("{OUT}", "4") for a in job["command"]]
        limits, uid = job["limits"], job.get("uid")

        def prepare():
            if uid is not None:
                os.setgroups([])
                os.setresgid(uid, uid, uid)
                os.setresuid(uid, uid, uid)
            cpu = int(limits["cpuSeconds"])
            resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
            memory = int(limits["memoryMb"]) * 1024 * 1024
            resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
            size = int(limits["fileSizeMb"]) * 1024 * 1024
            resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))
            resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
            # RLIMIT_NPROC counts every process of the uid: none but this run's for a fresh uid.
            nproc = (0 if uid is not None else count_processes(os.getuid())) + int(limits["maxProcesses"]) + 3
            resource.setrlimit(resource.RLIMIT_NPROC, (nproc, nproc))
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
            for sig in (signal.SIGPIPE, signal.SIGINT, signal.SIGTERM):
                signal.signal(sig, signal.SIG_DFL)

        self.started = time.monotonic()
        self.pid = os.fork()
        if self.pid == 0:  # the child: the candidate's fds at 3 and 4, nothing else, then exec
            try:
                devnull = os.open(os.devnull, os.O_RDONLY)
                os.dup2(devnull, 0)
                os.dup2(req_r, 3)
                os.dup2(resp_w, 4)
                os.closerange(5, 1 << 16)
                os.chdir(job["workdir"])
                prepare()
                os.execve(cmd[0], cmd, job["env"])
            finally:
                os._exit(127)
        os.close(req_r)
        os.close(resp_w)
        self.reader = wire.Reader(self.resp_r, os.read, parse_reply, select.select)
        try:
            ready = self.reader.message(deadline, time.monotonic)
        except (EOFError, TimeoutError, wire.WireError) as err:
            self.wait(2.0)
            raise SandboxStartError("the candidate process did not start (%s, %s)" % (
                type(err).__name__, describe_status(self.returncode)))
        if ready != {"ready": True}:
            raise SandboxStartError("the candidate process started wrongly: %r" % (ready,))

    def send(self, obj):
        try:
            wire.write_message(self.req_w, marshal.dumps(obj), os.write)
        except (BrokenPipeError, OSError):
            pass  # it is gone: the read that follows says how it ended

    def receive(self, what):
        """The next reply, or None after recording why there is none."""
        try:
            return self.reader.message(self.deadline, time.monotonic)
        except TimeoutError:
            self.fail("timeout", "timed out after %s s %s" % (seconds(self.job["limits"]["timeoutMs"]), what))
        except EOFError:
            self.fail(*self.ended(what))
        except wire.WireError as err:
            self.fail("failed", "the program's process sent something unreadable %s: %s" % (what, err))
        return None

    def ended(self, what):
        status = self.wait(2.0)
        cpu = self.cpu_seconds or 0.0
        limit = self.job["limits"]["cpuSeconds"]
        code = status >> 8 if status is not None and os.WIFEXITED(status) else None
        sig = os.WTERMSIG(status) if status is not None and os.WIFSIGNALED(status) else None
        if sig is None and code is not None and code > 128:
            sig = code - 128  # bubblewrap reports a child killed by a signal as 128 + the signal
        if sig in (signal.SIGXCPU, signal.SIGKILL) and cpu >= limit - 0.05 or sig == signal.SIGXCPU:
            return "timeout", "CPU time limit of %s s exceeded %s" % (limit, what)
        if sig is not None:
            return "error", "the program's process was killed by %s %s" % (signal.Signals(sig).name, what)
        return "error", "the program's process exited (exit code %s) %s" % (code, what)

    cpu_seconds = None
    returncode = None

    def wait(self, timeout):
        if self.returncode is not None:
            return self.returncode
        end = time.monotonic() + timeout
        while True:
            pid, status, usage = os.wait4(self.pid, os.WNOHANG)
            if pid:
                self.returncode = status
                self.cpu_seconds = usage.ru_utime + usage.ru_stime
                return status
            if time.monotonic() >= end:
                return None
            time.sleep(0.002)

    def fail(self, status, feedback):
        if self.failure is None:
            self.failure = (status, feedback)

    def call(self, name, args, kwargs, new=False):
        if self.failure is not None:
            raise CandidateFailure()
        self.calls += 1
        shown = "%s(%s)" % (name, explain.clip(", ".join([explain.safe_repr(a) for a in args] +
                                                          ["%s=%s" % (k, explain.safe_repr(v)) for k, v in kwargs.items()]), 200))
        try:
            message = {"op": "call", "name": name, "args": wire.encode(list(args)),
                       "kwargs": wire.encode(dict(kwargs)), "new": new}
        except wire.WireError as err:
            raise RuntimeError("the tests pass %s to %s, which cannot cross to the program's process" % (err, name))
        self.send(message)
        reply = self.receive("before returning from %s" % shown)
        if reply is None:
            raise CandidateFailure()
        if type(reply) is not dict or reply.get("ok") is not True:
            status = reply.get("status") if type(reply) is dict else None
            feedback = reply.get("feedback") if type(reply) is dict else None
            if status == "oom":
                feedback = "raised MemoryError: memory limit of %d MB exceeded" % self.job["limits"]["memoryMb"]
            self.fail("oom" if status == "oom" else "failed",
                      "%s %s%s" % (shown, feedback if type(feedback) is str else "failed", test_line()))
            raise CandidateFailure()
        try:
            return wire.decode(reply.get("value"), handles=wire.Handle if new else None)
        except (wire.WireError, ValueError, OverflowError, RecursionError, MemoryError) as err:
            self.fail("failed", "%s sent back something unreadable: %s" % (shown, err))
            raise CandidateFailure()

    def close(self):
        try:
            os.close(self.req_w)
        except OSError:
            pass
        if self.wait(0.5) is None:
            try:
                os.kill(self.pid, signal.SIGKILL)  # bwrap: its PID namespace goes with it
            except OSError:
                pass
            self.wait(2.0)


def test_line():
    """Where in the tests the failing call was made (the innermost frame of tests.py)."""
    frame = sys._getframe(1)
    while frame is not None and frame.f_code.co_filename != "tests.py":
        frame = frame.f_back
    return "" if frame is None else "\n  at " + explain.frame_line("tests.py", frame.f_lineno)


def count_processes(uid):
    n = 0
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if os.stat("/proc/" + entry).st_uid == uid:
                    n += 1
            except OSError:
                pass
    return n


def seconds(ms):
    return str(ms // 1000) if ms % 1000 == 0 else "%.1f" % (ms / 1000)


def proxy(candidate, name, new=False):
    """A test-side stand-in for the program's function (or class: then calls return handles)."""
    def call(*args, **kwargs):
        return candidate.call(name, args, kwargs, new)
    call.__name__ = call.__qualname__ = name
    return call


def importable(module):
    top = module.split(".")[0]
    return top in getattr(sys, "stdlib_module_names", ()) and top not in UNSAFE_MODULES and not top.startswith("_")


# ---------------------------------------------------------------- one run

def run(job):
    deadline = time.monotonic() + job["limits"]["timeoutMs"] / 1000
    tests, setup, prelude, entry = job.get("tests"), job.get("setup") or "", job.get("prelude") or "", job.get("entryPoint")
    trusted = {"prelude": None, "setup": None, "tests": None}
    names = []
    if tests is not None:
        try:
            for key, text, filename in (("prelude", prelude, "prompt.py"), ("setup", setup, "setup.py"), ("tests", tests, "tests.py")):
                trusted[key] = ast.parse(text, filename=filename)
                explain.remember_source(filename, text)
        except SyntaxError as err:
            return {"status": "error", "phase": "tests", "feedback": "the tests do not compile: " + explain.describe_exception(err)}
        defined = bound_at_top(trusted["prelude"]) | bound_at_top(trusted["tests"])
        wanted = (used_names(trusted["tests"]) | used_names(trusted["setup"])) - defined - set(dir(builtins))
        names = sorted(wanted | ({entry} if entry else set()))
    candidate = Candidate(job, deadline)
    try:
        return judge(job, candidate, trusted, names, entry, tests)
    finally:
        candidate.close()
        job["cpuSeconds"] = candidate.cpu_seconds


def judge(job, candidate, trusted, names, entry, tests):
    candidate.send({"program": job["program"], "main": tests is None, "names": names})
    loaded = candidate.receive("while loading the program")
    if loaded is None:
        status, feedback = candidate.failure
        return {"status": status, "phase": "program", "feedback": feedback}
    if type(loaded) is not dict:
        return {"status": "error", "phase": "program", "feedback": "the program's process sent something unreadable"}
    if loaded.get("ok") is not True:
        status = "oom" if loaded.get("status") == "oom" else "error"
        feedback = loaded.get("feedback")
        if status == "oom":
            feedback = "MemoryError while loading the program: memory limit of %d MB exceeded" % job["limits"]["memoryMb"]
        return {"status": status, "phase": loaded.get("phase") or "program",
                "feedback": feedback if type(feedback) is str else "the program failed to load"}
    if tests is None:
        try:
            code = wire.decode(loaded.get("exit"))
        except wire.WireError:
            code = "?"
        ok = code in (None, 0)
        return {"status": "passed" if ok else "failed", "phase": "program",
                "feedback": "the program ran to completion" if ok else "the program exited with %s" % explain.safe_repr(code)}

    described = loaded.get("names") if type(loaded.get("names")) is dict else {}
    namespace = {"__name__": "tests", "__builtins__": builtins}
    try:
        exec(compile(trusted["prelude"], "prompt.py", "exec", dont_inherit=True), namespace)
    except BaseException as err:
        return {"status": "error", "phase": "tests", "feedback": "the task's prompt code failed: " + explain.describe_exception(err)}
    program_defines = set()
    for name in names:
        d = described.get(name)
        kind = d.get("kind") if type(d) is dict else None
        if kind in ("function", "class"):
            # Only a class that is not the function under test returns handles: the entry point's
            # results are plain data, whatever it is.
            namespace[name] = proxy(candidate, name, new=kind == "class" and name != entry)
            program_defines.add(name)
        elif kind == "module" and type(d.get("module")) is str and importable(d["module"]):
            import importlib
            try:
                namespace[name] = importlib.import_module(d["module"])
            except ImportError:
                pass
        elif kind == "value":
            try:
                namespace[name] = wire.decode(d.get("value"))
            except (wire.WireError, ValueError, OverflowError, RecursionError):
                pass
    if entry and entry not in program_defines:
        return {"status": "failed", "phase": "tests",
                "feedback": "the program does not define the function `%s` that the tests call" % entry}

    setup_tree = trusted["setup"]
    if setup_tree.body:
        if (used_names(setup_tree) - bound_at_top(setup_tree)) & program_defines:
            candidate.send({"op": "setup", "code": job["setup"]})
            reply = candidate.receive("while running the test setup code")
            if reply is None or type(reply) is not dict or reply.get("ok") is not True:
                status, feedback = candidate.failure or ("failed", reply.get("feedback") if type(reply) is dict else "the test setup failed")
                return {"status": "error" if status == "error" and candidate.failure else "failed", "phase": "tests",
                        "feedback": feedback if type(feedback) is str else "the test setup failed"}
            for name in bound_at_top(setup_tree):
                namespace[name] = wire.Handle(name)
        else:
            try:
                exec(compile(setup_tree, "setup.py", "exec", dont_inherit=True), namespace)
            except CandidateFailure:
                pass
            except BaseException as err:
                if candidate.failure is None:
                    return {"status": "error", "phase": "tests", "feedback": "the test setup code failed: " + explain.describe_exception(err, ("setup.py",))}

    namespace[AssertRewriter.HELPER] = assert_failed
    outcome = None
    try:
        code = compile_tests(trusted["tests"], tests)
        exec(code, namespace)
    except CandidateFailure:
        pass
    except TestAssertionError as err:
        outcome = ("failed", str(err))
    except BaseException as err:
        outcome = ("failed", explain.describe_exception(err, ("tests.py",)))
    if candidate.failure is not None:
        status, feedback = candidate.failure
        return {"status": status, "phase": "tests", "feedback": feedback}
    if outcome is not None:
        return {"status": outcome[0], "phase": "tests", "feedback": outcome[1]}
    return {"status": "passed", "phase": "tests", "feedback": "all tests passed"}


def main():
    # Python's limit on decimal int literals stays on: the candidate's replies carry ints in hex, and
    # a multi-megabyte decimal literal from it is refused instead of parsed in quadratic time.
    job = json.loads(sys.stdin.buffer.read())
    try:
        verdict = run(job)
    except SandboxStartError as err:  # an infrastructure fault: the one error grading retries
        emit({"kind": "sandbox-error", "message": str(err)})
        os._exit(2)
    except BaseException as err:  # whatever the program did, one fault is one failed verdict
        verdict = {"status": "error", "phase": "driver",
                   "feedback": "the test driver could not finish: %s" % explain.describe_exception(err, ("tests.py",))}
    verdict["kind"] = "verdict"
    verdict["cpuSeconds"] = job.get("cpuSeconds")
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except BaseException:
        pass
    emit(verdict)
    os._exit(0)


if __name__ == "__main__":
    main()
