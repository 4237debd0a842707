"""Releases → JSON Feed 1.1 bytes (https://www.jsonfeed.org/version/1.1/). No I/O.

The same feed as :func:`feedpub.feeds.render_feeds` writes as Atom and RSS, for readers and
scripts that prefer JSON: the same entries in the same order, with the Atom entry ids, links,
dates and content. Plain dicts and one ``json.dumps`` per document, no per-item
serialisation: the combined feed and a department feed may carry thousands of the same items,
which :func:`render_json_feed` can share through ``items``. Every value is set from the
input (no wall clock), keys stay in the order the spec lists them, so the same input gives
the same bytes.
"""

from __future__ import annotations

import json
from typing import Any

from feedpub.content import body_html, summary_text, with_correction
from feedpub.feeds import FeedInfo
from feedpub.layout import INDEX, JSON, Urls
from feedpub.release import Release, entry_updated

VERSION = "https://jsonfeed.org/version/1.1"
#: RFC 5646 tag, as the spec asks (the Atom feed's xml:lang, too).
LANGUAGE = "de"
#: Item dicts by entry id, shared by the feeds of one build (see :func:`render_json_feed`).
ItemCache = dict[str, dict[str, Any]]


def render_json_feed(
    info: FeedInfo, releases: list[Release], urls: Urls, items: ItemCache | None = None
) -> bytes:
    """The JSON Feed of one feed; ``releases`` already in feed order.

    ``items``, when given, keeps each release's item dict by id, so a release that appears in
    its department's feed and in the feed of all departments is turned into a dict once. An
    item depends only on the release, ``urls`` and ``info.publisher``, so pass one cache per
    build, never across builds or configurations.
    """
    feed_url = urls.feed(info.slug, JSON)
    author: dict[str, str] = {"name": info.publisher}
    if info.email:
        # The spec's author has no e-mail member; "url ... could be a mailto: link".
        author["url"] = f"mailto:{info.email}"
    # Key order as the spec lists them; "version ... should appear at the very top".
    document: dict[str, Any] = {
        "version": VERSION,
        "title": info.title,
        # The Atom and RSS feeds' rel=alternate: the department's page (or the index).
        "home_page_url": urls.department(info.slug),
        "feed_url": feed_url,
        "description": info.subtitle,
        # For someone who opens the file in a browser; readers ignore it (spec, "Linking to a
        # Feed on a Web Page").
        "user_comment": (
            "Dies ist ein Feed im Format JSON Feed (https://www.jsonfeed.org/). Zum Abonnieren "
            f"fügen Sie seine Adresse in Ihren Feedreader ein: {feed_url} – alle Feeds, auch "
            f"als Atom und RSS, und eine Anleitung finden Sie unter {urls.of(INDEX)}"
        ),
        "authors": [author],
        "language": LANGUAGE,
    }
    if info.hub is not None:
        # JSON Feed 1.1 "hubs": how a reader subscribes for instant updates (WebSub).
        document["hubs"] = [{"type": "WebSub", "url": info.hub}]
    document["items"] = [_item(release, urls, info.publisher, items) for release in releases]
    # Compact separators: json.dumps then takes its C encoder (an ``indent`` forces the pure
    # Python one) and the file stays small; browsers and readers do not need the whitespace.
    # ensure_ascii=False: UTF-8 as the spec recommends, "Straße" rather than "Stra\u00dfe".
    text = json.dumps(document, ensure_ascii=False, separators=(",", ":"), check_circular=False)
    return text.encode("utf-8") + b"\n"


def _item(release: Release, urls: Urls, publisher: str, items: ItemCache | None) -> dict[str, Any]:
    if items is not None:
        cached = items.get(release.id)
        if cached is not None:
            return cached
    # Each value is what the Atom entry of the same release says (feedpub.feeds._add_entry),
    # so a reader that switches formats sees the same entries: same id, so no reruns.
    item: dict[str, Any] = {
        "id": release.id,
        "url": urls.release(release),
        "title": release.title,
        "content_html": with_correction(release, body_html(release, urls)),
        # Plain text: "the only place HTML is allowed in this format is in content_html".
        "summary": summary_text(release),
    }
    if release.images:
        # "the URL of the main image for the item": the first picture (also in content_html).
        item["image"] = urls.image(release.slug, release.images[0].name)
    item |= {
        "date_published": release.published.isoformat(),
        # The Atom <updated>: the publication, also after a correction (see entry_updated).
        "date_modified": entry_updated(release).isoformat(),
        # Explicit even for the publisher: the spec lets an item inherit the feed's authors,
        # but not every reader does.
        "authors": [{"name": name} for name in release.authors or (publisher,)],
        "tags": [release.department],
        "language": LANGUAGE,
    }
    if items is not None:
        items[release.id] = item
    return item
