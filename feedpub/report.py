"""What a build did, for the CLI to say (:class:`Report`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from feedpub.release import Notice, ReleaseError
    from feedpub.websub import Outcome


@dataclass
class Report:
    """What a run did. ``errors`` are the skipped files; ``notices`` warnings about kept ones."""

    #: Releases published (read this time or known unchanged).
    releases: int = 0
    errors: list[ReleaseError] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)
    #: Files rewritten, and those of them that are new.
    written: list[str] = field(default_factory=list)
    created: set[str] = field(default_factory=set)
    unchanged: int = 0
    removed: list[str] = field(default_factory=list)
    #: True when sizes and mtimes showed that nothing changed: nothing was rendered.
    fast: bool = False
    #: Release files read this time (the rest were known unchanged, or bad by their bytes).
    read: int = 0
    #: Releases dated in the future (embargo), not published yet.
    held_back: int = 0
    #: The ledger was missing or unreadable although the folder was published before.
    state_lost: bool = False
    #: Published releases read back from the published feeds, the ledger being lost (see
    #: feedpub.recover).
    recovered: int = 0
    #: A damaged ledger moved aside: one line each (see feedpub.ledger).
    damaged: list[str] = field(default_factory=list)
    #: What the WebSub hub was told, or None (no hub configured, or nothing to tell).
    websub: Outcome | None = None
