"""Channel ``entries``: each release's Atom entry and RSS item, rendered while the release is
read (sharing its body HTML with the page) and spooled to a hidden file, for the archive
documents (:mod:`feedpub.channels.archives`) to splice in without reading and rendering the
release a second time."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from feedpub.channels.base import feed_info
from feedpub.publish import Scratch

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
    """Feed entries rendered while their release is at hand, kept in a hidden file of the
    build (a :class:`feedpub.publish.Scratch`) until the archive documents are assembled.

    Why: a full build reads every release once to write its page. Rendering its feed entry
    (Atom and RSS, by feedgen, in batches) right then shares the body HTML with the page and
    spares the archive documents a second reading and rendering of thousands of releases;
    on disk rather than in memory, so that 50,000 releases cost no more memory than 500. The
    file lives in ``feeds/.feedpub/`` (hidden; it only ever holds published releases) and is
    removed by the build, or as a temporary of a killed build by the next one.
    """

    BATCH = 256

    def __init__(self, file: Scratch, urls: Urls | None, info: FeedInfo | None) -> None:
        self.file = file
        #: id → (offset, Atom length, RSS length, the entry's updated, has pictures). The
        #: datetime, not its ISO text: it is mostly the very object the release's entry
        #: holds as ``published`` (50,000 ISO strings cost about 5 MB at a build's peak).
        self.index: dict[str, tuple[int, int, int, datetime, bool]] = {}
        self._urls: Urls | None = urls
        self._info: FeedInfo | None = info
        self._batch: list[Release] = []
        self._bodies: dict[str, str] = {}
        self._offset = 0

    @classmethod
    def create(cls, out_dir: Path, config: Config, urls: Urls) -> Spool:
        # The feed's fields first: they import feedgen and lxml, and a Ctrl-C that arrives
        # while lxml is imported is lost (lxml's initialisation swallows it); a file of the
        # build exists only after that (tests/test_faults.py interrupts a build once it
        # sees one).
        info = feed_info(config, None)
        return cls(Scratch(out_dir, "entries"), urls, info)

    @property
    def path(self) -> str:
        return self.file.path

    def add(self, release: Release, body: str) -> None:
        """Take a release (with its history applied) and its body HTML."""
        self._batch.append(release)
        self._bodies[release.id] = body
        if len(self._batch) >= self.BATCH:
            self._flush()

    def _flush(self) -> None:
        from feedpub.feeds import render_entries
        from feedpub.release import entry_updated

        if not self._batch or self._urls is None or self._info is None:
            return
        fragments = render_entries(self._batch, self._urls, self._info, self._bodies)
        chunks: list[bytes] = []
        for release in self._batch:
            atom, rss = fragments[release.id]
            self.index[release.id] = (
                self._offset,
                len(atom),
                len(rss),
                entry_updated(release),
                bool(release.images),
            )
            chunks += (atom, rss)
            self._offset += len(atom) + len(rss)
        self.file.append(b"".join(chunks))
        self._batch.clear()
        self._bodies.clear()

    def close(self) -> None:
        """Write what is left; after this the spool only reads (and pickles small)."""
        try:
            self._flush()
        finally:
            self.file.close()
            self._urls = self._info = None

    def read(self, entry_id: str) -> tuple[bytes, bytes]:
        """An entry's (Atom, RSS) fragments."""
        offset, atom, rss, _, _ = self.index[entry_id]
        data = self.file.read(offset, atom + rss)
        return data[:atom], data[atom:]

    def shown(self, entry: Entry) -> Shown:
        """What a document needs of the entry besides its fragments."""
        from feedpub.feeds import Shown

        _, _, _, updated, pictures = self.index[entry.id]
        return Shown(entry.id, entry.published, updated, pictures)

    def remove(self) -> None:
        self.file.remove()

    def __getstate__(self) -> dict[str, Any]:
        # Pickled from a build's second process: the file and the index only.
        return {"file": self.file, "index": self.index}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["file"], None, None)  # type: ignore[misc]
        self.index = state["index"]
