"""'process' isolation only (explicit opt-in, reported as unisolated): a Python audit hook in the
candidate's process that blocks the network, writes outside the work directory, reads outside it
and the Python runtime, directory
handles outside it (the way around a path check through `dir_fd=`), starting programs, ctypes,
and the introspection that could reach the hook itself (gc, tracing, rewriting functions). The
hook never runs the program's code (no __fspath__, no str-subclass methods), so no frame of it is
ever on the stack while the program runs.

Audit hooks are not a security boundary (a C extension bypasses them); bubblewrap is. The hook
uses only functions captured at install time from the `posix` module, so patching `os` or
`os.path` from the program changes nothing it relies on.
"""
import posix
import sys


def install(workdir):
    _open, _close, _readlink, _getpgid, _getpgrp = posix.open, posix.close, posix.readlink, posix.getpgid, posix.getpgrp
    _isinstance, _str, _bytes, _int = isinstance, str, bytes, int
    O_PATH, O_DIRECTORY = 0o10000000, 0o200000
    root = _readlink("/proc/self/cwd") if workdir == "." else workdir
    root = root.rstrip("/")
    # Reading is allowed in the work directory and the Python runtime only (not the datasets, the
    # project or LSL_HOME): the directories on sys.path when the hook is installed.
    readable = tuple(sorted({_readlink("/proc/self/cwd") if p in ("", ".") else p for p in sys.path if _isinstance(p, _str)}))
    write_flags = posix.O_WRONLY | posix.O_RDWR | posix.O_CREAT | posix.O_TRUNC | posix.O_APPEND
    path_events = frozenset({"os.remove", "os.rename", "os.mkdir", "os.rmdir", "os.chmod", "os.chown",
                             "os.symlink", "os.link", "os.truncate", "os.utime", "shutil.rmtree", "shutil.move",
                             "shutil.copyfile", "os.chflags", "os.mkfifo", "os.mknod", "os.chdir"})
    exec_events = frozenset({"subprocess.Popen", "os.system", "os.exec", "os.posix_spawn", "os.spawn",
                             "os.startfile", "pty.spawn", "os.fork", "os.forkpty"})
    blocked_events = frozenset({"gc.get_objects", "gc.get_referrers", "gc.get_referents", "sys.settrace",
                                "sys.setprofile", "sys.addaudithook", "code.__new__", "function.__new__",
                                "cpython.PyInterpreterState_Clear", "cpython._PySys_ClearAuditHooks"})
    protected_attributes = frozenset({"__code__", "__closure__", "__globals__"})
    blocked_modules = frozenset({"ctypes", "_ctypes", "gc", "_posixsubprocess", "socket", "_socket", "mmap", "_testcapi"})
    own_group = _getpgrp()

    def resolved(path):
        """The real path the kernel would use (the parent's, plus the last part, for a new file)."""
        if type(path) is _int:
            return None
        if type(path) is not _str and type(path) is not _bytes:
            # A path object's __fspath__ is the program's code: it could answer differently when
            # the file is really opened. Only plain str and bytes paths are checked and allowed.
            return "\0not a plain path"
        if type(path) is _bytes:
            path = path.decode("utf-8", "surrogateescape")
        for target, rest in ((path, ""), (path.rsplit("/", 1)[0] if "/" in path else ".", "/" + path.rsplit("/", 1)[-1])):
            try:
                fd = _open(target or "/", O_PATH)
            except OSError:
                continue
            try:
                return _readlink("/proc/self/fd/%d" % fd) + rest
            finally:
                _close(fd)
        return path

    def inside(path):
        real = resolved(path)
        return real is None or real == root or real.startswith(root + "/") or real == "/dev/null"

    def readable_path(path):
        real = resolved(path)
        if real is None or real in ("/dev/null", "/dev/urandom", "/dev/zero") or real.startswith("/proc/self/"):
            return True
        return any(real == r or real.startswith(r.rstrip("/") + "/") for r in readable)

    def is_directory(path):
        try:
            fd = _open(path, O_PATH | O_DIRECTORY)
        except (OSError, TypeError, ValueError):
            return False
        _close(fd)
        return True

    busy = [False]  # the hook's own posix.open raises an "open" event too

    def hook(event, args):
        if busy[0]:
            return
        busy[0] = True
        try:
            check(event, args)
        finally:
            busy[0] = False

    def check(event, args):
        if event in blocked_events:
            raise PermissionError("%s is blocked in the sandbox" % event)
        if event in ("object.__setattr__", "object.__delattr__") and len(args) > 1 and args[1] in protected_attributes:
            raise PermissionError("%s of %s is blocked in the sandbox" % (event, args[1]))
        if event == "import" and args and _isinstance(args[0], _str) and args[0].split(".")[0] in blocked_modules:
            raise PermissionError("importing %s is blocked in the sandbox" % args[0])
        if event in ("os.kill", "os.killpg"):
            target = args[0]
            if event == "os.kill" and target > 0:
                try:
                    group = _getpgid(target)
                except OSError:
                    return
            elif target == 0:
                group = own_group
            elif event == "os.kill":
                group = -target if target < -1 else None
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
            if path is None or type(path) is _int:
                return
            if type(path) is not _str and type(path) is not _bytes:
                raise PermissionError("open() with a path object is blocked in the sandbox: pass a str")
            if (mode is not None and type(mode) is not _str) or (flags is not None and type(flags) is not _int):
                raise PermissionError("open() with a non-plain mode is blocked in the sandbox")
            writing = (mode is not None and any(_str.__contains__(mode, c) for c in "wax+")) or \
                (flags is not None and flags & write_flags)
            if not inside(path):
                if writing:
                    raise PermissionError("writing outside the sandbox directory is blocked: %r" % (path,))
                if is_directory(path):
                    raise PermissionError("opening a directory outside the sandbox directory is blocked: %r" % (path,))
                if not readable_path(path):
                    raise PermissionError("reading outside the sandbox directory and the Python runtime is blocked: %r" % (path,))
        elif event in ("os.listdir", "os.scandir") and args and args[0] is not None and type(args[0]) is not _int and not inside(args[0]) and not readable_path(args[0]):
            raise PermissionError("listing directories outside the sandbox directory is blocked: %r" % (args[0],))
        elif event in path_events:
            for path in args[:2]:
                if type(path) is not _int and path is not None and not inside(path):
                    raise PermissionError("changing files outside the sandbox directory is blocked: %r" % (path,))
            if event in path_events and len(args) > 2 and args[-1] not in (None, -1) and _isinstance(args[-1], _int):
                raise PermissionError("%s with dir_fd is blocked in the sandbox" % event)

    sys.addaudithook(hook)
