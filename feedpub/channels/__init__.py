"""The outputs of a build, one module per kind (a *channel*), and the registry the pipeline
iterates (see :mod:`feedpub.channels.base` for the protocol and docs/architecture.md,
"Channels", for how to add one).

Order matters only where a channel's hook must come first: per-release channels run in the
order listed for each release; collection channels stage their documents in the order listed
(the publisher's ``written`` list follows it), and are told :meth:`Channel.staged` and
:meth:`Channel.announce` in the same order.
"""

from __future__ import annotations

from feedpub.channels.archives import ArchivesChannel
from feedpub.channels.base import Channel, ReleaseChannel
from feedpub.channels.departments import DepartmentsChannel
from feedpub.channels.entries import EntriesChannel
from feedpub.channels.feeds import FeedsChannel
from feedpub.channels.opml import OpmlChannel
from feedpub.channels.pages import PagesChannel
from feedpub.channels.static import StaticChannel
from feedpub.channels.websub import WebSubChannel

#: Made from each release as it is read (in the read phase's processes).
RELEASE_CHANNELS: tuple[ReleaseChannel, ...] = (PagesChannel(), EntriesChannel())
#: Made from the whole selection, in this order.
CHANNELS: tuple[Channel, ...] = (
    ArchivesChannel(),
    FeedsChannel(),
    DepartmentsChannel(),
    OpmlChannel(),
    StaticChannel(),
    WebSubChannel(),
)
