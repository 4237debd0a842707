"""The subscription pages → bytes: ``index.html`` (every feed, how to subscribe, the newest
releases of all departments) and one page per department (its feeds and its newest releases,
the page its feeds name as their ``alternate`` link). No I/O.

Browsers are dropping XSLT and show a feed as raw XML or a download, so a citizen who follows
a feed's link must land on a page that is useful by itself: the news, and how to get them in
a feed reader. The lists are exactly the releases the feeds show (``build`` passes them in).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from feedpub.content import TEASER_LIMIT, listing_teaser
from feedpub.departments import Department
from feedpub.layout import JSON_OPML, OPML, Urls, anchor
from feedpub.pages import ALL_RELEASES, Crumb, Feed, feed_list, format_published, page_context
from feedpub.release import Release
from feedpub.templating import render

__all__ = ["TEASER_LIMIT", "listing_teaser", "render_department_page", "render_index"]


class Listed(NamedTuple):
    """A release in a list of the newest: what ``macros.html``'s ``release_list`` shows."""

    url: str
    title: str
    #: Publication time, ISO 8601, and as shown (``10.07.2024, 14:30 Uhr``).
    published: str
    published_text: str
    #: The department's title (index.html only), else None.
    department: str | None
    #: :func:`listing_teaser`, "" for none.
    teaser: str
    release: Release


def release_list(
    releases: Sequence[Release], urls: Urls, department_titles: dict[str, str] | None = None
) -> list[Listed]:
    """The newest releases, newest first: title, link, date, teaser; with
    ``department_titles`` (slug → title) also each release's department."""
    return [
        Listed(
            urls.release(release),
            release.title,
            release.published.isoformat(),
            format_published(release),
            None
            if department_titles is None
            else department_titles.get(release.slug, release.department),
            listing_teaser(release),
            release,
        )
        for release in releases
    ]


class Row(NamedTuple):
    """A department's row of the feed table in index.html."""

    department: Department
    #: Its page, and the HTML id of the row (``fd-<slug>``).
    url: str
    anchor: str
    feed_links: tuple[Feed, ...]


def render_index(
    title: str,
    description: str,
    departments: list[Department],
    releases: Sequence[Release],
    urls: Urls,
) -> bytes:
    """The subscription page (template ``index.html``): how to subscribe, every feed's URLs
    (each department's row keeps its ``#fd-<slug>`` anchor and links to its page), and the
    newest ``releases`` of all departments (those the feed of all shows)."""
    total = sum(d.count for d in departments)
    feeds = feed_list(urls, None, title)
    context = page_context(urls, title, urls.department(None), feeds, ())
    context.update(
        description=description,
        feed_links=feeds,
        opml=urls.of(OPML),
        json_opml=urls.of(JSON_OPML),
        departments=[
            Row(d, urls.department(d.slug), anchor(d.slug), feed_list(urls, d.slug, d.title))
            for d in departments
        ],
        total=total,
        releases=release_list(releases, urls, {d.slug: d.title for d in departments}),
        shown_of=ShownOf(len(releases), total),
    )
    return render(urls.config, "index.html", context)


class ShownOf(NamedTuple):
    """How many of how many releases a list shows (it says so when not all)."""

    shown: int
    total: int


def render_department_page(
    site_title: str, department: Department, releases: Sequence[Release], urls: Urls
) -> bytes:
    """A department's page (template ``department.html``): its feeds, how to subscribe, and
    its newest ``releases`` (those its feeds show)."""
    feeds = feed_list(urls, department.slug, department.title)
    context = page_context(
        urls,
        f"{department.title} – {site_title}",
        urls.department(department.slug),
        feeds,
        (Crumb(urls.department(None), ALL_RELEASES),),
    )
    context.update(
        department=department,
        feed_links=feeds,
        releases=release_list(releases, urls),
        shown_of=ShownOf(len(releases), department.count),
    )
    return render(urls.config, "department.html", context)
