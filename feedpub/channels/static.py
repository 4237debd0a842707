"""Channel ``static``: the site's ``static/`` folder (logo, style sheet, favicon) copied to
``feeds/static/`` with every build that has work; a file that did not change is not copied
again, and one removed from ``static/`` is removed (see :mod:`feedpub.static`, which lists
the folder under the release files' name rules).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from feedpub.channels.base import Channel, Keys

if TYPE_CHECKING:
    from feedpub.channels.view import View
    from feedpub.publish import Publisher


class StaticChannel(Channel):
    name: ClassVar[str] = "static"

    def publish(self, view: View, publisher: Publisher) -> Keys:
        from feedpub.static import publish_static

        publish_static(view.config, publisher)
        return {}
