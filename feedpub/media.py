"""A release's pictures in its Atom entries, as a feedgen extension. No I/O.

Every picture is in the entry's content already (a figure with its caption), and readers
show it there. So the feeds announce pictures only where no reader shows them a second time:

* Atom: Media RSS ``<media:content url type medium="image" fileSize width height>`` per
  picture, with ``media:title`` (its caption, or for a picture without one the same text
  alternative the page gives it) and ``media:credit`` (the ``©`` credit), for readers that
  take a list picture or credits from Media RSS. No ``media:description``: with the caption
  in ``media:title`` it could only repeat it.
* No Atom ``<link rel="enclosure">`` and nothing in RSS (neither ``<enclosure>`` nor
  ``media:content``): Thunderbird turns each of these into an attachment and shows the
  picture a second time below the text (its FeedParser reads RSS ``enclosure`` and every
  RSS ``media:content``, and Atom ``link rel="enclosure"``; it ignores Atom
  ``media:content``). See README, "Pictures".

feedgen's own ``media`` extension has no title, description or credit and puts everything
into a ``media:group`` (meant for alternatives of one object, not for several pictures). So
this extension writes the elements itself, through feedgen's public extension hook.
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
        self._media(entry)
        return entry

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
    """Add the extension to a FeedGenerator (before its entries are added): Atom only, so
    RSS declares no Media RSS namespace."""
    fg.register_extension(NAME, MediaRss, Pictures, atom=True, rss=False)
