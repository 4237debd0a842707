"""A release's pictures in its feed entries, as a feedgen extension. No I/O.

Written per entry:

* RSS 2.0: ``<enclosure url length type>`` for the first picture (RSS allows one per item);
* Atom: ``<link rel="enclosure" href type length>`` for every picture (RFC 4287 4.2.7.2);
* both: Media RSS ``<media:content url type medium="image" fileSize width height>`` for every
  picture, with ``media:title`` (its caption, or for a picture without one the same text
  alternative the page gives it) and ``media:credit`` (the ``©`` credit), for readers that
  show pictures with their caption and credit. No ``media:description``: with the caption in
  ``media:title`` it could only repeat it.

feedgen's own ``media`` extension has no title, description or credit and puts everything
into a ``media:group`` (meant for alternatives of one object, not for several pictures), and
its enclosure links go through the Atom link bug that :class:`feedpub.feeds._EntryLinkFix`
works around (and RSS would get the last picture, not the first). So this extension writes
the elements itself, through feedgen's public extension hook.
"""

from __future__ import annotations

from typing import Any

from feedgen.ext.base import BaseEntryExtension, BaseExtension
from feedgen.util import xml_elem

from feedpub.release import Image

#: The Media RSS namespace (Media RSS Specification 1.5.1).
MEDIA_NS = "http://search.yahoo.com/mrss/"
#: The name the extension is registered under (``fe.pictures``).
NAME = "pictures"


class MediaRss(BaseExtension):  # type: ignore[misc]
    """Declares the ``media:`` prefix on the feed's root element."""

    def extend_ns(self) -> dict[str, str]:
        return {"media": MEDIA_NS}


class Pictures(BaseEntryExtension):  # type: ignore[misc]
    """The pictures of one entry: set with :meth:`set`, written when feedgen serialises."""

    def __init__(self) -> None:
        self._pictures: list[tuple[str, Image]] = []

    def set(self, pictures: list[tuple[str, Image]]) -> None:
        """The entry's pictures with their absolute URLs, in order."""
        self._pictures = pictures

    def extend_atom(self, entry: Any) -> Any:  # an lxml element
        for url, image in self._pictures:
            xml_elem(
                "link",
                entry,
                rel="enclosure",
                href=url,
                type=image.media_type,
                length=str(image.length),
            )
        self._media(entry)
        return entry

    def extend_rss(self, item: Any) -> Any:
        if self._pictures:
            url, image = self._pictures[0]
            xml_elem("enclosure", item, url=url, length=str(image.length), type=image.media_type)
        self._media(item)
        return item

    def _media(self, parent: Any) -> None:
        for url, image in self._pictures:
            content = xml_elem(
                f"{{{MEDIA_NS}}}content",
                parent,
                url=url,
                type=image.media_type,
                medium="image",
                fileSize=str(image.length),
                width=str(image.width),
                height=str(image.height),
            )
            xml_elem(f"{{{MEDIA_NS}}}title", content).text = image.alt
            if image.credit:
                xml_elem(f"{{{MEDIA_NS}}}credit", content).text = image.credit


def register(fg: Any) -> None:
    """Add the extension to a FeedGenerator (before its entries are added)."""
    fg.register_extension(NAME, MediaRss, Pictures, atom=True, rss=True)
