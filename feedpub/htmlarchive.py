"""The HTML archive → bytes: one page per month of each feed's RFC 5005 archive, listing
every release of that month (title linked to its page, date, teaser), so that a citizen
reaches every release by links from ``index.html``. No I/O besides what it is handed.

The months are exactly those of the RFC 5005 documents (:func:`feedpub.archive.plan`), and
each page is made from its month's Atom archive document (:func:`read_atom`), which holds
every archived release's title, link, summary and times: so an archive page never reads a
release file again, whether its month was just rendered or only its navigation changed (a
new month adds itself to every page's list of months). Each page has a key (its Atom
document's key and the feed's months) and is rendered only when that key changed.
"""

from __future__ import annotations

import hashlib
import html
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import NamedTuple

from feedpub.archive import ArchiveDoc
from feedpub.content import cut_teaser
from feedpub.dateutil_de import MONTH_NAMES
from feedpub.layout import ATOM, Urls, archive_page_path, archive_path
from feedpub.pages import ALL_RELEASES, Crumb, feed_list, page_context
from feedpub.templating import render


class Archived(NamedTuple):
    """One entry of an Atom archive document, as feedpub rendered it."""

    id: str
    url: str
    title: str
    #: ISO 8601, as in the document (Berlin offset).
    published: str
    updated: str
    #: The plain-text summary (the Atom ``summary``, unescaped).
    summary: str


def read_atom(document: bytes) -> dict[str, Archived]:
    """The entries of an Atom document that feedpub rendered, by id.

    Plain byte search, not an XML parser (a parser costs a tenth of a full build at 50,000
    releases): feedgen writes each entry's elements unprefixed, and escaped text cannot
    contain a raw ``<``, so the first ``<title`` of an entry is its title."""
    found: dict[str, Archived] = {}
    start = document.find(b"<entry>")
    while start >= 0:
        end = document.find(b"</entry>", start)
        if end < 0:
            break
        entry = document[start:end]
        link_at = entry.find(b'rel="alternate"')
        link = entry[entry.rfind(b"<link", 0, link_at) : link_at] if link_at >= 0 else b""
        href = link.partition(b'href="')[2].partition(b'"')[0]
        item = Archived(
            _text(entry, b"id"),
            html.unescape(href.decode("utf-8")),
            _text(entry, b"title"),
            _text(entry, b"published"),
            _text(entry, b"updated"),
            # type="html": the text was HTML-escaped before it was written as XML.
            html.unescape(_text(entry, b"summary")),
        )
        found[item.id] = item
        start = document.find(b"<entry>", end)
    return found


def _text(entry: bytes, tag: bytes) -> str:
    """The unescaped text of the first ``<tag>`` element of ``entry``, "" when none."""
    at = entry.find(b"<" + tag + b">")
    if at < 0:
        at = entry.find(b"<" + tag + b" ")
    if at < 0:
        return ""
    begin = entry.find(b">", at) + 1
    if entry[begin - 2 : begin] == b"/>":
        return ""
    stop = entry.find(b"</" + tag + b">", begin)
    return html.unescape(entry[begin:stop].decode("utf-8"))


def month_text(period: str) -> str:
    """``2024-07`` → ``Juli 2024``."""
    year, month = period.split("-")
    return f"{MONTH_NAMES[int(month) - 1]} {year}"


class Item(NamedTuple):
    """A release as an archive page lists it (the fields of ``macros.html``'s lists)."""

    url: str
    title: str
    published: str
    #: The date, ``10.07.2024`` (a month's list needs no time of day).
    published_text: str
    #: The department's title (archive of every department only), else None.
    department: str | None
    teaser: str


class Month(NamedTuple):
    """A link of the list of months (or of the pager)."""

    url: str
    text: str
    #: The page's own month (``aria-current="page"``).
    current: bool = False


class Year(NamedTuple):
    """A year of the list of years: linked to its newest month; the page's own year shows
    its months instead."""

    year: str
    url: str
    #: The months of the page's own year, in order; () for the other years.
    months: tuple[Month, ...]


def _item(entry: Archived, department: str | None) -> Item:
    published = datetime.fromisoformat(entry.published)
    teaser = cut_teaser(entry.summary)  # a release has a teaser or a paragraph
    date = f"{published.day:02d}.{published.month:02d}.{published.year}"
    return Item(entry.url, entry.title, entry.published, date, department, teaser)


def navigation(periods: Sequence[str], current: str) -> tuple[list[str], list[str]]:
    """What an archive page's list of months shows: the months of its own year, and each
    year's newest month (its link), newest year first. Not every month of every year: a
    page of a busy archive would carry hundreds of links, and each page would change (and
    be rendered again) with every new month of any year."""
    return Navigation.of(periods).at(current)


class Navigation(NamedTuple):
    """:func:`navigation` of every month of a feed, made once per feed (per page, it took
    time quadratic in the months: 50 ms at 10,000 releases)."""

    #: The months of each year, in order.
    by_year: dict[str, list[str]]
    #: Each year's newest month, newest year first.
    years: list[str]

    @classmethod
    def of(cls, periods: Sequence[str]) -> Navigation:
        by_year: dict[str, list[str]] = {}
        for period in periods:  # sorted
            by_year.setdefault(period[:4], []).append(period)
        return cls(by_year, [by_year[year][-1] for year in sorted(by_year, reverse=True)])

    def at(self, current: str) -> tuple[list[str], list[str]]:
        return self.by_year.get(current[:4], []), self.years


def _years(slug: str | None, periods: Sequence[str], current: str, urls: Urls) -> list[Year]:
    """The feed's archive years, the newest first, the page's own year with its months."""
    own, years = navigation(periods, current)
    months = tuple(
        Month(urls.archive_page(slug, period), MONTH_NAMES[int(period[5:]) - 1], period == current)
        for period in own
    )
    return [
        Year(
            period[:4], urls.archive_page(slug, period), months if period[:4] == current[:4] else ()
        )
        for period in years
    ]


def render_month_page(
    doc: ArchiveDoc,
    periods: Sequence[str],
    entries: Mapping[str, Archived],
    titles: Mapping[str, str],
    urls: Urls,
) -> bytes:
    """The archive page of ``doc`` (template ``archive.html``): its releases in the feed's
    order, as its Atom document ``entries`` show them (a release missing there is missing
    in the document too), the neighbouring months and every month of the feed (``periods``).
    ``titles``: department titles by slug."""
    config = urls.config
    month = month_text(doc.period)
    crumbs: tuple[Crumb, ...]
    if doc.slug is None:
        label, crumbs = config.title, (Crumb(urls.department(None), ALL_RELEASES),)
        heading = f"Archiv: {month}"
    else:
        label = titles.get(doc.slug, doc.slug)
        crumbs = (
            Crumb(urls.department(None), ALL_RELEASES),
            Crumb(urls.department(doc.slug), label),
        )
        heading = f"{label}: Archiv {month}"
    canonical = urls.archive_page(doc.slug, doc.period)
    context = page_context(
        urls, f"{heading} – {config.title}", canonical, feed_list(urls, doc.slug, label), crumbs
    )
    items = [
        _item(entries[entry.id], titles.get(entry.slug) if doc.slug is None else None)
        for entry in doc.entries
        if entry.id in entries
    ]
    context.update(
        heading=heading,
        month=month,
        department=None if doc.slug is None else label,
        department_url=urls.department(doc.slug),
        releases=items,
        older=None if doc.prev is None else _pager(doc.slug, doc.prev, urls),
        newer=None if doc.next is None else _pager(doc.slug, doc.next, urls),
        years=_years(doc.slug, periods, doc.period, urls),
    )
    return render(config, "archive.html", context)


def _pager(slug: str | None, period: str, urls: Urls) -> Month:
    return Month(urls.archive_page(slug, period), month_text(period))


def page_key(doc_key: str, months: Navigation, current: str) -> str:
    """What an archive page depends on besides the configuration: its Atom document (whose
    key covers its releases and neighbours) and its list of months (:func:`navigation`)."""
    own, years = months.at(current)
    text = "\n".join([doc_key, *own, "", *years])
    return hashlib.blake2b(text.encode("utf-8"), digest_size=12).hexdigest()


class ArchivePage(NamedTuple):
    """One page of :func:`html_archive`: its path, its key, and its bytes, or None when the
    published page has that key (it is kept, not rendered)."""

    path: str
    key: str
    page: bytes | None


def html_archive(
    chains: Mapping[str | None, Sequence[ArchiveDoc]],
    read: Callable[[str], bytes | None],
    titles: Mapping[str, str],
    urls: Urls,
    doc_keys: Mapping[str, str],
    unchanged: Callable[[str, str], bool],
) -> Iterator[ArchivePage]:
    """The archive pages of every feed's archive ``chains`` (feed → its documents, oldest
    first), one at a time (a full build at 50,000 releases has thousands: they are written
    as they are made, never held all at once). ``read``: the Atom archive document at a
    relative path, as this build publishes it (None: unreadable; its page is left out, with
    no key);
    ``doc_keys``: each Atom document's key, by path; ``unchanged(path, key)``: whether the
    published page has that key (then it is kept, not rendered)."""
    for slug, chain in chains.items():
        periods = [doc.period for doc in chain]
        months = Navigation.of(periods)
        for doc in chain:
            atom_path = archive_path(slug, doc.period, ATOM)
            path = archive_page_path(slug, doc.period)
            key = page_key(doc_keys.get(atom_path, ""), months, doc.period)
            if unchanged(path, key):
                yield ArchivePage(path, key, None)
                continue
            document = read(atom_path)
            if document is not None:
                entries = read_atom(document)
                page = render_month_page(doc, periods, entries, titles, urls)
                yield ArchivePage(path, key, page)
