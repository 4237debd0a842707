"""What a build gives its channels (see :mod:`feedpub.channels.base`): the :class:`View` of
the collection channels, the :class:`Outlet` of the per-release ones, and :class:`Earlier`,
what the last build published."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from feedpub.channels.base import Keys, department_of, releases_key

if TYPE_CHECKING:
    from feedpub.archive import ArchiveDoc
    from feedpub.config import Config
    from feedpub.departments import Department, Entry, Selection
    from feedpub.layout import Urls
    from feedpub.publish import FileWriter
    from feedpub.release import Notice, Release
    from feedpub.state import Seen


class Outlet(NamedTuple):
    """What a per-release channel writes through, in the process that reads releases: the
    files it stages (renamed into place by the publisher) and warnings about a release."""

    config: Config
    urls: Urls
    out_dir: Path
    writer: FileWriter
    notices: list[Notice]


class Earlier(NamedTuple):
    """What the last build published, for :meth:`ReleaseChannel.kept`: its pictures by
    (slug, stem) of their release (from the manifest)."""

    pictures: dict[tuple[str, str], list[str]]


@dataclass
class View:
    """What the collection channels see of a build (read-only by convention: they must not
    change it; a channel that needs something another computes asks the view, which
    computes it once)."""

    config: Config
    urls: Urls
    #: The newest releases of each feed, with counts (see :class:`Selection`).
    selection: Selection
    #: The releases each live feed shows, in feed order (None: the feed of all).
    feeds: dict[str | None, list[Release]]
    #: Every release published, for the archives: entries of unchanged or bad-and-kept
    #: ones, releases read this time.
    entries: list[Entry]
    #: The history of every published release (content hash, correction time), by id.
    seen: dict[str, Seen]
    #: Slugs of the departments that have files, good or bad.
    touched: set[str]
    #: The keys the last build recorded, by document path (empty: render everything).
    old_keys: Keys
    #: What each per-release channel's sinks handed back, by channel name.
    made: dict[str, list[Any]] = field(default_factory=dict)
    out_dir: Path = Path()
    #: The build's ``jobs`` (see :func:`feedpub.processes.spread`).
    jobs: int | None = None
    #: The releases each page lists, when the feeds show correction notices too (pages list
    #: releases only, see :meth:`listed`); None: the feeds' entries.
    pages: dict[str | None, list[Release]] | None = None

    def listed(self, slug: str | None) -> list[Release]:
        """The releases the page of a department (or ``index.html``, None) lists: its newest
        ``max_entries`` releases."""
        return self.feeds[slug] if self.pages is None else self.pages[slug]

    @cached_property
    def departments(self) -> list[Department]:
        """The departments with good releases, by slug."""
        return [department_of(self.selection, slug, self.config) for slug in self.selection.slugs()]

    @cached_property
    def live(self) -> dict[str | None, set[str]]:
        """The ids each live feed shows."""
        return {slug: {r.id for r in releases} for slug, releases in self.feeds.items()}

    @cached_property
    def archive_chains(self) -> dict[str | None, list[ArchiveDoc]]:
        """The RFC 5005 archive documents of every feed, oldest first (see
        :func:`feedpub.archive.plan`): the archives channel renders them, the HTML archive
        and the sitemap are made from them. A reference to every archived entry per feed
        (50,000 releases: a few MB), dropped with :meth:`forget` once the channels ran."""
        from feedpub.archive import plan

        return plan(self.entries, self.live)

    @cached_property
    def archive_keys(self) -> Keys:
        """The key of each archive document, by its Atom path: its releases' ids, content
        hashes and correction times, and its neighbours (the RSS document shares it)."""
        from feedpub.layout import ATOM, archive_path

        return {
            archive_path(slug, doc.period, ATOM): releases_key(
                doc.entries, self.seen, doc.prev or "", doc.next or ""
            )
            for slug, chain in self.archive_chains.items()
            for doc in chain
        }

    def forget(self) -> None:
        """Drop what only the collection channels need (the archive plan holds every
        archived entry): the ledger's rows are encoded without it."""
        self.__dict__.pop("archive_chains", None)

    @cached_property
    def newest_archive(self) -> dict[str | None, str]:
        """The period of each feed's newest archive document (its live feed links it)."""
        from feedpub.archive import newest_periods

        return newest_periods(self.entries, self.live)

    def shown_ids(self) -> set[str]:
        return {release.id for releases in self.feeds.values() for release in releases}
