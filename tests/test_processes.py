"""processes.fork_pair: both halves' results, and a failing half fails the whole."""

from __future__ import annotations

import os

import pytest

from feedpub.processes import can_fork, fork_pair

pytestmark = pytest.mark.skipif(not can_fork(), reason="no fork on this platform")


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
