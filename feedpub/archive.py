"""RFC 5005 archives: which archive documents each feed has, and which releases each holds.

The live feeds keep the newest ``max_entries``; every older release of a feed is in exactly
one of its **archive documents, one per calendar month** (Europe/Berlin) of publication,
oldest first, each linking its neighbours (``prev-archive``/``next-archive``) and the live
feed (``current``); the live feed links the newest as ``prev-archive``. A reader that follows
the links sees every release exactly once.

Why months: archive documents should stay as they are once written (RFC 5005, section 4).
A release published today pushes the oldest live entry into the archive, and that entry is
newer than everything archived, so only the newest archive document changes (or a new one
starts, and the one before it gains its ``next-archive`` link); a back-dated release changes
the month it falls in. Fixed-size pages would shift every page after a back-dated release.
Months also keep documents small: a year of a busy district's combined feed is thousands of
releases. Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from feedpub.departments import Entry, order_key


@dataclass(frozen=True, slots=True)
class ArchiveDoc:
    """One archive document of one feed."""

    #: Department slug, or None for the feed of every department.
    slug: str | None
    #: ``YYYY-MM``: the month of its releases' publication.
    period: str
    #: Its releases, newest first (the feeds' order).
    entries: tuple[Entry, ...]
    #: The neighbouring documents' periods (None at either end).
    prev: str | None
    next: str | None


def period_of(entry: Entry) -> str:
    """The archive month of a release (``published`` is in Europe/Berlin)."""
    return f"{entry.published.year:04d}-{entry.published.month:02d}"


def plan(
    entries: Iterable[Entry], live: dict[str | None, set[str]]
) -> dict[str | None, list[ArchiveDoc]]:
    """The archive documents of every feed (``None``: all departments), oldest first.

    ``live`` holds the ids each live feed shows; every other release of a feed is archived.
    A department's archived releases are archived in the combined feed as well (its live
    feed holds the newest of the department, the combined one the newest of all).
    """
    months: dict[str | None, dict[str, list[Entry]]] = {}
    for entry in entries:
        month = period_of(entry)
        for slug in (None, entry.slug):
            if entry.id not in live.get(slug, ()):
                months.setdefault(slug, {}).setdefault(month, []).append(entry)
    result: dict[str | None, list[ArchiveDoc]] = {}
    for slug, by_month in months.items():
        periods = sorted(by_month)
        result[slug] = [
            ArchiveDoc(
                slug,
                period,
                tuple(sorted(by_month[period], key=order_key)),
                periods[index - 1] if index else None,
                periods[index + 1] if index + 1 < len(periods) else None,
            )
            for index, period in enumerate(periods)
        ]
    return result


def newest_periods(
    entries: Iterable[Entry], live: dict[str | None, set[str]]
) -> dict[str | None, str]:
    """The period of each feed's newest archive document, as :func:`plan` would give it
    (``plan(...)[slug][-1].period``), without making the documents."""
    newest: dict[str | None, str] = {}
    for entry in entries:
        month = period_of(entry)
        for slug in (None, entry.slug):
            if entry.id not in live.get(slug, ()) and month > newest.get(slug, ""):
                newest[slug] = month
    return newest
