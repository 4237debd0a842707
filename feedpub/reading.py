"""The read phase of a build: read the release files that changed, stage each good one's page
and pictures, render its feed entries while its body is at hand, and select it for the feeds;
keep what was published of a bad one (or of one whose new version waits for its time).

It runs in one process or, for many releases, in two (see :mod:`feedpub.processes`): each
process reads its share into a :class:`Part` that pickles, and the build merges the parts in
path order, so the result never depends on timing.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from feedpub.config import Config
from feedpub.departments import Entry, Selection
from feedpub.discover import ReleaseFile
from feedpub.layout import Urls
from feedpub.plan import goes_public, known_error, waiting
from feedpub.publish import FileWriter, PublishedFiles
from feedpub.release import (
    Release,
    ReleaseError,
    image_files,
    make_id,
)
from feedpub.state import RECOVERED, UNREAD, FileRow, Seen, State, bad_key, content_hash

if TYPE_CHECKING:
    from feedpub.channels.base import ReleaseSink
    from feedpub.corrections import NoticeRecord
    from feedpub.release import Notice


class Scanned(NamedTuple):
    """One candidate file and what became of it. (Named tuples rather than dataclasses for
    the small records here: a dataclass costs half a millisecond to define, on every run.)"""

    candidate: ReleaseFile
    result: Release | ReleaseError
    notices: tuple[Notice, ...] = ()
    #: The file was not read: its error is remembered (see :attr:`feedpub.state.Cache.bad`).
    remembered: bool = False


class Context(NamedTuple):
    """What every process of a build's read phase needs to know (it pickles)."""

    config: Config
    out_dir: Path
    #: The clock: releases dated later are held back; an edit seen now is updated now.
    now: datetime
    duplicates: dict[str, ReleaseError]
    state: State
    #: What the ledger knows of each published file (also when the cache is not usable).
    cached: dict[str, FileRow]
    #: The files the last build found bad by their bytes (see Cache.bad).
    bad: dict[str, tuple[int | None, str]]


@dataclass
class Part:
    """What one phase or process contributes to a build: releases selected for the feeds,
    entries for the archives, ledger rows, errors and notices, files staged and files of
    earlier builds to keep. The build merges the parts in order (see
    :meth:`feedpub.pipeline.Build.take`)."""

    selection: Selection
    releases: int = 0
    held_back: int = 0
    errors: list[ReleaseError] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)
    #: Slugs of departments that have files, good or bad.
    touched: set[str] = field(default_factory=set)
    #: (slug, stem) of the releases not read (unchanged, or bad now) whose files of earlier
    #: builds are kept (each per-release channel names them: see
    #: :meth:`feedpub.channels.base.ReleaseChannel.kept`), and whether the manifest is
    #: trusted for them without a look at the disk (unchanged releases: 10,000 ``stat``
    #: calls would cost more than a whole no-change build).
    kept: list[tuple[str, str]] = field(default_factory=list)
    trusted: bool = False
    #: Department folders that cannot be listed: every file published below them is kept.
    kept_folders: list[str] = field(default_factory=list)
    pages: PublishedFiles = field(default_factory=PublishedFiles)
    #: The next cache's entries of the files of this part.
    cached: dict[str, FileRow] = field(default_factory=dict)
    #: The files this part found bad by their bytes, for the next cache (see Cache.bad), and
    #: how many of them it did not read (the cache knew them).
    bad: dict[str, tuple[int | None, str]] = field(default_factory=dict)
    remembered: int = 0
    #: The files this part held back (embargo), by bad_key, with the moment (POSIX seconds)
    #: each may be published (see Cache.held).
    held: dict[str, int] = field(default_factory=dict)
    seen: dict[str, Seen] = field(default_factory=dict)
    #: Every release this part publishes, for the archives: light stubs of the good ones
    #: (re-read only if an archive document that shows them must be rendered), last good
    #: versions of the kept ones.
    entries: list[Entry] = field(default_factory=list)
    #: What each per-release channel handed back in this process, by channel name (see
    #: :meth:`feedpub.channels.base.ReleaseSink.close`).
    made: dict[str, object] = field(default_factory=dict)
    #: Correction notices: made by the releases this part read; once the parts are merged,
    #: every notice the build publishes (see :func:`feedpub.corrections.published`).
    corrections: list[NoticeRecord] = field(default_factory=list)

    def keep(self, entry: Entry, slug: str, stem: str) -> None:
        """Keep a release published before: in the feeds, the archives, its page and
        pictures."""
        self.selection.add(entry)
        self.entries.append(entry)
        self.kept.append((slug, stem))


def parse_all(
    candidates: list[ReleaseFile],
    refused: dict[str, ReleaseError],
    config: Config,
    bad: dict[str, tuple[int | None, str]] | None = None,
) -> Iterator[Scanned]:
    """Read each candidate; those in ``refused`` (by relative path) are not read, and nor are
    those that ``bad`` (see :attr:`feedpub.state.Cache.bad`) knows as unchanged and bad."""
    from feedpub.images import with_images
    from feedpub.parse import read_release

    tag_prefix = config.tag_prefix
    for candidate in candidates:
        error = refused.get(candidate.relative)
        if error is not None:
            yield Scanned(candidate, error)
            continue
        error = known_error(bad, candidate) if bad else None
        if error is not None:
            yield Scanned(candidate, error, remembered=True)
            continue
        path = candidate.source
        try:
            release, notices = read_release(
                path, department=candidate.department, tag_prefix=tag_prefix
            )
        except FileNotFoundError:
            continue  # deleted after the folder was listed (a press officer tidying up)
        except ReleaseError as exc:
            yield Scanned(candidate, exc)
            continue
        pictures = image_files(path.parent, candidate.images)
        release, warnings = with_images(release, pictures)
        yield Scanned(candidate, release, (*notices, *warnings))


def read_part(
    candidates: list[ReleaseFile],
    context: Context,
    progress: Callable[[int], None] | None = None,
) -> Part:
    """Read ``candidates`` into a :class:`Part`: stage each good release's page and
    pictures, spool its feed entries and select it; for a bad one (or one whose new version
    waits for its time) keep what was published. On any failure, the part's temporaries are
    removed (nobody else knows them: a full disk must leave the output folder as it was)."""
    reader = _Reader(context)
    try:
        reader.read(candidates, progress)
    except BaseException:
        reader.part.pages.remove_temporaries(context.out_dir)
        for sink in reader.sinks.values():
            sink.abort()
        raise
    return reader.part


class _Reader:
    """The read phase in one process: one :class:`Part`, its file writer and the sinks of
    the per-release channels."""

    def __init__(self, context: Context) -> None:
        self.context = context
        self.part = Part(Selection(context.config.max_entries))
        self.urls = Urls(context.config)
        self.sinks: dict[str, ReleaseSink] = {}

    def read(self, candidates: list[ReleaseFile], progress: Callable[[int], None] | None) -> None:
        from feedpub.channels import RELEASE_CHANNELS
        from feedpub.channels.view import Outlet

        context = self.context
        writer = FileWriter(context.out_dir, self.part.pages)
        outlet = Outlet(context.config, self.urls, context.out_dir, writer, self.part.notices)
        for channel in RELEASE_CHANNELS:
            self.sinks[channel.name] = channel.open(outlet)
        items = parse_all(candidates, context.duplicates, context.config, context.bad)
        for index, item in enumerate(items):
            if progress is not None and index % 100 == 99:
                progress(100)
            self.part.touched.add(item.candidate.slug)
            release = item.result
            if isinstance(release, ReleaseError):
                self._bad(item, release)
            elif goes_public(release) > context.now and not context.config.drafts:
                # (feedpub serve --drafts publishes it in the preview only)
                self._waiting(item, release)
            else:
                self._good(item, release)
        for name, sink in self.sinks.items():
            self.part.made[name] = sink.close()
        if progress is not None:
            progress(len(candidates) % 100)

    def _bad(self, item: Scanned, error: ReleaseError) -> None:
        part, candidate = self.part, item.candidate
        part.errors.append(error)
        if error.from_bytes:
            part.bad[bad_key(candidate.relative, candidate.signature)] = (error.line, error.reason)
            part.remembered += item.remembered
        if candidate.relative in self.context.duplicates:
            return  # its URL and id belong to another file, published as such
        self._keep(candidate, None)

    def _waiting(self, item: Scanned, release: Release) -> None:
        if not self._keep(item.candidate, release):
            self.part.held_back += 1  # embargo: no trace of it anywhere until its time
            key = bad_key(item.candidate.relative, item.candidate.signature)
            self.part.held[key] = math.ceil(goes_public(release).timestamp())

    def _keep(self, candidate: ReleaseFile, release: Release | None) -> bool:
        """Keep the version published before of a file that is bad now (``release`` None)
        or waits for its time; False when it was never published."""
        from feedpub.release import Notice

        context, part, slug = self.context, self.part, candidate.slug
        # The parser made the same id already: a good release's own id is the one kept, not
        # a second copy (50,000 releases: 6 MB). Of the stems, the candidate's is kept.
        release_id = (
            release.id if release else make_id(context.config.tag_prefix, slug, candidate.stem)
        )
        history = context.state.seen.get(release_id)
        if history is None:
            return False
        previous = context.cached.get(candidate.relative)
        published = "" if previous is None else previous.published
        part.cached[candidate.relative] = FileRow(UNREAD, published)
        part.seen[release_id] = history
        if release is not None:
            part.notices.append(waiting(candidate.source, release))
        last_good = context.state.releases.get(release_id)
        if last_good is not None:
            part.keep(last_good, slug, candidate.stem)
            if release is None:
                reason = "the feeds keep showing its last good version until it is fixed"
                part.notices.append(Notice(candidate.source, None, reason))
            return True
        part.kept.append((slug, candidate.stem))
        if published:
            # Not in a live feed, so in an archive document: it stays there as it is.
            part.entries.append(candidate.entry(release_id, datetime.fromisoformat(published)))
        return True

    def _good(self, item: Scanned, parsed: Release) -> None:
        from feedpub.content import body_html

        context, part, candidate = self.context, self.part, item.candidate
        history = next_history(context.state, parsed, context.now)
        release = with_history(parsed, history)
        self._correction(parsed, release)
        part.seen[release.id] = history
        part.cached[candidate.relative] = FileRow(
            candidate.signature, release.published.isoformat(), candidate.stem
        )
        part.releases += 1
        part.notices.extend(item.notices)
        part.selection.add(release)
        # Its strings are the listing's (the file name, the stem) or the release's (the id),
        # never a second copy: 50,000 of them live to the end.
        part.entries.append(candidate.entry(release.id, release.published, candidate.images))
        body = body_html(release, self.urls)  # once, for its page and its feed entry
        for sink in self.sinks.values():
            sink.on_release(release, body)

    def _correction(self, parsed: Release, release: Release) -> None:
        """The correction notice a release read now makes, if any (see
        :mod:`feedpub.corrections`): dated from its text and history, placed as the feeds
        place the release."""
        from feedpub.corrections import new_notice

        state = self.context.state
        notice = new_notice(
            replace(parsed, published=release.published),  # the time the feeds give
            state.notices.get(parsed.id, ()),
            self.context.now,
            first_seen=parsed.id not in state.seen or not state.found,
        )
        if notice is not None:
            self.part.corrections.append(notice)


def next_history(state: State, parsed: Release, now: datetime) -> Seen:
    """The history of a release read now as good: its content hash, the time a build first
    saw this content (an edit seen now is updated now) and the time a build first published
    it on its day (see :func:`feedpub.daytime.first_published`)."""
    from feedpub.daytime import first_published

    digest = content_hash(parsed)
    history = state.seen.get(parsed.id)
    if history is not None and history.hash == RECOVERED:
        # Read back from the published feeds: the time they show is kept (see recover).
        return Seen(digest, history.updated, history.first)
    if history is None or not state.found:
        return Seen(digest, None, now)  # first published now
    if history.hash == digest:
        return history
    # An edit: readers see it as updated now; a date-only one moved to a later day counts
    # its first publication from now.
    first = history.first
    if not parsed.has_time:
        first = first_published(first, parsed.published, now)
    return Seen(digest, now, first)


def read_unchanged(
    entry: ReleaseFile, tag_prefix: str, seen: dict[str, Seen], errors: list[ReleaseError] | None
) -> Release | None:
    """An unchanged release read again, with its history; None when it is gone or bad now
    (then its error goes to ``errors``, if given: it changed a moment ago)."""
    from feedpub.images import with_images
    from feedpub.parse import read_release

    source = entry.source
    try:
        release, _ = read_release(source, department=entry.department, tag_prefix=tag_prefix)
    except FileNotFoundError:
        return None  # deleted a moment ago: the next build removes it everywhere
    except ReleaseError as exc:
        if errors is not None:
            errors.append(exc)  # changed a moment ago: the next build sees it
        return None
    # Warned about when it was first read.
    release, _ = with_images(release, image_files(source.parent, entry.images))
    return with_history(release, seen.get(release.id))


def with_history(release: Release, history: Seen | None) -> Release:
    """The release with the correction time its history gives (a stated one wins) and, when
    its date names no time, the time of day of :func:`feedpub.daytime.date_only_time`."""
    if not release.has_time:
        from feedpub.daytime import date_only_time

        first = None if history is None else history.first
        release = replace(release, published=date_only_time(release.published, first))
    if release.updated is None and history is not None and history.updated is not None:
        return replace(release, updated=history.updated, updated_has_time=True)
    return release
