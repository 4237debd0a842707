"""Runs the steps: find → parse → group → render → publish. The CLI and the tests call this.

Error policy: a bad release (:class:`ReleaseError`) is recorded and skipped, one file at a
time, and the build goes on; every feed is written from the good releases. Nothing published
is lost: a release that was in the feeds and turns bad keeps its last good version in them
(see :mod:`feedpub.state`) and its page stays as it was, until the file is fixed or deleted.
Any other exception is a bug and propagates.
"""

from __future__ import annotations

import multiprocessing
import os
import traceback
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from feedpub.config import Config
from feedpub.dates import BERLIN
from feedpub.departments import Department, Selection
from feedpub.discover import Candidate, find_releases, unreadable_folders
from feedpub.feeds import FeedInfo, render_feeds
from feedpub.layout import ATOM, INDEX, OPML, RSS, Urls, feed_path, page_path
from feedpub.pages import render_index, render_opml, render_release_page
from feedpub.parse import Notice, read_release
from feedpub.publish import FileWriter, Lock, PublishedFiles, Publisher
from feedpub.release import Release, ReleaseError, department_slug, make_id
from feedpub.state import STATE_NAME, dump_state, load_state

#: ``updated`` of a feed that has no entries (all its releases are bad): fixed, not now().
EMPTY_FEED_UPDATED = datetime(2000, 1, 1, tzinfo=BERLIN)


@dataclass
class Report:
    """What a run did. ``errors`` are the skipped files; ``notices`` warnings about kept ones."""

    releases: int = 0
    errors: list[ReleaseError] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)
    written: list[str] = field(default_factory=list)
    unchanged: int = 0
    removed: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Scanned:
    """One candidate file and what became of it."""

    candidate: Candidate
    result: Release | ReleaseError
    notices: tuple[Notice, ...] = ()


def scan(releases_dir: Path, config: Config) -> tuple[Iterator[Scanned], list[ReleaseError]]:
    """Parse every release under ``releases_dir`` lazily, in path order.

    Returns the per-file results as an iterator (so 50,000 releases are never all in memory)
    and the entries that discovery refused.
    """
    candidates, refused = find_releases(releases_dir)
    return _parse_all(candidates, unique_urls(candidates), config), refused


def unique_urls(candidates: list[Candidate]) -> dict[Path, ReleaseError]:
    """The files that would share a URL and id with an earlier file, with their error.

    Ids and URLs come from the path alone (department slug and file name slug), so this is
    decided before any file is read: two department folders with the same slug
    (``Jobcenter`` and ``jobcenter``) or two files with the same slug (``A b.txt`` and
    ``a-b.txt``, or the same name in two year folders) make the later one an error.
    """
    errors: dict[Path, ReleaseError] = {}
    owner_of: dict[str, str] = {}
    path_of: dict[tuple[str, str], Path] = {}
    for candidate in candidates:
        slug, stem = candidate.slug, candidate.stem
        if not slug or not stem:
            continue  # the parser reports these
        owner = owner_of.setdefault(slug, candidate.department)
        if owner != candidate.department:
            errors[candidate.path] = ReleaseError(
                candidate.path,
                1,
                f"department folder {candidate.department!r} has the same URL name {slug!r} "
                f"as {owner!r}; rename one of the folders",
            )
            continue
        other = path_of.setdefault((slug, stem), candidate.path)
        if other != candidate.path:
            errors[candidate.path] = ReleaseError(
                candidate.path, 1, f"same URL and id {slug}/{stem} as {other}; rename one"
            )
    return errors


def _parse_all(
    candidates: list[Candidate], refused: dict[Path, ReleaseError], config: Config
) -> Iterator[Scanned]:
    tag_prefix = config.tag_prefix
    for candidate in candidates:
        error = refused.get(candidate.path)
        if error is not None:
            yield Scanned(candidate, error)
            continue
        try:
            release, notices = read_release(
                candidate.path, department=candidate.department, tag_prefix=tag_prefix
            )
        except FileNotFoundError:
            continue  # deleted after the folder was listed (a press officer tidying up)
        except ReleaseError as exc:
            yield Scanned(candidate, exc)
            continue
        yield Scanned(candidate, release, tuple(notices))


def release_record(release: Release, relative: str) -> dict[str, Any]:
    """The JSON object ``feedpub check --json`` prints for a good release."""
    return {
        "path": relative,
        "department": release.department,
        "slug": release.slug,
        "id": release.id,
        "published": release.published.isoformat(),
        "date_only": not release.has_time,
        # As the Aktualisiert: line states it (00:00 for a date-only one), or None.
        "updated": release.updated.isoformat() if release.updated else None,
        "title": release.title,
        "teaser": release.teaser,
        "authors": list(release.authors),
        "captions": [{"text": c.text, "credit": c.credit} for c in release.captions],
        "paragraphs": list(release.paragraphs),
    }


def error_record(error: ReleaseError, relative: str) -> dict[str, Any]:
    """The JSON object ``feedpub check --json`` prints for a bad file."""
    return {"path": relative, "line": error.line, "error": error.reason}


#: Below this many releases a second process costs more than it saves.
PARALLEL_MIN = 2000


@dataclass
class _Part:
    """What one process did with its share of the releases (pages are already written)."""

    selection: Selection
    releases: int = 0
    errors: list[ReleaseError] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)
    #: Slugs of departments that have files, good or bad.
    touched: set[str] = field(default_factory=set)
    #: Files of earlier builds to keep (pages of releases that turned bad).
    kept: list[str] = field(default_factory=list)
    pages: PublishedFiles = field(default_factory=PublishedFiles)


def build(releases_dir: Path, out_dir: Path, config: Config, *, jobs: int | None = None) -> Report:
    """Build every feed, page, the index and the OPML file into ``out_dir``.

    ``jobs`` is the number of processes for parsing and release pages: None uses two when
    the machine has two cores and there are at least PARALLEL_MIN releases. The output is
    the same bytes either way. Raises :class:`feedpub.publish.LockHeld` when another build
    runs on ``out_dir``, and FileNotFoundError when ``releases_dir`` is missing.
    """
    report = Report()
    urls = Urls(config)
    candidates, refused = find_releases(releases_dir)
    report.errors.extend(refused)
    with Lock(out_dir):
        state = load_state(out_dir)
        if state.tag_prefix is not None and state.tag_prefix != config.tag_prefix:
            raise IdsWouldChange(out_dir, state.tag_prefix, config.tag_prefix)
        previous = state.releases
        publisher = Publisher(out_dir)
        publisher.announce(_expected_files(candidates, config))
        if jobs is None:
            jobs = 2 if len(candidates) >= PARALLEL_MIN and _cores() >= 2 else 1
        duplicates = unique_urls(candidates)
        if jobs > 1 and len(candidates) > 1 and _can_fork():
            half = len(candidates) // 2
            parts = _in_two_processes(
                candidates[:half], candidates[half:], duplicates, previous, config, out_dir
            )
        else:
            parts = [_publish_releases(candidates, duplicates, previous, config, out_dir)]
        selection = Selection(config.max_entries)
        touched: set[str] = set()
        for part in parts:
            report.releases += part.releases
            report.errors.extend(part.errors)
            report.notices.extend(part.notices)
            selection.merge(part.selection)
            touched |= part.touched
            publisher.absorb(part.pages)
            for relative in part.kept:
                publisher.keep(relative)
        touched |= _keep_unreadable(
            refused, releases_dir, candidates, previous, config, selection, publisher
        )
        _publish_feeds(selection, touched, config, urls, publisher)
        shown = [r for slug in [None, *selection.slugs()] for r in selection.newest(slug)]
        publisher.write_hidden(STATE_NAME, dump_state(config.tag_prefix, shown))
        publisher.finish()
    report.written = publisher.written
    report.unchanged = publisher.unchanged
    report.removed = publisher.removed
    return report


class IdsWouldChange(Exception):
    """The config would give every entry a new id: readers would show everything twice."""

    def __init__(self, out_dir: Path, before: str, now: str) -> None:
        super().__init__(out_dir, before, now)
        self.out_dir, self.before, self.now = out_dir, before, now

    def __str__(self) -> str:
        return (
            f"{self.out_dir} was published with ids {self.before}…, this configuration gives "
            f"{self.now}…; every reader would show every release again. Run feedpub where "
            "feedpub.toml is (or pass --config); to change the ids on purpose, delete "
            f"{self.out_dir / STATE_NAME} first"
        )


def _expected_files(candidates: list[Candidate], config: Config) -> set[str]:
    """Every file this build may write, known from the paths before anything is read."""
    files = {ATOM, RSS, INDEX, OPML}
    for candidate in candidates:
        slug, stem = candidate.slug, candidate.stem
        if slug and stem:
            files.update((feed_path(slug, ATOM), feed_path(slug, RSS)))
            if config.link_template is None:
                files.add(page_path(slug, stem))
    return files


def _keep_unreadable(
    refused: list[ReleaseError],
    releases_dir: Path,
    candidates: list[Candidate],
    previous: dict[str, Release],
    config: Config,
    selection: Selection,
    publisher: Publisher,
) -> set[str]:
    """A department with a folder that cannot be listed keeps everything it published: its
    files stay and its releases in the last feeds stay in them (all of the department's,
    as the state does not say which folder each came from). Returns those departments."""
    blocked: set[str] = set()
    for folder in unreadable_folders(refused):
        try:
            department = folder.relative_to(releases_dir).parts[0]
        except (ValueError, IndexError):
            continue
        blocked.add(department_slug(unicodedata.normalize("NFC", department)))
    if not blocked:
        return blocked
    present = {make_id(config.tag_prefix, c.slug, c.stem) for c in candidates}
    for slug in sorted(blocked):
        publisher.keep_folder(slug)
    for release_id in sorted(previous):
        release = previous[release_id]
        if release.slug in blocked and release_id not in present:
            selection.add(release)
    return blocked


def _publish_releases(
    candidates: list[Candidate],
    duplicates: dict[Path, ReleaseError],
    previous: dict[str, Release],
    config: Config,
    out_dir: Path,
) -> _Part:
    """Parse releases, write each good one's page and select it for the feeds; for a bad one,
    keep what was published (its page, and its last good version in the feeds)."""
    part = _Part(Selection(config.max_entries))
    urls = Urls(config)
    pages = FileWriter(out_dir, part.pages)
    for item in _parse_all(candidates, duplicates, config):
        slug = item.candidate.slug
        part.touched.add(slug)
        if isinstance(item.result, ReleaseError):
            part.errors.append(item.result)
            if item.candidate.path in duplicates:
                continue  # its URL and id belong to another file, which is published as such
            stem = item.candidate.stem
            part.kept.append(page_path(slug, stem))
            last_good = previous.get(make_id(config.tag_prefix, slug, stem))
            if last_good is not None:
                part.selection.add(last_good)
                part.notices.append(
                    Notice(
                        item.candidate.path,
                        None,
                        "the feeds keep showing its last good version until it is fixed",
                    )
                )
            continue
        release = item.result
        part.releases += 1
        part.notices.extend(item.notices)
        part.selection.add(release)
        if config.link_template is None:
            title = config.department(release.department, release.slug).title
            page = render_release_page(release, title or release.department, urls)
            pages.write(page_path(release.slug, release.stem), page)
    return part


def _in_two_processes(
    first: list[Candidate],
    second: list[Candidate],
    duplicates: dict[Path, ReleaseError],
    previous: dict[str, Release],
    config: Config,
    out_dir: Path,
) -> list[_Part]:
    """Run :func:`_publish_releases` on ``second`` in a forked process while this one does
    ``first``; the parts come back in path order, so the result does not depend on timing.

    Parsing and page rendering are pure Python and scale with cores; a fork shares
    everything already loaded, so the second process starts in milliseconds.
    """
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(
        target=_child, args=(receiver, sender, second, duplicates, previous, config, out_dir)
    )
    child.start()
    sender.close()
    try:
        mine = _publish_releases(first, duplicates, previous, config, out_dir)
        try:
            ok, payload = receiver.recv()
        except EOFError:
            ok, payload = False, (None, "it ended before sending a result")
    except BaseException:
        # Our half failed: the child must not outlive us (it holds the inherited lock).
        child.terminate()
        raise
    finally:
        receiver.close()
        child.join()
    if not ok:
        error, text = payload
        if isinstance(error, OSError):
            raise error  # a disk or permission problem: reported like one in this process
        raise RuntimeError(f"feedpub's second build process failed: {text}")
    return [mine, payload]


def _child(receiver: Connection, sender: Connection, *args: Any) -> None:
    # Close our copy of the read end at once: if the parent dies, nobody reads the pipe any
    # more, send() fails and this process ends, releasing the lock it inherited. Without this
    # it would wait on a full pipe for ever and every later cron run would find the lock held.
    receiver.close()
    try:
        result: tuple[bool, Any] = (True, _publish_releases(*args))
    except BaseException as exc:  # noqa: BLE001 - goes back to the parent, which raises
        shipped = exc if isinstance(exc, OSError) else None
        result = (False, (shipped, traceback.format_exc()))
    try:
        sender.send(result)
    except OSError:
        pass  # the parent is gone; its next run repairs what this one could not finish
    finally:
        sender.close()


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        return os.cpu_count() or 1


def _can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


def _publish_feeds(
    selection: Selection, touched: set[str], config: Config, urls: Urls, publisher: Publisher
) -> None:
    """Department feeds, the feed of all, index.html and feeds.opml."""
    departments = [_department(selection, slug, config) for slug in selection.slugs()]
    for department in departments:
        _write_feed(publisher, selection, config, urls, department)
    for slug in sorted(touched - set(selection.slugs())):
        # Every release of this department is bad (and none was published): keep its feeds.
        publisher.keep(feed_path(slug, ATOM))
        publisher.keep(feed_path(slug, RSS))
    _write_feed(publisher, selection, config, urls, None)
    publisher.write(INDEX, render_index(config.title, config.description, departments, urls))
    newest = selection.newest()
    opml = render_opml(
        config.title,
        config.publisher,
        config.email,
        departments,
        newest[0].published if newest else None,
        urls,
    )
    publisher.write(OPML, opml)


def _department(selection: Selection, slug: str, config: Config) -> Department:
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
    selection: Selection,
    config: Config,
    urls: Urls,
    department: Department | None,
) -> None:
    slug = department.slug if department else None
    if department is None:
        title, subtitle, feed_id = config.title, config.description, f"{config.tag_prefix}feed"
    else:
        title = f"{department.title} – {config.title}"
        subtitle = department.description
        feed_id = f"{config.tag_prefix}feed/{department.slug}"
    info = FeedInfo(
        slug=slug,
        id=feed_id,
        title=title,
        subtitle=subtitle,
        publisher=config.publisher,
        email=config.email,
        empty_updated=EMPTY_FEED_UPDATED,
    )
    atom, rss = render_feeds(info, selection.newest(slug), urls)
    publisher.write(feed_path(slug, ATOM), atom)
    publisher.write(feed_path(slug, RSS), rss)
