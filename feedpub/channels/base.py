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

What the channels are given is in :mod:`feedpub.channels.view` (imported only by builds
that render: this module and the registry are all that a build with nothing to do loads,
to give the channels their :meth:`Channel.announce`).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, NamedTuple, Protocol
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    import sqlite3

    from feedpub.channels.view import Earlier, Outlet, View
    from feedpub.config import Config
    from feedpub.departments import Department, Entry, Selection
    from feedpub.feeds import FeedInfo
    from feedpub.publish import Publisher
    from feedpub.release import Release
    from feedpub.report import Report
    from feedpub.state import Seen
    from feedpub.websub import Timing

#: A channel's keys: what each of its documents was rendered from, by the document's path.
Keys = dict[str, str]
#: ``updated`` of a feed that has no entries (all its releases are bad): fixed, not now().
EMPTY_FEED_UPDATED = datetime(2000, 1, 1, tzinfo=ZoneInfo("Europe/Berlin"))


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


class Done(NamedTuple):
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
    from feedpub.departments import Department

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
