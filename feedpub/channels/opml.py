"""Channel ``opml``: the subscription lists ``feeds.opml`` (every Atom feed) and
``feeds-json.opml`` (every JSON Feed), rendered with every build that has work.

The JSON Feeds are in a list of their own, with the same outlines: one list with both
formats would subscribe an importing reader to every feed twice, and readers without JSON
Feed (Thunderbird, newsboat) to feeds they cannot read (README, "Output layout").
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from feedpub.channels.base import Channel, Keys
from feedpub.layout import ATOM, JSON, JSON_OPML, OPML

if TYPE_CHECKING:
    from feedpub.channels.view import View
    from feedpub.publish import Publisher


class OpmlChannel(Channel):
    name: ClassVar[str] = "opml"

    def publish(self, view: View, publisher: Publisher) -> Keys:
        from feedpub.pages import render_opml

        config = view.config
        for feed_name, opml_name in ((ATOM, OPML), (JSON, JSON_OPML)):
            opml = render_opml(
                config.title,
                config.publisher,
                config.email,
                view.departments,
                view.urls,
                feed_name=feed_name,
            )
            publisher.write(opml_name, opml)
        return {}
