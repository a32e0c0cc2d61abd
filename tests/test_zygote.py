"""The zygote's children are what ``python -m`` children were (:mod:`tests.zygote`).

Each check runs the probe (:mod:`tests.zygote_probe`) both ways, forked by the zygote and
exec'd by ``subprocess``, and compares what the child saw as it started (argv, paths, streams,
signal dispositions, open fds, environment, threads, whether a reactor is installed), what it
wrote and how it ended; the probe says who its parent is, so each check knows which way it ran.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests import zygote, zygote_probe

PROBE = [sys.executable, "-m", "tests.zygote_probe"]


def _run(popen: type[subprocess.Popen], args: list[str], **options: Any) -> subprocess.CompletedProcess:  # noqa: ANN401
    """Run the probe with ``args`` by ``popen``; its stdout and stderr are captured."""
    stdin = options.pop("input", None)
    probe = options.pop("probe", PROBE)
    options.setdefault("stderr", subprocess.PIPE)
    with popen([*probe, *args], stdout=subprocess.PIPE, text=True,
               stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
               **options) as process:
        stdout, stderr = process.communicate(stdin, timeout=120)
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)


def _both(args: list[str], **options: Any) -> tuple[subprocess.CompletedProcess, subprocess.CompletedProcess]:  # noqa: ANN401
    """Run the probe with ``args`` forked, then exec'd; return (forked, exec'd), each checked
    to have run the way it was meant to."""
    forked = _run(zygote.Popen, args, **dict(options))
    execd = _run(zygote.REAL_POPEN, args, **dict(options))
    assert _parent(forked) == zygote.zygote().process.pid
    assert _parent(execd) == os.getpid()
    return forked, execd


def _state(done: subprocess.CompletedProcess) -> dict:
    """The probe's start-up state, without its parent."""
    state = json.loads(done.stdout.splitlines()[0])
    del state["ppid"]
    return state


def _parent(done: subprocess.CompletedProcess) -> int:
    return json.loads(done.stdout.splitlines()[0])["ppid"]


def test_a_forked_child_starts_as_an_execd_one(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    # Run from another folder, the probe is a top-level module there (``tests`` is not on the
    # path of a child started in it: only the forked child would find it, the zygote has it).
    (tmp_path / "probe_here.py").write_bytes(Path(zygote_probe.__file__).read_bytes())
    monkeypatch.setattr(zygote, "MODULES", zygote.MODULES | {"probe_here"})
    env = {**os.environ, "ZYGOTE_PROBE_WORD": "слово"}
    forked, execd = _both(["exit", "3"], cwd=tmp_path, env=env,
                          probe=[sys.executable, "-m", "probe_here"])
    assert _state(forked) == _state(execd)
    state = _state(forked)
    assert state["cwd"] == str(tmp_path) == state["path0"]
    assert state["env"] == {"ZYGOTE_PROBE_WORD": "слово"}
    assert state["fds"] == ["0", "1", "2", "3"]  # the probe's own listing is 3
    assert not state["reactor"] and state["threads"] == 1
    assert forked.stderr == execd.stderr == "to stderr\n"
    assert forked.returncode == execd.returncode == 3


def test_ignored_signals_are_inherited_as_exec_inherits_them() -> None:
    previous = signal.signal(signal.SIGUSR2, signal.SIG_IGN)
    try:
        forked, execd = _both([])
    finally:
        signal.signal(signal.SIGUSR2, previous)
    assert _state(forked)["signals"] == _state(execd)["signals"]
    assert _state(forked)["signals"][str(int(signal.SIGUSR2))] == str(int(signal.SIG_IGN))


@pytest.mark.parametrize("how", ["raise", "interrupt"])
def test_an_uncaught_exception_ends_the_child_as_it_ends_the_interpreter(how: str) -> None:
    forked, execd = _both([how])
    assert forked.returncode == execd.returncode == {"raise": 1, "interrupt": -signal.SIGINT}[how]
    # The forked child's traceback has one frame more at its top (the zygote's).
    assert forked.stderr.splitlines()[-6:] == execd.stderr.splitlines()[-6:]
    assert forked.stderr.splitlines()[-1] in ("RuntimeError: the probe raised", "KeyboardInterrupt")


def test_stdin_and_stderr_into_stdout_reach_the_child() -> None:
    forked, execd = _both(["echo"], input="ввод\n")
    assert forked.stdout.splitlines()[1:] == execd.stdout.splitlines()[1:] == ["ВВОД"]
    forked, execd = _both(["exit", "0"], stderr=subprocess.STDOUT)
    assert forked.stdout.splitlines()[1:] == execd.stdout.splitlines()[1:] == ["to stderr"]


@pytest.mark.parametrize("popen", [zygote.Popen, zygote.REAL_POPEN], ids=["forked", "execd"])
def test_signals_timeouts_and_kills_reach_the_running_child(popen: type[subprocess.Popen]) -> None:
    process = popen([*PROBE, "sleep", "60"], stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    expected_parent = zygote.zygote().process.pid if popen is zygote.Popen else os.getpid()
    assert json.loads(process.stdout.readline())["ppid"] == expected_parent
    assert process.poll() is None
    with pytest.raises(subprocess.TimeoutExpired):
        process.wait(timeout=0.2)
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=30) == -signal.SIGTERM
    assert process.poll() == -signal.SIGTERM
    process.stdout.close()
    killed = popen([*PROBE, "sleep", "60"], stdout=subprocess.DEVNULL)
    with pytest.raises(subprocess.TimeoutExpired):
        killed.communicate(timeout=0.2)
    killed.kill()
    assert killed.wait(timeout=30) == -signal.SIGKILL


def test_what_cannot_be_forked_is_execd() -> None:
    def started(**options: Any) -> int:  # noqa: ANN401
        return _parent(_run(zygote.Popen, ["exit", "0"], **options))

    assert started() == zygote.zygote().process.pid
    assert started(preexec_fn=os.getpid) == os.getpid()
    assert started(start_new_session=True) == os.getpid()
    assert started(env={**os.environ, "PYTHONHASHSEED": "7"}) == os.getpid()
    read, write = os.pipe()
    try:
        assert started(pass_fds=[write]) == os.getpid()
    finally:
        os.close(read)
        os.close(write)
    with pytest.raises(FileNotFoundError):
        _run(zygote.Popen, [], cwd="/nonexistent/folder")
