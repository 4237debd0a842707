"""The documents of a build besides the release pages: the live feeds (Atom, RSS, JSON
Feed), their RFC 5005 archive documents, the department pages, index.html and the OPML lists.

Each feed document and each archive document is rendered only when its key changed (its
releases' ids, content hashes and correction times, and its links), so a cron run after one
new release renders a few documents, not thousands; every entry that is rendered is rendered
once per format, for every document that shows it. Rendering is done by the render modules
(feeds, jsonfeed, pages, overview); writing by publish.
"""

from __future__ import annotations

import contextlib
import functools
import os
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from feedpub.config import Config
from feedpub.daytime import date_only_time
from feedpub.departments import Department, Entry, Selection, Stub
from feedpub.layout import (
    ATOM,
    INDEX,
    JSON,
    JSON_OPML,
    OPML,
    RSS,
    Urls,
    archive_path,
    department_page_path,
    feed_path,
    image_owner,
)
from feedpub.processes import PARALLEL_MIN, can_fork, cores, fork_pair
from feedpub.publish import (
    HIDDEN,
    FileWriter,
    PublishedFiles,
    Publisher,
    make_folders,
    temporary_name,
)
from feedpub.release import Release, ReleaseError, image_files
from feedpub.state import Cache, Seen

if TYPE_CHECKING:
    from feedpub.archive import ArchiveDoc
    from feedpub.feeds import FeedInfo, Fragments

#: ``updated`` of a feed that has no entries (all its releases are bad): fixed, not now().
EMPTY_FEED_UPDATED = datetime(2000, 1, 1, tzinfo=ZoneInfo("Europe/Berlin"))


def publish_feeds(
    selection: Selection,
    feeds: dict[str | None, list[Release]],
    touched: set[str],
    config: Config,
    urls: Urls,
    publisher: Publisher,
    newest_archive: dict[str | None, str],
    seen: dict[str, Seen],
    old_keys: dict[str, str],
    keys: dict[str, str],
    listed: dict[str | None, list[Release]] | None = None,
) -> None:
    """Department feeds and pages, the feed of all, index.html, feeds.opml and
    feeds-json.opml. ``newest_archive``: the period of each feed's newest archive document,
    which its live feed links. ``old_keys``/``keys``: the last build's and this build's keys
    of each feed (see :func:`_feed_key`), by its Atom path. ``listed``: the releases the
    pages list, when not the feeds' entries (the feeds have correction notices)."""
    listed = feeds if listed is None else listed
    from feedpub.feeds import render_entries
    from feedpub.overview import render_department_page, render_index
    from feedpub.pages import render_opml

    departments = [department_of(selection, slug, config) for slug in selection.slugs()]
    # A feed (its Atom, RSS and JSON documents, and its department's page) is rendered only
    # when its key changed: after one release changed, its department's and the combined
    # feed, not all of them.
    todo: list[Department | None] = []
    for department in [None, *departments]:
        slug = None if department is None else department.slug
        count = selection.count(slug)
        in_feed = {release.id for release in feeds[slug]}
        key = keys[feed_path(slug, ATOM)] = _feed_key(
            feeds[slug] + [r for r in listed[slug] if r.id not in in_feed],  # the page's too
            seen,
            newest_archive.get(slug),
            count,
        )
        files = {feed_path(slug, name) for name in (ATOM, RSS, JSON)}
        if slug is not None:
            files.add(department_page_path(slug))
        if old_keys.get(feed_path(slug, ATOM)) == key and files <= publisher.previous:
            for relative in files:
                publisher.keep(relative, check=False)
        else:
            todo.append(department)
    items: dict[str, dict[str, Any]] = {}  # JSON Feed items, shared by the two feeds of each
    # Every entry rendered once, for its department's feed and the combined one alike.
    shown = {
        release.id: release
        for department in todo
        for release in feeds[None if department is None else department.slug]
    }
    fragments = render_entries(list(shown.values()), urls, _feed_info(config, None))
    for department in todo:
        slug = None if department is None else department.slug
        releases = feeds[slug]
        _write_feed(publisher, releases, config, urls, department, newest_archive, items, fragments)
        if department is not None:
            page = render_department_page(config.title, department, listed[slug], urls)
            publisher.write(department_page_path(department.slug), page)
    for slug in sorted(touched - set(selection.slugs())):
        # Every release of this department is bad (and none was published): keep its feeds.
        publisher.keep(feed_path(slug, ATOM))
        publisher.keep(feed_path(slug, RSS))
        publisher.keep(feed_path(slug, JSON))
        publisher.keep(department_page_path(slug))
    index = render_index(config.title, config.description, departments, listed[None], urls)
    publisher.write(INDEX, index)
    # The JSON Feeds in an OPML list of their own, with the same outlines: one list with both
    # formats would subscribe an importing reader to every feed twice, and readers without
    # JSON Feed (Thunderbird, newsboat) to feeds they cannot read (README, "Output layout").
    for feed_name, opml_name in ((ATOM, OPML), (JSON, JSON_OPML)):
        opml = render_opml(
            config.title, config.publisher, config.email, departments, urls, feed_name=feed_name
        )
        publisher.write(opml_name, opml)


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


def _write_feed(
    publisher: Publisher,
    releases: list[Release],
    config: Config,
    urls: Urls,
    department: Department | None,
    newest_archive: dict[str | None, str],
    items: dict[str, dict[str, Any]],
    fragments: Fragments,
) -> None:
    from feedpub.feeds import History, render_document
    from feedpub.jsonfeed import render_json_feed

    slug = department.slug if department else None
    period = newest_archive.get(slug)
    history = History(prev_archive=None if period is None else urls.archive(slug, period))
    info = _feed_info(config, department)
    atom, rss = render_document(info, releases, fragments, urls, history)
    publisher.write(feed_path(slug, ATOM), atom)
    publisher.write(feed_path(slug, RSS), rss)
    publisher.write(feed_path(slug, JSON), render_json_feed(info, releases, urls, items))


def _feed_info(config: Config, department: Department | None) -> FeedInfo:
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


def publish_archives(
    everything: list[Entry],
    feeds: dict[str | None, list[Release]],
    seen: dict[str, Seen],
    cache: Cache | None,
    selection: Selection,
    config: Config,
    urls: Urls,
    publisher: Publisher,
    spools: list[Spool],
) -> tuple[dict[str, str], dict[str | None, str]]:
    """Stage the RFC 5005 archive documents that changed (see :mod:`feedpub.archive`).
    ``spools``: entries rendered while their releases were read (see :class:`Spool`).

    A document is rendered only when its key (its releases' ids, content hashes and
    correction times, and its neighbours) differs from the last build's, so a cron run after
    one new release renders the live feeds and the newest archive documents, not 10,000
    entries. Each release shown by a document that is rendered is read once and rendered
    once per format, for its department's document and the combined one alike. Returns the
    documents' keys (for the cache) and each feed's newest archive period.
    """
    from feedpub.archive import plan

    live = {slug: {release.id for release in releases} for slug, releases in feeds.items()}
    chains = plan(everything, live)
    old_keys = cache.docs if cache is not None else {}
    keys: dict[str, str] = {}
    newest: dict[str | None, str] = {}
    todo: dict[str, list[ArchiveDoc]] = {}
    for slug, chain in chains.items():
        newest[slug] = chain[-1].period
        for doc in chain:
            atom_path = archive_path(slug, doc.period, ATOM)
            rss_path = archive_path(slug, doc.period, RSS)
            key = keys[atom_path] = _doc_key(doc, seen)
            if old_keys.get(atom_path) == key and {atom_path, rss_path} <= publisher.previous:
                publisher.keep(atom_path, check=False)
                publisher.keep(rss_path, check=False)
            else:
                todo.setdefault(doc.period, []).append(doc)
    departments = {slug: department_of(selection, slug, config) for slug in selection.slugs()}
    periods = sorted(todo)
    spooled = {entry_id: spool for spool in spools for entry_id in spool.index}
    work = functools.partial(
        _render_archives,
        spooled=spooled,
        todo=todo,
        departments=departments,
        seen=seen,
        config=config,
        urls=urls,
        out_dir=publisher.out_dir,
    )
    size = sum(len(doc.entries) for docs in todo.values() for doc in docs)
    if size >= PARALLEL_MIN and cores() >= 2 and can_fork():
        # Months alternately, so both halves get old and new (small and big) months.
        mine, theirs = fork_pair(
            functools.partial(work, periods[0::2]), functools.partial(work, periods[1::2])
        )
        publisher.absorb(mine)
        publisher.absorb(theirs)
    else:
        publisher.absorb(work(periods))
    return keys, newest


def _render_archives(
    periods: list[str],
    *,
    spooled: dict[str, Spool],
    todo: dict[str, list[ArchiveDoc]],
    departments: dict[str, Department],
    seen: dict[str, Seen],
    config: Config,
    urls: Urls,
    out_dir: Path,
) -> PublishedFiles:
    """Render and stage the archive documents of ``periods`` (in this process or a forked
    one): each month's releases are read once and rendered once per format, for the
    department documents and the combined one alike."""
    from feedpub.feeds import History, render_document, render_entries

    record = PublishedFiles()
    writer = FileWriter(out_dir, record)
    try:
        for period in periods:
            shown: dict[str, Release] = {}
            kept: dict[str, tuple[Release, tuple[bytes, bytes]]] = {}
            media: dict[str, bool] = {}
            for doc in todo[period]:
                for entry in doc.entries:
                    if entry.id in shown or entry.id in kept:
                        continue
                    spool = spooled.get(entry.id)
                    if spool is not None and not isinstance(entry, Release):
                        # Rendered while it was read this build: no second reading.
                        kept[entry.id] = (spool.stand_in(entry), spool.read(entry.id))
                        media[entry.id] = spool.has_pictures(entry.id)
                        continue
                    release = (
                        entry
                        if isinstance(entry, Release)
                        else read_unchanged(entry, config.tag_prefix, seen, None)
                    )
                    if release is not None:
                        shown[entry.id] = release
                        continue
                    # Bad now: its last good version is the one in the published document.
                    old = _published_fragment(out_dir, doc, entry.id)
                    if old is not None:
                        past = seen.get(entry.id)
                        updated = None if past is None else past.updated
                        kept[entry.id] = (_placeholder(entry, updated), old)
                        media[entry.id] = b"<media:" in old[0]
            fragments = render_entries(list(shown.values()), urls, _feed_info(config, None))
            for release, fragment in kept.values():
                shown[release.id] = release
                fragments[release.id] = fragment
            for doc in todo[period]:
                department = None if doc.slug is None else departments.get(doc.slug)
                if doc.slug is not None and department is None:
                    continue  # pragma: no cover - a department with archived releases is known
                history = History(
                    current=(urls.feed(doc.slug, ATOM), urls.feed(doc.slug, RSS)),
                    self_urls=urls.archive(doc.slug, period),
                    prev_archive=None if doc.prev is None else urls.archive(doc.slug, doc.prev),
                    next_archive=None if doc.next is None else urls.archive(doc.slug, doc.next),
                )
                releases = [shown[e.id] for e in doc.entries if e.id in shown]
                info = _feed_info(config, department)
                pictures = any(r.images or media.get(r.id, False) for r in releases)
                atom, rss = render_document(info, releases, fragments, urls, history, pictures)
                writer.write(archive_path(doc.slug, period, ATOM), atom)
                writer.write(archive_path(doc.slug, period, RSS), rss)
    except BaseException:
        record.remove_temporaries(out_dir)  # nobody else knows them (see _publish_releases)
        raise
    return record


def _published_fragment(
    out_dir: Path, doc: ArchiveDoc, entry_id: str
) -> tuple[bytes, bytes] | None:
    """An entry as the published archive document of its month shows it (the department's
    or the combined one), or None."""
    from feedpub.feeds import cut_fragment

    for slug in dict.fromkeys((doc.slug, None)):
        try:
            atom = (out_dir / archive_path(slug, doc.period, ATOM)).read_bytes()
            rss = (out_dir / archive_path(slug, doc.period, RSS)).read_bytes()
        except OSError:
            continue
        fragment = cut_fragment(atom, rss, entry_id)
        if fragment is not None:
            return fragment
    return None


def _placeholder(entry: Entry, updated: datetime | None) -> Release:
    """A stand-in for a release that only its rendered fragment shows: enough to order it
    and to date the document (``updated``)."""
    return Release(
        source=Path(entry.slug),
        department=entry.department,
        slug=entry.slug,
        stem=entry.id.rsplit("/", 1)[-1],
        id=entry.id,
        published=entry.published,
        has_time=True,
        title=entry.id,
        updated=updated,
    )


def _feed_key(
    releases: list[Release], seen: dict[str, Seen], newest_archive: str | None, count: int
) -> str:
    """What a live feed's documents and its department's page depend on besides the
    configuration: its releases (id, content, correction time), its newest archive
    document and its number of releases."""
    import hashlib

    parts = [newest_archive or "", str(count)]
    for release in releases:
        history = seen.get(release.id)
        parts.append(
            f"{release.id} {history.hash if history else ''} {history and history.updated}"
        )
    return hashlib.blake2b("\n".join(parts).encode("utf-8"), digest_size=12).hexdigest()


def _doc_key(doc: ArchiveDoc, seen: dict[str, Seen]) -> str:
    """What an archive document's bytes depend on besides the configuration (a new one
    means a full build anyway): its neighbours and each release's id, content and
    correction time."""
    import hashlib

    parts = [doc.prev or "", doc.next or ""]
    for entry in doc.entries:
        history = seen.get(entry.id)
        parts.append(f"{entry.id} {history.hash if history else ''} {history and history.updated}")
    return hashlib.blake2b("\n".join(parts).encode("utf-8"), digest_size=12).hexdigest()


def read_unchanged(
    stub: Stub, tag_prefix: str, seen: dict[str, Seen], errors: list[ReleaseError] | None
) -> Release | None:
    """An unchanged release read again, with its history; None when it is gone or bad now
    (then its error goes to ``errors``, if given: it changed a moment ago)."""
    from feedpub.images import with_images
    from feedpub.parse import read_release

    try:
        release, _ = read_release(stub.source, department=stub.department, tag_prefix=tag_prefix)
    except FileNotFoundError:
        return None  # deleted a moment ago: the next build removes it everywhere
    except ReleaseError as exc:
        if errors is not None:
            errors.append(exc)  # changed a moment ago: the next build sees it
        return None
    # Warned about when it was first read.
    release, _ = with_images(release, image_files(stub.source.parent, stub.images))
    return with_history(release, seen.get(release.id))


def published_pictures(previous: set[str]) -> dict[tuple[str, str], list[str]]:
    """The pictures the last build published (its manifest), by (slug, stem) of their
    release: a release that is not read this time (unchanged, or turned bad) keeps them."""
    pictures: dict[tuple[str, str], list[str]] = {}
    for relative in previous:
        if relative.endswith((".jpg", ".png", ".webp")):
            slug, _, name = relative.rpartition("/")
            stem = image_owner(name)
            if stem is not None and slug and "/" not in slug:
                pictures.setdefault((slug, stem), []).append(relative)
    return pictures


def with_history(release: Release, history: Seen | None) -> Release:
    """The release with the correction time its history gives (a stated one wins) and, when
    its date names no time, the time of day of :func:`feedpub.daytime.date_only_time`."""
    if not release.has_time:
        first = None if history is None else history.first
        release = replace(release, published=date_only_time(release.published, first))
    if release.updated is None and history is not None and history.updated is not None:
        return replace(release, updated=history.updated, updated_has_time=True)
    return release


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
        spool = cls(path, urls, _feed_info(config, None))
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
        from feedpub.release import entry_updated

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
                entry_updated(release),
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

    def stand_in(self, entry: Entry) -> Release:
        """A stand-in for the release: enough to order it and date a document."""
        return _placeholder(entry, self.index[entry.id][3])

    def has_pictures(self, entry_id: str) -> bool:
        return self.index[entry_id][4]

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
