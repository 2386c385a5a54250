"""Feedback text for a reflecting model: values, exceptions and where they happened (both sides)."""

MAX_REPR = 300
MAX_SOURCE = 240

SOURCES = {}


def remember_source(filename, text):
    SOURCES[filename] = text.splitlines()


def safe_repr(value):
    try:
        text = repr(value)
    except BaseException as err:  # a broken __repr__, or an int too long to print
        text = "<%s, repr failed: %s>" % (type(value).__name__, type(err).__name__)
    if type(text) is not str:
        text = "<%s>" % type(value).__name__
    return text if len(text) <= MAX_REPR else text[:MAX_REPR] + "...(%d chars)" % len(text)


def clip(text, limit=MAX_SOURCE):
    text = " ".join(text.split()) if "\n" in text else text
    return text if len(text) <= limit else text[:limit] + "..."


def frame_line(filename, lineno):
    lines = SOURCES.get(filename, [])
    line = lines[lineno - 1].strip() if 0 < lineno <= len(lines) else ""
    name = filename[:-3]
    return "%s line %d: %s" % (name, lineno, clip(line, 160)) if line else "%s line %d" % (name, lineno)


def describe_exception(err, files=("tests.py", "solution.py")):
    """`Type: message` plus where it happened in the given files. Never raises."""
    try:
        import linecache
        import traceback  # only on failure: it costs a few ms at start-up
        for filename, lines in SOURCES.items():
            linecache.cache[filename] = (0, None, [l + "\n" for l in lines], filename)
        try:
            text = "".join(traceback.format_exception_only(type(err), err)).strip()
        except BaseException:
            text = "%s: <message could not be shown>" % type(err).__name__
        if len(text) > 1500:
            text = text[:1500] + "..."
        if isinstance(err, SyntaxError):
            return text  # it already shows the file, line and source
        where = {}
        for frame, lineno in traceback.walk_tb(err.__traceback__):
            filename = frame.f_code.co_filename
            if filename in files:
                where[filename] = frame_line(filename, lineno)
        for filename in files:
            if filename in where:
                text += "\n  at " + where[filename]
        return text
    except BaseException:
        return "%s (no details)" % getattr(type(err), "__name__", "exception")
