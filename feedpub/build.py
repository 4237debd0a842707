"""Runs the steps: find → parse → group → render → publish. The CLI and the tests call this.

Error policy: a bad release (:class:`ReleaseError`) is recorded and skipped, one file at a
time, and the build goes on; every feed is written from the good releases. Nothing published
is lost: a release that was in the feeds and turns bad keeps its last good version in them
(see :mod:`feedpub.state`) and its page stays as it was, until the file is fixed or deleted.
Any other exception is a bug and propagates.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from feedpub.config import Config
from feedpub.dates import BERLIN
from feedpub.departments import Department, Selection
from feedpub.discover import Candidate, find_releases
from feedpub.feeds import FeedInfo, render_feeds
from feedpub.layout import ATOM, INDEX, OPML, RSS, Urls, feed_path, page_path
from feedpub.pages import render_index, render_opml, render_release_page
from feedpub.parse import Notice, read_release
from feedpub.publish import Lock, Publisher
from feedpub.release import Release, ReleaseError, department_slug, make_id, slugify
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
    and the entries that discovery refused. Two files that would get the same id or two
    department folders with the same slug are errors on the later file: ids must be unique.
    """
    candidates, refused = find_releases(releases_dir)
    return _parse_all(candidates, config), refused


def _parse_all(candidates: list[Candidate], config: Config) -> Iterator[Scanned]:
    tag_prefix = config.tag_prefix
    seen_ids: dict[str, Path] = {}
    slug_owner: dict[str, str] = {}
    for candidate in candidates:
        try:
            release, notices = read_release(
                candidate.path, department=candidate.department, tag_prefix=tag_prefix
            )
        except FileNotFoundError:
            continue  # deleted after the folder was listed (a press officer tidying up)
        except ReleaseError as exc:
            yield Scanned(candidate, exc)
            continue
        owner = slug_owner.setdefault(release.slug, release.department)
        if owner != release.department:
            yield Scanned(
                candidate,
                ReleaseError(
                    candidate.path,
                    None,
                    f"department folder {release.department!r} has the same URL name "
                    f"{release.slug!r} as {owner!r}; rename one of the folders",
                ),
            )
            continue
        other = seen_ids.setdefault(release.id, candidate.path)
        if other != candidate.path:
            yield Scanned(
                candidate,
                ReleaseError(
                    candidate.path,
                    None,
                    f"same URL and id {release.slug}/{release.stem} as {other}; rename one",
                ),
            )
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
        "title": release.title,
        "teaser": release.teaser,
        "authors": list(release.authors),
        "captions": [{"text": c.text, "credit": c.credit} for c in release.captions],
        "paragraphs": list(release.paragraphs),
    }


def error_record(error: ReleaseError, relative: str) -> dict[str, Any]:
    """The JSON object ``feedpub check --json`` prints for a bad file."""
    return {"path": relative, "line": error.line, "error": error.reason}


def build(releases_dir: Path, out_dir: Path, config: Config) -> Report:
    """Build every feed, page, the index and the OPML file into ``out_dir``.

    Raises :class:`feedpub.publish.LockHeld` when another build runs on ``out_dir``, and
    FileNotFoundError when ``releases_dir`` is missing.
    """
    report = Report()
    urls = Urls(config)
    scanned, refused = scan(releases_dir, config)
    report.errors.extend(refused)
    with Lock(out_dir):
        publisher = Publisher(out_dir)
        selection = Selection(config.max_entries)
        touched = _publish_releases(
            scanned, load_state(out_dir), config, urls, publisher, selection, report
        )
        _publish_feeds(selection, touched, config, urls, publisher)
        shown = [r for slug in [None, *selection.slugs()] for r in selection.newest(slug)]
        publisher.write_hidden(STATE_NAME, dump_state(shown))
        publisher.finish()
    report.written = publisher.written
    report.unchanged = publisher.unchanged
    report.removed = publisher.removed
    return report


def _publish_releases(
    scanned: Iterator[Scanned],
    previous: dict[str, Release],
    config: Config,
    urls: Urls,
    publisher: Publisher,
    selection: Selection,
    report: Report,
) -> set[str]:
    """Write each good release's page and select it for the feeds; for a bad one, keep what
    was published (page, and the last good version in the feeds). Returns the slugs of all
    departments that have files, good or bad."""
    touched: set[str] = set()
    for item in scanned:
        slug = department_slug(item.candidate.department)
        touched.add(slug)
        if isinstance(item.result, ReleaseError):
            report.errors.append(item.result)
            stem = slugify(item.candidate.path.stem)
            publisher.keep(page_path(slug, stem))
            last_good = previous.get(make_id(config.tag_prefix, slug, stem))
            if last_good is not None:
                selection.add(last_good)
                report.notices.append(
                    Notice(
                        item.candidate.path,
                        None,
                        "the feeds keep showing its last good version until it is fixed",
                    )
                )
            continue
        release = item.result
        report.releases += 1
        report.notices.extend(item.notices)
        selection.add(release)
        if config.link_template is None:
            title = config.department(release.department, release.slug).title
            page = render_release_page(release, title or release.department, urls)
            publisher.write(page_path(release.slug, release.stem), page)
    return touched


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
