"""Releases → Atom 1.0 and RSS 2.0 bytes, with feedgen. No I/O.

feedgen fills in the wall clock and its own version unless told otherwise (entry and feed
``updated`` default to ``now()``, entries are prepended, ``generator`` names feedgen's
version). Readers would then see every item as changed on every cron run, and two builds
would differ. So every date here is set explicitly, entries are appended in our order and the
generator is pinned. Checked by the golden-file and determinism tests.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from html import escape
from typing import Any

from feedgen.ext.base import BaseEntryExtension, BaseExtension
from feedgen.feed import FeedGenerator
from feedgen.util import formatRFC2822, xml_elem

from feedpub import media as media_ext
from feedpub.content import body_html, join_names, summary_text, with_correction
from feedpub.layout import ATOM, RSS, Urls
from feedpub.release import Release, entry_updated

GENERATOR = "feedpub"
GENERATOR_URI = "https://pypi.org/project/feedpub/"
#: RFC 4287 xml:lang and the RSS Best Practices Profile's <language> (RFC 5646 tags).
ATOM_LANG = "de"
RSS_LANG = "de-DE"
_ATOM_NS = "http://www.w3.org/2005/Atom"


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


class _HubLink(BaseExtension):  # type: ignore[misc]
    """``<atom:link rel="hub">`` in the RSS channel, beside the ``rel="self"`` one.

    WebSub (section 4) has subscribers of an XML feed look for both links in the document.
    feedgen writes only the first ``rel="self"`` link of its list into RSS, so the hub link is
    added through feedgen's public hook for finished feeds instead.
    """

    href: str | None = None

    def extend_rss(self, feed: Any) -> Any:  # the lxml <rss> element
        channel = feed.find("channel")
        self_link = channel.find(f"{{{_ATOM_NS}}}link[@rel='self']")
        hub = channel.makeelement(f"{{{_ATOM_NS}}}link", {"href": self.href, "rel": "hub"})
        self_link.addnext(hub)
        return feed


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
    #: The WebSub hub the feed names (config ``websub_hub``), or None.
    hub: str | None = None


@dataclass(frozen=True, slots=True)
class History:
    """RFC 5005 ("Feed Paging and Archiving", section 4) links of one document, each as
    (Atom URL, RSS URL): the live feed links its newest archive document as
    ``prev-archive``; an archive document (``current`` set) links the live feed as
    ``current`` and its neighbours as ``prev-archive``/``next-archive``."""

    #: The live feed's URLs; set exactly for archive documents (which get ``<fh:archive/>``).
    current: tuple[str, str] | None = None
    #: The archive document's own URLs (its rel="self"); None for the live feed.
    self_urls: tuple[str, str] | None = None
    prev_archive: tuple[str, str] | None = None
    next_archive: tuple[str, str] | None = None


LIVE = History()


@dataclass(frozen=True, slots=True)
class Shown:
    """What a feed document needs of one entry besides its rendered fragments: its place
    (id, publication time), its Atom ``updated`` (:func:`entry_updated`) and whether
    it has pictures (the Media RSS namespace). An entry rendered earlier (spooled while its
    release was read, or cut from a published document) is shown without its release."""

    id: str
    published: datetime
    updated: datetime
    pictures: bool

    @classmethod
    def of(cls, release: Release) -> Shown:
        return cls(release.id, release.published, entry_updated(release), bool(release.images))


#: The RFC 5005 namespace, for ``<fh:archive/>``.
FH_NS = "http://purl.org/syndication/history/1.0"
ATOM_NS = "http://www.w3.org/2005/Atom"

#: Rendered entries: id → (Atom ``<entry>`` bytes, RSS ``<item>`` bytes), indented for the
#: documents they are spliced into.
Fragments = dict[str, tuple[bytes, bytes]]

_ATOM_ENTRY = re.compile(rb"^  <entry>\n.*?^  </entry>\n", re.MULTILINE | re.DOTALL)
_RSS_ITEM = re.compile(rb"^    <item>\n.*?^    </item>\n", re.MULTILINE | re.DOTALL)


class _ArchiveMark(BaseExtension):  # type: ignore[misc]
    """``<fh:archive/>`` and the RFC 5005 links RSS has no element for (as atom:link).

    feedgen writes only rel="self" into RSS; Atom links of any registered relation it writes
    itself, so for Atom only the marker is added here.
    """

    def __init__(self) -> None:
        self.archive = False
        self.rss_links: list[tuple[str, str]] = []

    def extend_ns(self) -> dict[str, str]:
        return {"fh": FH_NS} if self.archive else {}

    def extend_atom(self, feed: Any) -> Any:
        if self.archive:
            xml_elem(f"{{{FH_NS}}}archive", feed)
        return feed

    def extend_rss(self, rss: Any) -> Any:
        channel = rss[0]
        for rel, href in self.rss_links:
            xml_elem(f"{{{ATOM_NS}}}link", channel, href=href, rel=rel, type="application/rss+xml")
        if self.archive:
            xml_elem(f"{{{FH_NS}}}archive", channel)
        return rss


def render_feeds(
    info: FeedInfo, releases: list[Release], urls: Urls, history: History = LIVE
) -> tuple[bytes, bytes]:
    """The Atom and RSS documents of one feed; ``releases`` already in feed order."""
    shown = [Shown.of(release) for release in releases]
    return render_document(info, shown, render_entries(releases, urls, info), urls, history)


def render_entries(
    releases: list[Release],
    urls: Urls,
    info: FeedInfo,
    bodies: dict[str, str] | None = None,
) -> Fragments:
    """Each release's Atom entry and RSS item, rendered once by feedgen for every document
    that shows it (a release is in up to four feed documents: live and archive, its
    department's and the combined one). ``info`` gives the publisher (default author);
    ``bodies`` the releases' :func:`body_html` by id where the caller has it already."""
    if not releases:
        return {}
    fg = _generator(info, any(release.images for release in releases))
    fg.updated(EMPTY)
    fg.pubDate(EMPTY)
    for release in releases:
        body = None if bodies is None else bodies.get(release.id)
        _add_entry(fg, release, urls, info, body)
    fg.link({"href": urls.base, "rel": "alternate"})
    atom = _cut(fg.atom_str(pretty=True), b"  <entry>\n", b"  </entry>\n", b"</feed>\n")
    rss = _cut(fg.rss_str(pretty=True), b"    <item>\n", b"    </item>\n", _RSS_TAIL)
    if not len(atom) == len(rss) == len(releases):  # pragma: no cover - a feedgen change
        raise RuntimeError("feedgen's output no longer splits into entries")
    return {r.id: (a, i) for r, a, i in zip(releases, atom, rss, strict=True)}


def render_document(
    info: FeedInfo,
    entries: Sequence[Shown],
    fragments: Fragments,
    urls: Urls,
    history: History = LIVE,
) -> tuple[bytes, bytes]:
    """One feed document in both formats: feedgen writes the feed's own elements, and the
    entries rendered by :func:`render_entries` are spliced in, in ``entries`` order.

    The feed's own elements differ between the documents of one feed only in their dates
    and RFC 5005 links, so feedgen writes them once per feed and shape (which links there
    are), with placeholders that are then filled in: a feed of 10,000 releases has hundreds
    of monthly archive documents, and building each head anew cost a sixth of a build.
    """
    # The feed changed when its newest entry appeared or its last correction was made (RSS
    # <lastBuildDate>: "the last time the content of the channel changed"); it was published
    # when its newest entry was (<pubDate>, like each item's). Never the wall clock.
    updated = max((e.updated for e in entries), default=info.empty_updated)
    published = max((e.published for e in entries), default=info.empty_updated)
    media = any(e.pictures for e in entries)
    atom_head, rss_head = _heads(info, media, urls, history)
    for placeholder, value in _fills(updated, published, history):
        atom_head = atom_head.replace(placeholder.encode(), value.encode())
        rss_head = rss_head.replace(placeholder.encode(), value.encode())
    return (
        _splice(atom_head, b"</feed>\n", [fragments[e.id][0] for e in entries]),
        _splice(rss_head, _RSS_TAIL, [fragments[e.id][1] for e in entries]),
    )


def _heads(info: FeedInfo, media: bool, urls: Urls, history: History) -> tuple[bytes, bytes]:
    """The Atom and RSS head templates of a feed in this shape (which links it has), made
    once per process and shape."""
    key = (
        info,
        urls.base,
        urls.template,
        media,
        history.current,
        history.self_urls is not None,
        history.prev_archive is not None,
        history.next_archive is not None,
    )
    heads = _HEADS.get(key)
    if heads is None:
        if len(_HEADS) > 1024:
            _HEADS.clear()  # a long-lived process (the tests) renders many feeds
        heads = _HEADS[key] = _render_heads(info, media, urls, history)
    return heads


def _fills(updated: datetime, published: datetime, history: History) -> list[tuple[str, str]]:
    """(placeholder, value) for a document's own dates and RFC 5005 links in a head template."""
    fills = [
        (_SENTINEL_UPDATED.isoformat(), updated.isoformat()),
        (formatRFC2822(_SENTINEL_UPDATED), formatRFC2822(updated)),
        (formatRFC2822(_SENTINEL_PUBLISHED), formatRFC2822(published)),
    ]
    for rel, pair in (
        ("self", history.self_urls),
        ("prev-archive", history.prev_archive),
        ("next-archive", history.next_archive),
    ):
        if pair is not None:
            fills.append((_placeholder(rel, ATOM), _attribute(pair[0])))
            fills.append((_placeholder(rel, RSS), _attribute(pair[1])))
    return fills


#: Dates no release has, standing for a document's own dates in a head template.
_SENTINEL_UPDATED = datetime(1901, 2, 3, 4, 5, 6, tzinfo=UTC)
_SENTINEL_PUBLISHED = datetime(1902, 3, 4, 5, 6, 7, tzinfo=UTC)
_HEADS: dict[object, tuple[bytes, bytes]] = {}


def _placeholder(rel: str, name: str) -> str:
    return f"urn:x-feedpub:{rel}:{name}"


def _attribute(url: str) -> str:
    """A URL as lxml writes it into an attribute."""
    return (
        url.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )


def _render_heads(info: FeedInfo, media: bool, urls: Urls, history: History) -> tuple[bytes, bytes]:
    """The feed's own elements in both formats, written by feedgen, with placeholders for
    the document's dates and its self, prev-archive and next-archive links."""
    fg = _generator(info, media)
    fg.register_extension("fh", _ArchiveMark, None, atom=True, rss=True)
    mark: _ArchiveMark = fg.fh  # register_extension makes the instance an attribute
    fg.updated(_SENTINEL_UPDATED)
    fg.pubDate(_SENTINEL_PUBLISHED)

    def pair(rel: str, value: tuple[str, str] | None) -> tuple[str, str] | None:
        return None if value is None else (_placeholder(rel, ATOM), _placeholder(rel, RSS))

    alternate = {"href": urls.department(info.slug), "rel": "alternate", "type": "text/html"}
    atom_self, rss_self = pair("self", history.self_urls) or (
        urls.feed(info.slug, ATOM),
        urls.feed(info.slug, RSS),
    )
    atom_links = [{"href": atom_self, "rel": "self", "type": "application/atom+xml"}]
    if info.hub is not None and history.current is None:
        # WebSub discovery (section 4): the hub beside rel="self", in live feeds only (an
        # archive document does not change, nobody subscribes to it); in RSS see _HubLink.
        atom_links.append({"href": info.hub, "rel": "hub"})
        fg.register_extension("websub", _HubLink, None, atom=False, rss=True)
        fg.websub.href = info.hub
    rss_links = [{"href": rss_self, "rel": "self", "type": "application/rss+xml"}]
    mark_links: list[tuple[str, str]] = []
    for rel, urls_of in (
        ("current", history.current),
        ("prev-archive", pair("prev-archive", history.prev_archive)),
        ("next-archive", pair("next-archive", history.next_archive)),
    ):
        if urls_of is not None:
            atom_links.append({"href": urls_of[0], "rel": rel, "type": "application/atom+xml"})
            mark_links.append((rel, urls_of[1]))
    mark.archive = history.current is not None
    mark.rss_links = mark_links
    return (
        _serialise(fg, [*atom_links, alternate], ATOM_LANG, fg.atom_str),
        _serialise_rss(fg, info, [*rss_links, alternate]),
    )


_RSS_TAIL = b"  </channel>\n</rss>\n"


def _cut(document: bytes, start: bytes, end: bytes, tail: bytes) -> list[bytes]:
    """The entries of a pretty-printed feedgen document, each with its indentation. Plain
    byte splitting (a regular expression over megabytes cost a tenth of a build): escaped
    text and titles cannot contain a raw ``</entry>``/``</item>`` line."""
    first = document.find(start)
    if first < 0:
        return []
    return [part + end for part in document[first : -len(tail)].split(end)[:-1]]


def cut_fragment(atom: bytes, rss: bytes, entry_id: str) -> tuple[bytes, bytes] | None:
    """The entry ``entry_id`` as two published documents (Atom, RSS) show it, or None: the
    last good version of a release that is bad now, taken from what readers already have."""
    key = escape(entry_id, quote=False).encode("utf-8")
    atom_part = next(
        (m for m in _ATOM_ENTRY.findall(atom) if b"\n    <id>" + key + b"</id>\n" in m), None
    )
    rss_part = next((m for m in _RSS_ITEM.findall(rss) if b">" + key + b"</guid>" in m), None)
    if atom_part is None or rss_part is None:
        return None
    return atom_part, rss_part


def _splice(head: bytes, tail: bytes, entries: list[bytes]) -> bytes:
    if not head.endswith(tail):  # pragma: no cover - a feedgen change
        raise RuntimeError("feedgen's document no longer ends as expected")
    return b"".join([head[: -len(tail)], *entries, tail])


#: The placeholder date of the document render_entries cuts its entries from.
EMPTY = datetime(2000, 1, 1, tzinfo=UTC)


def _generator(info: FeedInfo, media: bool) -> FeedGenerator:
    """A FeedGenerator with the feed-level fields and extensions every document shares (the
    namespaces its entries use must be declared the same in every document: Media RSS when
    ``media``, an entry has pictures)."""
    fg = FeedGenerator()
    fg.load_extension("dc", atom=False, rss=True)
    fg.register_extension("linkfix", BaseExtension, _EntryLinkFix, atom=True, rss=False)
    if media:
        media_ext.register(fg)  # only then: feeds without pictures stay as they were
    fg.id(info.id)
    fg.title(info.title)
    fg.subtitle(info.subtitle)  # also RSS <description>
    author = {"name": info.publisher}
    if info.email:
        author["email"] = info.email
    fg.author(author)
    fg.generator(GENERATOR, uri=GENERATOR_URI)
    fg.docs("https://www.rssboard.org/rss-specification")
    return fg


#: What a reader that guesses whether RSS text is HTML could take for markup: a tag or a
#: character reference (feedparser's guess needs an end tag or a reference).
_LOOKS_LIKE_MARKUP = re.compile(r"<[A-Za-z/!?]|&#?\w+;")


def rss_title(text: str) -> str:
    """An RSS channel ``<title>``'s text. RSS titles are plain text (RSS Best Practices
    Profile; newsboat shows them so), so ``Bau & Umwelt`` is written escaped once, like an
    item's title. Readers that guess instead (feedparser: HTML when the text has an end tag
    or a reference) would render a folder named ``Bauamt &amp; <img src=…>`` as markup, so
    text that could be taken for markup is HTML-escaped like a description."""
    return escape(text, quote=False) if _LOOKS_LIKE_MARKUP.search(text) else text


def _serialise_rss(fg: FeedGenerator, info: FeedInfo, links: list[dict[str, str]]) -> bytes:
    """The RSS head: its title (see :func:`rss_title`) and ``<description>``, which readers
    render as HTML whatever it holds, so the plain-text description (a department's
    configured description or folder name) goes there HTML-escaped, as an item's does. Atom
    says ``type="text"`` and JSON Feed is plain text: they keep the text as it is."""
    fg.title(rss_title(info.title))
    fg.description(escape(info.subtitle, quote=False))  # also sets Atom's, written before
    return _serialise(fg, links, RSS_LANG, fg.rss_str)


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


#: U+2060 WORD JOINER: invisible, not white space, breaks no line.
_WORD_JOINER = "\u2060"


def rss_creator(names: list[str]) -> str:
    """The one RSS ``<dc:creator>`` of an item: every author as German text (``A und B``).

    One element, as readers keep one: Thunderbird the first ``dc:creator``, feedparser's
    ``author`` (and so rss2email and reader) the last. A name that ends in a bracket
    (``Landkreis Rotenburg (Wümme)``) gets a word joiner after it: reader reads an RSS
    author as ``name (e-mail)`` and took ``Wümme`` for an e-mail address; the joiner shows
    nowhere and leaves the name whole. Atom and JSON Feed name each author on its own."""
    text = join_names(names)
    return text + _WORD_JOINER if text.endswith((")", ">")) else text


def _add_entry(
    fg: FeedGenerator, release: Release, urls: Urls, info: FeedInfo, body: str | None = None
) -> None:
    fe = fg.add_entry(order="append")
    fe.id(release.id)  # also RSS <guid isPermaLink="false">
    fe.title(release.title)
    fe.published(release.published)  # also RSS <pubDate>, which stays put after a correction
    # Atom <updated> stays the publication (RFC 4287 4.2.15: modified "in a way the publisher
    # considers significant"): readers that sort by it made a corrected release today's news
    # (see entry_updated); the correction's news is its notice, an entry of its own.
    fe.updated(entry_updated(release))
    fe.link(href=urls.release(release), rel="alternate", type="text/html")
    # One call each: feedgen copies its author list on every call (quadratic in authors).
    names = list(release.authors) or [info.publisher]
    fe.author([{"name": name} for name in names])
    fe.dc.dc_creator(rss_creator(names))
    fe.category(term=release.department)
    # Readers render RSS <description> as HTML whatever it holds, so plain text must be
    # HTML-escaped there ("<tag>" would vanish, "&amp;" show as "&"). The same escaped text
    # with type="html" is exactly right for Atom too, and feedgen writes both from one call.
    fe.summary(escape(summary_text(release), quote=False), type="html")
    # Also RSS <content:encoded>.
    body = body_html(release, urls) if body is None else body
    fe.content(with_correction(release, body), type="html")
    if release.images:
        fe.pictures.set([(urls.image(release.slug, i.name), i) for i in release.images])
