"""The sitemap (sitemaps.org protocol 0.9) → bytes: every page feedpub publishes for people,
each with its ``lastmod``. No I/O besides what it is handed.

Which pages: ``index.html``, every department page, every release page (not with
``link_template``: those pages are on the office's site, and a sitemap may only list URLs
below its own folder) and every HTML archive page. ``lastmod`` is the entry's updated time
(the Atom ``updated``: publication, or the correction); a list page's is the newest of the
releases it shows. An archived release's updated time is read from its month's Atom
document of the archive of all departments (which holds every archived release), so no
release file is read again. An embargoed release is in no feed and no archive, so it is in
no sitemap either.

One file holds at most 50,000 URLs (the protocol's limit; 50 MB are far off: a URL line is
under 300 bytes). Beyond that, ``sitemap.xml`` is a sitemap index of ``sitemap-1.xml``,
``sitemap-2.xml``, …, so its URL stays the one to give search engines (robots.txt
``Sitemap:``, the ``<link rel="sitemap">`` of index.html).
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, NamedTuple

from feedpub.layout import ATOM, archive_path
from feedpub.release import effective_updated

if TYPE_CHECKING:
    from feedpub.archive import ArchiveDoc
    from feedpub.departments import Entry
    from feedpub.layout import Urls
    from feedpub.release import Release

#: Where the sitemap is published (below base_url): what robots.txt and index.html name.
SITEMAP = "sitemap.xml"
#: The protocol's limit of URLs per sitemap file.
MAX_URLS = 50_000
NAMESPACE = "http://www.sitemaps.org/schemas/sitemap/0.9"


class Page(NamedTuple):
    """A URL of the sitemap and its ``lastmod`` (W3C datetime, ISO 8601 with offset)."""

    loc: str
    lastmod: str


def sitemap_files(pages: Sequence[Page], base: str, limit: int = MAX_URLS) -> dict[str, bytes]:
    """The sitemap files (relative path → bytes): ``sitemap.xml`` alone, or, with more than
    ``limit`` pages, ``sitemap.xml`` as the index of ``sitemap-<n>.xml`` of ``limit`` each."""
    if len(pages) <= limit:
        return {SITEMAP: _urlset(pages)}
    files: dict[str, bytes] = {}
    parts: list[Page] = []
    for number, start in enumerate(range(0, len(pages), limit), 1):
        chunk = pages[start : start + limit]
        name = f"sitemap-{number}.xml"
        files[name] = _urlset(chunk)
        parts.append(Page(base + name, _latest([page.lastmod for page in chunk])))
    files[SITEMAP] = _document("sitemapindex", "sitemap", parts)
    return files


def _urlset(pages: Sequence[Page]) -> bytes:
    return _document("urlset", "url", pages)


def _document(root: str, element: str, pages: Iterable[Page]) -> bytes:
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', f'<{root} xmlns="{NAMESPACE}">']
    lines += (
        f"<{element}><loc>{html.escape(page.loc)}</loc>"
        f"<lastmod>{page.lastmod}</lastmod></{element}>"
        for page in pages
    )
    lines.append(f"</{root}>\n")
    return "\n".join(lines).encode("utf-8")


def read_updated(document: bytes) -> dict[str, str]:
    """Each entry's ``updated`` (ISO 8601) of an Atom document feedpub rendered, by id: the
    two elements right after ``<entry>``'s ``<id>`` (byte search, as
    :func:`feedpub.htmlarchive.read_atom`, without reading past them)."""
    found: dict[str, str] = {}
    at = document.find(b"<entry>")
    while at >= 0:
        id_at = document.find(b"<id>", at) + 4
        id_end = document.find(b"</id>", id_at)
        updated_at = document.find(b"<updated>", id_end) + 9
        updated_end = document.find(b"</updated>", updated_at)
        entry_id = html.unescape(document[id_at:id_end].decode("utf-8"))
        found[entry_id] = document[updated_at:updated_end].decode("ascii")
        at = document.find(b"<entry>", updated_end)
    return found


def site_pages(
    chains: Mapping[str | None, Sequence[ArchiveDoc]],
    feeds: Mapping[str | None, Sequence[Release]],
    read: Callable[[str], bytes | None],
    urls: Urls,
    known: Callable[[ArchiveDoc], dict[str, str] | None] | None = None,
) -> list[Page]:
    """Every page for people, with its lastmod: index.html, the department pages, the
    release pages (without ``link_template``) and the HTML archive pages. ``feeds``: the
    releases each live feed shows; ``chains``: the archive documents of each feed, whose
    Atom documents (``read``: as this build publishes them) give the archived releases'
    updated times; ``known(doc)``: those times of an unchanged document without reading
    it (:func:`known_times`), or None. The Atom ``updated`` keeps the publication after a
    correction; a release page's lastmod is the correction time its page shows, read from
    the page (as this build publishes it) for the documents that are read."""
    updated: dict[str, str] = {}
    for doc in chains.get(None, ()):
        month = None if known is None else known(doc)
        if month is None:
            document = read(archive_path(None, doc.period, ATOM))
            month = {} if document is None else read_updated(document)
            if urls.template is None:
                _page_times(doc, month, read, urls)
        updated.update(month)
    for releases in feeds.values():
        updated.update((r.id, effective_updated(r).isoformat()) for r in releases)
    pages = [Page(urls.department(None), _newest(feeds.get(None, ()), updated))]
    pages += (
        Page(urls.department(slug), _newest(releases, updated))
        for slug, releases in sorted(feeds.items(), key=lambda item: item[0] or "")
        if slug is not None
    )
    if urls.template is None:
        entries = [*feeds.get(None, ()), *(e for d in chains.get(None, ()) for e in d.entries)]
        pages += (
            Page(_release_url(urls, entry), updated[entry.id])
            for entry in entries
            if entry.id in updated
        )
    for slug, chain in sorted(chains.items(), key=lambda item: item[0] or ""):
        for doc in chain:
            times = [updated[e.id] for e in doc.entries if e.id in updated]
            if times:
                pages.append(Page(urls.archive_page(slug, doc.period), _latest(times)))
    return pages


def _page_times(
    doc: ArchiveDoc, month: dict[str, str], read: Callable[[str], bytes | None], urls: Urls
) -> None:
    """Move each release's time in ``month`` to the correction time its page shows."""
    from feedpub.recover import modified_time

    base = len(urls.base)
    for entry in doc.entries:
        time = month.get(entry.id)
        page = None if time is None else read(_release_url(urls, entry)[base:])
        when = None if page is None else modified_time(page)
        if when is not None and time is not None and when > datetime.fromisoformat(time):
            month[entry.id] = when.isoformat()


def _release_url(urls: Urls, entry: Entry) -> str:
    return f"{urls.base}{entry.slug}/{entry.stem}.html"


def _newest(releases: Sequence[Release], updated: Mapping[str, str]) -> str:
    """A list page's lastmod: the newest updated time of its releases (a fixed early date
    for an empty list: lastmod must be a date)."""
    return _latest([updated[r.id] for r in releases if r.id in updated] or ["2000-01-01"])


def _latest(times: Sequence[str]) -> str:
    """The latest of ISO 8601 times with offsets (compared as instants, not as text)."""
    return max(times, key=datetime.fromisoformat)


def published_lastmods(read: Callable[[str], bytes | None], base: str) -> dict[str, str]:
    """loc → lastmod of the sitemap as published (its parts too, when it is an index; a
    part outside ``base`` is not feedpub's). Empty when there is none."""
    found, parts = _lastmods(read(SITEMAP) or b"")
    for loc in parts:
        if loc.startswith(base) and "/" not in loc[len(base) :]:
            found.update(_lastmods(read(loc[len(base) :]) or b"")[0])
    return found


def _lastmods(document: bytes) -> tuple[dict[str, str], list[str]]:
    """A sitemap file as :func:`sitemap_files` wrote it (one element per line, read by byte
    search): loc → lastmod of its URLs, and the locs of the parts it is an index of."""
    found: dict[str, str] = {}
    parts: list[str] = []
    for line in document.split(b"\n"):
        if line.startswith(b"<url><loc>"):
            loc, _, rest = line[10:].partition(b"</loc><lastmod>")
            found[html.unescape(loc.decode("utf-8"))] = rest.partition(b"<")[0].decode("ascii")
        elif line.startswith(b"<sitemap><loc>"):
            parts.append(html.unescape(line[14:].partition(b"</loc>")[0].decode("utf-8")))
    return found, parts


def known_times(doc: ArchiveDoc, published: Mapping[str, str], urls: Urls) -> dict[str, str] | None:
    """The updated times of the releases of an archive document of all departments whose
    key did not change, from the published sitemap (``published``, see
    :func:`published_lastmods`: each release page's lastmod is its Atom ``updated``); None
    when one of them is not there (then the document is read)."""
    times: dict[str, str] = {}
    for entry in doc.entries:
        lastmod = published.get(_release_url(urls, entry))
        if lastmod is None:
            return None
        times[entry.id] = lastmod
    return times
