"""Sandbox bootstrap: runs one candidate program and its tests, started by src/tasks/sandbox/run.ts.

Reads one job (JSON) on stdin, then:
  supervisor (this process; pid 1 of a fresh PID namespace in 'namespaces' mode)
    - namespaces mode: makes every mount read-only except the work directory (its own mount
      namespace, so the host is untouched);
    - forks the child below, waits for it, kills and reaps every process it left behind (it is
      the namespace's init, or a child subreaper in 'process' mode, so orphans come back to it),
      and reports how the child ended (exit code, signal, CPU seconds) on the verdict channel. Being the parent, it cannot be killed by the child: in a PID
      namespace init ignores signals from inside it; in 'process' mode it keeps a different uid
      when started as root.
  child
    - sets the rlimits (CPU, address space, file size, process count), drops privileges
      (a fresh unprivileged uid when root; in a user namespace all capabilities), and in
      'process' mode installs an audit hook that blocks the network, writes outside the work
      directory, starting programs and ctypes (a best-effort fallback: audit hooks are not a
      security boundary, the namespaces are);
    - executes the program, then the tests with every `assert` rewritten to report the values of
      both sides, and writes a verdict line (JSON, tagged with the job's nonce) to fd 3.
The nonce lets the worker ignore lines a naive program might write to fd 3; it does not stop a
program that searches its own memory for it (the namespaces and rlimits are the protection).
"""
import ast
import builtins
import json
import os
import resource
import signal
import sys
import types

VERDICT_FD = 3
MAX_REPR = 300
MAX_SOURCE = 240


def emit(record):
    data = (json.dumps(record) + "\n").encode("utf-8", "replace")
    try:
        os.write(VERDICT_FD, data)
    except OSError:
        pass


# ---------------------------------------------------------------- privileges and the filesystem

def _libc():
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    return ctypes, libc


def _check(ctypes, rc, what):
    if rc != 0:
        err = ctypes.get_errno()
        raise OSError(err, "%s: %s" % (what, os.strerror(err)))


def restrict_filesystem(workdir):
    """Read-only everywhere except `workdir`: a private recursive read-only view of all mounts."""
    ctypes, libc = _libc()
    MS_BIND, MS_REC, MS_PRIVATE = 4096, 16384, 1 << 18
    AT_FDCWD, AT_RECURSIVE = -100, 0x8000
    MOUNT_ATTR_RDONLY, MOUNT_ATTR_NOSUID, MOUNT_ATTR_NODEV = 0x1, 0x2, 0x4

    class MountAttr(ctypes.Structure):
        _fields_ = [("attr_set", ctypes.c_uint64), ("attr_clr", ctypes.c_uint64),
                    ("propagation", ctypes.c_uint64), ("userns_fd", ctypes.c_uint64)]

    def mount_setattr(path, flags, attr):
        # glibc >= 2.36 has the wrapper; 442 is the syscall number on every architecture.
        fn = getattr(libc, "mount_setattr", None)
        if fn is not None:
            return fn(AT_FDCWD, path, flags, ctypes.byref(attr), ctypes.sizeof(attr))
        return libc.syscall(442, AT_FDCWD, path, flags, ctypes.byref(attr), ctypes.sizeof(attr))

    wd = workdir.encode()
    _check(ctypes, libc.mount(b"none", b"/", None, MS_REC | MS_PRIVATE, None), "make mounts private")
    _check(ctypes, libc.mount(wd, wd, None, MS_BIND, None), "bind-mount the work directory")
    ro = MountAttr(MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV, 0, 0, 0)
    _check(ctypes, mount_setattr(b"/", AT_RECURSIVE, ro), "make all mounts read-only")
    rw = MountAttr(0, MOUNT_ATTR_RDONLY, 0, 0)
    _check(ctypes, mount_setattr(wd, 0, rw), "make the work directory writable")


def drop_privileges(uid):
    ctypes, libc = _libc()
    if uid is not None and os.getuid() == 0 and not in_user_namespace():
        os.setgroups([])
        os.setresgid(uid, uid, uid)
        os.setresuid(uid, uid, uid)
    elif os.getuid() == 0:
        # Root of our own user namespace (started without host root): keep the uid, lose every
        # capability for good, so the mounts cannot be made writable again.
        PR_CAPBSET_DROP, PR_SET_SECUREBITS = 24, 28
        SECBIT_NOROOT, SECBIT_NOROOT_LOCKED, SECBIT_KEEP_CAPS_LOCKED = 1, 2, 32
        with open("/proc/sys/kernel/cap_last_cap") as f:
            last_cap = int(f.read())
        _check(ctypes, libc.prctl(PR_SET_SECUREBITS, SECBIT_NOROOT | SECBIT_NOROOT_LOCKED | SECBIT_KEEP_CAPS_LOCKED, 0, 0, 0),
               "set securebits")
        for cap in range(last_cap + 1):
            _check(ctypes, libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0), "drop capability %d" % cap)

        class CapHeader(ctypes.Structure):
            _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]

        class CapData(ctypes.Structure):
            _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32),
                        ("inheritable", ctypes.c_uint32)]

        header = CapHeader(0x20080522, 0)
        data = (CapData * 2)()
        _check(ctypes, libc.capset(ctypes.byref(header), data), "clear capabilities")
    PR_SET_NO_NEW_PRIVS = 38
    _check(ctypes, libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "set no_new_privs")


def in_user_namespace():
    try:
        with open("/proc/self/uid_map") as f:
            return f.read().split() != ["0", "0", "4294967295"]
    except OSError:
        return False


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


def set_limits(limits):
    cpu = int(limits["cpuSeconds"])
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    memory = int(limits["memoryMb"]) * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    size = int(limits["fileSizeMb"]) * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    # RLIMIT_NPROC counts every process of the uid, so the budget is on top of those it has now
    # (none for a fresh uid or a fresh PID namespace).
    nproc = count_processes(os.getuid()) + int(limits["maxProcesses"])
    resource.setrlimit(resource.RLIMIT_NPROC, (nproc, nproc))
    # A too-large write raises OSError(EFBIG) instead of killing the process with SIGXFSZ.
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)


def install_guard(workdir):
    """'process' mode only: the Python-level fallback for the missing namespaces."""
    root = os.path.realpath(workdir)
    write_flags = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND
    path_events = {"os.remove", "os.rename", "os.mkdir", "os.rmdir", "os.chmod", "os.chown",
                   "os.symlink", "os.link", "os.truncate", "os.utime", "shutil.rmtree", "shutil.move",
                   "shutil.copyfile", "os.chflags", "os.mkfifo", "os.mknod"}
    exec_events = {"subprocess.Popen", "os.system", "os.exec", "os.posix_spawn", "os.spawn",
                   "os.startfile", "pty.spawn"}

    def inside(path):
        if isinstance(path, int):
            return True
        if isinstance(path, bytes):
            path = os.fsdecode(path)
        real = os.path.realpath(str(path))
        return real == root or real.startswith(root + os.sep) or real == os.devnull

    own_group = os.getpgrp()

    def hook(event, args):
        if event in ("os.kill", "os.killpg"):
            # Without a PID namespace the worker shares our uid when not root: signals stay in
            # the sandbox's own process group.
            target = args[0]
            if event == "os.kill" and target > 0:
                try:
                    group = os.getpgid(target)
                except OSError:
                    return  # no such process: kill() itself will say so
            elif target == 0:
                group = own_group
            elif event == "os.kill":
                group = -target if target < -1 else None  # -1 means every process we may signal
            else:
                group = target
            if group != own_group:
                raise PermissionError("signalling processes outside the sandbox is blocked (%s %r)" % (event, target))
        if event.startswith("socket."):
            raise PermissionError("network access is blocked in the sandbox (%s)" % event)
        if event in exec_events:
            raise PermissionError("starting programs is blocked in the sandbox (%s)" % event)
        if event.startswith("ctypes."):
            raise PermissionError("ctypes is blocked in the sandbox (%s)" % event)
        if event == "open":
            path, mode, flags = args
            writing = (isinstance(mode, str) and any(c in mode for c in "wax+")) or \
                (isinstance(flags, int) and flags & write_flags)
            if writing and path is not None and not inside(path):
                raise PermissionError("writing outside the sandbox directory is blocked: %r" % (path,))
        elif event in path_events:
            for path in args[:2]:
                if isinstance(path, (str, bytes, os.PathLike)) and not inside(path):
                    raise PermissionError("changing files outside the sandbox directory is blocked: %r" % (path,))

    sys.addaudithook(hook)


# ---------------------------------------------------------------- asserts that show their values

def safe_repr(value):
    try:
        text = repr(value)
    except BaseException as err:  # a broken __repr__, or an int too long to print
        text = "<%s, repr failed: %s>" % (type(value).__name__, type(err).__name__)
    return text if len(text) <= MAX_REPR else text[:MAX_REPR] + "...(%d chars)" % len(text)


def clip(text, limit=MAX_SOURCE):
    text = " ".join(text.split()) if "\n" in text else text
    return text if len(text) <= limit else text[:limit] + "..."


class TestAssertionError(AssertionError):
    """A failed test assert, with the values both sides had."""


def assert_failed(line, source, parts, message):
    lines = ["assertion failed (test line %d): %s" % (line, clip(source))]
    for label, part_source, value in parts:
        shown = safe_repr(value)
        if part_source is None:
            lines.append("  %s: %s" % (label, shown))
        elif part_source.startswith(LITERAL):
            lines.append("  %s: %s" % (label, clip(part_source[len(LITERAL):], 160)))
        else:
            lines.append("  %s: %s = %s" % (label, clip(part_source, 160), shown))
    if message is not None:
        lines.append("  message: %s" % clip(str(message)))
    raise TestAssertionError("\n".join(lines))


LITERAL = "\0literal:"  # marks a side written as a literal: its source already says its value


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
            left_src = side_source(self.source, test.left)
            right_src = side_source(self.source, test.comparators[0])
            stmts = [
                ast.Assign(targets=[name("__lsl_l__", ast.Store)], value=test.left),
                ast.Assign(targets=[name("__lsl_r__", ast.Store)], value=test.comparators[0]),
            ]
            cond = ast.Compare(left=name("__lsl_l__"), ops=test.ops, comparators=[name("__lsl_r__")])
            parts = ast.List(elts=[
                ast.Tuple(elts=[ast.Constant("left"), ast.Constant(left_src), name("__lsl_l__")], ctx=ast.Load()),
                ast.Tuple(elts=[ast.Constant("right"), ast.Constant(right_src), name("__lsl_r__")], ctx=ast.Load()),
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


def compile_tests(source):
    tree = ast.parse(source, filename="tests.py")
    tree = AssertRewriter(source).visit(tree)
    ast.fix_missing_locations(tree)
    return compile(tree, "tests.py", "exec", dont_inherit=True)


# ---------------------------------------------------------------- running the program

SOURCES = {}


def remember_source(filename, text):
    SOURCES[filename] = text.splitlines()


def frame_line(filename, lineno):
    lines = SOURCES.get(filename, [])
    line = lines[lineno - 1].strip() if 0 < lineno <= len(lines) else ""
    return "%s line %d: %s" % (filename[:-3], lineno, clip(line, 160)) if line else "%s line %d" % (filename[:-3], lineno)


def describe_exception(err):
    """`Type: message` plus where it happened in the tests and in the program."""
    import linecache
    import traceback  # only on failure: it costs a few ms at start-up
    for filename, lines in SOURCES.items():
        linecache.cache[filename] = (0, None, [l + "\n" for l in lines], filename)
    text = "".join(traceback.format_exception_only(type(err), err)).strip()
    if len(text) > 1500:
        text = text[:1500] + "..."
    where = {}
    for frame, lineno in traceback.walk_tb(err.__traceback__):
        filename = frame.f_code.co_filename
        if filename in ("solution.py", "tests.py"):
            where[filename] = frame_line(filename, lineno)
    if isinstance(err, SyntaxError):
        return text  # it already shows the file, line and source
    for filename in ("tests.py", "solution.py"):
        if filename in where:
            text += "\n  at " + where[filename]
    return text


def run_job(job):
    program, tests = job["program"], job.get("tests")
    module_name = "solution" if tests is not None else "__main__"
    module = types.ModuleType(module_name)
    module.__dict__["__builtins__"] = builtins
    module.__dict__["__file__"] = os.path.join(job["workdir"], "solution.py")
    sys.modules[module_name] = module
    namespace = module.__dict__
    remember_source("solution.py", program)

    def verdict(status, phase, feedback):
        return {"status": status, "phase": phase, "feedback": feedback}

    try:
        code = compile(program, "solution.py", "exec", dont_inherit=True)
    except (SyntaxError, ValueError) as err:
        return verdict("error", "compile", "the program does not compile: " + describe_exception(err))
    try:
        exec(code, namespace)
    except SystemExit as err:
        if tests is None:
            ok = err.code in (None, 0)
            return verdict("passed" if ok else "failed", "program",
                           "the program exited normally" if ok else "the program exited with %s" % safe_repr(err.code))
        return verdict("error", "program", "the program called exit(%s) before the tests ran" % safe_repr(err.code))
    except MemoryError as err:
        return verdict("oom", "program", "MemoryError while loading the program: memory limit of %d MB exceeded%s"
                       % (job["limits"]["memoryMb"], describe_location(err)))
    except BaseException as err:
        return verdict("error", "program", "error while loading the program: " + describe_exception(err))
    if tests is None:
        return verdict("passed", "program", "the program ran to completion")

    remember_source("tests.py", tests)
    namespace[AssertRewriter.HELPER] = assert_failed
    try:
        tests_code = compile_tests(tests)
    except (SyntaxError, ValueError) as err:
        return verdict("error", "tests", "the tests do not compile: " + describe_exception(err))
    try:
        exec(tests_code, namespace)
    except TestAssertionError as err:
        return verdict("failed", "tests", str(err))
    except SystemExit as err:
        return verdict("failed", "tests", "the program called exit(%s) while the tests ran" % safe_repr(err.code))
    except MemoryError as err:
        return verdict("oom", "tests", "MemoryError: memory limit of %d MB exceeded%s"
                       % (job["limits"]["memoryMb"], describe_location(err)))
    except BaseException as err:
        return verdict("failed", "tests", describe_exception(err))
    return verdict("passed", "tests", "all tests passed")


def describe_location(err):
    text = describe_exception(err)
    return text[text.index("\n"):] if "\n" in text else ""


def child_main(job):
    os.chdir(job["workdir"])
    sys.path[0] = job["workdir"]
    # Python runs without `site` (-S: the standard library only, no machine-specific packages or
    # .pth hooks), so the exit()/quit() helpers that site adds are provided here.
    builtins.exit = builtins.quit = sys.exit
    limits = job["limits"]
    drop_privileges(job.get("uid"))
    set_limits(limits)
    if job["guard"]:
        install_guard(job["workdir"])
    original_pid = os.getpid()
    try:
        result = run_job(job)
    except MemoryError:
        result = {"status": "oom", "phase": "harness", "feedback": "MemoryError: memory limit of %d MB exceeded" % limits["memoryMb"]}
    if os.getpid() != original_pid:
        os._exit(0)  # a forked copy of the program: only the original reports
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except BaseException:
        pass
    result["kind"] = "verdict"
    result["nonce"] = job["nonce"]
    emit(result)
    os._exit(0)


def children_of(parent):
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open("/proc/%s/stat" % entry) as f:
                    stat = f.read()
            except OSError:
                continue
            if int(stat[stat.rindex(")") + 2:].split()[1]) == parent:
                found.append(int(entry))
    return found


def reap_descendants():
    """Kills and reaps whatever the program left running (forks, daemons), orphans included."""
    me = os.getpid()
    while True:
        try:
            if os.waitpid(-1, os.WNOHANG) != (0, 0):
                continue  # reaped one; look again
        except ChildProcessError:
            return
        for pid in children_of(me):
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        try:
            os.waitpid(-1, 0)
        except ChildProcessError:
            return


def main():
    job = json.loads(sys.stdin.buffer.read())
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    nonce = job["nonce"]
    try:
        if job["isolation"] == "namespaces":
            restrict_filesystem(job["workdir"])
        else:
            # Orphans of the program are reparented to us (PID-namespace init does this by itself).
            ctypes, libc = _libc()
            PR_SET_CHILD_SUBREAPER = 36
            _check(ctypes, libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0), "become a subreaper")
        pid = os.fork()
    except BaseException as err:
        emit({"kind": "setup-error", "nonce": nonce, "message": "%s: %s" % (type(err).__name__, err)})
        os._exit(2)
    if pid == 0:
        try:
            child_main(job)
        except BaseException as err:
            emit({"kind": "setup-error", "nonce": nonce, "message": "%s: %s" % (type(err).__name__, err)})
        os._exit(70)
    _, status, usage = os.wait4(pid, 0)
    reap_descendants()
    record = {"kind": "exit", "nonce": nonce, "cpuSeconds": usage.ru_utime + usage.ru_stime,
              "maxRssKb": usage.ru_maxrss}
    if os.WIFSIGNALED(status):
        record["signal"] = signal.Signals(os.WTERMSIG(status)).name
    else:
        record["code"] = os.WEXITSTATUS(status)
    emit(record)
    os._exit(0)


if __name__ == "__main__":
    main()
