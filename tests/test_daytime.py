"""Date-only releases on the right day (feedpub.daytime, issue 13): the time of day the feeds
give them, in every zone west of Berlin down to Honolulu, never in the future."""

from __future__ import annotations

import sqlite3
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import feedparser
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from feedpub.build import build
from feedpub.config import Config
from feedpub.daytime import date_only_time, first_published
from feedpub.ledger import LEDGER_NAME

BERLIN = ZoneInfo("Europe/Berlin")
DAY = datetime(2026, 4, 15, tzinfo=BERLIN)
#: Zones west of Berlin where a reader must see the release's day (noon Berlin there is
#: 06:00, 07:00, 11:00, 00:00 or 01:00 of the same day).
WEST = ["Europe/London", "America/New_York", "America/Los_Angeles", "Pacific/Honolulu"]

CASES = [
    # (first published, stamped, note)
    (None, datetime(2026, 4, 15, 12, 0, tzinfo=BERLIN), "unknown: noon"),
    (datetime(2026, 4, 15, 9, 30, 5, tzinfo=BERLIN), datetime(2026, 4, 15, 9, 30, 5, tzinfo=BERLIN),
     "on its day: that time"),
    (datetime(2026, 4, 15, 23, 59, tzinfo=BERLIN), datetime(2026, 4, 15, 23, 59, tzinfo=BERLIN),
     "late on its day"),
    (datetime(2026, 4, 16, 8, 0, tzinfo=BERLIN), datetime(2026, 4, 15, 12, 0, tzinfo=BERLIN),
     "a later day: noon"),
    (datetime(2026, 4, 15, 7, 0, tzinfo=ZoneInfo("UTC")),
     datetime(2026, 4, 15, 9, 0, tzinfo=BERLIN), "given in UTC: its Berlin day counts"),
    (datetime(2026, 4, 14, 23, 30, tzinfo=ZoneInfo("UTC")),
     datetime(2026, 4, 15, 1, 30, tzinfo=BERLIN), "UTC's day before, Berlin's day"),
    (datetime(2026, 4, 14, 23, 0, tzinfo=BERLIN), datetime(2026, 4, 15, 12, 0, tzinfo=BERLIN),
     "published before its day (its date moved later): noon"),
]  # fmt: skip


@pytest.mark.parametrize(("first", "stamped", "note"), CASES)
def test_date_only_time(first: datetime | None, stamped: datetime, note: str) -> None:
    result = date_only_time(DAY, first)
    assert result == stamped
    assert result.utcoffset() == stamped.utcoffset()


@settings(max_examples=300, deadline=None)
@given(
    st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 12, 31)),
    st.one_of(st.none(), st.integers(0, 3 * 86400 - 1)),
)
def test_the_stamp_is_on_its_day_and_never_later_than_the_first_publication(
    day: date, seconds: int | None
) -> None:
    midnight = datetime(day.year, day.month, day.day, tzinfo=BERLIN)
    first = None if seconds is None else (midnight + timedelta(seconds=seconds))
    stamped = date_only_time(midnight, first)
    assert stamped.astimezone(BERLIN).date() == day
    if first is not None:
        assert stamped <= max(first, midnight.replace(hour=12)), "a time in the future"
    if first is None or first.astimezone(BERLIN).date() != day:
        for zone in WEST:  # noon Berlin is on the same day everywhere west down to Honolulu
            assert stamped.astimezone(ZoneInfo(zone)).date() == day, zone


# --------------------------------------------------------------------------------- builds

CONFIG = Config(base_url="https://presse.example.de/feeds/", tag_authority="presse.example.de")


def published(out: Path) -> dict[str, str]:
    return {
        e.id.rsplit("/", 1)[-1]: e.published for e in feedparser.parse(out / "atom.xml").entries
    }


def test_a_release_of_today_has_the_time_it_appeared_and_keeps_it(tmp_path: Path) -> None:
    releases, out = tmp_path / "releases", tmp_path / "feeds"
    (releases / "Amt").mkdir(parents=True)
    (releases / "Amt" / "heute.txt").write_text("15.04.2026\n\nHeute\n\nText.\n", "utf-8")
    (releases / "Amt" / "alt.txt").write_text("10.04.2026\n\nAlt\n\nText.\n", "utf-8")
    appeared = DAY.replace(hour=9, minute=30)
    build(releases, out, CONFIG, now=appeared)
    assert published(out) == {
        "heute": "2026-04-15T09:30:00+02:00",
        "alt": "2026-04-10T12:00:00+02:00",
    }
    # Later builds, an edit and a full build keep the time it first appeared.
    (releases / "Amt" / "heute.txt").write_text("15.04.2026\n\nHeute\n\nText, neu.\n", "utf-8")
    build(releases, out, CONFIG, now=appeared + timedelta(days=2))
    assert published(out)["heute"] == "2026-04-15T09:30:00+02:00"
    page = (out / "amt" / "heute.html").read_text("utf-8")
    assert ">15.04.2026</time></p>" in page and "15.04.2026, 09:30" not in page  # the date


def test_an_embargoed_date_only_release_appears_at_midnight_with_that_time(
    tmp_path: Path,
) -> None:
    releases, out = tmp_path / "releases", tmp_path / "feeds"
    (releases / "Amt").mkdir(parents=True)
    (releases / "Amt" / "bald.txt").write_text("15.04.2026\n\nBald\n\nText.\n", "utf-8")
    build(releases, out, CONFIG, now=DAY - timedelta(minutes=1))
    assert published(out) == {}  # the embargo: 00:00 of its day, as before
    build(releases, out, CONFIG, now=DAY + timedelta(minutes=5))
    assert published(out) == {"bald": "2026-04-15T00:05:00+02:00"}


def test_releases_published_before_the_rule_get_noon(tmp_path: Path) -> None:
    """A ledger of version 2 knows no first publication: its releases get noon, also a
    release of the day of the upgrade."""
    releases, out = tmp_path / "releases", tmp_path / "feeds"
    (releases / "Amt").mkdir(parents=True)
    (releases / "Amt" / "heute.txt").write_text("15.04.2026\n\nHeute\n\nText.\n", "utf-8")
    build(releases, out, CONFIG, now=DAY.replace(hour=8))
    with sqlite3.connect(out / LEDGER_NAME) as db:  # as feedpub's version 2 left it
        db.execute("ALTER TABLE releases DROP COLUMN first")
        db.execute("PRAGMA user_version=2")
    (releases / "Amt" / "heute.txt").touch()
    report = build(releases, out, CONFIG, now=DAY.replace(hour=9))
    assert report.damaged == []
    assert published(out) == {"heute": "2026-04-15T12:00:00+02:00"}


# ------------------------------------------------- a date moved to a later day (never future)

MOVED = [
    # (first recorded, now, kept first, note)
    (DAY.replace(hour=9), DAY.replace(hour=15), DAY.replace(hour=9), "same day: kept"),
    (DAY.replace(day=16, hour=9), DAY.replace(day=17), DAY.replace(day=16, hour=9),
     "moved to an earlier day: kept (noon, in the past)"),
    (DAY.replace(day=14, hour=9), DAY.replace(hour=8), DAY.replace(hour=8),
     "moved to a later day: from now, not noon"),
    (DAY.replace(day=14, hour=9), DAY.replace(day=16, hour=8), DAY.replace(day=16, hour=8),
     "first seen on a later day: now (the stamp is noon)"),
    (None, DAY.replace(hour=8), DAY.replace(hour=8), "unrecorded, before noon: now"),
    (None, DAY.replace(hour=13), None, "unrecorded, after noon: noon"),
]  # fmt: skip


@pytest.mark.parametrize(("first", "now", "kept", "note"), MOVED)
def test_first_published_after_an_edit(
    first: datetime | None, now: datetime, kept: datetime | None, note: str
) -> None:
    assert first_published(first, DAY, now) == kept


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(st.none(), st.integers(-5 * 86400, 5 * 86400)),
    st.integers(0, 4 * 86400 - 1),
)
def test_an_edited_version_is_never_stamped_after_it_appears(
    first: int | None, seconds: int
) -> None:
    now = DAY + timedelta(seconds=seconds)  # public: on or after its day
    # Recorded by an earlier build: never after now.
    recorded = None if first is None else min(DAY + timedelta(seconds=first), now)
    stamped = date_only_time(DAY, first_published(recorded, DAY, now))
    assert stamped <= now and stamped.date() == DAY.date()


def test_a_release_moved_to_a_later_day_gets_the_time_it_appears_there(tmp_path: Path) -> None:
    """Published on the 15th at 09:30, moved to the 16th in the evening (it waits for its
    day), seen on the 16th at 08:00: stamped 08:00 then, not with a noon still to come."""
    releases, out = tmp_path / "releases", tmp_path / "feeds"
    (releases / "Amt").mkdir(parents=True)
    path = releases / "Amt" / "termin.txt"
    path.write_text("15.04.2026\n\nTermin\n\nText.\n", "utf-8")
    build(releases, out, CONFIG, now=DAY.replace(hour=9, minute=30))
    path.write_text("16.04.2026\n\nTermin\n\nText, verschoben.\n", "utf-8")
    build(releases, out, CONFIG, now=DAY.replace(hour=18))
    assert published(out) == {"termin": "2026-04-15T09:30:00+02:00"}  # the embargo holds
    seen = DAY.replace(day=16, hour=8)
    build(releases, out, CONFIG, now=seen)
    assert published(out) == {"termin": "2026-04-16T08:00:00+02:00"}
    # It keeps that time, through a later silent edit too.
    path.write_text("16.04.2026\n\nTermin\n\nText, verschoben, neu.\n", "utf-8")
    build(releases, out, CONFIG, now=seen + timedelta(hours=6))
    assert published(out) == {"termin": "2026-04-16T08:00:00+02:00"}


def test_a_release_of_before_the_rule_moved_to_today_is_not_stamped_in_the_future(
    tmp_path: Path,
) -> None:
    releases, out = tmp_path / "releases", tmp_path / "feeds"
    (releases / "Amt").mkdir(parents=True)
    path = releases / "Amt" / "termin.txt"
    path.write_text("14.04.2026\n\nTermin\n\nText.\n", "utf-8")
    build(releases, out, CONFIG, now=DAY.replace(day=14, hour=9))
    with sqlite3.connect(out / LEDGER_NAME) as db:  # no first publication recorded
        db.execute("UPDATE releases SET first = NULL")
    path.write_text("15.04.2026\n\nTermin\n\nText, verschoben.\n", "utf-8")
    build(releases, out, CONFIG, now=DAY.replace(hour=7))
    assert published(out) == {"termin": "2026-04-15T07:00:00+02:00"}


def test_a_lost_ledger_keeps_the_time_of_day_of_a_release_of_today(tmp_path: Path) -> None:
    releases, out = tmp_path / "releases", tmp_path / "feeds"
    (releases / "Amt").mkdir(parents=True)
    (releases / "Amt" / "heute.txt").write_text("15.04.2026\n\nHeute\n\nText.\n", "utf-8")
    build(releases, out, CONFIG, now=DAY.replace(hour=9, minute=30))
    (out / LEDGER_NAME).unlink()
    report = build(releases, out, CONFIG, now=DAY.replace(hour=10))
    assert report.recovered == 1
    assert published(out) == {"heute": "2026-04-15T09:30:00+02:00"}  # not noon, not 10:00
