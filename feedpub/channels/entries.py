"""Channel ``entries``: each release's Atom entry and RSS item, rendered while the release is
read (sharing its body HTML with the page) and spooled to a hidden file, for the archive
documents (:mod:`feedpub.channels.archives`) to splice in without reading and rendering the
release a second time."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from feedpub.channels.base import feed_info
from feedpub.publish import HIDDEN, make_folders, temporary_name

if TYPE_CHECKING:
    from feedpub.channels.view import Earlier, Outlet
    from feedpub.config import Config
    from feedpub.departments import Entry
    from feedpub.feeds import FeedInfo, Shown
    from feedpub.layout import Urls
    from feedpub.release import Release


class EntriesChannel:
    """A per-release channel: one :class:`Spool` per process of the read phase."""

    name: ClassVar[str] = "entries"

    def open(self, outlet: Outlet) -> SpoolSink:
        return SpoolSink(Spool.create(outlet.out_dir, outlet.config, outlet.urls))

    def kept(self, config: Config, slug: str, stem: str, earlier: Earlier) -> Iterable[str]:
        return ()  # nothing in the output: the archive documents are this channel's product

    def discard(self, result: Any) -> None:
        if isinstance(result, Spool):
            result.remove()


class SpoolSink:
    def __init__(self, spool: Spool) -> None:
        self.spool = spool

    def on_release(self, release: Release, body: str) -> None:
        self.spool.add(release, body)

    def close(self) -> Spool:
        self.spool.close()
        return self.spool

    def abort(self) -> None:
        self.spool.remove()


class Spool:
    """Feed entries rendered while their release is at hand, kept in a hidden temporary
    file until the archive documents are assembled.

    Why: a full build reads every release once to write its page. Rendering its feed entry
    (Atom and RSS, by feedgen, in batches) right then shares the body HTML with the page and
    spares the archive documents a second reading and rendering of thousands of releases;
    on disk rather than in memory, so that 50,000 releases cost no more memory than 500. The
    file lives in ``feeds/.feedpub/`` (hidden; it only ever holds published releases) and is
    removed by the build, or as a temporary of a killed build by the next one.
    """

    BATCH = 256

    def __init__(self, path: str, urls: Urls | None, info: FeedInfo | None) -> None:
        self.path = path
        #: id → (offset, Atom length, RSS length, the entry's updated, has pictures). The
        #: datetime, not its ISO text: it is mostly the very object the release's stub holds
        #: as ``published`` (50,000 ISO strings cost about 5 MB at the peak of a build).
        self.index: dict[str, tuple[int, int, int, datetime, bool]] = {}
        self._urls: Urls | None = urls
        self._info: FeedInfo | None = info
        self._batch: list[Release] = []
        self._bodies: dict[str, str] = {}
        self._offset = 0
        self._fd: int | None = None
        self._reader: tuple[int, int] | None = None  # (pid, fd): after a fork, reopen

    @classmethod
    def create(cls, out_dir: Path, config: Config, urls: Urls) -> Spool:
        folder = out_dir / HIDDEN
        make_folders(str(folder))
        path = str(folder / temporary_name("entries", "", os.getpid()))
        spool = cls(path, urls, feed_info(config, None))
        spool._fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o600)
        return spool

    def add(self, release: Release, body: str) -> None:
        """Take a release (with its history applied) and its body HTML."""
        self._batch.append(release)
        self._bodies[release.id] = body
        if len(self._batch) >= self.BATCH:
            self._flush()

    def _flush(self) -> None:
        from feedpub.feeds import render_entries
        from feedpub.release import effective_updated

        if not self._batch or self._fd is None or self._urls is None or self._info is None:
            return
        fragments = render_entries(self._batch, self._urls, self._info, self._bodies)
        chunks: list[bytes] = []
        for release in self._batch:
            atom, rss = fragments[release.id]
            self.index[release.id] = (
                self._offset,
                len(atom),
                len(rss),
                effective_updated(release),
                bool(release.images),
            )
            chunks += (atom, rss)
            self._offset += len(atom) + len(rss)
        data = memoryview(b"".join(chunks))
        while data:
            data = data[os.write(self._fd, data) :]
        self._batch.clear()
        self._bodies.clear()

    def close(self) -> None:
        """Write what is left; after this the spool only reads (and pickles small)."""
        try:
            self._flush()
        finally:
            if self._fd is not None:
                os.close(self._fd)
                self._fd = None
            self._urls = self._info = None

    def read(self, entry_id: str) -> tuple[bytes, bytes]:
        """An entry's (Atom, RSS) fragments."""
        if self._reader is None or self._reader[0] != os.getpid():
            self._reader = (os.getpid(), os.open(self.path, os.O_RDONLY | os.O_CLOEXEC))
        offset, atom, rss, _, _ = self.index[entry_id]
        data = os.pread(self._reader[1], atom + rss, offset)
        return data[:atom], data[atom:]

    def shown(self, entry: Entry) -> Shown:
        """What a document needs of the entry besides its fragments."""
        from feedpub.feeds import Shown

        _, _, _, updated, pictures = self.index[entry.id]
        return Shown(entry.id, entry.published, updated, pictures)

    def remove(self) -> None:
        if self._reader is not None and self._reader[0] == os.getpid():
            os.close(self._reader[1])
        self._reader = None
        with contextlib.suppress(OSError):
            os.unlink(self.path)

    def __getstate__(self) -> dict[str, Any]:
        # Pickled from a build's second process: path and index only.
        return {"path": self.path, "index": self.index}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["path"], None, None)  # type: ignore[misc]
        self.index = state["index"]
