"""RFC 5005 archives: the cut (archive.plan) and what a build publishes with it.

A reader that starts at a live feed and follows ``prev-archive`` must see every release of
that feed exactly once; archive documents must be stable (a release published today changes
only the newest ones)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from feedpub.archive import newest_periods, period_of, plan
from feedpub.build import build
from feedpub.config import Config, load_config
from feedpub.dates import BERLIN
from feedpub.departments import order_key
from feedpub.discover import ReleaseFile
from tests.conftest import SAMPLE_CONFIG

A = "{http://www.w3.org/2005/Atom}"
FH = "{http://purl.org/syndication/history/1.0}"
BASE = "https://presse.example.de/feeds/"
NOW = datetime(2026, 11, 26, 12, 0, tzinfo=BERLIN)


def stub(slug: str, day: datetime, name: str) -> ReleaseFile:
    listed = ReleaseFile(slug, f"{name}.txt", f"{slug}/{name}.txt", slug)
    return listed.named(name).entry(f"tag:x:{slug}/{name}", day)


# --- plan ----------------------------------------------------------------------------------


def test_months_are_ordered_and_linked() -> None:
    entries = [
        stub("a", datetime(2024, 1, 5, tzinfo=BERLIN), "jan"),
        stub("a", datetime(2024, 3, 1, tzinfo=BERLIN), "mar"),
        stub("a", datetime(2024, 3, 31, 23, 30, tzinfo=BERLIN), "mar-late"),
        stub("a", datetime(2024, 5, 2, tzinfo=BERLIN), "may"),
    ]
    chains = plan(entries, {None: {"tag:x:a/may"}, "a": {"tag:x:a/may"}})
    docs = chains["a"]
    assert [d.period for d in docs] == ["2024-01", "2024-03"]
    assert [(d.prev, d.next) for d in docs] == [(None, "2024-03"), ("2024-01", None)]
    assert [e.id for e in docs[1].entries] == ["tag:x:a/mar-late", "tag:x:a/mar"]  # newest first
    assert [d.period for d in chains[None]] == ["2024-01", "2024-03"]


def test_the_month_is_the_berlin_month() -> None:
    # 31.03.2024 23:30 in Berlin is already April in UTC... no: it is 21:30 UTC. And 01.04.
    # 00:30 Berlin is 31.03. 22:30 UTC: the Berlin date decides.
    assert period_of(stub("a", datetime(2024, 4, 1, 0, 30, tzinfo=BERLIN), "x")) == "2024-04"


def test_a_department_can_be_live_while_the_combined_feed_archives_it() -> None:
    old = stub("small", datetime(2020, 6, 1, tzinfo=BERLIN), "old")
    new = stub("big", datetime(2024, 6, 1, tzinfo=BERLIN), "new")
    chains = plan([old, new], {None: {new.id}, "small": {old.id}, "big": {new.id}})
    assert "small" not in chains  # its live feed shows it
    assert [e.id for d in chains[None] for e in d.entries] == [old.id]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["a", "b", "c"]),
            st.datetimes(
                min_value=datetime(2022, 1, 1),  # noqa: DTZ001 - hypothesis wants naive bounds
                max_value=datetime(2026, 12, 31),  # noqa: DTZ001
                timezones=st.just(BERLIN),
            ),
        ),
        max_size=60,
    ),
    st.integers(min_value=1, max_value=5),
)
def test_every_release_is_in_exactly_one_document_of_each_feed(
    items: list[tuple[str, datetime]], limit: int
) -> None:
    entries = [stub(slug, day, f"r{i}") for i, (slug, day) in enumerate(items)]
    live: dict[str | None, set[str]] = {
        None: {e.id for e in sorted(entries, key=order_key)[:limit]}
    }
    for slug in "abc":
        mine = sorted((e for e in entries if e.slug == slug), key=order_key)
        live[slug] = {e.id for e in mine[:limit]}
    chains = plan(entries, live)
    for slug in (None, "a", "b", "c"):
        expected = sorted(e.id for e in entries if slug is None or e.slug == slug)
        archived = [e.id for d in chains.get(slug, []) for e in d.entries]
        assert sorted([*live[slug], *archived]) == expected
        for doc in chains.get(slug, []):
            assert {period_of(e) for e in doc.entries} == {doc.period}
        periods = [d.period for d in chains.get(slug, [])]
        assert periods == sorted(set(periods))
    # The newest archive document of each feed (its live feed links it), without the plan.
    assert newest_periods(entries, live) == {slug: c[-1].period for slug, c in chains.items()}


# --- a build ---------------------------------------------------------------------------------


@pytest.fixture
def config() -> Config:
    config = load_config(SAMPLE_CONFIG)
    assert config.max_entries == 2  # the sample shows archives
    return config


def walk(out: Path, feed: str) -> list[str]:
    """The entry ids a reader sees starting at ``feed`` and following prev-archive."""
    seen: list[str] = []
    url: str | None = BASE + feed
    visited: set[str] = set()
    while url is not None:
        assert url.startswith(BASE) and url not in visited, url
        visited.add(url)
        root = ET.parse(out / url[len(BASE) :]).getroot()
        seen += [e.findtext(f"{A}id", "") for e in root.iter(f"{A}entry")]
        links = {link.get("rel"): link.get("href") for link in root.findall(f"{A}link")}
        if url != BASE + feed:
            assert root.find(f"{FH}archive") is not None, url
            assert links["current"] == BASE + feed, url
            assert links["self"] == url
        else:
            assert root.find(f"{FH}archive") is None
        url = links.get("prev-archive")
    return seen


def test_following_the_links_shows_every_release_once(
    sample_releases: Path, tmp_path: Path, config: Config
) -> None:
    out = tmp_path / "feeds"
    report = build(sample_releases, out, config, now=NOW)
    ids = walk(out, "atom.xml")
    # Every release once, and the sample's one correction notice.
    assert len(ids) == len(set(ids)) == report.releases + 2 == 24
    assert sum("/korrektur-" in i for i in ids) == 2
    for department in ("jobcenter", "gesundheitsamt", "strassenverkehrsamt"):
        mine = walk(out, f"{department}/atom.xml")
        assert len(mine) == len(set(mine)) == sum(f":{department}/" in i for i in ids)
    # RSS: the same documents, linked the same way (atom:link in the channel).
    rss = ET.parse(out / "archive" / "2025-01" / "rss.xml").getroot()
    channel = rss.find("channel")
    assert channel is not None and channel.find(f"{FH}archive") is not None
    rels = {link.get("rel"): link.get("href") for link in channel.findall(f"{A}link")}
    assert rels["current"] == BASE + "rss.xml"
    assert rels["self"] == BASE + "archive/2025-01/rss.xml"
    assert rels["prev-archive"] == BASE + "archive/2024-11/rss.xml"


def test_a_release_published_today_changes_only_the_newest_archive_documents(
    sample_releases: Path, tmp_path: Path, config: Config
) -> None:
    out = tmp_path / "feeds"
    build(sample_releases, out, config, now=NOW)
    newest_before = {
        slug: _newest_archive(out, "" if slug is None else f"{slug}/")
        for slug in (None, "jobcenter")
    }
    (sample_releases / "Jobcenter" / "2026-11-26-neu.txt").write_text(
        "Seiteninhalt\n26.11.2026, 10:00 Uhr\n\nNeue Meldung\n\nText.\n", "utf-8"
    )
    report = build(sample_releases, out, config, now=NOW)
    archives = sorted(p for p in report.written if "archive/" in p and p.endswith(".xml"))
    # Each feed pushes its oldest live entry into the archive: into the newest archive
    # document, or into a new one after it (then the one before gains its next-archive link).
    allowed = set()
    for slug, period in newest_before.items():
        prefix = "" if slug is None else f"{slug}/"
        for name in ("atom.xml", "rss.xml"):
            allowed.add(f"{prefix}archive/{period}/{name}")
            allowed.update(
                p
                for p in archives
                if p.startswith(f"{prefix}archive/") and p.split("/")[-2] > period
            )
    assert archives and set(archives) <= allowed, archives
    for slug in newest_before:
        # Only the combined feed and the Jobcenter's are touched; at most two documents each.
        prefix = "" if slug is None else f"{slug}/"
        assert len([p for p in archives if p.startswith(f"{prefix}archive/")]) <= 4
    assert len(walk(out, "atom.xml")) == 25  # 23 releases and two correction notices


def _newest_archive(out: Path, prefix: str) -> str:
    root = ET.parse(out / f"{prefix}atom.xml").getroot()
    (href,) = [
        x.get("href", "") for x in root.findall(f"{A}link") if x.get("rel") == "prev-archive"
    ]
    return href.split("/")[-2]


def test_a_back_dated_release_changes_only_its_month(
    sample_releases: Path, tmp_path: Path, config: Config
) -> None:
    out = tmp_path / "feeds"
    build(sample_releases, out, config, now=NOW)
    (sample_releases / "Jobcenter" / "2024-09-30-nachtrag.txt").write_text(
        "Seiteninhalt\n30.09.2024\n\nNachtrag\n\nText.\n", "utf-8"
    )
    report = build(sample_releases, out, config, now=NOW)
    assert sorted(p for p in report.written if "archive/" in p) == [
        "archive/2024-09/atom.xml",
        "archive/2024-09/index.html",
        "archive/2024-09/rss.xml",
        "jobcenter/archive/2024-09/atom.xml",
        "jobcenter/archive/2024-09/index.html",
        "jobcenter/archive/2024-09/rss.xml",
    ]


def test_a_no_change_build_renders_no_archive(
    sample_releases: Path, tmp_path: Path, config: Config
) -> None:
    out = tmp_path / "feeds"
    build(sample_releases, out, config, now=NOW)
    path = sample_releases / "Jobcenter" / "2026-02-11-jahresbilanz-2025.txt"
    path.write_bytes(path.read_bytes())  # touched, same content: read, nothing rewritten
    report = build(sample_releases, out, config, now=NOW + timedelta(days=1))
    assert not report.fast and report.written == []


def test_an_archived_release_that_turns_bad_keeps_its_archived_version(
    sample_releases: Path, tmp_path: Path, config: Config
) -> None:
    out = tmp_path / "feeds"
    build(sample_releases, out, config, now=NOW)
    document = out / "jobcenter" / "archive" / "2024-09" / "atom.xml"
    before = document.read_bytes()
    path = sample_releases / "Jobcenter" / "2024-09-18-jobmesse-musterstadt.txt"
    path.write_text("Seiteninhalt\n31.02.2024\n\nKaputt\n\nText.\n", "utf-8")
    report = build(sample_releases, out, config, now=NOW)
    assert [e.path for e in report.errors] == [path]
    assert document.read_bytes() == before


def test_a_bad_archived_release_stays_when_its_month_is_rendered_again(
    sample_releases: Path, tmp_path: Path, config: Config
) -> None:
    """July 2025 of the combined archive shows two releases; one turns bad, the other is
    edited: the document is rendered again and still shows the bad one's last good version."""
    out = tmp_path / "feeds"
    build(sample_releases, out, config, now=NOW)
    document = out / "archive" / "2025-07" / "atom.xml"
    bad = sample_releases / "Gesundheitsamt" / "2025-07-09-badegewaesser-saison.txt"
    good = sample_releases / "Straßenverkehrsamt" / "2025-07-09-fuehrerscheinumtausch.txt"
    old_entry = [
        e
        for e in ET.parse(document).getroot().iter(f"{A}entry")
        if "badegewaesser" in e.findtext(f"{A}id", "")
    ]
    bad.write_text("Seiteninhalt\n31.02.2025\n\nKaputt\n\nText.\n", "utf-8")
    good.write_bytes(good.read_bytes().replace(b"Frist", b"Stichtag", 1))
    report = build(sample_releases, out, config, now=NOW)
    assert "archive/2025-07/atom.xml" in report.written
    entries = list(ET.parse(document).getroot().iter(f"{A}entry"))
    assert len(entries) == 2
    kept = [e for e in entries if "badegewaesser" in e.findtext(f"{A}id", "")]
    assert [ET.tostring(e) for e in kept] == [ET.tostring(e) for e in old_entry]
    assert any(
        "Stichtag" in (e.findtext(f"{A}title", "") + ET.tostring(e, "unicode")) for e in entries
    )


def test_without_archived_releases_there_is_no_archive(
    sample_releases: Path, tmp_path: Path, config: Config
) -> None:
    out = tmp_path / "feeds"
    build(sample_releases, out, replace(config, max_entries=50), now=NOW)
    assert not (out / "archive").exists()
    root = ET.parse(out / "atom.xml").getroot()
    assert all(link.get("rel") != "prev-archive" for link in root.findall(f"{A}link"))
