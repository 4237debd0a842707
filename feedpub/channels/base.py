"""What a channel is given and what it gives back (see :mod:`feedpub.channels` and
docs/architecture.md, "Channels").

Two kinds:

* a :class:`ReleaseChannel` makes outputs from each release as it is read, in the process
  that reads it (the body HTML is made once, for the page and the feed entry alike): it
  opens a :class:`ReleaseSink` per process, which gets ``on_release(release, body)`` for
  every good release and hands back a result that pickles (see :attr:`View.made`). For the
  releases a build does not read (unchanged, or bad and kept), it names the files of
  earlier builds to keep (:meth:`ReleaseChannel.kept`);
* a :class:`Channel` makes outputs from the whole selection, once it is known: it gets a
  read-only :class:`View` and the publisher, decides from the keys of the last build what
  changed (a document whose key and file are unchanged is kept, not rendered), stages what
  changed and returns the keys of its documents. Two hooks follow: :meth:`Channel.staged`
  (every output is staged, nothing is in place yet) and :meth:`Channel.announce` (after the
  ledger committed, or when nothing changed at all).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Protocol
from zoneinfo import ZoneInfo

from feedpub.config import Config
from feedpub.departments import Department, Entry, Selection
from feedpub.layout import Urls
from feedpub.publish import FileWriter
from feedpub.release import Notice, Release
from feedpub.state import Seen

if TYPE_CHECKING:
    import sqlite3

    from feedpub.archive import ArchiveDoc
    from feedpub.feeds import FeedInfo
    from feedpub.publish import Publisher
    from feedpub.report import Report
    from feedpub.websub import Timing

#: A channel's keys: what each of its documents was rendered from, by the document's path.
Keys = dict[str, str]
#: ``updated`` of a feed that has no entries (all its releases are bad): fixed, not now().
EMPTY_FEED_UPDATED = datetime(2000, 1, 1, tzinfo=ZoneInfo("Europe/Berlin"))


@dataclass
class Outlet:
    """What a per-release channel writes through, in the process that reads releases: the
    files it stages (renamed into place by the publisher) and warnings about a release."""

    config: Config
    urls: Urls
    out_dir: Path
    writer: FileWriter
    notices: list[Notice]


class ReleaseSink(Protocol):
    """A per-release channel in one process of the read phase."""

    def on_release(self, release: Release, body: str) -> None:
        """Make this channel's outputs of a good release (``body``: its body HTML)."""

    def close(self) -> object:
        """The end of the read phase in this process: a result that pickles, which the
        build collects in :attr:`View.made` (None: nothing to hand on)."""

    def abort(self) -> None:
        """The read phase failed: remove what only this sink knows of (temporaries)."""


class ReleaseChannel(Protocol):
    """Outputs made from each release as it is read (see the module docstring)."""

    name: ClassVar[str]

    def open(self, outlet: Outlet) -> ReleaseSink: ...

    def kept(self, config: Config, slug: str, stem: str, earlier: Earlier) -> Iterable[str]:
        """The files of earlier builds that a release not read this time keeps."""
        ...

    def discard(self, result: Any) -> None:
        """Remove what a result of :meth:`ReleaseSink.close` holds outside the output (at
        the end of the build, whatever happened)."""


@dataclass(frozen=True)
class Earlier:
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

    @cached_property
    def departments(self) -> list[Department]:
        """The departments with good releases, by slug."""
        return [department_of(self.selection, slug, self.config) for slug in self.selection.slugs()]

    @cached_property
    def archives(self) -> dict[str | None, list[ArchiveDoc]]:
        """The RFC 5005 archive documents of every feed, oldest first (see
        :func:`feedpub.archive.plan`)."""
        from feedpub.archive import plan

        live = {slug: {r.id for r in releases} for slug, releases in self.feeds.items()}
        return plan(self.entries, live)

    @cached_property
    def newest_archive(self) -> dict[str | None, str]:
        """The period of each feed's newest archive document (its live feed links it)."""
        return {slug: chain[-1].period for slug, chain in self.archives.items()}

    def shown_ids(self) -> set[str]:
        return {release.id for releases in self.feeds.values() for release in releases}


@dataclass(frozen=True)
class Done:
    """What the channels are told after a build (or a build that found nothing to do)."""

    out_dir: Path
    config: Config
    #: The files this build rewrote (relative paths).
    written: list[str]
    timing: Timing | None = None


class Channel:
    """Outputs made from the whole selection (see the module docstring). Subclasses set
    :attr:`name` and override what they need."""

    name: ClassVar[str] = ""

    def publish(self, view: View, publisher: Publisher) -> Keys:
        """Stage what changed, keep what did not; the keys of this channel's documents."""
        return {}

    def staged(self, view: View, publisher: Publisher, ledger: sqlite3.Connection) -> None:
        """Every output is staged, nothing is in place yet: record what must survive a
        build killed from here on (in the ledger, before its last transaction begins)."""

    def announce(self, done: Done, report: Report) -> None:
        """The outputs are in place and the ledger committed (or nothing changed)."""


def department_of(selection: Selection, slug: str, config: Config) -> Department:
    name = selection.name(slug)
    settings = config.department(name, slug)
    title = settings.title or name
    return Department(
        name=name,
        slug=slug,
        title=title,
        description=settings.description or f"Pressemitteilungen: {title}",
        count=selection.count(slug),
    )


def feed_info(config: Config, department: Department | None) -> FeedInfo:
    """A feed's own fields; its archive documents share them (RFC 5005: one logical feed)."""
    from feedpub.feeds import FeedInfo

    if department is None:
        title, subtitle, feed_id = config.title, config.description, f"{config.tag_prefix}feed"
    else:
        title = f"{department.title} – {config.title}"
        subtitle = department.description
        feed_id = f"{config.tag_prefix}feed/{department.slug}"
    return FeedInfo(
        slug=None if department is None else department.slug,
        id=feed_id,
        title=title,
        subtitle=subtitle,
        publisher=config.publisher,
        email=config.email,
        empty_updated=EMPTY_FEED_UPDATED,
        hub=config.websub_hub,
    )


def releases_key(releases: Iterable[Entry], seen: dict[str, Seen], *head: str) -> str:
    """A key of a document: ``head`` (its links, counts) and each release's id, content hash
    and correction time. The configuration is not in it: a new one means a full build."""
    import hashlib

    parts = list(head)
    for release in releases:
        history = seen.get(release.id)
        parts.append(
            f"{release.id} {history.hash if history else ''} {history and history.updated}"
        )
    return hashlib.blake2b("\n".join(parts).encode("utf-8"), digest_size=12).hexdigest()
