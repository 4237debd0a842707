"""Release pages, the subscription page ``index.html`` and ``feeds.opml`` → bytes. No I/O.

Small, valid HTML5 in German that reads well on a phone, with feed autodiscovery links, no
JavaScript and no external resources. All text is escaped here exactly once.
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from html import escape

from feedpub.content import body_html
from feedpub.dates import BERLIN
from feedpub.departments import Department
from feedpub.layout import ATOM, OPML, RSS, Urls, anchor
from feedpub.release import Release, effective_updated

_STYLE = (
    "body{max-width:42rem;margin:0 auto;padding:1rem;font:1.05rem/1.55 system-ui,sans-serif;"
    "color:#1a1a1a;background:#fff}a{color:#0b57a4}h1{font-size:1.6rem;line-height:1.25}"
    "figure{margin:1rem 0;padding:.5rem .75rem;border-left:3px solid #ccc}"
    "figcaption{font-size:.9rem;color:#555}.meta{color:#555}code{word-break:break-all}"
    "table{border-collapse:collapse}td,th{padding:.3rem .5rem;text-align:left;"
    "vertical-align:top;border-bottom:1px solid #ddd}"
)


_HEAD_START = (
    "<!DOCTYPE html>\n"
    '<html lang="de">\n<head>\n<meta charset="utf-8">\n'
    '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
)
# Pictures never wider than the text column (phones), scaled without distortion; the caption
# under them, not beside them.
_IMAGE_STYLE = "figure img{display:block;max-width:100%;height:auto;margin-bottom:.4rem}"
_HEAD_END = f"<style>{_STYLE}{_IMAGE_STYLE}</style>\n</head>\n"


def _head(title: str, alternates: str, canonical: str) -> str:
    return (
        f"{_HEAD_START}<title>{escape(title, quote=False)}</title>\n"
        f'<link rel="canonical" href="{escape(canonical)}">\n{alternates}{_HEAD_END}'
    )


def _alternates(urls: Urls, slug: str | None, label: str) -> str:
    """Feed autodiscovery links (Atom first: readers that see both pick the first)."""
    links = [
        ("application/atom+xml", f"{label} (Atom)", urls.feed(slug, ATOM)),
        ("application/rss+xml", f"{label} (RSS)", urls.feed(slug, RSS)),
    ]
    return "".join(
        f'<link rel="alternate" type="{kind}" title="{escape(text)}" href="{escape(href)}">\n'
        for kind, text, href in links
    )


@lru_cache(maxsize=256)
def _department_fragments(urls: Urls, slug: str, title: str) -> tuple[str, str]:
    """What every page of one department shares: autodiscovery links and the header.
    Cached: a build renders thousands of pages of a dozen departments."""
    header = (
        f'<body>\n<header><p><a href="{escape(urls.department(slug))}">'
        f"{escape(title, quote=False)}</a></p></header>\n"
    )
    return _alternates(urls, slug, title), header


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


def render_release_page(release: Release, department_title: str, urls: Urls) -> bytes:
    """The HTML page an entry links to."""
    alternates, header = _department_fragments(urls, release.slug, department_title)
    authors = ""
    if release.authors:
        authors = (
            f'<p class="meta">Autor/in: {escape(", ".join(release.authors), quote=False)}</p>\n'
        )
    html = (
        _head(f"{release.title} – {department_title}", alternates, urls.release(release))
        + header
        + "<main>\n<article>\n"
        + f"<h1>{escape(release.title, quote=False)}</h1>\n"
        + f'<p class="meta"><time datetime="{release.published.isoformat()}">'
        + f"{format_published(release)}</time></p>\n"
        + _updated_meta(release)
        + body_html(release, urls)
        + "\n"
        + authors
        + "</article>\n</main>\n</body>\n</html>\n"
    )
    return html.encode("utf-8")


def render_index(title: str, description: str, departments: list[Department], urls: Urls) -> bytes:
    """The subscription page: every feed's URLs, how to subscribe, and the OPML file."""
    rows = "".join(
        f'<tr id="{anchor(d.slug)}"><th scope="row">{escape(d.title, quote=False)}'
        + (
            f"<br><small>{escape(d.description, quote=False)}</small>"
            if d.description != d.title
            else ""
        )
        + f"</th><td>{_feed_cell(urls, d.slug)}</td><td>{d.count}</td></tr>\n"
        for d in departments
    )
    total = sum(d.count for d in departments)
    html = (
        _head(title, _alternates(urls, None, title), urls.of("index.html"))
        + "<body>\n<main>\n"
        + f"<h1>{escape(title, quote=False)}</h1>\n"
        + f"<p>{escape(description, quote=False)}</p>\n"
        + "<h2>Wie abonniere ich?</h2>\n"
        + "<p>Kopieren Sie die Adresse eines Feeds (Atom oder RSS, beide enthalten dasselbe) "
        + "und fügen Sie sie in Ihren Feedreader ein, zum Beispiel Thunderbird, Feedly, "
        + "Inoreader, NetNewsWire, Miniflux oder newsboat. Neue Pressemitteilungen erscheinen "
        + "dann automatisch dort. Alle Feeds auf einmal übernehmen Sie mit der "
        + f'<a href="{escape(urls.of(OPML))}">OPML-Datei</a>, die die meisten Feedreader '
        + "importieren können.</p>\n"
        + "<h2>Feeds</h2>\n<table>\n<thead><tr><th>Fachdienst</th><th>Feed-Adressen</th>"
        + "<th>Meldungen</th></tr></thead>\n<tbody>\n"
        + f'<tr id="alle"><th scope="row">Alle Fachdienste</th><td>{_feed_cell(urls, None)}'
        + f"</td><td>{total}</td></tr>\n"
        + rows
        + "</tbody>\n</table>\n</main>\n</body>\n</html>\n"
    )
    return html.encode("utf-8")


def _feed_cell(urls: Urls, slug: str | None) -> str:
    atom, rss = urls.feed(slug, ATOM), urls.feed(slug, RSS)
    return (
        f'Atom: <a href="{escape(atom)}"><code>{escape(atom, quote=False)}</code></a><br>'
        f'RSS: <a href="{escape(rss)}"><code>{escape(rss, quote=False)}</code></a>'
    )


def render_opml(
    title: str,
    publisher: str,
    email: str | None,
    departments: list[Department],
    updated: datetime | None,
    urls: Urls,
) -> bytes:
    """OPML 2.0 with the Atom feed of every department and the feed of all of them.

    ``dateModified`` is the newest entry's date (never the wall clock), so the file only
    changes when a feed does.
    """
    head = [f"<title>{escape(title, quote=False)}</title>"]
    if updated is not None:
        head.append(f"<dateModified>{_rfc822(updated)}</dateModified>")
    head.append(f"<ownerName>{escape(publisher, quote=False)}</ownerName>")
    if email:
        head.append(f"<ownerEmail>{escape(email, quote=False)}</ownerEmail>")
    outlines = [_outline("Alle Fachdienste", title, urls.feed(None, ATOM), urls.department(None))]
    outlines.extend(
        _outline(d.title, d.description, urls.feed(d.slug, ATOM), urls.department(d.slug))
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


def _rfc822(value: datetime) -> str:
    # Locale-independent RFC 822 date, as OPML 2.0 requires.
    days = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
    months = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
    return (
        f"{days[value.weekday()]}, {value.day:02d} {months[value.month - 1]} {value.year} "
        f"{value:%H:%M:%S %z}"
    )
