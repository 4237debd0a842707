"""Channel ``sitemap``: ``sitemap.xml`` (sitemaps.org 0.9; beyond 50,000 URLs an index of
``sitemap-<n>.xml``) of every page for people, with its ``lastmod``
(:mod:`feedpub.sitemap`). Registered after ``archives``: the archived releases' updated
times are read from the combined Atom archive documents as this build publishes them.

Made with every build that has work (the publisher leaves a file alone when its bytes are
the same); a file no longer made (fewer parts) is removed with the manifest.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from feedpub.channels.base import Channel, Keys

if TYPE_CHECKING:
    from feedpub.channels.view import View
    from feedpub.publish import Publisher


class SitemapChannel(Channel):
    name: ClassVar[str] = "sitemap"

    def publish(self, view: View, publisher: Publisher) -> Keys:
        from feedpub.sitemap import site_pages, sitemap_files

        pages = site_pages(view.archive_chains, view.feeds, publisher.reader(), view.urls)
        for path, data in sitemap_files(pages, view.urls.base).items():
            publisher.write(path, data)
        return {}
