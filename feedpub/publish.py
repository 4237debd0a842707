"""The only module that writes: a lock against overlapping runs, skip-if-identical, atomic and
durable replacement, and removal of files that earlier builds made and nothing makes any more.

Why each piece:

* **Lock** (``flock`` on ``feeds/.feedpub/lock``): cron starts a run every few minutes; a slow
  run must not interleave with the next. The second run fails at once (exit 75, EX_TEMPFAIL)
  instead of piling up, unless told to wait. The kernel drops the lock when a process dies.
* **Skip if identical**: a file whose bytes did not change is not touched (mtime, inode and
  ETag stay), so web caches and readers' conditional GETs keep working. Copied files
  (pictures) keep their source's mtime, so equal size and mtime tell without reading them.
* **Atomic and durable, in two phases**: every changed file is first written to a temporary
  file beside it (``.<name>.fp<pid in base 36>.tmp``, hidden from the web server; only such
  names of ended processes are ever removed as leftovers). Then one ``syncfs`` makes all of
  them durable together (one ``fsync`` each would cost 0.35 ms × thousands),
  and only then are they ``os.replace``d into place and the renames made durable by a second
  ``syncfs``. A reader never sees half a file; a build killed at any instant, or a power
  failure, leaves every file either old or new and complete. A build that fails before the
  renames (disk full) removes its temporaries and changes nothing.
* **Manifest** (table ``outputs`` of the ledger, ``feeds/.feedpub/ledger.sqlite3``): the
  files feedpub wrote. Only files on it are ever deleted, so anything else an admin puts into
  ``feeds/`` is safe. Before the first rename it grows by every file this build adds
  (committed), so a killed build leaves nothing unlisted; the final list is committed with
  the rest of the ledger, last.
* **Scratch files** (:class:`Scratch`, in ``feeds/.feedpub/``): a build's own hidden files
  that are never published (the spool of feed entries), named as temporaries, so that a
  killed build's are removed by the next one.
* **Folder log** (``feeds/.feedpub/folders``): every folder a build creates is noted there
  before it is made; at its end, on success or error, the build removes those of them that
  stayed empty, and so does the next build after a killed one. A folder feedpub did not
  create, or one with anything in it, is never removed.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import re
import signal
import stat
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import sqlite3

#: The hidden folder of feedpub's bookkeeping inside the output folder (the web server denies
#: hidden paths; see docs/deployment.md).
HIDDEN = ".feedpub"
LOCK_NAME = f"{HIDDEN}/lock"
#: The folders builds created and that may have stayed empty (see the module docstring).
FOLDERS_NAME = f"{HIDDEN}/folders"
#: Permissions of folders feedpub creates, whatever the umask.
DIR_MODE = 0o755
#: Temporary files of this module: ".<name>.fp<pid in base 36>.tmp" (see
#: :func:`temporary_name`); group 1 is the writer's pid.
_TEMPORARY = re.compile(r"^\..+\.fp([0-9a-z]{1,5})\.tmp$")
_DIGITS36 = "0123456789abcdefghijklmnopqrstuvwxyz"
#: The highest process id Linux can hand out (PID_MAX_LIMIT, 2**22 on 64-bit systems): a
#: temporary file name holds at most this many digits of its writer's pid.
PID_MAX = 4_194_304
#: Permissions of written files, whatever the umask: readable by the web server.
FILE_MODE = 0o644
#: How often a waiting build tries the lock again.
_LOCK_POLL = 0.1


class LockHeld(Exception):
    """Another feedpub run holds the lock on this output folder."""


class Lock:
    """Exclusive lock on an output folder (creates the folder and its hidden folder).

    ``wait`` seconds: how long to wait for another build to finish; 0 fails at once.
    """

    def __init__(self, out_dir: Path, wait: float = 0.0) -> None:
        self.path = out_dir / LOCK_NAME
        self.wait = wait
        self._fd: int | None = None

    def __enter__(self) -> Lock:
        deadline = time.monotonic() + self.wait
        while True:
            fd = self._take(deadline)
            if self._at_path(fd):
                break
            # The file was removed or replaced while we waited for it: a lock on it keeps
            # nobody out. Take the one at the path.
            os.close(fd)
        self._fd = fd
        return self

    def _at_path(self, fd: int) -> bool:
        """Whether the open file ``fd`` is still the one at the lock's path."""
        try:
            info = os.stat(self.path)
        except FileNotFoundError:
            return False
        mine = os.fstat(fd)
        return (info.st_dev, info.st_ino) == (mine.st_dev, mine.st_ino)

    def check(self) -> None:
        """Raise :class:`LockHeld` unless this lock's file is still the one at its path: once
        it was removed or replaced, another build may run beside this one (called before
        anything is put into place)."""
        if self._fd is not None and not self._at_path(self._fd):
            raise LockHeld(
                f"{self.path}: the lock file was removed or replaced during this build; another "
                "build may be running, nothing was changed"
            )

    def _take(self, deadline: float) -> int:
        make_folders(str(self.path.parent))
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, FILE_MODE)
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return fd
            except OSError as exc:
                if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                    os.close(fd)
                    raise
                left = deadline - time.monotonic()
                if left <= 0:
                    os.close(fd)
                    waited = f" (waited {self.wait:g} s)" if self.wait else ""
                    raise LockHeld(
                        f"{self.path}: another feedpub build is running{waited}"
                    ) from None
                time.sleep(min(_LOCK_POLL, left))

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing releases the flock
            self._fd = None


@dataclass
class PublishedFiles:
    """What writing did, kept apart from the writer so that a second build process can hand
    it back to the first (it pickles)."""

    #: Files whose bytes changed, in the order written.
    written: list[str] = field(default_factory=list)
    #: Those of them that did not exist before.
    created: set[str] = field(default_factory=set)
    #: Files whose bytes were already right and were not touched.
    unchanged: int = 0
    #: Every file this build publishes (written, unchanged or kept): the next manifest.
    files: set[str] = field(default_factory=set)
    #: Files written to a temporary but not yet renamed into place: (path relative to the
    #: output folder, id of the process that wrote it). Not the two absolute paths: the
    #: relative path is the string ``written`` holds already, and 50,000 pairs of absolute
    #: paths cost 18 MB at the peak of a build (see :func:`staged_paths`).
    pending: list[tuple[str, int]] = field(default_factory=list)

    def remove_temporaries(self, out_dir: Path) -> None:
        """Delete the temporaries of ``pending`` (a failed build: nothing published
        changes)."""
        for relative, pid in self.pending:
            with contextlib.suppress(OSError):
                os.unlink(staged_paths(out_dir, relative, pid)[0])
        self.pending.clear()


def staged_paths(out_dir: Path, relative: str, pid: int) -> tuple[str, str]:
    """(temporary, target): where process ``pid`` staged ``out_dir/relative`` and where it
    goes (the temporary's name as :func:`_temporary` makes it)."""
    target = os.path.join(out_dir, relative)
    return _temporary_path(target, "", pid), target


class FileWriter:
    """Writes the temporaries of changed files below ``out_dir``; :class:`Publisher` renames
    them into place. No lock and no manifest: a second build process writes its release
    pages through a FileWriter of its own and hands its record back.
    """

    def __init__(self, out_dir: Path, record: PublishedFiles) -> None:
        self.out_dir = out_dir
        self.record = record
        # Names present in each output folder, listed once per folder: a file that is not
        # there needs no read-and-compare (10,000 failing opens cost a tenth of a build).
        self._listed: dict[str, set[str]] = {}
        # Whether the umask takes permissions from FILE_MODE: then each file gets an explicit
        # chmod (cron may run with umask 077, and the web server must read the files); with
        # the usual 022 that syscall is saved.
        self._chmod = bool(_process_umask() & FILE_MODE)
        # One int object for every pending entry (a pid is no cached small int).
        self._pid = os.getpid()

    def write(self, relative: str, data: bytes) -> bool:
        """Stage ``data`` for ``out_dir/relative``; returns whether the file will change."""
        self.record.files.add(relative)
        target = os.path.join(self.out_dir, relative)
        folder, name = os.path.split(target)
        names = self._listed.get(folder)
        if names is None:
            names = self._listed[folder] = self._list_folder(folder)
        exists = name in names
        if exists and _holds(target, data):
            self.record.unchanged += 1
            return False
        _write_temporary(target, data, self._chmod)
        self.record.pending.append((relative, self._pid))
        self.record.written.append(relative)
        if not exists:
            self.record.created.add(relative)
        return True

    def _list_folder(self, folder: str) -> set[str]:
        """The names in ``folder``, which is created (and noted in the folder log) when
        missing."""
        try:
            return set(os.listdir(folder))
        except FileNotFoundError:
            pass
        missing = missing_folders(folder)
        _note_folders(self.out_dir, missing)
        for each in missing:
            _make_folder(each)
        return set()

    def copy(self, relative: str, source: Path) -> bool:
        """Stage a copy of the file ``source`` for ``out_dir/relative``; returns whether the
        file will change. Raises SourceError when ``source`` cannot be read (then a copy
        published before stays as it was).

        Pictures can be megabytes, so they are compared cheaply: the copy gets the source's
        mtime, and the same size and mtime mean the same file (rsync's quick check). Another
        size is a change without reading anything; the same size with another mtime (a
        touched file) is compared byte for byte, and left alone when equal.
        """
        target = os.path.join(self.out_dir, relative)
        folder, name = os.path.split(target)
        names = self._listed.get(folder)
        if names is None:
            names = self._listed[folder] = self._list_folder(folder)
        exists = name in names
        try:
            # O_NONBLOCK: a FIFO put in the picture's place since it was read must not block.
            fd = os.open(source, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
        except OSError as exc:
            if exists:
                self.record.files.add(relative)
            raise SourceError(source, exc) from exc
        try:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode):
                raise SourceError(source, OSError(errno.EINVAL, "not a regular file"))
            if exists and _same_file(target, fd, info, source):
                self.record.files.add(relative)
                self.record.unchanged += 1
                return False
            _copy_temporary(target, fd, info, self._chmod, source)
        except SourceError:
            if exists:
                self.record.files.add(relative)
            raise
        finally:
            os.close(fd)
        self.record.files.add(relative)
        self.record.pending.append((relative, self._pid))
        self.record.written.append(relative)
        if not exists:
            self.record.created.add(relative)
        return True


class Scratch:
    """A hidden file of a build in ``feeds/.feedpub/`` that is never published: written by
    appending, read back by offset (also in a forked process), removed by the build, or as
    the leftover of a killed build by the next one (its name is a temporary's, see
    :func:`temporary_name`). So this module stays the only one that writes below the output
    folder (the spool of feed entries, :mod:`feedpub.channels.entries`, keeps its entries
    in one). It pickles as its path: the reading side of a file closed for writing."""

    def __init__(self, out_dir: Path, kind: str) -> None:
        folder = out_dir / HIDDEN
        make_folders(str(folder))
        self.path = str(folder / temporary_name(kind, "", os.getpid()))
        flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC
        self._fd: int | None = os.open(self.path, flags, 0o600)
        self._reader: tuple[int, int] | None = None  # (pid, fd): after a fork, reopen

    def append(self, data: bytes) -> None:
        assert self._fd is not None, "closed for writing"
        _write_all(self._fd, data, self.path)

    def close(self) -> None:
        """No more writing (reading goes on)."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def read(self, offset: int, length: int) -> bytes:
        if self._reader is None or self._reader[0] != os.getpid():
            self._reader = (os.getpid(), os.open(self.path, os.O_RDONLY | os.O_CLOEXEC))
        return os.pread(self._reader[1], length, offset)

    def remove(self) -> None:
        self.close()
        if self._reader is not None and self._reader[0] == os.getpid():
            os.close(self._reader[1])
        self._reader = None
        with contextlib.suppress(OSError):
            os.unlink(self.path)

    def __getstate__(self) -> dict[str, str]:
        return {"path": self.path}

    def __setstate__(self, state: dict[str, str]) -> None:
        self.path, self._fd, self._reader = state["path"], None, None


class SourceError(Exception):
    """A file to be copied into the output cannot be read: a problem of that input file, not
    of the output folder (which an OSError from here always is)."""

    def __init__(self, path: Path, error: OSError) -> None:
        super().__init__(path, error)
        self.path, self.error = path, error

    def __str__(self) -> str:
        return f"{self.path}: cannot read: {self.error.strerror or self.error}"


class Publisher:
    """Publishes files below ``out_dir`` only when their bytes change (see the module
    docstring for the order of steps); remembers what it made and removes what earlier builds
    made that this one does not (see :meth:`finish`).
    """

    def __init__(
        self,
        out_dir: Path,
        *,
        clean: bool = True,
        lock: Lock | None = None,
        ledger: sqlite3.Connection | None = None,
    ) -> None:
        """``clean``: look for temporaries of a killed build (False when it is known that
        the last build finished). ``lock``: checked before anything is put into place (see
        :meth:`Lock.check`). ``ledger``: the build's open ledger, which holds the manifest;
        the build then records the final manifest (:attr:`files`) in its own last
        transaction. Without one, the publisher opens the ledger itself and records the
        manifest when it commits."""
        self.out_dir = out_dir
        self._lock = lock
        self._own = ledger is None
        if ledger is None:
            from feedpub.ledger import as_os_errors, open_for_build

            make_folders(str(out_dir / HIDDEN))
            with as_os_errors(out_dir):
                ledger, _ = open_for_build(out_dir)
        self._db = ledger
        #: The manifest was empty (a new or a lost ledger).
        self.lost = False
        #: Set by a build that knows the folder was published before (its ledger has a
        #: history) when the manifest was lost: then :meth:`keep` takes a file that is on the
        #: disk, so that the pages of unchanged releases are in the next manifest again.
        self.adopt = False
        self.removed: list[str] = []
        self._record = PublishedFiles()
        self._writer = FileWriter(out_dir, self._record)
        self._previous = self._read_manifest()
        if clean:
            self._remove_temporaries()
            self._remove_empty_folders()

    def _remove_temporaries(self) -> None:
        """Delete temporary files that a killed run left behind (we hold the lock, so no
        other run is writing). A killed run may have written them into folders no manifest
        lists yet, so the whole output folder is searched (a few milliseconds for 10,000
        files, and only on builds that have work to do)."""
        for folder, folders, names in os.walk(self.out_dir):
            for name in names:
                if is_leftover(name):
                    with contextlib.suppress(FileNotFoundError):
                        os.unlink(os.path.join(folder, name))
            # Never into symlinked folders an admin put there; feedpub makes none.
            folders[:] = [f for f in folders if not os.path.islink(os.path.join(folder, f))]

    @property
    def written(self) -> list[str]:
        return self._record.written

    @property
    def created(self) -> set[str]:
        return self._record.created

    @property
    def unchanged(self) -> int:
        return self._record.unchanged

    @property
    def previous(self) -> set[str]:
        """The files the last build published (the manifest)."""
        return self._previous

    def _read_manifest(self) -> set[str]:
        """The manifest's paths (the ledger's ``outputs``); an empty set (and :attr:`lost`)
        when it has none."""
        from feedpub.bookkeeping import read_outputs

        paths = {_published_path(line) for line in read_outputs(self._db)}
        paths.discard(None)
        self.lost = not paths
        return {path for path in paths if path is not None}

    def write(self, relative: str, data: bytes) -> bool:
        """Stage ``data`` for ``out_dir/relative``; returns whether the file will change."""
        return self._writer.write(relative, data)

    def copy(self, relative: str, source: Path) -> bool:
        """Stage a copy of ``source`` for ``out_dir/relative`` (see :meth:`FileWriter.copy`)."""
        return self._writer.copy(relative, source)

    def absorb(self, other: PublishedFiles) -> None:
        """Take over what another :class:`FileWriter` staged in the same folder."""
        self._record.written.extend(other.written)
        self._record.created |= other.created
        self._record.unchanged += other.unchanged
        self._record.files |= other.files
        self._record.pending.extend(other.pending)

    def keep(self, relative: str, *, check: bool = True) -> None:
        """Keep a file of an earlier build that this build did not write (see ``finish``).

        ``check=False`` trusts the manifest without looking at the disk: for the pages of
        releases that did not change, where 10,000 ``stat`` calls would cost more than the
        whole no-change build may.
        """
        if self.adopt and relative not in self._previous:
            if os.path.isfile(self.out_dir / relative):
                self._record.files.add(relative)
        elif relative in self._previous and (not check or os.path.exists(self.out_dir / relative)):
            self._record.files.add(relative)

    def department_files(self) -> set[str]:
        """The files directly in the output's department folders (``<slug>/<name>``, none
        hidden), as found on the disk: what a build without a manifest knows it published."""
        found: set[str] = set()
        with contextlib.suppress(FileNotFoundError), os.scandir(self.out_dir) as folders:
            for folder in folders:
                if folder.name.startswith(".") or not folder.is_dir(follow_symlinks=False):
                    continue
                with os.scandir(folder.path) as names:
                    found.update(
                        f"{folder.name}/{entry.name}"
                        for entry in names
                        if not entry.name.startswith(".") and entry.is_file(follow_symlinks=False)
                    )
        return found

    def keep_folder(self, prefix: str) -> None:
        """Keep every file of earlier builds below ``prefix/`` (a folder that cannot be read
        this time: what it published stays)."""
        for relative in self._previous:
            if relative.startswith(prefix + "/"):
                self.keep(relative)

    def list_new(self) -> None:
        """Add every file about to appear to the manifest, committed, before anything is put
        into place: a build killed during the renames leaves nothing that no manifest
        lists. (:meth:`commit` does it too; a build calls it before it begins the ledger's
        last transaction.)"""
        from feedpub.bookkeeping import add_outputs

        new = self._record.files - self._previous
        if new:
            add_outputs(self._db, new)
            self._previous |= new

    @property
    def files(self) -> set[str]:
        """Every file this build publishes: the manifest once :meth:`commit` is done."""
        return self._record.files

    def commit(self) -> None:
        """Put every staged file into place, durably; then delete what nothing makes any
        more and record the new manifest (see the module docstring for why in this order).
        Ctrl-C waits until all of that is done (see :func:`interrupts_deferred`)."""
        from feedpub.bookkeeping import set_outputs

        with interrupts_deferred():
            try:
                self._commit()
                if self._own:
                    set_outputs(self._db, self._record.files, transaction=True)
            finally:
                if self._own:
                    self._db.close()

    def _commit(self) -> None:
        pending = self._record.pending
        try:
            if self._lock is not None:
                self._lock.check()
            self.list_new()
            if pending:
                sync_filesystem(self.out_dir)  # every temporary is durable ...
            while pending:
                temporary, target = staged_paths(self.out_dir, *pending[-1])
                os.replace(temporary, target)  # ... before any replaces a published file
                pending.pop()
            if self._record.written:
                sync_filesystem(self.out_dir)  # the renames themselves
            self._finish()
            self._remove_empty_folders()  # e.g. of a picture that could not be read
        finally:
            self.abort()  # what could not be put into place (nothing, normally)

    def abort(self) -> None:
        """Remove the staged temporaries: the build failed, and nothing published changes."""
        self._record.remove_temporaries(self.out_dir)

    def fail(self) -> None:
        """The build failed or was interrupted, and its second process has ended: remove
        what it staged and every other temporary below the output folder (we hold the lock:
        they are this build's, e.g. of a second process killed before it could say which, or
        a killed build's), then the folders it created that stayed empty."""
        self.abort()
        with contextlib.suppress(OSError):  # the error that failed the build is the news
            self._remove_temporaries()
            self._remove_empty_folders()

    def _remove_empty_folders(self) -> None:
        """Remove the folders of the folder log that are empty, deepest first, then the
        log. Only what a build created is in the log, never the output folder itself or the
        hidden folder, and ``rmdir`` removes only an empty folder."""
        log = self.out_dir / FOLDERS_NAME
        try:
            lines = set(log.read_bytes().split(b"\n"))
        except FileNotFoundError:
            return
        for line in sorted(lines, reverse=True):  # "a/b" before "a"
            parts = os.fsdecode(line).split("/")
            if not line or any(not part or part.startswith(".") for part in parts):
                continue  # not a folder a build makes: never touched
            with contextlib.suppress(OSError):  # not empty (or gone): it stays
                os.rmdir(os.path.join(self.out_dir, *parts))
        remove_durably(log)

    def _finish(self) -> None:
        current = self._record.files
        for relative in sorted(self._previous - current):
            path = self.out_dir / relative
            try:
                path.unlink()
            except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
                continue  # gone, or a folder: feedpub writes files only
            self.removed.append(relative)
            folder = path.parent
            while folder != self.out_dir:
                try:
                    folder.rmdir()  # only succeeds when empty
                except OSError:
                    break
                folder = folder.parent
        self._previous = set(current)


def _published_path(line: str) -> str | None:
    """A manifest line as the relative path of a file feedpub may have published, or None:
    only plain relative paths inside the output folder, normalised (``./a//b`` is ``a/b``),
    and none with a hidden part (feedpub's own ``.feedpub/``, temporaries): a damaged
    manifest must never make a build delete anything outside the output folder, or its own
    bookkeeping."""
    if not line or line.startswith("/"):
        return None
    parts = [part for part in line.split("/") if part not in ("", ".")]
    if not parts or any(part == ".." or part.startswith(".") for part in parts):
        return None
    return "/".join(parts)


@contextlib.contextmanager
def interrupts_deferred() -> Iterator[None]:
    """Ctrl-C (SIGINT) waits until the block is done, then interrupts as usual: while
    published files are being put into place, an interrupted build would leave some old and
    some new (each whole, as after a kill); this way it leaves all of them old or all new."""
    blocked = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, blocked)  # a pending SIGINT raises here


def remove_durably(path: Path) -> None:
    """Delete ``path`` if it exists, and make that durable (fsync of its folder)."""
    try:
        path.unlink()
    except FileNotFoundError:
        return
    _fsync_folder(str(path.parent))


def _holds(target: str, data: bytes) -> bool:
    """Whether ``target`` exists with exactly these bytes (then it is not rewritten)."""
    try:
        with open(target, "rb") as handle:
            return handle.read(len(data) + 1) == data
    except FileNotFoundError:
        return False  # new, or removed by someone else meanwhile: write it


#: Bytes per read when copying or comparing files.
_COPY_CHUNK = 1024 * 1024


def _read_source(fd: int, offset: int, source: Path) -> bytes:
    try:
        return os.pread(fd, _COPY_CHUNK, offset)
    except OSError as exc:
        raise SourceError(source, exc) from exc


def _same_file(target: str, fd: int, info: os.stat_result, source: Path) -> bool:
    """Whether ``target`` holds what the open file ``fd`` (with ``info``) holds: by size and
    mtime, else byte for byte when only the mtime differs."""
    try:
        published = os.stat(target)
    except FileNotFoundError:
        return False
    if published.st_size != info.st_size:
        return False
    if published.st_mtime_ns == info.st_mtime_ns:
        return True
    with open(target, "rb") as handle:
        offset = 0
        while True:
            chunk = _read_source(fd, offset, source)
            if chunk != handle.read(_COPY_CHUNK):
                return False
            if not chunk:
                return True
            offset += len(chunk)


def _copy_temporary(target: str, fd: int, info: os.stat_result, chmod: bool, source: Path) -> str:
    """Copy the open file ``fd`` to a new temporary file beside ``target``, with the source's
    mtime; returns its path. Like :func:`_write_temporary`, removes it on any error."""
    with _temporary(target, chmod) as (out, temporary):
        offset = 0
        while chunk := _read_source(fd, offset, source):
            _write_all(out, chunk, target)
            offset += len(chunk)
        os.utime(out, ns=(info.st_mtime_ns, info.st_mtime_ns))
    return temporary


@contextlib.contextmanager
def _temporary(target: str, chmod: bool, kind: str = "") -> Iterator[tuple[int, str]]:
    """A new temporary file beside ``target``, open for writing: (descriptor, path). It is
    closed at the end; on any error it is removed too and the error raised (a full disk
    leaves nothing behind). ``kind`` keeps a file staged for later apart from one written now
    for the same target."""
    temporary = _temporary_path(target, kind, os.getpid())
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, FILE_MODE)
    closed = False
    try:
        if chmod:
            os.fchmod(fd, FILE_MODE)
        yield fd, temporary
        closed = True  # even a failing close() frees the descriptor on Linux
        os.close(fd)
    except BaseException:
        if not closed:
            os.close(fd)
        os.unlink(temporary)
        raise


def _temporary_path(target: str, kind: str, pid: int) -> str:
    folder, name = os.path.split(target)
    return os.path.join(folder, temporary_name(name, kind, pid))


def temporary_name(name: str, kind: str, pid: int) -> str:
    """The name of the temporary file that process ``pid`` writes ``name`` to first: hidden,
    longer than ``name`` (see :data:`feedpub.layout.MAX_STEM`), and marked as feedpub's:
    ``.fp`` and the pid in base 36, which is as long as the decimal pid was, so the limits
    of names stay as they were."""
    digits = ""
    while True:
        pid, digit = divmod(pid, 36)
        digits = _DIGITS36[digit] + digits
        if not pid:
            return f".{name}{kind}.fp{digits}.tmp"


def is_leftover(name: str) -> bool:
    """Whether ``name`` is a temporary file of feedpub's that nobody is writing any more: of
    this process, or of one that has ended. A file an admin named like a temporary is not
    feedpub's unless it has the mark (see :func:`temporary_name`), and one of a feedpub
    process still running (a build beside this one, if the lock was sidestepped) is left."""
    match = _TEMPORARY.match(name)
    if match is None:
        return False
    pid = int(match.group(1), 36)
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:
        return False  # alive, another user's
    return False


def _write_all(fd: int, data: bytes, target: str) -> None:
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
    except OSError as exc:
        if exc.filename is not None:
            raise
        # os.write names no file; the message must (README: "names the file").
        raise OSError(exc.errno, exc.strerror, target) from exc


def _note_folders(out_dir: Path, folders: list[str]) -> None:
    """Append the folders below ``out_dir`` among ``folders`` to the folder log, in one
    write (both build processes append to it)."""
    root = os.path.join(out_dir, "")
    lines = b"".join(
        os.fsencode(folder[len(root) :]) + b"\n" for folder in folders if folder.startswith(root)
    )
    if not lines:
        return
    log = os.path.join(out_dir, FOLDERS_NAME)
    flags = os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC
    try:
        fd = os.open(log, flags, FILE_MODE)
    except FileNotFoundError:  # no lock taken, so no hidden folder yet (only in tests)
        make_folders(os.path.dirname(log))
        fd = os.open(log, flags, FILE_MODE)
    try:
        _write_all(fd, lines, log)
    finally:
        os.close(fd)


def missing_folders(folder: str) -> list[str]:
    """``folder`` and those of its parents that do not exist, outermost first."""
    missing: list[str] = []
    while folder and not os.path.isdir(folder):
        missing.append(folder)
        folder = os.path.dirname(folder)
    return missing[::-1]


def make_folders(folder: str) -> None:
    """``os.makedirs`` whose new folders the web server can always enter and list: cron may
    run with umask 077, which would make them 0700."""
    for each in missing_folders(folder):
        _make_folder(each)


def _make_folder(folder: str) -> None:
    with contextlib.suppress(FileExistsError):
        os.mkdir(folder)
    os.chmod(folder, DIR_MODE)


def _process_umask() -> int:
    # os.umask can only be read by setting it; set it straight back.
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _write_temporary(
    target: str, data: bytes, chmod: bool, *, durable: bool = False, kind: str = ""
) -> str:
    """Write ``data`` to a new temporary file beside ``target``; returns its path (see
    :func:`_temporary`)."""
    with _temporary(target, chmod, kind) as (fd, temporary):
        _write_all(fd, data, target)
        if durable:
            os.fsync(fd)
    return temporary


def _fsync_folder(folder: str) -> None:
    """Make the names in ``folder`` durable (a rename or unlink is a change of the folder)."""
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def sync_filesystem(folder: Path) -> None:
    """Make everything written to ``folder``'s file system durable, in one call.

    ``syncfs(2)`` (Linux) flushes one file system, which is what thousands of fresh
    temporaries need; Python has no binding, so it is called through ctypes. Elsewhere, or
    if it fails, ``os.sync()`` flushes all file systems, which is slower but as safe.
    """
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        syncfs = libc.syncfs
    except (OSError, AttributeError):  # pragma: no cover - not glibc/Linux
        os.sync()
        return
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        if syncfs(fd) != 0:  # pragma: no cover - needs a failing file system
            os.sync()
    finally:
        os.close(fd)
