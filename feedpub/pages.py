"""Release pages and ``feeds.opml`` → bytes, and what every page shares. No I/O.

Small, valid HTML5 in German that reads well on a phone, with feed autodiscovery links, no
JavaScript and no external resources (a Content-Security-Policy says so to the browser too).
The markup is in the templates (:mod:`feedpub.templating`), which escape every variable;
this module gives them their values. The subscription pages are in :mod:`feedpub.overview`.
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from html import escape
from typing import Any, NamedTuple
from urllib.parse import urlsplit

from feedpub.content import body_html
from feedpub.dates import BERLIN
from feedpub.departments import Department
from feedpub.layout import ATOM, JSON, RSS, Urls
from feedpub.preview import preview
from feedpub.release import Release, effective_updated
from feedpub.templating import Markup, render

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


class Feed(NamedTuple):
    """A feed as pages name it: autodiscovery links and the visible feed addresses."""

    url: str
    #: The format's label: ``Atom``, ``RSS``, ``JSON Feed``.
    name: str
    #: Its media type.
    type: str
    #: The autodiscovery title: ``<label> (<name>)``.
    title: str


class Crumb(NamedTuple):
    """One link of the "Sie sind hier" navigation."""

    url: str
    text: str


@lru_cache(maxsize=8)
def _policy(base: str, logo: str | None, styles: bool = False) -> Markup:
    """The Content-Security-Policy of every page: nothing but the inline style and images of
    this site (its own origin, or ``base_url``'s when a copy is viewed elsewhere, and the
    configured logo's) may load; no script, font, frame or form target at all. Privacy by
    default, enforced by the browser: a release text can never make a reader's browser
    contact another host. ``styles``: the site has style sheets in ``static/``, which may
    load from its own origin too."""
    origins = ""
    for url in (base, logo or ""):
        origin = _origin(url)
        if origin not in origins:
            origins += origin
    own = f"'self'{_origin(base)} " if styles else ""
    policy = (
        f"default-src 'none'; img-src 'self'{origins}; style-src {own}'unsafe-inline'; "
        "base-uri 'none'; form-action 'none'"
    )
    # Single quotes belong in the policy; the attribute is in double quotes.
    return Markup(escape(policy, quote=False).replace('"', "&quot;"))


def _origin(url: str) -> str:
    """`` <scheme>://<host>`` of an http(s) URL (with its leading space), else ""."""
    parts = urlsplit(url)
    return f" {parts.scheme}://{parts.netloc}" if parts.scheme in ("http", "https") else ""


def feed_list(urls: Urls, slug: str | None, label: str) -> tuple[Feed, ...]:
    """The feeds of one department (``slug`` None: of all), one per format."""
    return tuple(
        Feed(urls.feed(slug, file), name, kind, f"{label} ({name})")
        for file, name, kind in FEED_FORMATS
    )


def page_context(
    urls: Urls, title: str, canonical: str, feeds: tuple[Feed, ...], crumbs: tuple[Crumb, ...]
) -> dict[str, Any]:
    """The variables of ``base.html``, which every page has (README, "Templates")."""
    return {
        "site": urls.config,
        "csp": _policy(urls.base, urls.config.logo, urls.styles),
        "title": title,
        "canonical": canonical,
        "feeds": feeds,
        "crumbs": crumbs,
        "static_url": urls.static,
        "favicon": urls.favicon,
    }


#: Link text of the subscription page in page headers.
ALL_RELEASES = "Alle Pressemitteilungen"


@lru_cache(maxsize=256)
def _department_fragments(
    urls: Urls, slug: str, title: str
) -> tuple[tuple[Feed, ...], tuple[Crumb, ...]]:
    """What every page of one department shares: its feeds and the header's links.
    Cached: a build renders thousands of pages of a dozen departments."""
    crumbs = (Crumb(urls.department(None), ALL_RELEASES), Crumb(urls.department(slug), title))
    return feed_list(urls, slug, title), crumbs


def format_published(release: Release) -> str:
    """German display form: ``10.07.2024`` or ``10.07.2024, 14:30 Uhr``."""
    return _format_local(release.published, with_time=release.has_time)


def _format_local(value: datetime, *, with_time: bool) -> str:
    local = value.astimezone(BERLIN)
    text = f"{local.day:02d}.{local.month:02d}.{local.year}"
    if with_time:
        text += f", {local.hour:02d}:{local.minute:02d} Uhr"
    return text


def _updated(release: Release) -> tuple[str | None, str | None]:
    """When the release was corrected ("Aktualisiert am …"), as ISO time and display text,
    or (None, None) for an uncorrected release. It is the time the feeds give the entry
    (:func:`effective_updated`), shown with the time of day only when the correction named
    one."""
    if release.updated is None:
        return None, None
    value = effective_updated(release)
    return value.isoformat(), _format_local(value, with_time=release.updated_has_time)


def _embargo(release: Release) -> str | None:
    """``feedpub serve --drafts``: until when a release is embargoed (``10.07.2030, 14:30
    Uhr``), shown on its page as "Sperrfrist bis …"; None when it is public already."""
    when = effective_updated(release)
    if when <= datetime.now(BERLIN):
        return None
    has_time = release.has_time if release.updated is None else release.updated_has_time
    return _format_local(when, with_time=has_time)


def render_release_page(
    release: Release, department_title: str, urls: Urls, body: str | None = None
) -> bytes:
    """The HTML page an entry links to (template ``release.html``). ``body``: the release's
    :func:`body_html`, when the caller has it already (a build renders it once for the page
    and the feed entry)."""
    feeds, crumbs = _department_fragments(urls, release.slug, department_title)
    url = urls.release(release)
    context = page_context(urls, f"{release.title} – {department_title}", url, feeds, crumbs)
    updated, updated_text = _updated(release)
    context.update(
        release=release,
        department=department_title,
        url=url,
        published=release.published.isoformat(),
        published_text=format_published(release),
        updated=updated,
        updated_text=updated_text,
        body=Markup(body_html(release, urls) if body is None else body),
        authors=", ".join(release.authors),
        embargo=_embargo(release) if urls.config.drafts else None,
        **preview(release, urls, url),
    )
    return render(urls.config, "release.html", context)


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
