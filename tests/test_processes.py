"""processes.spread decides whether to fork, splits and keeps order; processes.fork_pair: both
halves' results, a failing half fails the whole, and the second process never outlives the
first (README, "Running it from cron")."""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from feedpub import processes
from feedpub.processes import can_fork, fork_pair, processes_for, spread
from tests.conftest import ROOT

#: Every wait is bounded: a guard against a hang, not a timing assertion.
TIMEOUT = 30.0

pytestmark = pytest.mark.skipif(not can_fork(), reason="no fork on this platform")


def _where(items: list[int]) -> tuple[list[int], int]:
    return items, os.getpid()


@pytest.mark.parametrize(
    ("items", "size", "jobs", "alternate", "halves"),
    [
        ([1, 2, 3, 4, 5], None, 2, False, [[1, 2], [3, 4, 5]]),  # path order: halves
        ([1, 2, 3, 4, 5], None, 2, True, [[1, 3, 5], [2, 4]]),  # months: every other one
        ([1, 2, 3, 4, 5], None, 1, False, [[1, 2, 3, 4, 5]]),  # jobs=1: one process
        ([1], None, 2, False, [[1]]),  # nothing to share
        ([1, 2, 3], 10**6, None, False, [[1], [2, 3]]),  # much work: two (with two cores)
        ([1, 2, 3], 1, None, False, [[1, 2, 3]]),  # little work: one
    ],
)
def test_spread_splits_in_order_and_forks_only_when_it_pays(
    monkeypatch: pytest.MonkeyPatch,
    items: list[int],
    size: int | None,
    jobs: int | None,
    alternate: bool,
    halves: list[list[int]],
) -> None:
    monkeypatch.setattr(processes, "cores", lambda: 2)
    results = spread(_where, items, size=size, jobs=jobs, alternate=alternate)
    assert [part for part, _ in results] == halves
    pids = [pid for _, pid in results]
    assert pids[0] == os.getpid() and all(pid != os.getpid() for pid in pids[1:])


def test_spread_runs_here_in_this_process_and_work_in_the_other() -> None:
    results = spread(_where, [1, 2], jobs=2, here=lambda items: (items * 2, -1))
    assert results[0] == ([1, 1], -1) and results[1][0] == [2]


class _Item:
    pass


def test_spread_frees_this_process_half_before_the_other_result_arrives(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Memory: a build's peak is when the second process's result arrives; what this
    process's half held (50,000 listed files) must be gone by then."""
    import multiprocessing.connection
    import weakref

    refs: list[weakref.ref[_Item]] = []
    alive: list[int] = []
    real = multiprocessing.connection.Connection.recv

    def here(items: list[_Item]) -> int:
        refs.extend(weakref.ref(item) for item in items)
        return len(items)

    def recv(self: multiprocessing.connection.Connection) -> object:
        alive.append(sum(ref() is not None for ref in refs))
        return real(self)

    monkeypatch.setattr(multiprocessing.connection.Connection, "recv", recv)
    items = [_Item() for _ in range(10)]
    assert spread(len, items, jobs=2, here=here) == [5, 5]
    assert items == [] and alive == [0]


def test_one_core_or_no_fork_means_one_process(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(processes, "cores", lambda: 1)
    assert processes_for(10**6) == 1
    assert processes_for(10**6, jobs=2) == 2  # asked for
    monkeypatch.setattr(processes, "can_fork", lambda: False)
    assert processes_for(10**6, jobs=2) == 1


def test_both_results_come_back_and_the_second_ran_elsewhere() -> None:
    mine, theirs = fork_pair(lambda: ("mine", os.getpid()), lambda: ("theirs", os.getpid()))
    assert mine == ("mine", os.getpid())
    assert theirs[0] == "theirs" and theirs[1] != os.getpid()


def test_a_bug_in_the_second_process_is_a_runtime_error_with_its_traceback() -> None:
    def broken() -> None:
        raise ValueError("kaputt")

    with pytest.raises(RuntimeError, match="(?s)second build process failed.*kaputt"):
        fork_pair(lambda: None, broken)


def test_a_disk_problem_in_the_second_process_arrives_as_itself() -> None:
    def full() -> None:
        raise OSError(28, "No space left on device", "feeds/x.html")

    with pytest.raises(OSError, match="No space left") as info:
        fork_pair(lambda: None, full)
    assert info.value.filename == "feeds/x.html"


def test_a_failing_first_half_does_not_wait_for_the_second() -> None:
    def slow() -> None:
        import time

        time.sleep(60)

    def broken() -> None:
        raise KeyError("first half")

    with pytest.raises(KeyError):
        fork_pair(broken, slow)  # returns at once: the child is terminated, not awaited


def _wait_for(path: Path) -> None:
    deadline = time.monotonic() + TIMEOUT
    while not path.exists():
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.01)


def _tidy(marker: Path) -> Callable[[], None]:
    """Work that makes a temporary ``marker`` and removes it however it ends, as a build's
    second process does with its staged files."""

    def work() -> None:
        marker.write_text("temporary", "utf-8")
        try:
            time.sleep(60)
        finally:
            marker.unlink()

    return work


def test_an_interrupted_first_half_lets_the_second_remove_its_temporaries(
    tmp_path: Path,
) -> None:
    """Ctrl-C in the first process: the second is told to stop (SIGTERM), removes what it
    staged and is waited for; then the KeyboardInterrupt goes on (the CLI makes it 130)."""
    marker = tmp_path / ".page.html.1.tmp"

    def interrupted() -> None:
        _wait_for(marker)
        raise KeyboardInterrupt

    start = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        fork_pair(interrupted, _tidy(marker))
    assert not marker.exists(), "the second process was killed before it could tidy up"
    assert time.monotonic() - start < TIMEOUT


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=lambda s: s.name)
def test_a_second_half_stopped_by_a_signal_is_an_interruption(signum: int) -> None:
    """Ctrl-C that reaches the second process only, or a SIGTERM sent to it: the build is
    interrupted (KeyboardInterrupt, exit 130), not a bug with a traceback."""

    def stopped() -> None:
        os.kill(os.getpid(), signum)
        time.sleep(60)

    with pytest.raises(KeyboardInterrupt):
        fork_pair(lambda: None, stopped)


#: The first process of a build, as a program: it runs fork_pair, whose second half makes a
#: temporary (removed however it ends) and holds the write end of a pipe (argv[1]) open, as
#: the second process of a build holds the lock.
_FIRST_PROCESS = """
import os, sys, time
from pathlib import Path
from feedpub.processes import fork_pair

holds, marker = int(sys.argv[1]), Path(sys.argv[2])

def second():
    marker.write_text("temporary", "utf-8")
    try:
        os.write(holds, b"started")
        time.sleep(60)
    finally:
        marker.unlink()

fork_pair(lambda: time.sleep(60), second)
"""


@pytest.mark.parametrize("signum", [signal.SIGKILL, signal.SIGTERM], ids=lambda s: s.name)
def test_the_second_process_ends_at_once_when_the_first_dies(tmp_path: Path, signum: int) -> None:
    """SIGKILL or SIGTERM of the first process alone (the second one holds the build's lock):
    the second process ends within a fraction of a second, removing its temporaries, instead
    of working on until it tries to send its result. Measured by a pipe whose write end only
    the two processes hold: it reads end-of-file when both have ended."""
    read_end, write_end = os.pipe()
    marker = tmp_path / ".page.html.2.tmp"
    first = subprocess.Popen(
        [sys.executable, "-c", _FIRST_PROCESS, str(write_end), str(marker)],
        pass_fds=(write_end,),
        cwd=ROOT,
    )
    os.close(write_end)
    try:
        with os.fdopen(read_end, "rb") as pipe:
            assert pipe.read(7) == b"started"
            first.send_signal(signum)
            killed = time.monotonic()
            ready, _, _ = select.select([pipe], [], [], TIMEOUT)
            assert ready and pipe.read() == b""
            ended = time.monotonic() - killed
    finally:
        first.kill()
        first.wait(TIMEOUT)
    assert ended < 1.0, f"the second process ended {ended:.2f} s after the first"
    assert not marker.exists(), "the second process did not remove its temporary"


def test_a_sigint_that_the_build_ignores_the_second_process_ignores_too() -> None:
    """A build started with SIGINT ignored (``nohup cmd &`` from a script) is not stopped by
    it: the second process keeps that, as the first one does."""

    def second() -> str:
        os.kill(os.getpid(), signal.SIGINT)
        return "done"

    before = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        assert fork_pair(lambda: "mine", second) == ("mine", "done")
    finally:
        signal.signal(signal.SIGINT, before)


def test_ctrl_c_while_the_second_process_starts_is_one_interruption(
    monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    """SIGINT right after the fork, before the second process has its handlers (a terminal's
    Ctrl-C reaches both): it waits until they are in place, so the build is interrupted as
    usual, with no traceback of multiprocessing's on stderr."""
    real_fork = os.fork

    def fork() -> int:
        pid = real_fork()
        if pid == 0:
            os.kill(os.getpid(), signal.SIGINT)
        return pid

    monkeypatch.setattr(os, "fork", fork)
    with pytest.raises(KeyboardInterrupt):
        fork_pair(lambda: None, lambda: time.sleep(60))
    assert "Traceback" not in capfd.readouterr().err
