"""The documents a build makes from its other documents, after the feeds and archives are
staged: the HTML archive (from the Atom archive documents, :mod:`feedpub.htmlarchive`) and
the sitemap. One call from the build; each takes the archive chains, the live feeds' releases
and the keys of the last build and this one (which gain their pages' keys)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from feedpub.archive import ArchiveDoc
    from feedpub.departments import Selection
    from feedpub.layout import Urls
    from feedpub.publish import Publisher
    from feedpub.release import Release


def publish_derived(
    chains: Mapping[str | None, list[ArchiveDoc]],
    feeds: Mapping[str | None, list[Release]],
    selection: Selection,
    urls: Urls,
    publisher: Publisher,
    keys: tuple[Mapping[str, str], dict[str, str]],
) -> None:
    """Stage the HTML archive pages and the sitemap that changed. ``keys``: the last build's
    document keys and this build's, by path."""
    from feedpub.htmlarchive import publish_html_archive
    from feedpub.sitemap import publish_sitemap

    publish_html_archive(chains, selection, urls, publisher, keys)
    publish_sitemap(chains, feeds, urls, publisher)
