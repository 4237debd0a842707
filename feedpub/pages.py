"""Release pages and ``feeds.opml`` → bytes, and what every page shares. No I/O.

Small, valid HTML5 in German that reads well on a phone, with feed autodiscovery links, no
JavaScript and no external resources (a Content-Security-Policy says so to the browser too).
The subscription pages are in :mod:`feedpub.overview`. All text is escaped here exactly once.
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from html import escape
from urllib.parse import urlsplit

from feedpub.content import body_html
from feedpub.dates import BERLIN
from feedpub.departments import Department
from feedpub.layout import ATOM, JSON, RSS, Urls
from feedpub.release import Release, effective_updated

#: The feed formats of every feed, in the order pages name them (Atom first: readers that see
#: several autodiscovery links pick the first): file name, label, media type. Autodiscovery
#: (:func:`feed_alternates`) and the visible feed links (:func:`feed_links`) both follow this
#: table, so a new format (JSON Feed: ``feed.json``, ``application/feed+json``) joins here.
FEED_FORMATS: tuple[tuple[str, str, str], ...] = (
    (ATOM, "Atom", "application/atom+xml"),
    (RSS, "RSS", "application/rss+xml"),
    # Last: not every reader reads it; readers that see several links take the first.
    (JSON, "JSON Feed", "application/feed+json"),
)

# BITV 2.0 / WCAG 2.1 AA: every colour pair has a contrast of at least 4.5:1 on white (text
# #1a1a1a 17:1, links #0b57a4 7:1, .meta #555 7.5:1), links stay underlined, and the keyboard
# focus is a 3px outline that no rule removes. No web fonts: system-ui is the reader's own.
_STYLE = (
    "body{max-width:42rem;margin:0 auto;padding:1rem;font:1.05rem/1.55 system-ui,sans-serif;"
    "color:#1a1a1a;background:#fff}a{color:#0b57a4}h1{font-size:1.6rem;line-height:1.25}"
    ":focus-visible{outline:3px solid #0b57a4;outline-offset:2px}"
    "figure{margin:1rem 0;padding:.5rem .75rem;border-left:3px solid #ccc}"
    "figcaption{font-size:.9rem;color:#555}.meta{color:#555}code{word-break:break-all}"
    "table{border-collapse:collapse}td,th{padding:.3rem .5rem;text-align:left;"
    "vertical-align:top;border-bottom:1px solid #ddd}"
    ".crumbs,.feeds,.releases{list-style:none;margin:0;padding:0}.crumbs li{display:inline}"
    '.crumbs li+li::before{content:"\\203A";margin:0 .4rem;color:#555}'
    ".releases li{margin:0 0 1.25rem}.releases h3{font-size:1.1rem;margin:0}"
    ".releases p{margin:.2rem 0 0}"
    ".skip{position:absolute;left:-100vw}.skip:focus{position:static}"
)


_HEAD_START = (
    "<!DOCTYPE html>\n"
    '<html lang="de">\n<head>\n<meta charset="utf-8">\n'
    '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
)
# Pictures never wider than the text column (phones), scaled without distortion; the caption
# under them, not beside them (its paragraph, there for plain-text readers, adds no space).
_IMAGE_STYLE = (
    "figure img{display:block;max-width:100%;height:auto;margin-bottom:.4rem}figcaption p{margin:0}"
)
_HEAD_END = f"<style>{_STYLE}{_IMAGE_STYLE}</style>\n</head>\n"


@lru_cache(maxsize=8)
def _policy(base: str) -> str:
    """The Content-Security-Policy of every page: nothing but the inline style and images of
    this site (its own origin, or ``base_url``'s when a copy is viewed elsewhere) may load; no
    script, font, frame or form target at all. Privacy by default, enforced by the browser:
    a release text can never make a reader's browser contact another host."""
    parts = urlsplit(base)
    origin = f" {parts.scheme}://{parts.netloc}" if parts.scheme in ("http", "https") else ""
    policy = (
        f"default-src 'none'; img-src 'self'{origin}; style-src 'unsafe-inline'; "
        "base-uri 'none'; form-action 'none'"
    )
    # Single quotes belong in the policy; the attribute is in double quotes.
    content = escape(policy, quote=False).replace('"', "&quot;")
    return f'<meta http-equiv="Content-Security-Policy" content="{content}">\n'


def page_head(title: str, alternates: str, canonical: str, urls: Urls) -> str:
    """Everything from the doctype to ``</head>``."""
    return (
        f"{_HEAD_START}{_policy(urls.base)}<title>{escape(title, quote=False)}</title>\n"
        f'<link rel="canonical" href="{escape(canonical)}">\n{alternates}{_HEAD_END}'
    )


def feed_alternates(urls: Urls, slug: str | None, label: str) -> str:
    """Feed autodiscovery links, one per format."""
    return "".join(
        f'<link rel="alternate" type="{kind}" title="{escape(f"{label} ({name})")}" '
        f'href="{escape(urls.feed(slug, file))}">\n'
        for file, name, kind in FEED_FORMATS
    )


def feed_links(urls: Urls, slug: str | None) -> str:
    """The visible feed addresses, one per format: the URL is the link text, since readers
    are told to copy it."""
    items = "".join(
        f'<li>{name}: <a href="{escape(url)}"><code>{escape(url, quote=False)}</code></a></li>'
        for url, name in ((urls.feed(slug, file), name) for file, name, _ in FEED_FORMATS)
    )
    return f'<ul class="feeds">{items}</ul>'


def crumbs(links: list[tuple[str, str]]) -> str:
    """The page header: where this page sits, as links (href, text) from the top."""
    items = "".join(
        f'<li><a href="{escape(href)}">{escape(text, quote=False)}</a></li>' for href, text in links
    )
    return (
        f'<header>\n<nav aria-label="Sie sind hier"><ol class="crumbs">{items}</ol></nav>\n'
        "</header>\n"
    )


#: Link text of the subscription page in page headers.
ALL_RELEASES = "Alle Pressemitteilungen"


@lru_cache(maxsize=256)
def _department_fragments(urls: Urls, slug: str, title: str) -> tuple[str, str]:
    """What every page of one department shares: autodiscovery links and the header.
    Cached: a build renders thousands of pages of a dozen departments."""
    header = "<body>\n" + crumbs(
        [(urls.department(None), ALL_RELEASES), (urls.department(slug), title)]
    )
    return feed_alternates(urls, slug, title), header


def format_published(release: Release) -> str:
    """German display form: ``10.07.2024`` or ``10.07.2024, 14:30 Uhr``."""
    return _format_local(release.published, with_time=release.has_time)


def _format_local(value: datetime, *, with_time: bool) -> str:
    local = value.astimezone(BERLIN)
    text = f"{local.day:02d}.{local.month:02d}.{local.year}"
    if with_time:
        text += f", {local.hour:02d}:{local.minute:02d} Uhr"
    return text


def _updated_meta(release: Release) -> str:
    """The "Aktualisiert am …" line under the publication date, or "" for an uncorrected
    release. It shows the time the feeds give the entry (:func:`effective_updated`), with the
    time of day only when the correction named one."""
    if release.updated is None:
        return ""
    value = effective_updated(release)
    shown = _format_local(value, with_time=release.updated_has_time)
    return (
        f'<p class="meta">Aktualisiert am <time datetime="{value.isoformat()}">{shown}</time></p>\n'
    )


def render_release_page(
    release: Release, department_title: str, urls: Urls, body: str | None = None
) -> bytes:
    """The HTML page an entry links to. ``body``: the release's :func:`body_html`, when the
    caller has it already (a build renders it once for the page and the feed entry)."""
    alternates, header = _department_fragments(urls, release.slug, department_title)
    authors = ""
    if release.authors:
        authors = (
            f'<p class="meta">Autor/in: {escape(", ".join(release.authors), quote=False)}</p>\n'
        )
    html = (
        page_head(f"{release.title} – {department_title}", alternates, urls.release(release), urls)
        + header
        + "<main>\n<article>\n"
        + f"<h1>{escape(release.title, quote=False)}</h1>\n"
        + f'<p class="meta"><time datetime="{release.published.isoformat()}">'
        + f"{format_published(release)}</time></p>\n"
        + _updated_meta(release)
        + (body_html(release, urls) if body is None else body)
        + "\n"
        + authors
        + "</article>\n</main>\n</body>\n</html>\n"
    )
    return html.encode("utf-8")


def render_opml(
    title: str,
    publisher: str,
    email: str | None,
    departments: list[Department],
    urls: Urls,
    *,
    feed_name: str = ATOM,
) -> bytes:
    """OPML 2.0 with the Atom feed (or ``feed_name``) of every department and the feed of all
    of them.

    No ``dateModified`` (optional in OPML 2.0): the list changes only when a feed is added,
    removed or renamed, and a date that moved with every new release would make every
    reader that polls it download it again. Every outline is ``type="rss"``, for JSON Feeds
    too: OPML 2.0 makes a subscription list of "nodes of type rss" and names no other type
    for feeds, FeedLand imports only those (scripting/opml.org#21), and readers such as
    Miniflux take any outline with an ``xmlUrl`` and read whatever format they find there.
    """
    head_title = f"{title} (JSON Feed)" if feed_name == JSON else title
    head = [f"<title>{escape(head_title, quote=False)}</title>"]
    head.append(f"<ownerName>{escape(publisher, quote=False)}</ownerName>")
    if email:
        head.append(f"<ownerEmail>{escape(email, quote=False)}</ownerEmail>")
    outlines = [
        _outline("Alle Fachdienste", title, urls.feed(None, feed_name), urls.department(None))
    ]
    outlines.extend(
        _outline(d.title, d.description, urls.feed(d.slug, feed_name), urls.department(d.slug))
        for d in departments
    )
    text = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<opml version="2.0">\n<head>\n'
        + "".join(f"  {line}\n" for line in head)
        + "</head>\n<body>\n"
        + "".join(f"  {line}\n" for line in outlines)
        + "</body>\n</opml>\n"
    )
    return text.encode("utf-8")


def _outline(text: str, description: str, xml_url: str, html_url: str) -> str:
    return (
        f'<outline type="rss" text="{escape(text)}" title="{escape(text)}" '
        f'description="{escape(description)}" xmlUrl="{escape(xml_url)}" '
        f'htmlUrl="{escape(html_url)}"/>'
    )
