"""A pre-warmed fork server ("zygote") for the suite's ``python -m`` subprocesses of the project.

Every crawl a test runs is a child process (``ifes-archive crawl``, as a user runs it), and each
child used to spend about 4 s of CPU importing Scrapy, Twisted, the record modules and the rest
before its first request. The zygote is one long-lived process per test process (per xdist
worker) that has imported them once (:data:`PRELOAD`; no reactor installed, no thread started),
and forks a child for each command ``[sys.executable, "-m", MODULE, ...]`` with MODULE in
:data:`MODULES`. The child takes the command's argv, environment, working directory, standard
streams (sent over a Unix socket with ``socket.send_fds``) and the signal dispositions a fresh
interpreter would have, then runs MODULE as ``__main__`` exactly as ``python -m`` does and ends
through the interpreter's own exit (atexit, thread joins, flushes; an uncaught KeyboardInterrupt
dies by SIGINT).

The test side is :class:`Popen`, a :class:`subprocess.Popen` whose ``_execute_child`` asks the
zygote instead of forking and exec'ing, and whose waits read the exit status the zygote reaped
(``os.waitpid``'s raw status: death by a signal is a negative returncode). ``pid`` is the real
child's, so ``send_signal``, ``terminate``, ``kill`` and psutil reach it; ``communicate``,
timeouts and pipes are Popen's own. A command that does not fit (another program, a
``preexec_fn``, ``pass_fds``, a new session, another user, a different ``PYTHON*`` or locale
variable, a missing working directory) is started by ``subprocess.Popen`` as before.

``tests/conftest.py`` puts :class:`Popen` in place of ``subprocess.Popen`` for the session (so
``subprocess.run`` uses it); ``IFES_TEST_ZYGOTE=0`` turns it off (every child exec'd again).
``python -m tests.zygote FD`` is the zygote itself (started by :func:`zygote`, never by hand).

What a child shares with its siblings and not with a fresh interpreter: the hash seed (string
hashing, set order), the modules already imported (their import-time work done once), its parent
(the zygote, not the test process) and a traceback's outermost frame (this module's).
"""

from __future__ import annotations

import contextlib
import gc
import io
import os
import pickle
import runpy
import selectors
import signal
import socket
import struct
import subprocess
import sys
import threading
import warnings
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

#: The modules a child may run (``python -m MODULE``): the project's command line and servers,
#: and the tools the tests read captures with.
MODULES = frozenset({
    "ifes_archive.crawler.cli", "ifes_archive.fixtures.server", "ifes_archive.fixtures.long_article",
    "ifes_archive.fixtures.stranger.serve", "ifes_archive.fixtures.stranger2.serve",
    "warcio.cli", "cdxj_indexer.main", "scrapy", "tests.zygote_probe",
})
#: What the zygote imports before it forks: what ``ifes-archive crawl`` imports on its way
#: (``-X importtime`` of a crawl of the mirror, its top-level imports), the extraction's
#: libraries, the mirror's server and the capture tools. Not pyarrow, matplotlib or numpy: the
#: release forks its workers before it loads them (their RSS), and numpy's BLAS starts threads.
PRELOAD = (
    "ifes_archive.crawler.cli", "ifes_archive.crawler.run", "ifes_archive.crawler.verdict",
    "ifes_archive.crawler.useragent", "scrapy.utils.project", "scrapy.crawler",
    "ifes_archive.crawler.middlewares", "ifes_archive.crawler.spiders.ifes",
    "ifes_archive.crawler.session", "ifes_archive.crawler.runend", "ifes_archive.crawler.bounds",
    "twisted.conch.telnet", "twisted.conch.insults.insults", "scrapy.utils.engine",
    "scrapy.extensions.postprocessing", "scrapy.utils.boto", "scrapy.utils.ftp", "aiohttp.web",
    "scrapy.utils._remote_control", "urllib.robotparser", "protego", "twisted.internet.endpoints",
    "twisted.web.client", "scrapy.core.downloader.contextfactory",
    "scrapy.core.downloader.handlers._base_http", "ifes_archive.archive.corpus.articles",
    "queuelib", "encodings.utf_8_sig", "encodings.cp1251", "encodings.utf_16_le",
    "ifes_archive.archive.warcs.warcfiles", "trafilatura", "dateparser", "warcio.cli",
    "cdxj_indexer.main", "ifes_archive.fixtures.server", "ifes_archive.crawler.import_verb",
    "ifes_archive.crawler.probe",
)
#: Environment variables a fresh interpreter reads as it starts (so a child cannot take them
#: from its command): a command whose values differ from the zygote's runs as a real subprocess.
STARTUP_VARIABLES = ("PYTHON", "LANG", "LC_")
#: The signals a fresh interpreter ignores (whatever its parent did with them).
IGNORED_AT_START = frozenset({signal.SIGPIPE, signal.SIGXFSZ})

ROOT = Path(__file__).resolve().parent.parent
_STATUS = struct.Struct("=cq")


@dataclass
class Request:
    """What a child is to run: a ``python -m`` command and the state it starts in."""

    module: str
    argv: list[str]
    orig_argv: list[str]
    env: dict[bytes, bytes]
    cwd: str
    ignored: list[int]
    """The signals the test process ignores (a fresh child inherits ignored dispositions)."""


# -- the test side --------------------------------------------------------------------------

class _Zygote:
    """The running zygote of this process: its control socket and the environment it started in."""

    def __init__(self) -> None:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        env = dict(os.environb)
        self.process = REAL_POPEN([sys.executable, "-m", "tests.zygote", str(theirs.fileno())],
                                   pass_fds=[theirs.fileno()], cwd=ROOT, env=env,
                                   stdin=subprocess.DEVNULL)
        theirs.close()
        self.control = ours
        self.startup = _startup_variables(env)
        self.lock = threading.Lock()
        ready = ours.recv(64)
        if ready != b"ready":
            raise RuntimeError(f"the zygote did not start (it said {ready!r})")

    def spawn(self, request: Request, fds: list[int]) -> socket.socket:
        """Ask for a child; return the socket its pid, then its wait status, come on."""
        mine, child = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        with self.lock:
            socket.send_fds(self.control, [pickle.dumps(asdict(request))], [*fds, child.fileno()])
        child.close()
        return mine

    def stop(self) -> None:
        self.control.close()
        self.process.wait(timeout=30)


REAL_POPEN = subprocess.Popen
_started: list[_Zygote] = []
_starting = threading.Lock()


def zygote() -> _Zygote:
    """Return this process's zygote, started at the first call (it imports for a few seconds)."""
    with _starting:
        if not _started:
            _started.append(_Zygote())
        return _started[0]


def stop() -> None:
    """Stop this process's zygote, if it was started (children still running go on)."""
    with _starting:
        if _started:
            _started.pop().stop()


def _startup_variables(env: dict[bytes, bytes]) -> dict[bytes, bytes]:
    prefixes = tuple(p.encode() for p in STARTUP_VARIABLES)
    return {k: v for k, v in env.items() if k.startswith(prefixes)}


def forkable(args: Any, executable: Any, preexec_fn: Any, close_fds: bool,  # noqa: ANN401, PLR0913
             pass_fds: Any, cwd: Any, env: Any, shell: bool, restore_signals: bool,  # noqa: ANN401
             identity: tuple[Any, ...], start_new_session: bool, process_group: Any,  # noqa: ANN401
             ) -> Request | None:
    """Return the request for the zygote if this Popen call can be a forked child, else None."""
    if not isinstance(args, (list, tuple)) or len(args) < 3 or shell or executable is not None:
        return None
    argv = [os.fsdecode(a) if isinstance(a, (bytes, os.PathLike)) else a for a in args]
    if not all(isinstance(a, str) for a in argv) or argv[0] != sys.executable \
            or argv[1] != "-m" or argv[2] not in MODULES:
        return None
    if (preexec_fn is not None or not close_fds or pass_fds or not restore_signals
            or start_new_session or process_group not in (None, -1)
            or any(i not in (None, -1) for i in identity)):
        return None
    directory = os.getcwd() if cwd is None else os.fsdecode(cwd)
    if not os.path.isdir(directory):
        return None  # subprocess raises what a missing directory raises
    environment = dict(os.environb) if env is None else {os.fsencode(k): os.fsencode(v)
                                                          for k, v in env.items()}
    if _startup_variables(environment) != _startup_variables(dict(os.environb)):
        return None
    ignored = [s for s in signal.valid_signals() if s not in (signal.SIGKILL, signal.SIGSTOP)
               and signal.getsignal(s) == signal.SIG_IGN]
    return Request(argv[2], argv[3:], argv, environment, os.path.abspath(directory), ignored)


class Popen(subprocess.Popen):
    """A :class:`subprocess.Popen` whose ``python -m`` children of the project are forked by the
    zygote (:func:`forkable` says which); the others are started as subprocess starts them."""

    _status: socket.socket | None = None

    def _execute_child(self, args: Any, executable: Any, preexec_fn: Any,  # noqa: ANN401, PLR0913
                       close_fds: bool, pass_fds: Any, cwd: Any, env: Any,  # noqa: ANN401
                       startupinfo: Any, creationflags: int, shell: bool,  # noqa: ANN401
                       p2cread: int, p2cwrite: int, c2pread: int, c2pwrite: int,
                       errread: int, errwrite: int, restore_signals: bool,
                       gid: Any, gids: Any, uid: Any, umask: int,  # noqa: ANN401
                       start_new_session: bool, process_group: Any = None) -> None:  # noqa: ANN401
        request = None
        if os.environ.get("IFES_TEST_ZYGOTE", "1") != "0":
            request = forkable(args, executable, preexec_fn, close_fds, pass_fds, cwd, env, shell,
                               restore_signals, (gid, gids, uid, umask), start_new_session,
                               process_group)
        if request is None:
            super()._execute_child(  # type: ignore[misc]
                args, executable, preexec_fn, close_fds, pass_fds, cwd, env, startupinfo,
                creationflags, shell, p2cread, p2cwrite, c2pread, c2pwrite, errread, errwrite,
                restore_signals, gid, gids, uid, umask, start_new_session, process_group)
            return
        fds = [p2cread if p2cread != -1 else 0, c2pwrite if c2pwrite != -1 else 1,
               errwrite if errwrite != -1 else 2]
        try:
            self._status = zygote().spawn(request, fds)
            kind, pid = _STATUS.unpack(self._status.recv(_STATUS.size))
            if kind != b"P":
                raise RuntimeError("the zygote did not fork the child")
            self.pid = pid
            self._child_created = True
        finally:
            self._close_pipe_fds(p2cread, p2cwrite, c2pread, c2pwrite,  # type: ignore[attr-defined]
                                 errread, errwrite)

    def _read_status(self, block: bool) -> int | None:
        """Return the child's raw wait status once the zygote reaped it (None: still running)."""
        assert self._status is not None
        try:
            message = self._status.recv(_STATUS.size, 0 if block else socket.MSG_DONTWAIT)
        except BlockingIOError:
            return None
        if not message:
            raise ChildProcessError(f"the zygote went away before child {self.pid} ended")
        kind, status = _STATUS.unpack(message)
        assert kind == b"S"
        self._status.close()
        return status

    def _try_wait(self, wait_flags: int) -> tuple[int, int]:
        if self._status is None:
            return super()._try_wait(wait_flags)  # type: ignore[misc]
        status = self._read_status(block=not wait_flags & os.WNOHANG)
        return (0, 0) if status is None else (self.pid, status)

    def _internal_poll(self, _deadstate: int | None = None, **_: Any) -> int | None:  # noqa: ANN401
        if self._status is None:
            return super()._internal_poll(_deadstate)  # type: ignore[misc]
        if self.returncode is None and self._waitpid_lock.acquire(False):  # type: ignore[attr-defined]
            try:
                if self.returncode is None and not self._status._closed:  # type: ignore[attr-defined]
                    status = self._read_status(block=False)
                    if status is not None:
                        self._handle_exitstatus(status)  # type: ignore[attr-defined]
            except OSError:
                if _deadstate is not None:
                    self.returncode = _deadstate
            finally:
                self._waitpid_lock.release()  # type: ignore[attr-defined]
        return self.returncode


# -- the zygote -----------------------------------------------------------------------------

def _preload() -> None:
    """Import :data:`PRELOAD`; fail if that installed a reactor, started a thread or warned."""
    with warnings.catch_warnings(record=True) as caught:
        for name in PRELOAD:
            __import__(name)
    if caught:
        raise RuntimeError(f"importing warned (a fresh child would print it): {caught[0]}")
    if "twisted.internet.reactor" in sys.modules:
        raise RuntimeError("a preloaded module installed Twisted's reactor")
    if len(os.listdir("/proc/self/task")) != 1:
        raise RuntimeError("a preloaded module started a thread: the zygote cannot fork")


class _Server:
    """The zygote's loop: a child forked for each request, its wait status sent when it ends."""

    def __init__(self, control: socket.socket) -> None:
        self.control = control
        self.selector = selectors.DefaultSelector()
        self.selector.register(control, selectors.EVENT_READ)
        self.children: dict[int, tuple[int, socket.socket]] = {}
        """The running children by their pidfd: their pid and the socket their status goes to."""

    def serve(self) -> tuple[Request, list[int]] | None:
        """Serve until the test process hangs up (None); in a forked child, return what it is
        to run and its three standard fds."""
        while True:
            for key, _ in self.selector.select():
                if key.fileobj is not self.control:
                    self._reap(key.fd)
                    continue
                message, fds, _flags, _address = socket.recv_fds(self.control, 1 << 20, 4)
                if not message:
                    self.selector.close()
                    return None
                request = Request(**pickle.loads(message))  # noqa: S301 - our test process sends it
                if self._fork(fds[:3], socket.socket(fileno=fds[3])) == 0:
                    return request, fds[:3]

    def _fork(self, fds: list[int], status: socket.socket) -> int:
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:  # the child keeps its three fds and nothing of the zygote's
            self.selector.close()
            self.control.close()
            status.close()
            for pidfd, (_, other) in self.children.items():
                os.close(pidfd)
                other.close()
            return pid
        for fd in fds:
            os.close(fd)
        status.send(_STATUS.pack(b"P", pid))
        pidfd = os.pidfd_open(pid)
        self.children[pidfd] = (pid, status)
        self.selector.register(pidfd, selectors.EVENT_READ)
        return pid

    def _reap(self, pidfd: int) -> None:
        pid, status = self.children.pop(pidfd)
        self.selector.unregister(pidfd)
        os.close(pidfd)
        _, wait_status = os.waitpid(pid, 0)
        with contextlib.suppress(OSError):  # the test dropped its Popen
            status.send(_STATUS.pack(b"S", wait_status))
        status.close()


def _stream(fd: int, name: str, like: io.TextIOWrapper) -> io.TextIOWrapper:
    """Return ``sys.std*`` for ``fd`` as the interpreter makes it at start (``like`` is the
    zygote's own: its encoding, errors and buffering under the same environment)."""
    reading = fd == 0
    raw = io.FileIO(fd, "rb" if reading else "wb", closefd=False)
    raw.name = name  # type: ignore[misc]
    # -u or PYTHONUNBUFFERED (the zygote's environment is the child's): unbuffered writes, and
    # every stream written through.
    unbuffered = isinstance(sys.__stdout__.buffer, io.FileIO)  # type: ignore[union-attr]
    buffer: Any = (io.BufferedReader(raw) if reading
                   else raw if unbuffered else io.BufferedWriter(raw))
    stream = io.TextIOWrapper(buffer, encoding=like.encoding, errors=like.errors, newline="\n",
                              line_buffering=not unbuffered and (raw.isatty() or fd == 2),
                              write_through=unbuffered)
    stream.mode = "r" if reading else "w"  # type: ignore[misc]
    return stream


def _become(request: Request, fds: list[int]) -> None:
    """Turn this forked process into ``python -m MODULE ARGV`` started afresh, and run it."""
    for target, fd in enumerate(fds):
        os.dup2(fd, target)
    for fd in set(fds) - {0, 1, 2}:
        os.close(fd)
    os.chdir(request.cwd)
    os.environ.clear()
    os.environb.update(request.env)
    for number in signal.valid_signals():
        if number in (signal.SIGKILL, signal.SIGSTOP):
            continue
        if number in request.ignored or number in IGNORED_AT_START:
            disposition: Any = signal.SIG_IGN
        elif number == signal.SIGINT:
            disposition = signal.default_int_handler
        else:
            disposition = signal.SIG_DFL
        with contextlib.suppress(OSError, ValueError):  # the C library's own (32, 33)
            signal.signal(number, disposition)
    streams = [_stream(fd, f"<{name}>", getattr(sys, f"__{name}__"))
               for fd, name in enumerate(("stdin", "stdout", "stderr"))]
    sys.stdin = sys.__stdin__ = streams[0]
    sys.stdout = sys.__stdout__ = streams[1]
    sys.stderr = sys.__stderr__ = streams[2]
    sys.path[0] = request.cwd
    sys.argv = ["-m", *request.argv]
    sys.orig_argv = request.orig_argv
    # python -m runs the module afresh as __main__: the zygote's imported copy is dropped (runpy
    # warns of a module run as __main__ that is already imported), so __main__ is the only one.
    # A package stays (python -m imports it, then runs its __main__).
    if not hasattr(sys.modules.get(request.module), "__path__"):
        sys.modules.pop(request.module, None)
    runpy._run_module_as_main(request.module)  # type: ignore[attr-defined]


def _main() -> None:
    control = socket.socket(fileno=int(sys.argv[1]))
    _preload()
    # What the zygote imported is never collected again, in it or in a child: a child's garbage
    # collections and its exit then leave those objects' pages alone (shared with the zygote, not
    # copied): a child's exit took 0.58 s of CPU without, 0.12 s with.
    gc.freeze()
    control.send(b"ready")
    task = _Server(control).serve()
    if task is not None:
        _become(*task)


if __name__ == "__main__":
    _main()
