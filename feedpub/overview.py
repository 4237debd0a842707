"""The subscription pages → bytes: ``index.html`` (every feed, how to subscribe, the newest
releases of all departments) and one page per department (its feeds and its newest releases,
the page its feeds name as their ``alternate`` link). No I/O.

Browsers are dropping XSLT and show a feed as raw XML or a download, so a citizen who follows
a feed's link must land on a page that is useful by itself: the news, and how to get them in
a feed reader. The lists are exactly the releases the feeds show (``build`` passes them in).
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from feedpub.content import summary_text
from feedpub.departments import Department
from feedpub.layout import JSON_OPML, OPML, Urls, anchor
from feedpub.pages import (
    ALL_RELEASES,
    crumbs,
    feed_alternates,
    feed_links,
    format_published,
    page_head,
)
from feedpub.release import Release

#: Longest teaser shown in a list, in characters: about two lines on a phone.
TEASER_LIMIT = 240

_HOW_TO = (
    "Kopieren Sie die Adresse eines Feeds (Atom, RSS oder JSON Feed, alle enthalten dasselbe) "
    "und fügen Sie sie in Ihren Feedreader ein, zum Beispiel Thunderbird, Feedly, "
    "Inoreader, NetNewsWire, Miniflux oder newsboat. Neue Pressemitteilungen erscheinen "
    "dann automatisch dort."
)
#: Which readers take which format, as measured (README, "Subscription pages"): every reader
#: tried reads Atom and RSS; JSON Feed only some readers and libraries.
FORMATS = (
    '<p id="formate">Welches Format? Atom und RSS lesen alle gängigen Feedreader, auch '
    "Thunderbird, Liferea, Akregator und QuiteRSS. JSON Feed lesen nur einige, etwa "
    "NetNewsWire, Feedbin und Miniflux, und Programmbibliotheken; im Zweifel nehmen Sie Atom."
    "</p>\n"
)
_NEWEST = "Neueste Pressemitteilungen"


def listing_teaser(release: Release) -> str:
    """The line under a title in a list: the teaser, else the start of the text ("" when the
    release has neither). Whitespace is collapsed and a long text is cut at a word to at most
    :data:`TEASER_LIMIT` characters, ending in "…"."""
    if release.teaser is None and not release.paragraphs:
        return ""  # summary_text would repeat the title
    text = " ".join(summary_text(release).split())
    if len(text) <= TEASER_LIMIT:
        return text
    cut = text[: TEASER_LIMIT - 1]
    space = cut.rfind(" ")
    if space > TEASER_LIMIT // 2:  # a word boundary not too far back; else cut inside a word
        cut = cut[:space]
    return cut.rstrip(" ,;:–-") + "…"


def release_list(
    releases: Sequence[Release], urls: Urls, department_titles: dict[str, str] | None = None
) -> str:
    """The newest releases, newest first: title (linked to its page), date, teaser; with
    ``department_titles`` (slug → title) also each release's department."""
    if not releases:
        return "<p>Noch keine Pressemitteilungen.</p>\n"
    items: list[str] = []
    for release in releases:
        meta = (
            f'<time datetime="{release.published.isoformat()}">{format_published(release)}</time>'
        )
        if department_titles is not None:
            title = department_titles.get(release.slug, release.department)
            meta += f" – {escape(title, quote=False)}"
        teaser = listing_teaser(release)
        items.append(
            f'<li><h3><a href="{escape(urls.release(release))}">'
            f"{escape(release.title, quote=False)}</a></h3>\n"
            f'<p class="meta">{meta}</p>\n'
            + (f"<p>{escape(teaser, quote=False)}</p>" if teaser else "")
            + "</li>\n"
        )
    return '<ol class="releases">\n' + "".join(items) + "</ol>\n"


def _shown_of(shown: int, total: int) -> str:
    """Says that the list is not everything, when it is not."""
    if total <= shown:
        return ""
    return f"<p>Hier stehen die {shown} neuesten von {total} Pressemitteilungen.</p>\n"


def render_index(
    title: str,
    description: str,
    departments: list[Department],
    releases: Sequence[Release],
    urls: Urls,
) -> bytes:
    """The subscription page: how to subscribe, every feed's URLs (each department's row keeps
    its ``#fd-<slug>`` anchor and links to its page), and the newest ``releases`` of all
    departments (those the feed of all shows)."""
    rows = "".join(
        f'<tr id="{anchor(d.slug)}"><th scope="row">'
        f'<a href="{escape(urls.department(d.slug))}">{escape(d.title, quote=False)}</a>'
        + (
            f"<br><small>{escape(d.description, quote=False)}</small>"
            if d.description != d.title
            else ""
        )
        + f"</th><td>{feed_links(urls, d.slug)}</td><td>{d.count}</td></tr>\n"
        for d in departments
    )
    total = sum(d.count for d in departments)
    titles = {d.slug: d.title for d in departments}
    html = (
        page_head(title, feed_alternates(urls, None, title), urls.department(None), urls)
        + "<body>\n"
        + '<a class="skip" href="#neu">Zu den neuesten Pressemitteilungen</a>\n'
        + "<main>\n"
        + f"<h1>{escape(title, quote=False)}</h1>\n"
        + f"<p>{escape(description, quote=False)}</p>\n"
        + '<h2 id="abonnieren">Wie abonniere ich?</h2>\n'
        + f"<p>{_HOW_TO} Alle Feeds auf einmal übernehmen Sie mit der "
        + f'<a href="{escape(urls.of(OPML))}">OPML-Datei</a>, die die meisten Feedreader '
        + "importieren können (für Feedreader, die JSON Feed bevorzugen: die "
        + f'<a href="{escape(urls.of(JSON_OPML))}">OPML-Datei mit den JSON Feeds</a>).</p>\n'
        + FORMATS
        + "<h2>Feeds</h2>\n<table>\n<thead><tr><th>Fachdienst</th><th>Feed-Adressen</th>"
        + "<th>Meldungen</th></tr></thead>\n<tbody>\n"
        + f'<tr id="alle"><th scope="row">Alle Fachdienste</th><td>{feed_links(urls, None)}'
        + f"</td><td>{total}</td></tr>\n"
        + rows
        + "</tbody>\n</table>\n"
        + f'<h2 id="neu">{_NEWEST}</h2>\n'
        + _shown_of(len(releases), total)
        + release_list(releases, urls, titles)
        + "</main>\n</body>\n</html>\n"
    )
    return html.encode("utf-8")


def render_department_page(
    site_title: str, department: Department, releases: Sequence[Release], urls: Urls
) -> bytes:
    """A department's page: its feeds, how to subscribe, and its newest ``releases`` (those
    its feeds show)."""
    name = escape(department.title, quote=False)
    html = (
        page_head(
            f"{department.title} – {site_title}",
            feed_alternates(urls, department.slug, department.title),
            urls.department(department.slug),
            urls,
        )
        + "<body>\n"
        + crumbs([(urls.department(None), ALL_RELEASES)])
        + "<main>\n"
        + f"<h1>{name}</h1>\n"
        + (
            f"<p>{escape(department.description, quote=False)}</p>\n"
            if department.description != department.title
            else ""
        )
        + '<h2 id="abonnieren">Wie abonniere ich?</h2>\n'
        + f"<p>{_HOW_TO} Die Feeds dieses Fachdienstes:</p>\n"
        + feed_links(urls, department.slug)
        + "\n"
        + FORMATS
        + f'<h2 id="neu">{_NEWEST}</h2>\n'
        + _shown_of(len(releases), department.count)
        + release_list(releases, urls)
        + "</main>\n</body>\n</html>\n"
    )
    return html.encode("utf-8")
