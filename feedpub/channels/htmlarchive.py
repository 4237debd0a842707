"""Channel ``htmlarchive``: one HTML page per month of each feed's RFC 5005 archive
(``archive/<YYYY-MM>/index.html``, ``<slug>/archive/<YYYY-MM>/index.html``, beside the
month's documents), made from the month's Atom archive document as this build publishes it
(:mod:`feedpub.htmlarchive`). Registered after ``archives``: it reads what that channel
staged.

A page is rendered only when its key changed (its Atom document's key and the feed's list
of months its navigation shows, :func:`feedpub.htmlarchive.page_key`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from feedpub.channels.base import Channel, Keys

if TYPE_CHECKING:
    from feedpub.channels.view import View
    from feedpub.publish import Publisher


class HtmlArchiveChannel(Channel):
    name: ClassVar[str] = "htmlarchive"

    def publish(self, view: View, publisher: Publisher) -> Keys:
        from feedpub.htmlarchive import html_archive

        titles = {department.slug: department.title for department in view.departments}
        previous, old_keys = publisher.previous, view.old_keys

        def unchanged(path: str, key: str) -> bool:
            return old_keys.get(path) == key and path in previous

        keys: Keys = {}
        for path, key, page in html_archive(
            view.archive_chains,
            publisher.reader(),
            titles,
            view.urls,
            view.archive_keys,
            unchanged,
        ):
            keys[path] = key
            if page is None:
                publisher.keep(path, check=False)
            else:
                publisher.write(path, page)
        return keys
