"""The only module that writes: a lock against overlapping runs, skip-if-identical, atomic
replace, and removal of files that earlier builds made and nothing makes any more.

Why each piece:

* **Lock** (``flock`` on ``feeds/.feedpub.lock``): cron starts a run every few minutes; a slow
  run must not interleave with the next. The second run fails at once (exit 3) instead of
  waiting, so runs never pile up. The kernel drops the lock when a process dies.
* **Skip if identical**: a file whose bytes did not change is not touched (mtime, inode and
  ETag stay), so web caches and readers' conditional GETs keep working.
* **Atomic replace**: new bytes go to a temporary file in the same folder, then ``os.replace``
  swaps it in; a web server serves either the old or the new file, never half of one.
  (No fsync: after a power failure a file may be old, never torn; the next run repairs it.)
* **Manifest** (``feeds/.feedpub-manifest``): the list of files feedpub wrote. Only files on
  it are ever deleted, so anything else an admin puts into ``feeds/`` is safe.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

LOCK_NAME = ".feedpub.lock"
MANIFEST_NAME = ".feedpub-manifest"
#: Permissions of folders feedpub creates, whatever the umask.
DIR_MODE = 0o755
#: Temporary files of _atomic_write: ".<name>.<pid>.tmp".
_TEMPORARY = re.compile(r"^\..+\.\d+\.tmp$")
#: Permissions of written files, whatever the umask: readable by the web server.
FILE_MODE = 0o644


class LockHeld(Exception):
    """Another feedpub run holds the lock on this output folder."""


class Lock:
    """Exclusive, non-blocking lock on an output folder (creates the folder)."""

    def __init__(self, out_dir: Path) -> None:
        self.path = out_dir / LOCK_NAME
        self._fd: int | None = None

    def __enter__(self) -> Lock:
        make_folders(str(self.path.parent))
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, FILE_MODE)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            os.close(fd)
            if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                raise LockHeld(f"{self.path}: another feedpub build is running") from None
            raise
        self._fd = fd
        return self

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

    #: Files whose bytes changed and were replaced, in the order written.
    written: list[str] = field(default_factory=list)
    #: Files whose bytes were already right and were not touched.
    unchanged: int = 0
    #: Every file this build publishes (written, unchanged or kept): the next manifest.
    files: set[str] = field(default_factory=set)


class FileWriter:
    """Writes files below ``out_dir`` atomically and only when their bytes change.

    No lock and no manifest: :class:`Publisher` owns those; a second build process writes
    its release pages through a FileWriter of its own.
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

    def write(self, relative: str, data: bytes) -> bool:
        """Publish ``data`` at ``out_dir/relative``; returns whether the file was rewritten."""
        self.record.files.add(relative)
        target = os.path.join(self.out_dir, relative)
        folder, name = os.path.split(target)
        names = self._listed.get(folder)
        if names is None:
            names = self._listed[folder] = _list_folder(folder)
        if name in names and _holds(target, data):
            self.record.unchanged += 1
            return False
        _atomic_write(target, data, self._chmod)
        names.add(name)
        self.record.written.append(relative)
        return True


class Publisher:
    """Writes files below ``out_dir`` only when their bytes change; remembers what it made,
    and removes what earlier builds made that this one does not (see :meth:`finish`)."""

    def __init__(self, out_dir: Path) -> None:
        self.out_dir = out_dir
        self.removed: list[str] = []
        self._record = PublishedFiles()
        self._writer = FileWriter(out_dir, self._record)
        self._previous = self._read_manifest()
        self._remove_temporaries()

    def _remove_temporaries(self) -> None:
        """Delete temporary files that a killed run left behind (we hold the lock, so no
        other run is writing). They can only be in folders feedpub writes to."""
        folders = {self.out_dir} | {(self.out_dir / p).parent for p in self._previous}
        for folder in folders:
            try:
                names = os.listdir(folder)
            except OSError:
                continue
            for name in names:
                if _TEMPORARY.match(name):
                    with contextlib.suppress(FileNotFoundError):
                        os.unlink(folder / name)

    def announce(self, relatives: set[str]) -> None:
        """Record, before writing them, every file this build may write.

        A run that is killed half-way must not leave files behind that no manifest lists (a
        page written for a release that is deleted before the next run would stay for ever):
        so the manifest first grows by what may come, and :meth:`finish` then writes the
        exact list.
        """
        if not relatives <= self._previous:
            self._previous |= relatives
            self._write_manifest(self._previous)

    @property
    def written(self) -> list[str]:
        return self._record.written

    @property
    def unchanged(self) -> int:
        return self._record.unchanged

    def _read_manifest(self) -> set[str]:
        try:
            text = (self.out_dir / MANIFEST_NAME).read_text("utf-8")
        except FileNotFoundError:
            return set()
        # Only plain relative paths inside out_dir: a damaged manifest must never make
        # finish() delete anything outside the output folder.
        return {
            line
            for line in text.splitlines()
            if line and not line.startswith(("#", "/")) and ".." not in line.split("/")
        }

    def write(self, relative: str, data: bytes) -> bool:
        """Publish ``data`` at ``out_dir/relative``; returns whether the file was rewritten."""
        return self._writer.write(relative, data)

    def absorb(self, other: PublishedFiles) -> None:
        """Count files that another :class:`FileWriter` published into the same folder."""
        self._record.written.extend(other.written)
        self._record.unchanged += other.unchanged
        self._record.files |= other.files

    def keep(self, relative: str) -> None:
        """Keep a file of an earlier build that this build did not write (see ``finish``)."""
        if relative in self._previous and os.path.exists(self.out_dir / relative):
            self._record.files.add(relative)

    def keep_folder(self, prefix: str) -> None:
        """Keep every file of earlier builds below ``prefix/`` (a folder that cannot be read
        this time: what it published stays)."""
        for relative in self._previous:
            if relative.startswith(prefix + "/"):
                self.keep(relative)

    def finish(self) -> None:
        """Delete files that earlier builds wrote and this one neither wrote nor kept, then
        record the new manifest."""
        current = self._record.files
        for relative in sorted(self._previous - current):
            path = self.out_dir / relative
            try:
                path.unlink()
            except FileNotFoundError:
                continue
            self.removed.append(relative)
            folder = path.parent
            while folder != self.out_dir:
                try:
                    folder.rmdir()  # only succeeds when empty
                except OSError:
                    break
                folder = folder.parent
        if current != self._previous:
            self._write_manifest(current)

    def _write_manifest(self, files: set[str]) -> None:
        manifest = "# files written by feedpub; do not edit\n" + "".join(
            f"{line}\n" for line in sorted(files)
        )
        self.write_hidden(MANIFEST_NAME, manifest.encode("utf-8"))

    def write_hidden(self, relative: str, data: bytes) -> None:
        """Atomically write a bookkeeping file that is not part of the published output
        (not in the manifest, not counted), again only when its bytes change."""
        target = os.path.join(self.out_dir, relative)
        if _holds(target, data):
            return
        make_folders(str(self.out_dir))
        _atomic_write(target, data)


def _holds(target: str, data: bytes) -> bool:
    """Whether ``target`` exists with exactly these bytes (then it is not rewritten)."""
    try:
        with open(target, "rb") as handle:
            return handle.read(len(data) + 1) == data
    except FileNotFoundError:
        return False  # new, or removed by someone else meanwhile: write it


def _list_folder(folder: str) -> set[str]:
    """The names in ``folder``, which is created when missing."""
    try:
        return set(os.listdir(folder))
    except FileNotFoundError:
        make_folders(folder)
        return set()


def make_folders(folder: str) -> None:
    """``os.makedirs`` whose new folders the web server can always enter and list: cron may
    run with umask 077, which would make them 0700."""
    missing: list[str] = []
    while folder and not os.path.isdir(folder):
        missing.append(folder)
        folder = os.path.dirname(folder)
    for each in reversed(missing):
        with contextlib.suppress(FileExistsError):
            os.mkdir(each)
        os.chmod(each, DIR_MODE)


def _process_umask() -> int:
    # os.umask can only be read by setting it; set it straight back.
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _atomic_write(target: str, data: bytes, chmod: bool = True) -> None:
    folder, name = os.path.split(target)
    temporary = os.path.join(folder, f".{name}.{os.getpid()}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    closed = False
    try:
        if chmod:
            os.fchmod(fd, FILE_MODE)
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        closed = True  # even a failing close() frees the descriptor on Linux
        os.close(fd)
        # Inside the try: a failing replace (or close) must not leave the temporary behind.
        os.replace(temporary, target)
    except BaseException:
        if not closed:
            os.close(fd)
        os.unlink(temporary)
        raise
