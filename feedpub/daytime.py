"""The time of day feeds give a date-only release (README, "Dates", "Date-only releases").

A release whose date line names only a day (``15.04.2026``) was published at 00:00 Berlin
until issue 13, and readers showed it on the day before: QuiteRSS shows every date with
today's UTC offset (a winter 00:00 read in summer is 23:00 the day before), Akregator one
second early (23:59:59), and every reader west of Berlin shows 00:00 Berlin on the day before
(18:00 in New York). So the feeds stamp a date-only release with

* the time a build first published it, when that was on its own day (a release dated today
  appears with the time it appeared: never a time in the future; a release whose date is
  moved to a later day after publication counts from the build that first saw the new day,
  see :func:`first_published`), else
* 12:00 (noon) of its day: 06:00 in New York, 01:00 or 00:00 in Honolulu, 13:00 in Moscow;
  an hour's error either way (QuiteRSS, summer and winter) stays on the day.

The day, the id, the order rule and the embargo (a date-only release goes public at 00:00 of
its day) are unchanged; ``check --json`` still says ``date_only`` and gives 00:00, and pages
print just the date.
"""

from __future__ import annotations

from datetime import datetime

#: The hour of day of a date-only release published on a later day.
NOON = 12


def date_only_time(day: datetime, first: datetime | None) -> datetime:
    """The time a date-only release of ``day`` (00:00 Berlin, aware) is stamped with, given
    when a build first published it (``first``, or None when no build recorded it: then
    noon, as for a release published on a later day)."""
    if first is not None:
        local = first.astimezone(day.tzinfo)
        if local.date() == day.date() and local >= day:
            return local
    return day.replace(hour=NOON, minute=0, second=0, microsecond=0)


def first_published(first: datetime | None, day: datetime, now: datetime) -> datetime | None:
    """The time of day an edited date-only release keeps (the ledger's ``first``), given the
    one recorded (``first``), the new version's ``day`` (00:00 Berlin; read now and public:
    ``now`` is on or after it) and ``now``. The stamp never lies after the moment this version first
    appears:

    * recorded on or after the start of its day: kept (its day did not move, or moved to an
      earlier day, whose noon is past);
    * recorded before its day: its date was moved to a later day after publication (no version
      is published before its day), and this version first appears now: ``now``, so a release
      moved to today at 08:00 is stamped 08:00, not with a noon still to come;
    * not recorded (published before feedpub kept it: noon): ``now`` while noon of its day is
      still to come, else unrecorded (noon).
    """
    if first is not None and first >= day:
        return first
    if first is None and now >= date_only_time(day, None):
        return None
    return now
