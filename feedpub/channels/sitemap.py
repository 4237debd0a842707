"""Channel ``sitemap``: ``sitemap.xml`` (sitemaps.org 0.9; beyond 50,000 URLs an index of
``sitemap-<n>.xml``) of every page for people, with its ``lastmod``
(:mod:`feedpub.sitemap`). Registered after ``archives``: the archived releases' updated
times are read from the combined Atom archive documents as this build publishes them.

Made with every build that has work (the publisher leaves a file alone when its bytes are
the same); a file no longer made (fewer parts) is removed with the manifest. An archive
document of all departments whose key is the last build's is not read: its releases'
times are the lastmods of their pages in the published sitemap (not with ``link_template``,
whose sitemap lists no release pages).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from feedpub.channels.base import Channel, Keys

if TYPE_CHECKING:
    from collections.abc import Callable

    from feedpub.archive import ArchiveDoc
    from feedpub.channels.view import View
    from feedpub.publish import Publisher


class SitemapChannel(Channel):
    name: ClassVar[str] = "sitemap"

    def publish(self, view: View, publisher: Publisher) -> Keys:
        from feedpub.sitemap import site_pages, sitemap_files

        read, urls = publisher.reader(), view.urls
        pages = site_pages(view.archive_chains, view.feeds, read, urls, _known(view, read))
        for path, data in sitemap_files(pages, urls.base).items():
            publisher.write(path, data)
        return {}


def _known(
    view: View, read: Callable[[str], bytes | None]
) -> Callable[[ArchiveDoc], dict[str, str] | None] | None:
    """The updated times of an archive document of all departments whose key did not
    change since the last build, from the published sitemap's release pages (None: read
    the document). Not with ``link_template`` (the sitemap lists no release pages then)."""
    from feedpub.layout import ATOM, archive_path
    from feedpub.sitemap import known_times, published_lastmods

    if view.urls.template is None and view.old_keys:
        published = published_lastmods(read, view.urls.base)
        old_keys, keys = view.old_keys, view.archive_keys

        def known(doc: ArchiveDoc) -> dict[str, str] | None:
            path = archive_path(None, doc.period, ATOM)
            if not published or old_keys.get(path) != keys.get(path):
                return None
            return known_times(doc, published, view.urls)

        return known
    return None
