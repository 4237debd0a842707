"""Correction notices: each new ``Korrektur:`` note of a published release becomes an entry of
its own, so that every reader learns of the correction (README, "Corrections reach every
reader"). Pure: the ledger keeps the notices (``notices`` table, see :mod:`feedpub.ledger`),
the build calls :func:`new_notice` for each release it reads and :func:`published` once.

Rules:

* **Id**: ``<release id>/korrektur-<correction time, UTC, YYYYMMDDTHHMMSSZ>``, a tag URI like
  the release's (RFC 4151 allows ``/`` and ``-`` in its specific part), never equal to a
  release id (those have one ``/`` after the prefix). Stable across builds: it is kept in the
  ledger, and a stated time gives the same id also after the ledger was lost.
* **Time** (its ``published`` and ``updated``): the ``Aktualisiert:`` time when the release
  states one (never before the publication, as the feeds show it; a stated day alone is
  stamped like a date-only release, see :mod:`feedpub.daytime`), else the time a build
  first saw the note (``now``), or, for a release a build sees for the first time (new, or
  the ledger lost), its publication time. A time at or before the release's last notice
  (the note changed, the ``Aktualisiert:`` line not) becomes ``now``.
* **A new note, a new notice.** A note that differs from the release's last notice makes a
  new notice; the earlier ones stay published (they are what readers were told then). A
  release whose note is removed keeps its notices.
* **Its content is fixed** when it is made: title, note and time are kept in the ledger, so
  a later silent edit of the release changes no notice.
* **Published** while its release is: a release that turns bad keeps its notices (its last
  good state), one whose new version waits for its time (embargo) makes no notice until then,
  and a deleted release takes its notices with it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from feedpub.daytime import date_only_time
from feedpub.release import CorrectionNotice, Release, effective_updated

#: How a notice's title starts (``Korrektur: <title of the release>``).
TITLE_PREFIX = "Korrektur: "


@dataclass(frozen=True, slots=True)
class NoticeRecord:
    """One correction notice as the ledger keeps it (a row of ``notices``)."""

    id: str
    #: The id of the release it corrects.
    release: str
    #: The correction time (aware).
    time: datetime
    #: ``Korrektur: <title of the release>`` when the notice was made.
    title: str
    note: str
    department: str
    slug: str
    stem: str


def notice_id(release_id: str, time: datetime) -> str:
    """The id of the notice of ``release_id`` made at ``time``."""
    return f"{release_id}/korrektur-{time.astimezone(UTC):%Y%m%dT%H%M%SZ}"


def new_notice(
    release: Release, earlier: Sequence[NoticeRecord], now: datetime, *, first_seen: bool
) -> NoticeRecord | None:
    """The notice a release read by this build makes, or None (no note, or the note of its
    last notice). ``release`` as parsed (``updated`` only when stated); ``earlier`` its
    notices so far; ``first_seen``: no build published it before (or the ledger was lost)."""
    if release.correction is None:
        return None
    latest = max(earlier, key=lambda record: record.time, default=None)
    if latest is not None and latest.note == release.correction:
        return None
    if release.updated is not None:
        time = effective_updated(release)
        if not release.updated_has_time and time == release.updated:
            time = date_only_time(time, now)  # a stated day: as a date-only release's
    else:
        time = release.published if first_seen else now
    if latest is not None and time <= latest.time:
        time = max(now, latest.time + timedelta(seconds=1))
    return NoticeRecord(
        id=notice_id(release.id, time),
        release=release.id,
        time=time,
        title=TITLE_PREFIX + release.title,
        note=release.correction,
        department=release.department,
        slug=release.slug,
        stem=release.stem,
    )


def published(
    known: Mapping[str, Sequence[NoticeRecord]],
    made: Iterable[NoticeRecord],
    releases: Iterable[str],
) -> list[NoticeRecord]:
    """The notices to publish and keep: those the ledger knows and those made now
    (``made``), of the releases still published (ids in ``releases``), oldest first."""
    shown = set(releases)
    records = {r.id: r for rows in known.values() for r in rows if r.release in shown}
    records.update((r.id, r) for r in made if r.release in shown)
    return sorted(records.values(), key=lambda record: (record.time, record.id))


def by_release(records: Iterable[NoticeRecord]) -> dict[str, list[NoticeRecord]]:
    """Notices grouped by the id of their release."""
    grouped: dict[str, list[NoticeRecord]] = {}
    for record in records:
        grouped.setdefault(record.release, []).append(record)
    return grouped


def as_entry(record: NoticeRecord) -> CorrectionNotice:
    """A notice as the feeds show it: an entry like a release's (see
    :class:`~feedpub.release.CorrectionNotice`)."""
    return CorrectionNotice(
        source=Path(record.slug, record.stem),
        department=record.department,
        slug=record.slug,
        stem=record.stem,
        id=record.id,
        published=record.time,
        has_time=True,
        title=record.title,
        paragraphs=(record.note,),
        corrects=record.release,
    )
