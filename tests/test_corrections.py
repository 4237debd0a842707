"""Correction notices (feedpub.corrections): their rules, and the build that publishes them in
every feed, every format and the archives, kept in the ledger."""

from __future__ import annotations

import json
import re
import sqlite3
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import feedparser
import pytest
from lxml import etree

from feedpub.build import build
from feedpub.config import Config
from feedpub.corrections import NoticeRecord, new_notice, notice_id, published
from feedpub.ledger import LEDGER_NAME, SCHEMA_VERSION
from feedpub.parse import parse_text

BERLIN = ZoneInfo("Europe/Berlin")
TAG = "tag:presse.example.de,2024-01-01:"
CONFIG = Config(
    base_url="https://presse.example.de/feeds/", tag_authority="presse.example.de", max_entries=10
)
NOW = datetime(2026, 11, 26, 12, 0, tzinfo=BERLIN)
RELEASE_ID = f"{TAG}jobcenter/messe"
# A tag URI (RFC 4151): tag:authority,date:specific, the specific part without spaces.
TAG_URI = re.compile(r"tag:[a-z0-9.-]+,\d{4}-\d{2}-\d{2}:[A-Za-z0-9/._~!$&'()*+,;=:@%-]+")


def release(text: str):  # type: ignore[no-untyped-def]
    return parse_text(
        text, source=Path("releases/Jobcenter/messe.txt"), department="Jobcenter", tag_prefix=TAG
    )


PLAIN = "10.11.2026, 09:00 Uhr\n\nJobmesse in Musterstadt\n\nDie Messe ist am Montag.\n"
NOTED = (
    "10.11.2026, 09:00 Uhr\nKorrektur: Die Messe ist am Dienstag, nicht am Montag.\n\n"
    "Jobmesse in Musterstadt\n\nDie Messe ist am Dienstag.\n"
)
STATED = NOTED.replace("09:00 Uhr\n", "09:00 Uhr\nAktualisiert: 20.11.2026, 08:30 Uhr\n", 1)


def record(
    time: datetime, note: str = "Die Messe ist am Dienstag, nicht am Montag."
) -> NoticeRecord:
    return NoticeRecord(
        notice_id(RELEASE_ID, time),
        RELEASE_ID,
        time,
        "Korrektur: Jobmesse in Musterstadt",
        note,
        "Jobcenter",
        "jobcenter",
        "messe",
    )


STATED_AT = datetime(2026, 11, 20, 8, 30, tzinfo=BERLIN)
PUBLISHED_AT = datetime(2026, 11, 10, 9, 0, tzinfo=BERLIN)
NEW_CASES = [
    # (text, earlier notices, first_seen, the notice's time or None, note)
    (PLAIN, [], False, None, "no note: no notice"),
    (NOTED, [], False, NOW, "a note seen now: now"),
    (NOTED, [], True, PUBLISHED_AT, "a new release (or a lost ledger): its publication"),
    (STATED, [], False, STATED_AT, "a stated time wins"),
    (STATED, [], True, STATED_AT, "a stated time wins also for a new release"),
    (NOTED, [record(NOW - timedelta(days=1))], False, None, "the same note: no new notice"),
    (NOTED, [record(NOW - timedelta(days=2), "Alt."), record(NOW - timedelta(days=1))], False,
     None, "the same note as the latest notice"),
    (NOTED, [record(NOW - timedelta(days=1), "Alt.")], False, NOW, "a changed note: now"),
    (STATED, [record(STATED_AT, "Alt.")], False, NOW,
     "a changed note under the same stated time: now"),
    (NOTED, [record(NOW, "Alt.")], False, NOW + timedelta(seconds=1),
     "never the time of the notice before"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "earlier", "first_seen", "time", "note"), NEW_CASES)
def test_new_notice(
    text: str, earlier: list[NoticeRecord], first_seen: bool, time: datetime | None, note: str
) -> None:
    made = new_notice(release(text), earlier, NOW, first_seen=first_seen)
    if time is None:
        assert made is None
        return
    assert made is not None
    assert made.time == time
    assert made.id == f"{RELEASE_ID}/korrektur-{time.astimezone(ZoneInfo('UTC')):%Y%m%dT%H%M%SZ}"
    assert TAG_URI.fullmatch(made.id)
    assert (made.release, made.title, made.note) == (
        RELEASE_ID,
        "Korrektur: Jobmesse in Musterstadt",
        "Die Messe ist am Dienstag, nicht am Montag.",
    )


def test_published_keeps_the_notices_of_published_releases_only() -> None:
    old, new = record(NOW - timedelta(days=1), "Alt."), record(NOW)
    other = NoticeRecord("x/korrektur-1", "x", NOW, "Korrektur: X", "N.", "A", "a", "x")
    assert published({RELEASE_ID: [old], "x": [other]}, [new], [RELEASE_ID]) == [old, new]
    assert published({RELEASE_ID: [old]}, [], []) == []


# --------------------------------------------------------------------------------- builds


def write(root: Path, text: str, name: str = "messe") -> Path:
    path = root / "Jobcenter" / f"{name}.txt"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, "utf-8")
    return path


def entries(out: Path, feed: str) -> dict[str, feedparser.FeedParserDict]:
    return {entry.id: entry for entry in feedparser.parse(out / feed).entries}


def notice_ids(out: Path, feed: str = "atom.xml") -> list[str]:
    return [key for key in entries(out, feed) if "/korrektur-" in key]


def test_a_note_added_later_is_a_new_entry_in_every_feed_and_format(tmp_path: Path) -> None:
    releases, out = tmp_path / "releases", tmp_path / "feeds"
    write(releases, PLAIN)
    build(releases, out, CONFIG, now=NOW)
    assert notice_ids(out) == []
    edited = NOW + timedelta(hours=3)
    write(releases, NOTED)
    report = build(releases, out, CONFIG, now=edited)
    assert not report.errors
    expected = notice_id(RELEASE_ID, edited)
    page = "https://presse.example.de/feeds/jobcenter/messe.html"
    for feed in ("atom.xml", "jobcenter/atom.xml", "rss.xml", "jobcenter/rss.xml"):
        found = entries(out, feed)
        assert list(found) == [expected, RELEASE_ID], feed  # newest first: the notice
        notice = found[expected]
        assert notice.title == "Korrektur: Jobmesse in Musterstadt"
        assert notice.link == page + "#korrektur"
        assert "Die Messe ist am Dienstag, nicht am Montag." in notice.content[0].value
        assert f'<a href="{page}">Jobmesse in Musterstadt</a>' in notice.content[0].value
    atom = etree.parse(out / "atom.xml").getroot()
    ns = {"a": "http://www.w3.org/2005/Atom"}
    (entry,) = atom.xpath("a:entry[a:id=$id]", id=expected, namespaces=ns)
    assert entry.findtext("a:published", namespaces=ns) == "2026-11-26T15:00:00+01:00"
    assert entry.findtext("a:updated", namespaces=ns) == "2026-11-26T15:00:00+01:00"
    for feed in ("feed.json", "jobcenter/feed.json"):
        items = json.loads((out / feed).read_text("utf-8"))["items"]
        assert [i["id"] for i in items] == [expected, RELEASE_ID]
        assert (
            items[0]["date_published"] == items[0]["date_modified"] == ("2026-11-26T15:00:00+01:00")
        )
        assert items[0]["url"] == page + "#korrektur"
    # The release itself is updated in place, its page shows the note.
    html = (out / "jobcenter/messe.html").read_text("utf-8")
    assert '<p id="korrektur"><strong>Korrektur:</strong> Die Messe ist am Dienstag' in html


def test_nothing_changed_nothing_new_and_a_second_note_keeps_the_first(tmp_path: Path) -> None:
    releases, out = tmp_path / "releases", tmp_path / "feeds"
    write(releases, PLAIN)
    build(releases, out, CONFIG, now=NOW)
    write(releases, NOTED)
    build(releases, out, CONFIG, now=NOW + timedelta(hours=1))
    first = notice_ids(out)
    feeds = {p: p.read_bytes() for p in out.rglob("*.xml")}
    # A rebuild with nothing changed, and a full one (the ledger kept the notice).
    assert build(releases, out, CONFIG, now=NOW + timedelta(days=2)).fast
    write(releases, NOTED)  # same text, new mtime: read again, no new notice
    build(releases, out, CONFIG, now=NOW + timedelta(days=3))
    assert {p: p.read_bytes() for p in out.rglob("*.xml")} == feeds
    # A changed note: a second notice, the first one stays.
    write(releases, NOTED.replace("nicht am Montag.", "nicht am Montag, um 10 Uhr."))
    build(releases, out, CONFIG, now=NOW + timedelta(days=4))
    second = notice_id(RELEASE_ID, NOW + timedelta(days=4))
    assert notice_ids(out) == [second, *first]
    assert notice_ids(out, "jobcenter/rss.xml") == [second, *first]


def test_a_bad_file_keeps_its_notices_and_a_deleted_one_takes_them(tmp_path: Path) -> None:
    releases, out = tmp_path / "releases", tmp_path / "feeds"
    write(releases, STATED)
    write(releases, PLAIN.replace("Jobmesse", "Andere Messe"), "andere")
    build(releases, out, CONFIG, now=NOW)
    assert notice_ids(out) == [notice_id(RELEASE_ID, STATED_AT)]
    path = write(releases, "kein Datum\n")
    report = build(releases, out, CONFIG, now=NOW + timedelta(days=1))
    assert [e.path for e in report.errors] == [path]
    assert notice_ids(out) == [notice_id(RELEASE_ID, STATED_AT)]
    path.unlink()
    build(releases, out, CONFIG, now=NOW + timedelta(days=2))
    assert notice_ids(out) == []
    with sqlite3.connect(out / LEDGER_NAME) as db:
        assert db.execute("SELECT count(*) FROM notices").fetchone()[0] == 0


def test_a_correction_stated_for_later_waits_with_its_notice(tmp_path: Path) -> None:
    releases, out = tmp_path / "releases", tmp_path / "feeds"
    write(releases, PLAIN)
    build(releases, out, CONFIG, now=NOW - timedelta(days=10))
    write(releases, STATED)  # Aktualisiert: 20.11.2026, 08:30 Uhr
    build(releases, out, CONFIG, now=STATED_AT - timedelta(minutes=1))
    assert notice_ids(out) == []
    assert "Dienstag" not in (out / "atom.xml").read_text("utf-8")
    report = build(releases, out, CONFIG, now=STATED_AT)
    assert not report.fast
    assert notice_ids(out) == [notice_id(RELEASE_ID, STATED_AT)]


def test_notices_count_against_max_entries_and_go_to_the_archives(tmp_path: Path) -> None:
    releases, out = tmp_path / "releases", tmp_path / "feeds"
    write(releases, STATED)
    write(releases, "01.12.2026\n\nNeuer Termin\n\nText.\n", "neu")
    config = replace(CONFIG, max_entries=1)
    build(releases, out, config, now=datetime(2026, 12, 2, tzinfo=BERLIN))
    assert [e.id for e in feedparser.parse(out / "atom.xml").entries] == [f"{TAG}jobcenter/neu"]
    archived = feedparser.parse(out / "archive/2026-11/atom.xml").entries
    assert [e.id for e in archived] == [notice_id(RELEASE_ID, STATED_AT), RELEASE_ID]
    rss = feedparser.parse(out / "jobcenter/archive/2026-11/rss.xml").entries
    assert [e.id for e in rss] == [notice_id(RELEASE_ID, STATED_AT), RELEASE_ID]


def test_a_version_1_ledger_is_upgraded_in_place_with_its_history(tmp_path: Path) -> None:
    releases, out = tmp_path / "releases", tmp_path / "feeds"
    write(releases, PLAIN)
    build(releases, out, CONFIG, now=NOW)
    write(releases, PLAIN.replace("Montag", "Mittwoch"))
    edited = NOW + timedelta(hours=5)
    build(releases, out, CONFIG, now=edited)  # a silent edit: its time is history
    with sqlite3.connect(out / LEDGER_NAME) as db:  # as feedpub before notices left it
        db.execute("DROP TABLE notices")
        db.execute("ALTER TABLE releases DROP COLUMN first")
        db.execute("PRAGMA user_version=1")
    write(releases, PLAIN.replace("Jobmesse", "Andere Messe"), "andere")  # work to do
    report = build(releases, out, CONFIG, now=NOW + timedelta(days=1))
    assert report.damaged == [] and not report.state_lost
    assert not list((out / LEDGER_NAME).parent.glob("ledger.sqlite3.bad-*"))
    with sqlite3.connect(out / LEDGER_NAME) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert db.execute("SELECT count(*) FROM notices").fetchone()[0] == 0
    # The history survived: the silent edit keeps the time it was first seen (on the page).
    page = (out / "jobcenter" / "messe.html").read_text("utf-8")
    assert f'Aktualisiert am <time datetime="{edited.isoformat()}">' in page
    write(releases, NOTED)
    build(releases, out, CONFIG, now=NOW + timedelta(days=2))
    assert notice_ids(out) == [notice_id(RELEASE_ID, NOW + timedelta(days=2))]


def test_the_pages_list_the_newest_releases_not_notices(tmp_path: Path) -> None:
    releases, out = tmp_path / "releases", tmp_path / "feeds"
    write(releases, STATED)
    write(releases, PLAIN.replace("Jobmesse", "Andere Messe"), "andere")
    write(releases, PLAIN.replace("10.11.2026", "01.11.2026").replace("Jobmesse", "Alt"), "alt")
    config = replace(CONFIG, max_entries=2)  # the notice takes the first place in the feeds
    build(releases, out, config, now=NOW)
    ids = [e.id for e in feedparser.parse(out / "jobcenter/atom.xml").entries]
    assert ids == [notice_id(RELEASE_ID, STATED_AT), f"{TAG}jobcenter/andere"]
    for page in ("index.html", "jobcenter/index.html"):
        listed = etree.HTML((out / page).read_bytes()).xpath("//ol[@class='releases']//h3/a")
        assert [a.text for a in listed] == [
            "Andere Messe in Musterstadt",
            "Jobmesse in Musterstadt",
        ], page
        text = (out / page).read_text("utf-8")
        assert "Hier stehen die 2 neuesten von 3 Pressemitteilungen" in text, page
    # The release pushed out of the live feeds by the notice is in the archive.
    archived = feedparser.parse(out / "jobcenter/archive/2026-11/atom.xml").entries
    assert [e.id for e in archived] == [RELEASE_ID, f"{TAG}jobcenter/alt"]


def test_notices_made_in_the_second_process_are_published(tmp_path: Path) -> None:
    """A build reads releases in two processes (from 2,000 on): notices come back from both."""
    releases = tmp_path / "releases"
    for name in ("a", "b", "c", "d"):
        write(releases, STATED.replace("Jobmesse", f"Messe {name}"), name)
    built = {}
    for jobs in (1, 2):
        out = tmp_path / f"out{jobs}"
        build(releases, out, CONFIG, now=NOW, jobs=jobs)
        built[jobs] = {p.relative_to(out): p.read_bytes() for p in out.rglob("*.xml")}
        assert len(notice_ids(out)) == 4
    assert built[1] == built[2]
