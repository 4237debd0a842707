"""A second process for the heavy parts of a build (reading releases, rendering archive
months): parsing and rendering are pure Python and scale with cores, and a fork shares
everything already loaded, so the second process starts in milliseconds.
"""

from __future__ import annotations

import os
import traceback
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from multiprocessing.connection import Connection

_T = TypeVar("_T")

#: Below this much work (releases to read, entries to render), a second process costs more
#: than it saves.
PARALLEL_MIN = 2000


def fork_pair(mine: Callable[[], _T], theirs: Callable[[], _T]) -> tuple[_T, _T]:
    """Run ``theirs`` in a forked process while this one runs ``mine``; both results.

    The child's result comes back pickled through a pipe. A failing child is a RuntimeError
    with its traceback (an OSError, a disk or permission problem, arrives as itself); a
    failing parent terminates the child, which holds the inherited lock.
    """
    import multiprocessing

    context_ = multiprocessing.get_context("fork")
    receiver, sender = context_.Pipe(duplex=False)
    child = context_.Process(target=_child, args=(receiver, sender, theirs))
    child.start()
    sender.close()
    try:
        result = mine()
        try:
            ok, payload = receiver.recv()
        except EOFError:
            ok, payload = False, (None, "it ended before sending a result")
    except BaseException:
        # Our half failed: the child must not outlive us (it holds the inherited lock).
        child.terminate()
        raise
    finally:
        receiver.close()
        child.join()
    if not ok:
        error, text = payload
        if isinstance(error, OSError):
            raise error  # a disk or permission problem: reported like one in this process
        raise RuntimeError(f"feedpub's second build process failed: {text}")
    return result, payload


def _child(receiver: Connection, sender: Connection, work: Callable[[], Any]) -> None:
    # Close our copy of the read end at once: if the parent dies, nobody reads the pipe any
    # more, send() fails and this process ends, releasing the lock it inherited. Without this
    # it would wait on a full pipe for ever and every later cron run would find the lock held.
    receiver.close()
    try:
        result: tuple[bool, Any] = (True, work())
    except BaseException as exc:  # noqa: BLE001 - goes back to the parent, which raises
        shipped = exc if isinstance(exc, OSError) else None
        result = (False, (shipped, traceback.format_exc()))
    try:
        sender.send(result)
    except OSError:
        pass  # the parent is gone; its next run repairs what this one could not finish
    finally:
        sender.close()


def cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        return os.cpu_count() or 1


def can_fork() -> bool:
    import multiprocessing

    return "fork" in multiprocessing.get_all_start_methods()
