"""The releases each live feed shows and each page lists, made from the selection: the
entries read this build are releases already; an unchanged one is taken from the ledger's
last good version or read again (:class:`Unchanged`). Split from :mod:`feedpub.pipeline`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from feedpub.departments import Entry, Selection
from feedpub.discover import ReleaseFile
from feedpub.release import Release
from feedpub.report import Report
from feedpub.state import Seen


def materialize(
    selection: Selection,
    pick: Callable[[str | None], list[Entry]],
    release_of: Callable[[ReleaseFile], Release | None],
) -> dict[str | None, list[Release]]:
    """The releases each feed shows (``pick``: :meth:`Selection.newest`) or each page lists
    (:meth:`Selection.releases`), in feed order; an unchanged one as ``release_of`` gives it
    (see :class:`Unchanged`), left out when that gives None."""
    feeds: dict[str | None, list[Release]] = {}
    for slug in [None, *selection.slugs()]:
        releases: list[Release] = []
        for entry in pick(slug):
            release = entry if isinstance(entry, Release) else release_of(entry)
            if release is not None:
                releases.append(release)
        feeds[slug] = releases
    return feeds


class Unchanged:
    """The unchanged releases that the feeds and pages show, each made at most once per
    build: taken from ``known`` (the ledger's record of what the feeds showed: the same
    file, so the same release) or else read again (a few hundred at most, never all of
    them); None when it is gone or bad now (its error goes to the report)."""

    def __init__(
        self, tag_prefix: str, seen: dict[str, Seen], report: Report, known: dict[str, Release]
    ) -> None:
        self.tag_prefix, self.seen, self.report, self.known = tag_prefix, seen, report, known
        self.made: dict[str, Release | None] = {}

    def __call__(self, entry: ReleaseFile) -> Release | None:
        from feedpub.reading import read_unchanged

        if entry.id not in self.made:
            record = self.known.get(entry.id)
            self.made[entry.id] = (
                replace(record, source=entry.source)
                if record is not None
                else read_unchanged(entry, self.tag_prefix, self.seen, self.report.errors)
            )
        return self.made[entry.id]
