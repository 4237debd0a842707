"""Releases → Atom 1.0 and RSS 2.0 bytes, with feedgen. No I/O.

feedgen fills in the wall clock and its own version unless told otherwise (entry and feed
``updated`` default to ``now()``, entries are prepended, ``generator`` names feedgen's
version). Readers would then see every item as changed on every cron run, and two builds
would differ. So every date here is set explicitly, entries are appended in our order and the
generator is pinned. Checked by the golden-file and determinism tests.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from html import escape
from typing import Any

from feedgen.ext.base import BaseEntryExtension, BaseExtension
from feedgen.feed import FeedGenerator

from feedpub import media
from feedpub.content import body_html, summary_text
from feedpub.layout import ATOM, RSS, Urls
from feedpub.release import Release, effective_updated

GENERATOR = "feedpub"
GENERATOR_URI = "https://pypi.org/project/feedpub/"
#: RFC 4287 xml:lang and the RSS Best Practices Profile's <language> (RFC 5646 tags).
ATOM_LANG = "de"
RSS_LANG = "de-DE"


class _EntryLinkFix(BaseEntryExtension):  # type: ignore[misc]
    """Restore ``rel`` and ``type`` on Atom entry links.

    feedgen 1.0.0 drops them (its ``atom_entry`` reuses the loop variable for the new element,
    lkiesow/python-feedgen#135), leaving ``<link href="…"/>``. That still means "alternate" in
    RFC 4287, but readers and validators do better with it spelt out. Registered as a feedgen
    extension, the public hook that runs on each finished ``<entry>``.
    """

    def extend_atom(self, entry: Any) -> Any:  # an lxml element
        for link in entry.findall("link"):
            if "rel" not in link.attrib:
                link.set("rel", "alternate")
                link.set("type", "text/html")
        return entry


@dataclass(frozen=True, slots=True)
class FeedInfo:
    """Everything about one feed that is not its entries."""

    #: Department slug, or None for the feed of every department.
    slug: str | None
    id: str
    title: str
    subtitle: str
    publisher: str
    email: str | None
    #: When there are no entries: the feed's fixed ``updated`` (never the wall clock).
    empty_updated: datetime


def render_feeds(info: FeedInfo, releases: list[Release], urls: Urls) -> tuple[bytes, bytes]:
    """The Atom and RSS documents of one feed; ``releases`` already in feed order."""
    fg = FeedGenerator()
    fg.load_extension("dc", atom=False, rss=True)
    fg.register_extension("linkfix", BaseExtension, _EntryLinkFix, atom=True, rss=False)
    if any(release.images for release in releases):
        media.register(fg)  # only then: feeds without pictures stay as they were
    fg.id(info.id)
    fg.title(info.title)
    fg.subtitle(info.subtitle)  # also RSS <description>
    author = {"name": info.publisher}
    if info.email:
        author["email"] = info.email
    fg.author(author)
    fg.generator(GENERATOR, uri=GENERATOR_URI)
    fg.docs("https://www.rssboard.org/rss-specification")
    # The feed changed when its newest entry appeared or its last correction was made (RSS
    # <lastBuildDate>: "the last time the content of the channel changed"); it was published
    # when its newest entry was (<pubDate>, like each item's). Never the wall clock.
    fg.updated(max(map(effective_updated, releases), default=info.empty_updated))
    fg.pubDate(max((r.published for r in releases), default=info.empty_updated))
    for release in releases:
        _add_entry(fg, release, urls, info)

    alternate = {"href": urls.department(info.slug), "rel": "alternate", "type": "text/html"}
    atom_self = {"href": urls.feed(info.slug, ATOM), "rel": "self", "type": "application/atom+xml"}
    rss_self = {"href": urls.feed(info.slug, RSS), "rel": "self", "type": "application/rss+xml"}
    return (
        _serialise(fg, [atom_self, alternate], ATOM_LANG, fg.atom_str),
        _serialise(fg, [rss_self, alternate], RSS_LANG, fg.rss_str),
    )


def _serialise(
    fg: FeedGenerator,
    links: list[dict[str, str]],
    language: str,
    to_bytes: Callable[..., bytes],
) -> bytes:
    # Links and language are set anew for each format: feedgen writes the first rel=self link
    # into RSS as atom:link and takes the last link's href as the RSS <link>, so order matters.
    fg.link(links, replace=True)
    fg.language(language)
    return to_bytes(pretty=True)


def _add_entry(fg: FeedGenerator, release: Release, urls: Urls, info: FeedInfo) -> None:
    fe = fg.add_entry(order="append")
    fe.id(release.id)  # also RSS <guid isPermaLink="false">
    fe.title(release.title)
    fe.published(release.published)  # also RSS <pubDate>, which stays put after a correction
    # Atom <updated> moves with a correction (RFC 4287 4.2.15: "the most recent instant in time
    # when an entry ... was modified in a way the publisher considers significant"); the id
    # stays, so readers show the entry as changed, not as new.
    fe.updated(effective_updated(release))
    fe.link(href=urls.release(release), rel="alternate", type="text/html")
    # One call each: feedgen copies its author list on every call (quadratic in authors).
    names = list(release.authors) or [info.publisher]
    fe.author([{"name": name} for name in names])
    fe.dc.dc_creator(names)
    fe.category(term=release.department)
    # Readers render RSS <description> as HTML whatever it holds, so plain text must be
    # HTML-escaped there ("<tag>" would vanish, "&amp;" show as "&"). The same escaped text
    # with type="html" is exactly right for Atom too, and feedgen writes both from one call.
    fe.summary(escape(summary_text(release), quote=False), type="html")
    fe.content(body_html(release, urls), type="html")  # also RSS <content:encoded>
    if release.images:
        fe.pictures.set([(urls.image(release.slug, i.name), i) for i in release.images])
