"""What a child process sees as it starts, printed as JSON (``tests/test_zygote.py`` compares a
forked child's with an exec'd one's); then it ends as its arguments say.

``python -m tests.zygote_probe [exit N | raise | interrupt | sleep | echo]``
"""

from __future__ import annotations

import json
import os
import signal
import sys
import time


def state() -> dict:
    """Return what a fresh interpreter's start decides: argv, paths, streams, signals, fds, and
    the parent (the one thing that differs)."""
    streams = {name: {"type": type(stream.buffer).__name__, "encoding": stream.encoding,
                      "errors": stream.errors, "line_buffering": stream.line_buffering,
                      "write_through": stream.write_through, "name": stream.name,
                      "mode": stream.mode, "fileno": stream.fileno()}
               for name, stream in (("stdin", sys.stdin), ("stdout", sys.stdout),
                                    ("stderr", sys.stderr))}
    handlers = {}
    for number in sorted(signal.valid_signals()):
        try:
            handler = signal.getsignal(number)
        except ValueError:
            continue
        handlers[int(number)] = getattr(handler, "__name__", str(handler))
    return {"argv": sys.argv, "orig_argv": sys.orig_argv, "path0": sys.path[0], "cwd": os.getcwd(),
            "main": __name__, "spec": __spec__.name if __spec__ else None,
            "env": {k: v for k, v in os.environ.items() if k.startswith("ZYGOTE_PROBE")},
            "streams": streams, "signals": handlers, "fds": sorted(os.listdir("/proc/self/fd")),
            "stdio_same": sys.stdout is sys.__stdout__ and sys.stderr is sys.__stderr__,
            "reactor": "twisted.internet.reactor" in sys.modules,
            "threads": len(os.listdir("/proc/self/task")), "ppid": os.getppid()}


def main(args: list[str]) -> int:
    print(json.dumps(state()))
    print("to stderr", file=sys.stderr)
    what = args[0] if args else "exit"
    if what == "exit":
        return int(args[1]) if len(args) > 1 else 0
    if what == "raise":
        raise RuntimeError("the probe raised")
    if what == "interrupt":
        sys.stdout.flush()
        raise KeyboardInterrupt
    if what == "sleep":
        sys.stdout.flush()
        time.sleep(float(args[1]))
    if what == "echo":
        sys.stdout.write(sys.stdin.read().upper())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
