"""What a build refuses before it changes anything: a configuration that would give every
published entry a new id (:class:`IdsWouldChange`, exit 2), and most published releases
vanishing at once (:class:`MassRemoval`, exit 1: a share that is not mounted)."""

from __future__ import annotations

import re
from pathlib import Path

from feedpub.ledger import LEDGER_NAME
from feedpub.state import State

#: A build refuses to unpublish when at least this many published releases vanish at once
#: and they are more than half of all published ones (see :class:`MassRemoval`).
MASS_REMOVAL_MIN = 3
#: The published combined Atom feed, where the id prefix is seen when the ledger was lost.
ATOM = "atom.xml"
_PUBLISHED_ID = re.compile(rb"<id>(tag:[^<:]*:)[^<]*</id>")


class IdsWouldChange(Exception):
    """The config would give every entry a new id: readers would show everything twice."""

    def __init__(self, out_dir: Path, before: str, now: str, source: str = LEDGER_NAME) -> None:
        super().__init__(out_dir, before, now)
        self.out_dir, self.before, self.now = out_dir, before, now
        #: Where the published ids were seen: the ledger, or the published Atom feed.
        self.source = source

    def __str__(self) -> str:
        return (
            f"{self.out_dir} was published with ids {self.before}…, this configuration gives "
            f"{self.now}…; every reader would show every release again. Run feedpub where "
            "feedpub.toml is (or pass --config); to change the ids on purpose, delete "
            f"{self.out_dir / self.source} first"
        )


def guard_ids(out_dir: Path, state: State, tag_prefix: str) -> None:
    """Raise :class:`IdsWouldChange` when the ids this configuration gives are not those
    published: as the ledger records them, or, when it has no history (lost, damaged), as
    the published combined Atom feed shows them (its first id), so that losing the ledger
    never lets a wrong configuration change every id."""
    if state.tag_prefix is not None:
        if state.tag_prefix != tag_prefix:
            raise IdsWouldChange(out_dir, state.tag_prefix, tag_prefix)
        return
    try:
        with open(out_dir / ATOM, "rb") as handle:
            head = handle.read(4096)
    except OSError:
        return  # nothing published (or not readable): nothing to compare with
    match = _PUBLISHED_ID.search(head)
    if match is not None:
        published = match.group(1).decode("utf-8", "replace")
        if published != tag_prefix:
            raise IdsWouldChange(out_dir, published, tag_prefix, ATOM)


class MassRemoval(Exception):
    """Most published releases vanished at once: a share that is not mounted, a folder
    renamed by mistake. Nothing is changed (exit 1)."""

    def __init__(self, releases_dir: Path, gone: int, published: int) -> None:
        super().__init__(releases_dir, gone, published)
        self.releases_dir, self.gone, self.published = releases_dir, gone, published

    def __str__(self) -> str:
        return (
            f"{self.releases_dir}: {self.gone} of {self.published} published releases are gone "
            "at once; nothing was changed (is the folder mounted?). To withdraw them on "
            "purpose, remove at most half of them per build"
        )


def refuse_mass_removal(releases_dir: Path, gone: int, published: int) -> None:
    """Raise :class:`MassRemoval` when ``gone`` of the ``published`` releases vanished at
    once and they are at least :data:`MASS_REMOVAL_MIN` and more than half of all."""
    if published >= MASS_REMOVAL_MIN and gone >= MASS_REMOVAL_MIN and 2 * gone > published:
        raise MassRemoval(releases_dir, gone, published)
