"""Channel ``feeds``: the live feeds, each in Atom, RSS and JSON Feed (``atom.xml``,
``rss.xml``, ``feed.json``, and the same below each ``<slug>/``), with the newest
``max_entries`` releases and, when older ones are archived, an RFC 5005 ``prev-archive``
link to the newest archive document.

A feed is rendered only when its key changed (its releases' ids, content hashes and
correction times, its newest archive document and its number of releases): after one release
changed, its department's feed and the combined one, not all of them. Every entry is rendered
once, for its department's feed and the combined one alike.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from feedpub.channels.base import Channel, Keys, feed_info, releases_key
from feedpub.layout import ATOM, JSON, RSS, feed_path

if TYPE_CHECKING:
    from feedpub.channels.view import View
    from feedpub.departments import Department
    from feedpub.feeds import Fragments
    from feedpub.publish import Publisher

#: The files of one feed.
FORMATS = (ATOM, RSS, JSON)


def feed_key(view: View, slug: str | None) -> str:
    """What a live feed's documents depend on besides the configuration (also the key of
    its department's page, so the releases it lists that the feed does not show, pushed out
    by correction notices, are in it too)."""
    count = view.selection.count(slug)
    shown = view.live[slug]
    extra = [release for release in view.listed(slug) if release.id not in shown]
    return releases_key(
        [*view.feeds[slug], *extra], view.seen, view.newest_archive.get(slug) or "", str(count)
    )


class FeedsChannel(Channel):
    name: ClassVar[str] = "feeds"

    def publish(self, view: View, publisher: Publisher) -> Keys:
        from feedpub.feeds import render_entries

        keys: Keys = {}
        todo: list[Department | None] = []
        for department in [None, *view.departments]:
            slug = None if department is None else department.slug
            key = keys[feed_path(slug, ATOM)] = feed_key(view, slug)
            files = {feed_path(slug, name) for name in FORMATS}
            if view.old_keys.get(feed_path(slug, ATOM)) == key and files <= publisher.previous:
                for relative in files:
                    publisher.keep(relative, check=False)
            else:
                todo.append(department)
        shown = {
            release.id: release
            for department in todo
            for release in view.feeds[None if department is None else department.slug]
        }
        fragments = render_entries(list(shown.values()), view.urls, feed_info(view.config, None))
        items: dict[str, dict[str, Any]] = {}  # JSON Feed items, shared by the two feeds of each
        for department in todo:
            _write_feed(view, publisher, department, fragments, items)
        for slug in sorted(view.touched - set(view.selection.slugs())):
            # Every release of this department is bad (and none was published): keep its feeds.
            for name in FORMATS:
                publisher.keep(feed_path(slug, name))
        return keys


def _write_feed(
    view: View,
    publisher: Publisher,
    department: Department | None,
    fragments: Fragments,
    items: dict[str, dict[str, Any]],
) -> None:
    from feedpub.feeds import History, Shown, render_document
    from feedpub.jsonfeed import render_json_feed

    slug = department.slug if department else None
    releases = view.feeds[slug]
    period = view.newest_archive.get(slug)
    history = History(prev_archive=None if period is None else view.urls.archive(slug, period))
    info = feed_info(view.config, department)
    shown = [Shown.of(release) for release in releases]
    atom, rss = render_document(info, shown, fragments, view.urls, history)
    publisher.write(feed_path(slug, ATOM), atom)
    publisher.write(feed_path(slug, RSS), rss)
    publisher.write(feed_path(slug, JSON), render_json_feed(info, releases, view.urls, items))
