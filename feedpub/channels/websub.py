"""Channel ``websub``: tells the WebSub hub (config ``websub_hub``) which feeds changed, after
they are in place (see :mod:`feedpub.websub`). The feeds to announce are recorded in the
ledger as pending before anything is put into place, so a build killed before it told the
hub leaves them for the next build; a build that finds nothing to do still sends what is
pending."""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING, ClassVar

from feedpub import websub
from feedpub.channels.base import Channel, Done

if TYPE_CHECKING:
    from feedpub.channels.view import View
    from feedpub.publish import Publisher
    from feedpub.report import Report


class WebSubChannel(Channel):
    name: ClassVar[str] = "websub"

    def staged(self, view: View, publisher: Publisher, ledger: sqlite3.Connection) -> None:
        from feedpub.bookkeeping import write_pending

        config = view.config
        if config.websub_hub is not None:
            websub.expect(ledger, websub.feed_urls(config.base_url, publisher.written))
        else:
            write_pending(ledger, [])  # no hub any more: nothing left to tell

    def announce(self, done: Done, report: Report) -> None:
        """Tell the hub about the feeds among the files written and those pending from
        earlier builds. Nothing pending and nothing written costs one failing ``open``."""
        config = done.config
        if config.websub_hub is not None:
            changed = websub.feed_urls(config.base_url, done.written)
            report.websub = websub.announce(
                done.out_dir, config.websub_hub, config.base_url, changed, timing=done.timing
            )
