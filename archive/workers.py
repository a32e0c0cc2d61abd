"""Worker processes that never outlive the command that started them.

``rebuild`` and ``release`` hand work to a process pool, the crawl its records to a pool of one
(:mod:`crawler.record_worker`). A pool's workers are separate processes: when the parent is
killed (SIGKILL, or a SIGTERM it does not survive) they would go on working for nobody, for as
long as their queue lasts. Two guards make them end with it:

- each worker asks the kernel to kill it when its parent dies (Linux ``PR_SET_PDEATHSIG``), and
  checks that the parent it was started for is still its parent (it may have died before the
  request was made);
- a parent that stops on an exception (SIGTERM is turned into :class:`Terminated` by the
  command line, Ctrl-C into KeyboardInterrupt) kills its workers before unwinding, rather than
  waiting for the work it no longer wants (``ProcessPoolExecutor``'s exit waits for every job).

Workers ignore SIGINT: Ctrl-C reaches the whole process group, and the parent, not each worker,
decides what stops.
"""

from __future__ import annotations

import ctypes
import logging
import multiprocessing
import multiprocessing.context
import os
import signal
import sys
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Generic, TypeVar, cast

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from multiprocessing.connection import Connection

logger = logging.getLogger(__name__)

#: ``prctl`` option: the signal a process gets when its parent dies (linux/prctl.h).
PR_SET_PDEATHSIG = 1
#: Exit status of a worker whose parent was gone before it could bind to it.
ORPHANED = 70


class Terminated(BaseException):  # noqa: N818 - named as KeyboardInterrupt is: what happened
    """The process was asked to stop (SIGTERM): raised where it was, like KeyboardInterrupt."""


def raise_terminated(signum: int, frame: object) -> None:
    """A SIGTERM handler: stop what the main thread is doing with :class:`Terminated`."""
    raise Terminated(signal.Signals(signum).name)


def die_with_parent() -> bool:
    """Ask the kernel to SIGKILL this process when its parent dies; return False where it
    cannot (not Linux, or prctl refused)."""
    if not sys.platform.startswith("linux"):
        return False
    libc = ctypes.CDLL(None, use_errno=True)
    return libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0


def _bind_to_parent(parent: int) -> None:
    """Pool initializer: die with ``parent``; leave SIGINT and SIGTERM to the parent's say."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    die_with_parent()
    if os.getppid() != parent:  # the parent died before prctl: nobody to work for
        os._exit(ORPHANED)


def _start_worker(parent: int, initializer: Callable[..., object] | None,
                  initargs: tuple[Any, ...]) -> None:
    """A :class:`SerialWorker`'s start: bind to ``parent``, then run its ``initializer``
    (``initargs`` are handed down as a process's arguments are: a queue may be among them)."""
    _bind_to_parent(parent)
    if initializer is not None:
        initializer(*initargs)


def worker_pool(workers: int, context: multiprocessing.context.BaseContext | None = None,
                ) -> ProcessPoolExecutor:
    """Return a process pool of ``workers`` processes that die with this one. ``context``
    starts them (default: the platform's; the crawl spawns its record worker, see
    :mod:`crawler.record_worker`)."""
    return ProcessPoolExecutor(workers, mp_context=context, initializer=_bind_to_parent,
                               initargs=(os.getpid(),))


@contextmanager
def bound_pool(workers: int) -> Iterator[ProcessPoolExecutor]:
    """Give a :func:`worker_pool`; on leaving normally, wait for it; on any exception
    (Terminated, KeyboardInterrupt included), kill its workers at once and re-raise."""
    pool = worker_pool(workers)
    try:
        yield pool
    except BaseException:
        stop_workers(pool)
        raise
    pool.shutdown(wait=True)


def stop_workers(pool: ProcessPoolExecutor) -> None:
    """Drop the pool's queued work and kill its workers (every live child process started by
    :mod:`multiprocessing` in this process: the pools are the only such children)."""
    pool.shutdown(wait=False, cancel_futures=True)
    for child in multiprocessing.active_children():
        child.kill()
    for child in multiprocessing.active_children():
        child.join(timeout=5)


T = TypeVar("T")


class Pending(Generic[T]):
    """What a :class:`SerialWorker` was asked to do; :meth:`result` waits for it."""

    def __init__(self, worker: SerialWorker, number: int) -> None:
        self._worker, self._number = worker, number

    def result(self) -> T:
        """Return what the call returned in the worker, or raise what it raised."""
        return cast("T", self._worker.outcome(self._number))


class WorkerDied(RuntimeError):
    """The worker process ended before answering."""


class SerialWorker:
    """One worker process that runs the calls it is given in turn, bound to this process as a
    :func:`worker_pool`'s workers are, with no thread in this process.

    A ``ProcessPoolExecutor`` keeps two threads in its parent (its manager and its queue's
    feeder): a process forked while they run (the workers of a pool started later, as the
    release's rebuild starts its own while the release's worker packs the WACZ) may inherit a
    lock one of them held, and hang on it. Here the calls and their outcomes go over a pipe,
    read when :meth:`Pending.result` asks for them.
    """

    def __init__(self, initializer: Callable[..., object] | None = None,
                 initargs: tuple[Any, ...] = ()) -> None:
        context = multiprocessing.get_context()
        self._conn, child = context.Pipe()
        self._process = context.Process(target=_serve, args=(os.getpid(), child, initializer,
                                                              initargs), daemon=True)
        self._process.start()
        child.close()
        self._sent = 0
        self._outcomes: dict[int, tuple[bool, Any]] = {}

    def submit(self, function: Callable[..., T], *args: Any) -> Pending[T]:
        """Ask the worker to run ``function(*args)`` after what it was given before."""
        self._sent += 1
        self._conn.send((self._sent, function, args))
        return Pending(self, self._sent)

    def outcome(self, number: int) -> Any:
        """Return (or raise) the outcome of call ``number``, reading the pipe up to it."""
        while number not in self._outcomes:
            try:
                answered, ok, value = self._conn.recv()
            except EOFError:
                self._process.join(timeout=5)
                raise WorkerDied(f"the worker process ended (exit status "
                                 f"{self._process.exitcode}) before answering") from None
            self._outcomes[answered] = (ok, value)
        ok, value = self._outcomes.pop(number)
        if not ok:
            raise value
        return value

    def close(self) -> None:
        """Let the worker finish what it was given, then end."""
        self._conn.send(None)
        self._process.join()
        self._conn.close()

    def kill(self) -> None:
        """End the worker now, whatever it is doing."""
        self._process.kill()
        self._process.join(timeout=5)
        self._conn.close()


def _serve(parent: int, conn: Connection, initializer: Callable[..., object] | None,
           initargs: tuple[Any, ...]) -> None:
    """A :class:`SerialWorker`'s process: run each call received, send back its outcome."""
    _start_worker(parent, initializer, initargs)
    while (call := conn.recv()) is not None:
        number, function, args = call
        try:
            outcome: tuple[int, bool, Any] = (number, True, function(*args))
        except Exception as error:  # noqa: BLE001 - handed to the caller, as a pool does
            outcome = (number, False, error)
        try:
            conn.send(outcome)
        except Exception as error:  # noqa: BLE001 - an outcome that cannot be pickled
            conn.send((number, False, RuntimeError(f"{function.__name__}: {error!r}")))


@contextmanager
def serial_worker(initializer: Callable[..., object] | None = None,
                  initargs: tuple[Any, ...] = ()) -> Iterator[SerialWorker]:
    """Give a :class:`SerialWorker`; on leaving normally, wait for it; on any exception
    (Terminated, KeyboardInterrupt included), kill it at once and re-raise."""
    worker = SerialWorker(initializer, initargs)
    try:
        yield worker
    except BaseException:
        worker.kill()
        raise
    worker.close()
