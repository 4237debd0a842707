"""A second process for the heavy parts of a build (reading releases, rendering archive
months): parsing and rendering are pure Python and scale with cores, and a fork shares
everything already loaded, so the second process starts in milliseconds. :func:`spread` is
the one place that decides whether to fork (how much work, how many cores, whether the
system can fork, the build's ``jobs``), splits the work, keeps its order and hands back
both results; every phase that runs in two processes calls it.

The second process holds the build's lock (it inherits the descriptor) and writes
temporaries of its own, so it must never outlive the build: when the build fails or is
interrupted, it is told to stop (SIGTERM) and removes its temporaries; when the build's
process dies (SIGKILL, SIGTERM), the kernel tells it the same at once (Linux: ``prctl``
``PR_SET_PDEATHSIG``), so the lock is free for the next cron run within milliseconds.
"""

from __future__ import annotations

import functools
import os
import signal
from collections.abc import Callable
from types import FrameType
from typing import TYPE_CHECKING, Any, TypeVar

from feedpub.config import ConfigError

if TYPE_CHECKING:
    from multiprocessing.connection import Connection
    from multiprocessing.process import BaseProcess

_T = TypeVar("_T")
_R = TypeVar("_R")

#: Below this much work (releases to read, entries to render), a second process costs more
#: than it saves.
PARALLEL_MIN = 2000
#: How long a failing build waits for its second process to remove its temporaries and end
#: before it kills it (removing them takes milliseconds).
STOP_GRACE = 5.0
#: What the second process sends back: its result, its failure, or that it was stopped.
_DONE, _FAILED, _STOPPED = "done", "failed", "stopped"
#: prctl(2): the signal a process gets when its parent dies.
_PR_SET_PDEATHSIG = 1
#: The signals that stop the second process.
_STOP_SIGNALS = {signal.SIGINT, signal.SIGTERM}


def spread(
    work: Callable[[list[_T]], _R],
    items: list[_T],
    *,
    size: int | None = None,
    jobs: int | None = None,
    alternate: bool = False,
    here: Callable[[list[_T]], _R] | None = None,
) -> list[_R]:
    """``work`` over ``items`` in one process or two; the results in order (this process's
    half first), so that what the caller merges never depends on timing.

    Two processes when ``jobs`` says so (None: when there are two cores and ``size``, the
    amount of work, by default ``len(items)``, is at least :data:`PARALLEL_MIN`), there are
    two items to share and the system can fork. The halves are the first and the second
    half of ``items`` (path order), or with ``alternate`` every other item (archive months:
    both halves get old, small months and new, big ones); then ``items`` is emptied (the
    halves are handed to the processes). ``here``: what this process runs
    on its half instead of ``work`` (e.g. with progress reports, which the second process
    cannot give).
    """
    mine = work if here is None else here
    if len(items) < 2 or processes_for(len(items) if size is None else size, jobs) < 2:
        return [mine(items)]
    if alternate:
        first, second = items[0::2], items[1::2]
    else:
        first, second = items[: len(items) // 2], items[len(items) // 2 :]
    # Memory: the halves are handed over (``items`` is emptied, and fork_pair drops each
    # half once it has run), so what they hold can be freed before the other process's
    # result arrives: the peak of a build.
    items.clear()
    halves = [functools.partial(mine, first), functools.partial(work, second)]
    del first, second
    return list(fork_pair(halves.pop(0), halves.pop()))


def processes_for(size: int, jobs: int | None = None) -> int:
    """How many processes :func:`spread` uses for ``size`` units of work: ``jobs`` (at most
    two), else two from :data:`PARALLEL_MIN` on when there are two cores; one when the
    system cannot fork."""
    if jobs is None:
        jobs = 2 if size >= PARALLEL_MIN and cores() >= 2 else 1
    return 2 if jobs > 1 and can_fork() else 1


def fork_pair(mine: Callable[[], _T], theirs: Callable[[], _T]) -> tuple[_T, _T]:
    """Run ``theirs`` in a forked process while this one runs ``mine``; both results.

    The child's result comes back pickled through a pipe. A failing child is a RuntimeError
    with its traceback (an OSError, a disk or permission problem, arrives as itself; a child
    stopped by SIGINT or SIGTERM is a KeyboardInterrupt); a failing or interrupted parent
    stops the child (it holds the inherited lock) and waits until it has removed its
    temporaries.
    """
    import multiprocessing

    context_ = multiprocessing.get_context("fork")
    receiver, sender = context_.Pipe(duplex=False)
    # SIGINT and SIGTERM wait while the child is forked: it handles them once its handlers
    # are in place (before that, Ctrl-C would print a traceback of multiprocessing's).
    mask = signal.pthread_sigmask(signal.SIG_BLOCK, _STOP_SIGNALS)
    child = context_.Process(target=_child, args=(receiver, sender, theirs, os.getpid(), mask))
    try:
        try:
            child.start()
            sender.close()
            del theirs  # the child has its copy
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, mask)  # a Ctrl-C meanwhile raises here
        result = mine()
        del mine  # what it held may go before the child's result arrives (see spread)
        try:
            kind, payload = receiver.recv()
        except EOFError:
            kind, payload = _FAILED, (None, "it ended before sending a result")
    except BaseException:
        # Our half failed or was interrupted: the child must not outlive us (it holds the
        # inherited lock). SIGTERM makes it remove its temporaries and end.
        if child.pid is not None:
            child.terminate()
        raise
    finally:
        receiver.close()
        sender.close()
        if child.pid is not None:
            _reap(child)
    if kind == _STOPPED:
        raise KeyboardInterrupt  # Ctrl-C reached the child alone, or someone stopped it
    if kind == _FAILED:
        error, text = payload
        if isinstance(error, (OSError, ConfigError)):
            raise error  # a disk or permission problem: reported like one in this process
        raise RuntimeError(f"feedpub's second build process failed: {text}")
    return result, payload


def _reap(child: BaseProcess) -> None:
    """Wait until ``child`` has ended; kill it if it takes longer than :data:`STOP_GRACE`."""
    child.join(STOP_GRACE)
    if child.exitcode is None:  # pragma: no cover - a child that ignores SIGTERM
        child.kill()
        child.join()


def _child(
    receiver: Connection,
    sender: Connection,
    work: Callable[[], Any],
    parent: int,
    mask: set[signal.Signals],
) -> None:
    # Close our copy of the read end at once: if the parent dies, nobody reads the pipe any
    # more, send() fails and this process ends, releasing the lock it inherited. Without this
    # it would wait on a full pipe for ever and every later cron run would find the lock held.
    receiver.close()
    try:
        signal.signal(signal.SIGTERM, _stop)
        if signal.getsignal(signal.SIGINT) is not signal.SIG_IGN:
            signal.signal(signal.SIGINT, _stop)  # unless whoever started the build ignores it
        _die_with_parent(parent)
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)  # what came meanwhile stops us now
        result: tuple[str, Any] = (_DONE, work())
    except KeyboardInterrupt:
        result = (_STOPPED, None)  # the work removed its temporaries on its way out
    except BaseException as exc:  # noqa: BLE001 - goes back to the parent, which raises
        # A disk problem or an office's broken template: the parent reports it as its own.
        shipped = exc if isinstance(exc, (OSError, ConfigError)) else None
        import traceback  # only on failure: it costs a millisecond to import

        result = (_FAILED, (shipped, traceback.format_exc()))
    _ignore_stop_signals()  # a signal now would cut the message short
    try:
        sender.send(result)
    except OSError:
        pass  # the parent is gone; its next run repairs what this one could not finish
    finally:
        sender.close()


def _stop(signum: int, frame: FrameType | None) -> None:
    """SIGTERM or SIGINT in the second process: stop the work (a KeyboardInterrupt, which
    removes the temporaries on its way out). Only once: the clean-up must not be cut short
    by the next signal (Ctrl-C reaches both processes, then the parent sends SIGTERM)."""
    _ignore_stop_signals()
    raise KeyboardInterrupt


def _ignore_stop_signals() -> None:
    # A handler that does nothing, not SIG_IGN: a signal that arrived meanwhile and waits for
    # its Python handler would otherwise print "Signal 15 ignored due to race condition".
    signal.signal(signal.SIGTERM, _ignored)
    signal.signal(signal.SIGINT, _ignored)


def _ignored(signum: int, frame: FrameType | None) -> None:
    """SIGTERM or SIGINT once the second process is stopping or done: nothing to do."""


def _die_with_parent(parent: int) -> None:
    """Have the kernel send this process SIGTERM when its parent dies, however it dies
    (SIGKILL included); stop at once if it is dead already. Linux only: elsewhere the
    second process notices when it sends its result (the pipe's reader is gone)."""
    try:
        import ctypes

        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):  # pragma: no cover - not Linux
        return
    prctl(_PR_SET_PDEATHSIG, int(signal.SIGTERM), 0, 0, 0)
    if os.getppid() != parent:
        raise KeyboardInterrupt  # it died before that was set: nobody waits for this work


def cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        return os.cpu_count() or 1


def can_fork() -> bool:
    import multiprocessing

    return "fork" in multiprocessing.get_all_start_methods()
