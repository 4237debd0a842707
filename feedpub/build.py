"""Runs the steps: find → parse → group → render → publish. The CLI and the tests call this.

Error policy: a bad release (:class:`ReleaseError`) is recorded and skipped, one file at a
time, and the build goes on; every feed is written from the good releases. Nothing published
is lost: a release that was in the feeds and turns bad keeps its last good version in them
(see :mod:`feedpub.state`) and its page stays as it was, until the file is fixed or deleted.
Any other exception is a bug and propagates.
"""

from __future__ import annotations

import contextlib
import functools
import os
import re
import sqlite3
import unicodedata
from collections.abc import Callable, Container, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from feedpub import __version__, corrections
from feedpub.config import Config
from feedpub.corrections import NoticeRecord
from feedpub.departments import Entry, Selection, Stub
from feedpub.discover import (
    Candidate,
    Found,
    find_files,
    find_releases,
    to_candidate,
    unreadable_folders,
)
from feedpub.documents import (
    Spool,
    publish_archives,
    publish_feeds,
    published_pictures,
    read_unchanged,
    with_history,
)
from feedpub.layout import (
    RESERVED_STEM,
    Urls,
    department_page_path,
    image_path,
    name_too_long,
    page_path,
)
from feedpub.ledger import LEDGER_NAME
from feedpub.processes import PARALLEL_MIN, can_fork, cores, fork_pair
from feedpub.publish import FileWriter, Lock, PublishedFiles, Publisher, SourceError
from feedpub.release import (
    Release,
    ReleaseError,
    department_slug,
    effective_updated,
    image_files,
    location,
    make_id,
)
from feedpub.state import (
    UNREAD,
    Cache,
    CacheEntry,
    Seen,
    State,
    bad_key,
    content_hash,
    fingerprint,
)
from feedpub.websub import Outcome, Timing, announce, expect, feed_urls

if TYPE_CHECKING:
    from feedpub.release import Notice

# feedgen, lxml, dateutil and the parser are imported where they are used: a build that finds
# nothing changed needs none of them, and importing them costs more than the rest of it.


@dataclass
class Report:
    """What a run did. ``errors`` are the skipped files; ``notices`` warnings about kept ones."""

    #: Releases published (read this time or known unchanged).
    releases: int = 0
    errors: list[ReleaseError] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)
    #: Files rewritten, and those of them that are new.
    written: list[str] = field(default_factory=list)
    created: set[str] = field(default_factory=set)
    unchanged: int = 0
    removed: list[str] = field(default_factory=list)
    #: True when sizes and mtimes showed that nothing changed: nothing was rendered.
    fast: bool = False
    #: Release files read this time (the rest were known unchanged, or bad by their bytes).
    read: int = 0
    #: Releases dated in the future (embargo), not published yet.
    held_back: int = 0
    #: The ledger was missing or unreadable although the folder was published before.
    state_lost: bool = False
    #: A damaged ledger moved aside: one line each (see feedpub.ledger).
    damaged: list[str] = field(default_factory=list)
    #: What the WebSub hub was told, or None (no hub configured, or nothing to tell).
    websub: Outcome | None = None


@dataclass(frozen=True, slots=True)
class Scanned:
    """One candidate file and what became of it."""

    candidate: Candidate
    result: Release | ReleaseError
    notices: tuple[Notice, ...] = ()
    #: The file was not read: its error is remembered (see :attr:`Cache.bad`).
    remembered: bool = False


def scan(releases_dir: Path, config: Config) -> tuple[Iterator[Scanned], list[ReleaseError]]:
    """Parse every release under ``releases_dir`` lazily, in path order.

    Returns the per-file results as an iterator (so 50,000 releases are never all in memory)
    and the entries that discovery refused.
    """
    candidates, refused = find_releases(releases_dir)
    return _parse_all(candidates, unique_urls(candidates), config), refused


def unique_urls(
    candidates: Sequence[Candidate], owners: Container[str] = ()
) -> dict[str, ReleaseError]:
    """The files that would share a URL and id with an earlier file, with their error, by
    relative path. ``owners`` are the relative paths of the files published before (the
    ledger's): they come first, so a newcomer never takes a published URL, id or department
    URL name; the newcomer is the error.

    Ids and URLs come from the path alone (department slug and file name slug), so this is
    decided before any file is read: two department folders with the same slug
    (``Jobcenter`` and ``jobcenter``) or two files with the same slug (``A b.txt`` and
    ``a-b.txt``, or the same name in two year folders) make the later one an error. So does a
    file named ``index``: its page would be the department's page; and one whose URL names
    are too long for the output's file names (see :data:`feedpub.layout.MAX_STEM`).
    """
    errors: dict[str, ReleaseError] = {}
    owner_of: dict[str, str] = {}
    first: dict[tuple[str, str], Candidate] = {}
    if owners:
        candidates = sorted(candidates, key=lambda c: c.relative not in owners)  # stable
    for candidate in candidates:
        slug, stem = candidate.slug, candidate.stem
        if not slug or not stem:
            continue  # the parser reports these
        too_long = name_too_long(slug, stem)
        if too_long is not None:
            errors[candidate.relative] = ReleaseError(candidate.path, 1, too_long)
            continue
        if stem == RESERVED_STEM:
            errors[candidate.relative] = ReleaseError(
                candidate.path,
                1,
                f"the URL name {stem!r} belongs to the department's page "
                f"{department_page_path(slug)}; rename the file",
            )
            continue
        owner = owner_of.setdefault(slug, candidate.department)
        if owner != candidate.department:
            errors[candidate.relative] = ReleaseError(
                candidate.path,
                1,
                f"department folder {candidate.department!r} has the same URL name {slug!r} "
                f"as {owner!r}; rename one of the folders",
            )
            continue
        other = first.setdefault((slug, stem), candidate)
        if other is not candidate:
            errors[candidate.relative] = ReleaseError(
                candidate.path,
                1,
                # Quoted: the particulars of a message (see feedpub.messages).
                f"same URL and id '{slug}/{stem}' as '{location(other.path, None)}'; rename one",
            )
    return errors


def _parse_all(
    candidates: list[Candidate],
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
        path = candidate.path
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


def release_record(release: Release, relative: str) -> dict[str, Any]:
    """The JSON object ``feedpub check --json`` prints for a good release."""
    folder = relative.rpartition("/")[0] + "/"
    return {
        "path": relative,
        "department": release.department,
        "slug": release.slug,
        "id": release.id,
        "published": release.published.isoformat(),
        "date_only": not release.has_time,
        # The exact text of the date line read as the date (and its time).
        "date_text": release.date_text,
        # As the Aktualisiert: line states it (00:00 for a date-only one), or None.
        "updated": release.updated.isoformat() if release.updated else None,
        # The text of the Korrektur: line, or None.
        "correction": release.correction,
        "title": release.title,
        "teaser": release.teaser,
        "authors": list(release.authors),
        "captions": [{"text": c.text, "credit": c.credit} for c in release.captions],
        "paragraphs": list(release.paragraphs),
        "images": [
            {
                "path": folder + unicodedata.normalize("NFC", image.source.name),
                "number": image.number,
                "name": image.name,
                "type": image.media_type,
                "length": image.length,
                "width": image.width,
                "height": image.height,
                "alt": image.alt,
                "credit": image.credit,
            }
            for image in release.images
        ],
    }


def error_record(error: ReleaseError, relative: str) -> dict[str, Any]:
    """The JSON object ``feedpub check --json`` prints for a bad file."""
    return {"path": relative, "line": error.line, "error": error.reason}


#: Bump when the output changes for the same input and config: the next build is a full one.
OUTPUT_FORMAT = 6
_BERLIN = ZoneInfo("Europe/Berlin")


@dataclass(frozen=True, slots=True)
class _Context:
    """What every process of a build needs to know (it pickles)."""

    config: Config
    out_dir: Path
    #: The clock: releases dated later are held back; an edit seen now is updated now.
    now: datetime
    duplicates: dict[str, ReleaseError]
    state: State
    #: What the ledger knows of each published file (also when the cache is not usable).
    cached: dict[str, CacheEntry]
    #: The files the last build found bad by their bytes (see Cache.bad).
    bad: dict[str, tuple[int | None, str]] = field(default_factory=dict)


@dataclass
class _Part:
    """What one process did with its share of the releases (pages are staged already)."""

    selection: Selection
    releases: int = 0
    held_back: int = 0
    errors: list[ReleaseError] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)
    #: Slugs of departments that have files, good or bad.
    touched: set[str] = field(default_factory=set)
    #: Files of earlier builds to keep (pages of releases that turned bad).
    kept: list[str] = field(default_factory=list)
    #: (slug, stem) of those releases: their published pictures are kept too.
    kept_pictures: list[tuple[str, str]] = field(default_factory=list)
    pages: PublishedFiles = field(default_factory=PublishedFiles)
    #: The next cache's entries and history of the releases this part read.
    cached: dict[str, CacheEntry] = field(default_factory=dict)
    #: The files this part found bad by their bytes, for the next cache (see Cache.bad), and
    #: how many of them it did not read (the cache knew them).
    bad: dict[str, tuple[int | None, str]] = field(default_factory=dict)
    remembered: int = 0
    seen: dict[str, Seen] = field(default_factory=dict)
    #: Every release this part publishes, for the archives: light stubs of the good ones
    #: (re-read only if an archive document that shows them must be rendered), last good
    #: versions of the kept ones.
    entries: list[Entry] = field(default_factory=list)
    #: Feed entries rendered while the release was at hand (see :class:`Spool`).
    spool: Spool | None = None
    #: Correction notices made by the releases this part read (see feedpub.corrections).
    corrections: list[NoticeRecord] = field(default_factory=list)


def build(
    releases_dir: Path,
    out_dir: Path,
    config: Config,
    *,
    jobs: int | None = None,
    now: datetime | None = None,
    wait: float = 0.0,
    progress: Callable[[int, int], None] | None = None,
    websub: Timing | None = None,
) -> Report:
    """Build every feed, page, the index and the OPML file into ``out_dir``.

    ``now`` is the clock (tests inject it; it never appears in the output): releases dated
    later are held back until a build after their time. ``wait`` seconds to wait for another
    build's lock. ``jobs`` is the number of processes for reading releases and writing pages:
    None uses two when the machine has two cores and there are at least PARALLEL_MIN releases
    to read; the output is the same bytes either way. ``progress(n, total)`` is called as
    releases are read (n more of total). With ``config.websub_hub``, the hub is then told
    which feeds changed (and what earlier builds could not tell it), under the lock, within
    ``websub``'s time budget; a failing hub is in ``report.websub`` and fails nothing.
    Raises :class:`feedpub.publish.LockHeld` when another build runs on ``out_dir``,
    :class:`IdsWouldChange`, and FileNotFoundError when ``releases_dir`` is missing. Any
    OSError while writing leaves what was published as it was.
    """
    now = (now or datetime.now(_BERLIN)).astimezone(_BERLIN).replace(microsecond=0)
    report = Report()
    found, refused = find_files(releases_dir)
    report.errors.extend(refused)
    with Lock(out_dir, wait) as lock:
        fingerprint_now = fingerprint(config, __version__, OUTPUT_FORMAT)
        cache = _read_cache(out_dir, fingerprint_now)
        if cache is not None and _nothing_to_do(found, cache, config, now, report):
            report.fast = True
            _announce(out_dir, config, [], websub, report)
            return report
        del report.errors[len(refused) :]  # the work below reports every file again
        report.releases = report.held_back = 0
        report.notices.clear()
        candidates = [to_candidate(each, _cached_stem(cache, each)) for each in found]
        del found  # memory: 50,000 listed files are tens of MB; the candidates say it all
        _work(
            candidates,
            refused,
            releases_dir,
            out_dir,
            config,
            now,
            jobs,
            progress,
            report,
            cache,
            fingerprint_now,
            lock,
        )
        _announce(out_dir, config, report.written, websub, report)
    return report


def _announce(
    out_dir: Path, config: Config, written: list[str], timing: Timing | None, report: Report
) -> None:
    """WebSub: tell the hub about the feeds among ``written`` and those pending from earlier
    builds (see :mod:`feedpub.websub`). Nothing pending and nothing written costs one
    failing ``open``."""
    if config.websub_hub is not None:
        changed = feed_urls(config.base_url, written)
        report.websub = announce(
            out_dir, config.websub_hub, config.base_url, changed, timing=timing
        )


def _read_cache(out_dir: Path, fingerprint_now: str) -> Cache | None:
    """The cache of the last complete build, read from the ledger opened read-only (a
    no-change build touches no file), or None: no usable ledger, another configuration, a
    build under way, or rows that cannot be read (the work path repairs the ledger)."""
    import sqlite3

    from feedpub.bookkeeping import load_cache
    from feedpub.ledger import read_only

    db = read_only(out_dir)
    if db is None:
        return None
    try:
        return load_cache(db, fingerprint_now)
    except (sqlite3.Error, ValueError, TypeError):
        return None
    finally:
        db.close()


def _nothing_to_do(
    found: list[Found],
    cache: Cache,
    config: Config,
    now: datetime,
    report: Report,
) -> bool:
    """Whether the output of the last build is still right, deciding from sizes and mtimes.

    Files the cache does not list as published are looked at: bad files (their errors are
    reported on every run) and releases held back (their time may have come). A file the
    cache knows as bad by its bytes, with the same signature, is reported from the cache
    without reading it. Anything else that differs, or a file that is gone, means work; so
    does a new file that is bad by its bytes (the work remembers it, so that the next run
    need not read it: 50,000 empty files from a sync tool cost every run seconds).
    """
    unknown = _not_published(found, cache)
    if unknown is None:
        return False
    report.releases = len(found) - len(unknown)
    known = {each.relative: known_error(cache.bad, each) for each in unknown}
    if all(error is not None for error in known.values()):
        # Bad and unchanged since the cache was written, and no file is new: so none of
        # them can have become a duplicate of another (those come first), and their
        # errors are the same.
        report.errors.extend(error for error in known.values() if error is not None)
        return True
    return _read_unknown(found, known, cache, config, now, report)


def _not_published(found: list[Found], cache: Cache) -> list[Found] | None:
    """The files the cache does not list as published and unchanged, or None when a
    published release changed or is gone."""
    listed = 0
    unknown: list[Found] = []
    for each in found:
        entry = cache.files.get(each.relative)
        if entry is not None:
            listed += 1
            if entry[0] == each.signature:
                continue
            if entry[0] != UNREAD:
                return None  # a published release changed
        unknown.append(each)
    if listed != len(cache.files):
        return None  # a published release is gone
    return unknown


def _read_unknown(
    found: list[Found],
    known: dict[str, ReleaseError | None],
    cache: Cache,
    config: Config,
    now: datetime,
    report: Report,
) -> bool:
    """:func:`_nothing_to_do` for the files in ``known`` (by relative path: the error the
    cache knows, or None) when some are new."""
    # Unknown files may share a URL with another file: that needs every file's URL name
    # (those of unchanged files from the cache, without slugify).
    candidates = [to_candidate(each, _cached_stem(cache, each)) for each in found]
    duplicates = unique_urls(candidates, cache.files)
    from feedpub.parse import read_release

    for candidate in candidates:
        if candidate.relative not in known:
            continue
        error = duplicates.get(candidate.relative) or known[candidate.relative]
        if error is None:
            try:
                release, _ = read_release(
                    candidate.path, department=candidate.department, tag_prefix=config.tag_prefix
                )
            except FileNotFoundError:
                return False
            except ReleaseError as exc:
                if exc.from_bytes:
                    return False  # bad by its bytes and new: remembered by a build with work
                error = exc
            else:
                if _goes_public(release) <= now:
                    return False  # new, fixed, or its time has come
                if candidate.relative not in cache.files:
                    report.held_back += 1
                else:  # a published release whose new version waits for its time: kept
                    report.notices.append(_waiting(candidate.path, release))
                continue
        report.errors.append(error)
    return True


def known_error(
    bad: dict[str, tuple[int | None, str]], file: Found | Candidate
) -> ReleaseError | None:
    """The error of a file that the cache knows as bad by its bytes and that has the same
    signature as then, or None (see :attr:`feedpub.state.Cache.bad`)."""
    if not bad:
        return None
    entry = bad.get(bad_key(file.relative, file.signature))
    if entry is None:
        return None
    # A str, not a Path: see ReleaseError. The same string as str(Path(folder, name)): a
    # release's folder is a subfolder, as scandir named it.
    return ReleaseError(f"{file.folder}/{file.name}", *entry, from_bytes=True)


def _cached_stem(cache: Cache | None, found: Found) -> str | None:
    """The URL name of an unchanged file's name, as the cache remembers it."""
    entry = None if cache is None else cache.files.get(found.relative)
    if entry is None or len(entry) < 3 or entry[0] != found.signature:
        return None
    return str(entry[2])


def _goes_public(release: Release) -> datetime:
    """When this version of a release may be shown: its date, or a stated correction time
    that lies later (a correction announced for a set time) — the time readers see as its
    ``updated`` (:func:`effective_updated`)."""
    return effective_updated(release)


def _waiting(path: Path, release: Release) -> Notice:
    from feedpub.release import Notice

    when = _goes_public(release).strftime("%d.%m.%Y %H:%M")
    return Notice(path, None, f"dated {when}: the feeds keep the published version until then")


def _work(
    candidates: list[Candidate],
    refused: list[ReleaseError],
    releases_dir: Path,
    out_dir: Path,
    config: Config,
    now: datetime,
    jobs: int | None,
    progress: Callable[[int, int], None] | None,
    report: Report,
    cache: Cache | None,
    fingerprint_now: str,
    lock: Lock,
) -> None:
    """The build that has work to do, with the ledger open for writing (a damaged one is
    moved aside first: see :mod:`feedpub.ledger`)."""
    from feedpub.bookkeeping import open_history, published_paths
    from feedpub.ledger import as_os_errors

    with as_os_errors(out_dir):
        db, state, report.damaged = open_history(out_dir)
        # Whoever published a URL keeps it, also when the cache is not usable.
        owners = cache.files if cache is not None else published_paths(db)
    duplicates = unique_urls(candidates, owners)
    del owners
    try:
        with as_os_errors(out_dir):
            _build(
                db,
                state,
                candidates,
                refused,
                releases_dir,
                out_dir,
                config,
                now,
                jobs,
                progress,
                report,
                cache,
                duplicates,
                fingerprint_now,
                lock,
            )
    finally:
        if db.in_transaction:
            with contextlib.suppress(sqlite3.Error):  # the error that failed it is the news
                db.execute("ROLLBACK")
        db.close()


def _build(
    db: sqlite3.Connection,
    state: State,
    candidates: list[Candidate],
    refused: list[ReleaseError],
    releases_dir: Path,
    out_dir: Path,
    config: Config,
    now: datetime,
    jobs: int | None,
    progress: Callable[[int, int], None] | None,
    report: Report,
    cache: Cache | None,
    duplicates: dict[str, ReleaseError],
    fingerprint_now: str,
    lock: Lock,
) -> None:
    """The build that has work to do: read what changed, stage pages and feeds, publish;
    the ledger's transaction commits last."""
    from feedpub.bookkeeping import (
        commit,
        load_files,
        set_outputs,
        stage,
        write_notices,
        write_pending,
    )
    from feedpub.ledger import mark_under_way
    from feedpub.migrate import import_old

    state = import_old(out_dir, db, state)
    _guard_ids(out_dir, state, config.tag_prefix)
    _refuse_mass_removal(candidates, refused, releases_dir, state)
    # A usable cache means the last build finished: no temporaries of a killed one to find.
    publisher = Publisher(out_dir, clean=cache is None, lock=lock, ledger=db)
    # Published before: a manifest, or (the ledger that holds it lost) a combined feed.
    published_before = bool(publisher.previous) or os.path.isfile(out_dir / _ATOM)
    report.state_lost = not state.found and published_before
    publisher.adopt = publisher.lost and state.found  # the manifest was lost, not never made
    # From here on the output may change: a build killed half-way leaves the ledger saying
    # so, and the next one is a full one.
    mark_under_way(db)
    # What the ledger knows of each published file, also when the cache is not usable (a
    # build under way, another configuration): a kept release's publication time.
    known = cache.files if cache is not None else load_files(db)
    cached = known if cache is not None and state.found else {}
    stubs, to_read = _split(candidates, cached, duplicates, state, config.tag_prefix)
    report.read = len(to_read)
    advance = None if progress is None else functools.partial(_advance, progress, len(to_read))
    bad = cache.bad if cache is not None else {}
    context = _Context(config, out_dir, now, duplicates, state, known, bad)
    try:
        if jobs is None:
            jobs = 2 if len(to_read) >= PARALLEL_MIN and cores() >= 2 else 1
        if jobs > 1 and len(to_read) > 1 and can_fork():
            half = len(to_read) // 2
            parts = _in_two_processes(to_read[:half], to_read[half:], context, advance)
        else:
            parts = [_publish_releases(to_read, context, advance)]
        parts.append(_keep_refused(refused, releases_dir, context))
        selection = Selection(config.max_entries)
        touched: set[str] = set()
        next_cache: dict[str, CacheEntry] = {}
        next_bad: dict[str, tuple[int | None, str]] = {}
        seen: dict[str, Seen] = {}
        everything: list[Entry] = []
        made: list[NoticeRecord] = []
        pictures = published_pictures(
            publisher.department_files() if publisher.adopt else publisher.previous
        )
        for candidate in stubs:
            entry = cached[candidate.relative]
            release_id = make_id(config.tag_prefix, candidate.slug, candidate.stem)
            stub = Stub(
                candidate.folder,
                candidate.name,
                candidate.department,
                candidate.slug,
                candidate.stem,
                release_id,
                datetime.fromisoformat(entry[1]),
                candidate.images,
            )
            selection.add(stub)
            everything.append(stub)
            touched.add(candidate.slug)
            next_cache[candidate.relative] = entry
            seen[release_id] = state.seen[release_id]
            if config.link_template is None:
                publisher.keep(page_path(candidate.slug, candidate.stem), check=False)
            for relative in pictures.get((candidate.slug, candidate.stem), ()):
                publisher.keep(relative, check=False)
        report.releases += len(stubs)
        for part in parts:
            report.releases += part.releases
            report.held_back += part.held_back
            report.errors.extend(part.errors)
            report.notices.extend(part.notices)
            selection.merge(part.selection)
            touched |= part.touched
            publisher.absorb(part.pages)
            next_cache.update(part.cached)
            next_bad.update(part.bad)
            report.read -= part.remembered
            seen.update(part.seen)
            everything.extend(part.entries)
            made += part.corrections
            for relative in part.kept:
                publisher.keep(relative)
            for key in part.kept_pictures:
                for relative in pictures.get(key, ()):
                    publisher.keep(relative)
        # Memory: the loop variable would keep the last part, with its 50,000 stubs, alive
        # until the end of the build (parts is never empty).
        del part
        report.errors.sort(key=lambda e: str(e.path))
        touched |= _keep_unreadable(
            refused,
            releases_dir,
            candidates,
            state,
            context.cached,
            config,
            selection,
            publisher,
            next_cache,
            seen,
            everything,
        )
        # Memory: the candidates are not needed any more (the stubs hold what the archives
        # need), and the archives' second process starts with a copy of this one. The
        # caller's list is emptied too, or its 50,000 candidates (file names, URL names)
        # would stay until build() returns.
        notices = corrections.published(state.notices, made, seen)
        for notice in map(corrections.as_entry, notices):
            selection.add_notice(notice)  # an entry like a release: max_entries, archives
            everything.append(notice)
        spools = [part.spool for part in parts if part.spool is not None]
        stubs.clear()
        to_read.clear()
        parts.clear()
        candidates.clear()
        read: dict[str, Release | None] = {}
        feeds = _materialize(selection, config.tag_prefix, seen, report, state.releases, read)
        # The pages list releases only (the newest max_entries, notices or not).
        listed = feeds
        if notices:
            listed = _materialize(
                selection, config.tag_prefix, seen, report, state.releases, read, selection.releases
            )
        urls = Urls(config)
        try:
            doc_keys, newest = publish_archives(
                everything, feeds, seen, cache, selection, config, urls, publisher, spools
            )
        finally:
            for spool in spools:
                spool.remove()
        publish_feeds(
            selection,
            feeds,
            touched,
            config,
            urls,
            publisher,
            newest,
            seen,
            cache.docs if cache is not None else {},
            doc_keys,
            listed,
        )
        shown = {release.id: release for releases in feeds.values() for release in releases}
        # Memory: what the state and cache are encoded from is all that is needed now; the
        # space of the rest is reused for encoding them (50,000 releases: tens of MB).
        everything.clear()
        if config.websub_hub is not None:
            # Pending before the feeds are in place: a build killed before the hub is told
            # leaves them for the next one (see feedpub.websub).
            expect(db, feed_urls(config.base_url, publisher.written))
        else:
            write_pending(db, [])  # no hub any more: nothing left to tell
        publisher.list_new()  # committed before the ledger's last transaction begins
        before = (state, cache) if cache is not None and state.found else None
        cache = Cache(fingerprint_now, next_cache, doc_keys, next_bad)
        stage(db, config.tag_prefix, seen, shown.values(), cache, before)
        write_notices(db, notices)
        set_outputs(db, publisher.files, transaction=False)
        publisher.commit()
        commit(db)  # last: the outputs are in place and durable
    except BaseException:
        publisher.fail()
        raise
    report.written = publisher.written
    report.created = publisher.created
    report.unchanged = publisher.unchanged
    report.removed = publisher.removed


class IdsWouldChange(Exception):
    """The config would give every entry a new id: readers would show everything twice."""

    def __init__(self, out_dir: Path, before: str, now: str, source: str = LEDGER_NAME) -> None:
        super().__init__(out_dir, before, now)
        self.out_dir, self.before, self.now = out_dir, before, now
        #: Where the published ids were seen: the ledger, or the published Atom feed.
        self.source = source

    def __str__(self) -> str:
        return (
            f"{self.out_dir} was published with ids {self.before}…, this configuration gives "
            f"{self.now}…; every reader would show every release again. Run feedpub where "
            "feedpub.toml is (or pass --config); to change the ids on purpose, delete "
            f"{self.out_dir / self.source} first"
        )


#: The published combined Atom feed, where the id prefix is seen when the ledger was lost.
_ATOM = "atom.xml"
_PUBLISHED_ID = re.compile(rb"<id>(tag:[^<:]*:)[^<]*</id>")


def _guard_ids(out_dir: Path, state: State, tag_prefix: str) -> None:
    """Raise :class:`IdsWouldChange` when the ids this configuration gives are not those
    published: as the ledger records them, or, when it has no history (lost, damaged), as
    the published combined Atom feed shows them (its first id), so that losing the ledger
    never lets a wrong configuration change every id."""
    if state.tag_prefix is not None:
        if state.tag_prefix != tag_prefix:
            raise IdsWouldChange(out_dir, state.tag_prefix, tag_prefix)
        return
    try:
        with open(out_dir / _ATOM, "rb") as handle:
            head = handle.read(4096)
    except OSError:
        return  # nothing published (or not readable): nothing to compare with
    match = _PUBLISHED_ID.search(head)
    if match is not None:
        published = match.group(1).decode("utf-8", "replace")
        if published != tag_prefix:
            raise IdsWouldChange(out_dir, published, tag_prefix, _ATOM)


def _keep_unreadable(
    refused: list[ReleaseError],
    releases_dir: Path,
    candidates: list[Candidate],
    state: State,
    known: dict[str, CacheEntry],
    config: Config,
    selection: Selection,
    publisher: Publisher,
    next_cache: dict[str, CacheEntry],
    seen: dict[str, Seen],
    everything: list[Entry],
) -> set[str]:
    """A department with a folder that cannot be listed keeps everything it published: its
    files stay, its releases in the last feeds stay in them (all of the department's, as the
    state does not say which folder each came from), and their history and cache entries
    stay for the day the folder can be read again. Returns those departments."""
    blocked = _blocked(refused, releases_dir)
    if not blocked:
        return blocked
    present = {make_id(config.tag_prefix, c.slug, c.stem) for c in candidates}
    for slug in sorted(blocked):
        publisher.keep_folder(slug)
    for release_id in sorted(state.releases):
        release = state.releases[release_id]
        if release.slug in blocked and release_id not in present:
            selection.add(release)
            everything.append(release)
    prefix = len(config.tag_prefix)
    for release_id, history in state.seen.items():
        if release_id not in present and release_id[prefix:].split("/")[0] in blocked:
            seen.setdefault(release_id, history)
    listed = {c.relative for c in candidates}
    for relative, entry in known.items():
        department = unicodedata.normalize("NFC", relative.split("/")[0])
        if relative in listed or department_slug(department) not in blocked:
            continue
        next_cache[relative] = (UNREAD, entry[1])
        if entry[1]:
            stub = _unlisted_stub(releases_dir, relative, entry, department, config.tag_prefix)
            if stub.id not in state.releases:  # in an archive only: it stays there
                selection.add(stub)  # counted; older than what the live feeds show
                everything.append(stub)
    return blocked


def _keep_refused(refused: list[ReleaseError], releases_dir: Path, context: _Context) -> _Part:
    """A published release file that discovery refuses now (a symlink that broke, or that
    points out of the releases folder) is kept as a bad file is: its last good version in
    the feeds, its place in the archives, its page and pictures, its history."""
    part = _Part(Selection(context.config.max_entries))
    state, tag_prefix = context.state, context.config.tag_prefix
    for error in refused:
        try:
            relative = Path(error.path).relative_to(releases_dir).as_posix()
        except ValueError:
            continue
        relative = unicodedata.normalize("NFC", relative)
        entry = context.cached.get(relative)
        if entry is None or not entry[1] or "/" not in relative:
            continue  # not a published release file
        department = relative.split("/")[0]
        stub = _unlisted_stub(releases_dir, relative, entry, department, tag_prefix)
        kept: Entry = state.releases.get(stub.id) or stub
        part.selection.add(kept)
        part.entries.append(kept)
        part.touched.add(stub.slug)
        part.cached[relative] = (UNREAD, entry[1])
        part.kept.append(page_path(stub.slug, stub.stem))
        part.kept_pictures.append((stub.slug, stub.stem))
        if stub.id in state.seen:
            part.seen[stub.id] = state.seen[stub.id]
    return part


def _unlisted_stub(
    releases_dir: Path, relative: str, entry: CacheEntry, department: str, tag_prefix: str
) -> Stub:
    """The stub of a published release in a folder that cannot be listed, from what the
    ledger knows of its file."""
    from feedpub.release import slugify

    folder, _, name = relative.rpartition("/")
    slug = department_slug(department)
    stem = str(entry[2]) if len(entry) > 2 else slugify(os.path.splitext(name)[0])
    published = datetime.fromisoformat(entry[1])
    return Stub(
        str(releases_dir / folder),
        name,
        department,
        slug,
        stem,
        make_id(tag_prefix, slug, stem),
        published,
    )


def _blocked(refused: list[ReleaseError], releases_dir: Path) -> set[str]:
    """The URL names of the departments with a folder that cannot be listed."""
    blocked: set[str] = set()
    for folder in unreadable_folders(refused):
        try:
            department = folder.relative_to(releases_dir).parts[0]
        except (ValueError, IndexError):
            continue
        blocked.add(department_slug(unicodedata.normalize("NFC", department)))
    return blocked


#: A build refuses to unpublish when at least this many published releases vanish at once
#: and they are more than half of all published ones (see :class:`MassRemoval`).
MASS_REMOVAL_MIN = 3


class MassRemoval(Exception):
    """Most published releases vanished at once: a share that is not mounted, a folder
    renamed by mistake. Nothing is changed (exit 1)."""

    def __init__(self, releases_dir: Path, gone: int, published: int) -> None:
        super().__init__(releases_dir, gone, published)
        self.releases_dir, self.gone, self.published = releases_dir, gone, published

    def __str__(self) -> str:
        return (
            f"{self.releases_dir}: {self.gone} of {self.published} published releases are gone "
            "at once; nothing was changed (is the folder mounted?). To withdraw them on "
            "purpose, remove at most half of them per build"
        )


def _refuse_mass_removal(
    candidates: list[Candidate], refused: list[ReleaseError], releases_dir: Path, state: State
) -> None:
    """Raise :class:`MassRemoval` when the published releases missing from ``candidates``
    (those of departments whose folder cannot be listed do not count: they are kept) are at
    least :data:`MASS_REMOVAL_MIN` and more than half of all."""
    if len(state.seen) < MASS_REMOVAL_MIN or state.tag_prefix is None:
        return
    present = {make_id(state.tag_prefix, c.slug, c.stem) for c in candidates}
    blocked = _blocked(refused, releases_dir)
    start = len(state.tag_prefix)
    gone = sum(
        1
        for release_id in state.seen
        if release_id not in present and release_id[start:].split("/")[0] not in blocked
    )
    if gone >= MASS_REMOVAL_MIN and 2 * gone > len(state.seen):
        raise MassRemoval(releases_dir, gone, len(state.seen))


def _advance(progress: Callable[[int, int], None], total: int, count: int) -> None:
    progress(count, total)


def _split(
    candidates: list[Candidate],
    cached: dict[str, CacheEntry],
    duplicates: dict[str, ReleaseError],
    state: State,
    tag_prefix: str,
) -> tuple[list[Candidate], list[Candidate]]:
    """The unchanged published releases (not read again) and the files to read."""
    stubs: list[Candidate] = []
    to_read: list[Candidate] = []
    for candidate in candidates:
        entry = cached.get(candidate.relative)
        if (
            entry is not None
            and entry[0] == candidate.signature
            and candidate.relative not in duplicates
        ):
            stubs.append(candidate)
        else:
            to_read.append(candidate)
    if any(make_id(tag_prefix, c.slug, c.stem) not in state.seen for c in stubs):
        return [], candidates  # cache and state disagree: read everything
    return stubs, to_read


def _materialize(
    selection: Selection,
    tag_prefix: str,
    seen: dict[str, Seen],
    report: Report,
    known: dict[str, Release],
    read: dict[str, Release | None] | None = None,
    pick: Callable[[str | None], list[Entry]] | None = None,
) -> dict[str | None, list[Release]]:
    """The releases each feed shows, in feed order (``pick``: another list of each feed,
    such as :meth:`Selection.releases`; ``read``: releases read already, shared between
    calls). An unchanged release that a feed shows is taken from ``known`` (the state's
    record of what the feeds showed: the same file, so the same release) or else read again
    (a few hundred at most, never all of them)."""
    feeds: dict[str | None, list[Release]] = {}
    read = {} if read is None else read
    for slug in [None, *selection.slugs()]:
        releases: list[Release] = []
        for entry in (pick or selection.newest)(slug):
            if isinstance(entry, Release):
                releases.append(entry)
                continue
            if entry.id not in read:
                record = known.get(entry.id)
                read[entry.id] = (
                    replace(record, source=entry.source)
                    if record is not None
                    else read_unchanged(entry, tag_prefix, seen, report.errors)
                )
            release = read[entry.id]
            if release is not None:
                releases.append(release)
        feeds[slug] = releases
    return feeds


def _publish_releases(
    candidates: list[Candidate],
    context: _Context,
    progress: Callable[[int], None] | None = None,
    step: int = 1,
) -> _Part:
    """Read releases, stage each good one's page and select it for the feeds; for a bad one
    (or one whose new version waits for its time) keep what was published: its page, and its
    last good version in the feeds."""
    part = _Part(Selection(context.config.max_entries))
    try:
        _read_and_stage(candidates, context, part, progress, step)
    except BaseException:
        # Nobody else knows this part's temporaries: remove them (a full disk must leave
        # the output folder as it was).
        part.pages.remove_temporaries(context.out_dir)
        if part.spool is not None:
            part.spool.remove()
        raise
    return part


def _read_and_stage(
    candidates: list[Candidate],
    context: _Context,
    part: _Part,
    progress: Callable[[int], None] | None,
    step: int,
) -> None:
    from feedpub.content import body_html
    from feedpub.pages import render_release_page
    from feedpub.release import Notice

    config, state = context.config, context.state
    urls = Urls(config)
    pages = FileWriter(context.out_dir, part.pages)
    spool = part.spool = Spool.create(context.out_dir, config, urls)
    for index, item in enumerate(_parse_all(candidates, context.duplicates, config, context.bad)):
        if progress is not None and index % 100 == 99:
            progress(100 * step)
        candidate = item.candidate
        slug = candidate.slug
        part.touched.add(slug)
        # The parser made the same id already: a good release's own id is the one kept, not
        # a second copy (50,000 releases: 6 MB). Of the stems, the candidate's is kept.
        if isinstance(item.result, Release):
            release_id = item.result.id
        else:
            release_id = make_id(config.tag_prefix, slug, candidate.stem)
        waiting = isinstance(item.result, Release) and _goes_public(item.result) > context.now
        if isinstance(item.result, ReleaseError) or waiting:
            if isinstance(item.result, ReleaseError):
                part.errors.append(item.result)
                if item.result.from_bytes:
                    key = bad_key(candidate.relative, candidate.signature)
                    part.bad[key] = (item.result.line, item.result.reason)
                    part.remembered += item.remembered
                if candidate.relative in context.duplicates:
                    continue  # its URL and id belong to another file, published as such
            history = state.seen.get(release_id)
            if history is None:
                if waiting:
                    part.held_back += 1  # embargo: no trace of it anywhere until its time
                continue
            # Published before: keep that version (its page and pictures, its history, its
            # entry).
            part.kept.append(page_path(slug, candidate.stem))
            part.kept_pictures.append((slug, candidate.stem))
            previous = context.cached.get(candidate.relative)
            published = str(previous[1]) if previous is not None and len(previous) > 1 else ""
            part.cached[candidate.relative] = (UNREAD, published)
            part.seen[release_id] = history
            last_good = state.releases.get(release_id)
            if isinstance(item.result, Release):
                part.notices.append(_waiting(candidate.path, item.result))
            if last_good is None and published:
                # Not in a live feed, so in an archive document: it stays there as it is.
                part.entries.append(
                    Stub(
                        candidate.folder,
                        candidate.name,
                        candidate.department,
                        slug,
                        candidate.stem,
                        release_id,
                        datetime.fromisoformat(published),
                    )
                )
            if last_good is not None:
                part.selection.add(last_good)
                part.entries.append(last_good)
                if not waiting:
                    part.notices.append(
                        Notice(
                            candidate.path,
                            None,
                            "the feeds keep showing its last good version until it is fixed",
                        )
                    )
            continue
        assert isinstance(item.result, Release)
        digest = content_hash(item.result)
        history = state.seen.get(release_id)
        first_seen = history is None or not state.found
        if history is None or not state.found:
            history = Seen(digest, None, context.now)  # first published now
        elif history.hash != digest:
            # An edit: readers see it as updated now.
            history = Seen(digest, context.now, history.first)
        release = with_history(item.result, history)
        notice = corrections.new_notice(
            replace(item.result, published=release.published),  # the time the feeds give
            state.notices.get(release_id, ()),
            context.now,
            first_seen=first_seen,
        )
        if notice is not None:
            part.corrections.append(notice)
        part.seen[release_id] = history
        part.cached[candidate.relative] = (
            candidate.signature,
            release.published.isoformat(),
            candidate.stem,
        )
        part.releases += 1
        part.notices.extend(item.notices)
        part.selection.add(release)
        part.entries.append(_stub(release, candidate))
        body = body_html(release, urls)  # once, for its page and its feed entry
        spool.add(release, body)
        if config.link_template is None:
            title = config.department(release.department, release.slug).title
            page = render_release_page(release, title or release.department, urls, body)
            pages.write(page_path(release.slug, release.stem), page)
        for image in release.images:  # also with link_template: the feeds link them here
            try:
                pages.copy(image_path(release.slug, image.name), image.source)
            except SourceError as exc:  # unreadable since it was looked at a moment ago
                reason = f"picture not copied: cannot read: {exc.error.strerror or exc.error}"
                part.notices.append(Notice(image.source, None, reason))
    spool.close()
    if progress is not None:
        progress(step * (len(candidates) % 100))


def _in_two_processes(
    first: list[Candidate],
    second: list[Candidate],
    context: _Context,
    progress: Callable[[int], None] | None,
) -> list[_Part]:
    """Run :func:`_publish_releases` on ``second`` in a forked process while this one does
    ``first``; the parts come back in path order, so the result does not depend on timing.

    Parsing and page rendering are pure Python and scale with cores; a fork shares
    everything already loaded, so the second process starts in milliseconds. Progress is
    counted twice for this process's releases (both halves run at about the same pace).
    """
    mine, theirs = fork_pair(
        functools.partial(_publish_releases, first, context, progress, step=2),
        functools.partial(_publish_releases, second, context),
    )
    return [mine, theirs]


def _stub(release: Release, candidate: Candidate) -> Stub:
    """The stub of a release just read. Its strings are the candidate's (the file name, the
    stem) or the release's (the id), never a second copy: 50,000 of them live to the end."""
    return Stub(
        candidate.folder,
        candidate.name,
        release.department,
        release.slug,
        candidate.stem,
        release.id,
        release.published,
        candidate.images,
    )
