"""The candidate process: loads a model's program and answers the test driver's calls.

Runs untrusted code, inside bubblewrap (or, on explicit opt-in, as a plain process with an audit
hook). It holds no tests, no expected values and no verdict channel: it only receives calls (a
function name and plain-data arguments) on one pipe and answers with plain data on another
(wire.py). Whatever this process does to itself, the driver only ever sees such data, so
anything it could forge is just another return value.

usage: candidate.py IN_FD OUT_FD [--guard WORKDIR]
"""
import builtins
import marshal
import os
import sys
import types

import explain
import wire

MODULE_KINDS = (types.ModuleType,)


def reply(out_fd, obj):
    wire.write_message(out_fd, repr(obj).encode("utf-8", "surrogatepass"), os.write)


def failure(err, what):
    if isinstance(err, MemoryError):
        return {"ok": False, "status": "oom", "feedback": "MemoryError %s: the memory limit was exceeded" % what}
    if isinstance(err, SystemExit):
        code = explain.safe_repr(err.code)
        return {"ok": False, "status": "error",
                "feedback": "called exit(%s)" % code if what == "raised" else "the program called exit(%s) %s" % (code, what)}
    return {"ok": False, "status": "error", "feedback": "%s %s" % (what, explain.describe_exception(err, ("setup.py", "solution.py")))}


def describe_name(namespace, name):
    if name not in namespace:
        return {"kind": "missing"}
    value = namespace[name]
    if isinstance(value, MODULE_KINDS):
        return {"kind": "module", "module": str(getattr(value, "__name__", ""))}
    if isinstance(value, type):
        return {"kind": "class"}
    if callable(value):
        return {"kind": "function"}
    try:
        return {"kind": "value", "value": wire.encode(value)}
    except BaseException:
        return {"kind": "object", "type": wire.type_name(value)}


def serve(in_fd, out_fd):
    reader = wire.Reader(in_fd, os.read, marshal.loads)
    reply(out_fd, {"ready": True})  # before any of the program runs: the sandbox itself started
    job = reader.message()
    program, as_main = job["program"], job["main"]
    module = types.ModuleType("__main__" if as_main else "solution")
    module.__dict__["__builtins__"] = builtins
    module.__dict__["__file__"] = os.path.join(os.getcwd(), "solution.py")
    sys.modules[module.__name__] = module
    namespace = module.__dict__
    explain.remember_source("solution.py", program)
    try:
        code = compile(program, "solution.py", "exec", dont_inherit=True)
    except BaseException as err:
        return reply(out_fd, {"ok": False, "status": "error", "phase": "compile",
                              "feedback": "the program does not compile: " + explain.describe_exception(err)})
    try:
        exec(code, namespace)
    except SystemExit as err:
        if as_main:
            return reply(out_fd, {"ok": True, "exit": wire.encode(err.code) if type(err.code) in (int, str, type(None)) else str(err.code)})
        return reply(out_fd, {"ok": False, "status": "error", "phase": "program",
                              "feedback": "the program called exit(%s) before the tests ran" % explain.safe_repr(err.code)})
    except BaseException as err:
        r = failure(err, "while loading the program")
        if not isinstance(err, MemoryError):
            r["feedback"] = "error while loading the program: " + explain.describe_exception(err)
        r["phase"] = "program"
        return reply(out_fd, r)
    if as_main:
        return reply(out_fd, {"ok": True, "exit": None})
    reply(out_fd, {"ok": True, "names": {n: describe_name(namespace, n) for n in job["names"]}})

    objects = {}  # instances of the program's classes the tests built, by handle name

    def handle(name):
        if name in objects:
            return objects[name]
        if name not in namespace:
            raise wire.WireError("no name %r in the program" % name)
        return namespace[name]

    while True:
        try:
            msg = reader.message()
        except EOFError:
            return
        op = msg.get("op")
        if op == "setup":
            explain.remember_source("setup.py", msg["code"])
            try:
                exec(compile(msg["code"], "setup.py", "exec", dont_inherit=True), namespace)
            except BaseException as err:
                reply(out_fd, failure(err, "the test setup code failed in the program's process"))
                continue
            reply(out_fd, {"ok": True})
            continue
        try:
            fn = namespace[msg["name"]]
            args = wire.decode(msg["args"], handles=handle)
            kwargs = wire.decode(msg["kwargs"], handles=handle)
        except BaseException as err:
            reply(out_fd, {"ok": False, "status": "error", "feedback": "the call could not be made: %s" % err})
            continue
        try:
            result = fn(*args, **kwargs)
        except BaseException as err:
            reply(out_fd, failure(err, "raised"))
            continue
        if msg.get("new"):
            name = "#%d" % (len(objects) + 1)
            objects[name] = result
            reply(out_fd, {"ok": True, "value": {"h": name}})
            continue
        try:
            value = wire.encode(result)
        except wire.WireError as err:
            reply(out_fd, {"ok": False, "status": "error", "feedback": "returned %s" % err})
            continue
        except BaseException as err:
            reply(out_fd, failure(err, "returned a value that could not be read"))
            continue
        try:
            reply(out_fd, {"ok": True, "value": value})
        except wire.WireError as err:
            reply(out_fd, {"ok": False, "status": "error", "feedback": "returned %s" % err})


def main():
    in_fd, out_fd = int(sys.argv[1]), int(sys.argv[2])
    if hasattr(sys, "set_int_max_str_digits"):
        sys.set_int_max_str_digits(0)
    os.set_inheritable(in_fd, False)
    os.set_inheritable(out_fd, False)
    # Python runs without `site` (-S), so the exit()/quit() helpers that site adds are provided here.
    builtins.exit = builtins.quit = sys.exit
    if len(sys.argv) > 4 and sys.argv[3] == "--guard":
        import guard
        guard.install(sys.argv[4])
    original_pid = os.getpid()
    try:
        serve(in_fd, out_fd)
    except BaseException:
        pass
    if os.getpid() != original_pid:
        os._exit(0)  # a forked copy of the program
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except BaseException:
        pass
    os._exit(0)


if __name__ == "__main__":
    main()
