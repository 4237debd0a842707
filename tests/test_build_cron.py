"""build() run by cron for years: the no-change fast path, corrections that readers notice,
embargoes, a lost state file, durable two-phase publishing, the lock's --wait.

The clock is injected (``now=``); it never appears in the output."""

from __future__ import annotations

import shutil
import subprocess
import sys
import threading
import time
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

import feedpub.bookkeeping
import feedpub.parse
import feedpub.publish
from feedpub.build import build
from feedpub.config import Config, make_config
from feedpub.dates import BERLIN
from feedpub.ledger import LEDGER_NAME, get_meta, read_only
from feedpub.publish import Lock, LockHeld
from tests.conftest import SAMPLE_CONFIG, file_states, ledger_text, wide_config

ATOM = "{http://www.w3.org/2005/Atom}"
NOW = datetime(2026, 11, 26, 12, 0, tzinfo=BERLIN)
RELEASE = "Seiteninhalt\n{date}\n\n{title}\n\nDer Text der Meldung.\n"


@pytest.fixture
def config() -> Config:
    return wide_config()


def every_file(folder: Path) -> dict[str, tuple[bytes, int, int]]:
    """Every file, hidden bookkeeping included (except the lock), with mtime and inode."""
    return file_states(folder, lambda relative: not relative.endswith("/lock"))


def entry(feed: Path, stem: str) -> ET.Element:
    for item in ET.parse(feed).getroot().iter(f"{ATOM}entry"):
        if item.findtext(f"{ATOM}id", "").endswith("/" + stem):
            return item
    raise AssertionError(f"{stem} not in {feed}")


def rss_item(feed: Path, stem: str) -> ET.Element:
    for item in ET.parse(feed).getroot().iter("item"):
        if item.findtext("guid", "").endswith("/" + stem):
            return item
    raise AssertionError(f"{stem} not in {feed}")


def forbid_reading(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Record every release file read (and let it happen)."""
    read: list[Path] = []
    real = feedpub.parse.read_release

    def spy(path: Path, **kwargs: Any) -> Any:
        read.append(path)
        return real(path, **kwargs)

    monkeypatch.setattr(feedpub.parse, "read_release", spy)
    return read


# --- 1. change only what changed -----------------------------------------------------------


def test_a_build_with_nothing_changed_reads_and_writes_nothing(
    sample_releases: Path, tmp_path: Path, config: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "feeds"
    build(sample_releases, out, config, now=NOW)
    before = every_file(out)
    read = forbid_reading(monkeypatch)
    report = build(sample_releases, out, config, now=NOW + timedelta(days=3))
    assert report.fast and read == []
    assert report.releases == 22 and report.errors == []
    assert every_file(out) == before  # state and cache included: same bytes, mtime, inode


def test_a_build_with_nothing_changed_imports_no_renderer(
    sample_releases: Path, tmp_path: Path
) -> None:
    """Lazy imports: feedgen, lxml, dateutil and jinja2 cost more than the whole no-change build."""
    out = tmp_path / "feeds"
    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from feedpub.build import build\n"
        "from feedpub.config import load_config\n"
        "r = build(Path(sys.argv[1]), Path(sys.argv[2]), load_config(Path(sys.argv[3])))\n"
        "heavy = sorted(m for m in ('feedgen', 'lxml', 'dateutil', 'jinja2') if m in sys.modules)\n"
        "print(r.fast, ' '.join(heavy))\n"
    )
    command = [sys.executable, "-c", script, str(sample_releases), str(out), str(SAMPLE_CONFIG)]
    first = subprocess.run(command, capture_output=True, text=True, check=True, timeout=60)
    assert first.stdout.split()[0] == "False"
    again = subprocess.run(command, capture_output=True, text=True, check=True, timeout=60)
    assert again.stdout.strip() == "True"


#: What only a build with work needs: a no-change build must not import them (each costs
#: milliseconds of the few dozen such a build takes).
WORK_MODULES = (
    "feedpub.reading",
    "feedpub.kept",
    "feedpub.processes",
    "feedpub.parse",
    "feedpub.archive",
    "feedpub.departments",
    "feedpub.channels.view",
)


def test_a_build_with_nothing_changed_imports_only_the_fast_path(
    sample_releases: Path, tmp_path: Path
) -> None:
    out = tmp_path / "feeds"
    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from feedpub.build import build\n"
        "from feedpub.config import load_config\n"
        "r = build(Path(sys.argv[1]), Path(sys.argv[2]), load_config(Path(sys.argv[3])))\n"
        f"print(r.fast, *sorted(m for m in {WORK_MODULES!r} if m in sys.modules))\n"
    )
    command = [sys.executable, "-c", script, str(sample_releases), str(out), str(SAMPLE_CONFIG)]
    first = subprocess.run(command, capture_output=True, text=True, check=True, timeout=60)
    assert first.stdout.split()[0] == "False"
    assert set(first.stdout.split()[1:]) >= {"feedpub.reading", "feedpub.channels.view"}
    again = subprocess.run(command, capture_output=True, text=True, check=True, timeout=60)
    assert again.stdout.strip() == "True"


def test_one_changed_release_reads_it_and_only_what_the_feeds_show(
    sample_releases: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = make_config({"base_url": "https://presse.example.de/feeds/", "max_entries": 2}, None)
    out = tmp_path / "feeds"
    build(sample_releases, out, config, now=NOW)
    path = sample_releases / "Gesundheitsamt" / "2024-10-07-impfaktion-gesund-durch-den-winter.txt"
    path.write_text(path.read_text("utf-8").replace("Impf", "Grippeimpf", 1), "utf-8")
    read = forbid_reading(monkeypatch)
    report = build(sample_releases, out, config, now=NOW)
    assert not report.fast
    assert report.read == 1
    # The edited file, the 2 newest of each of 5 departments and of all (some shared), and
    # the releases of the archive documents of its month (October 2024), no others.
    october = [p for p in sample_releases.rglob("2024-10-*.txt")]
    assert path in read and len(set(read)) <= 1 + 2 * 6 + len(october)
    # Its page and its month's archive documents and pages change; the live feeds do not
    # show it (max_entries 2), so they stay as they were.
    assert sorted(report.written) == [
        "archive/2024-10/atom.xml",
        "archive/2024-10/index.html",
        "archive/2024-10/rss.xml",
        "gesundheitsamt/2024-10-07-impfaktion-gesund-durch-den-winter.html",
        "gesundheitsamt/archive/2024-10/atom.xml",
        "gesundheitsamt/archive/2024-10/index.html",
        "gesundheitsamt/archive/2024-10/rss.xml",
        "sitemap.xml",
    ]


def test_a_new_config_rebuilds_everything_although_no_release_changed(
    sample_releases: Path, tmp_path: Path, config: Config
) -> None:
    out = tmp_path / "feeds"
    build(sample_releases, out, config, now=NOW)
    other = make_config(
        {
            "base_url": config.base_url,
            "tag_authority": "presse.example.de",
            "title": "Neue Pressestelle",
        },
        None,
    )
    report = build(sample_releases, out, other, now=NOW)
    assert not report.fast
    assert "Neue Pressestelle" in (out / "atom.xml").read_text("utf-8")


def test_a_touched_file_with_the_same_content_changes_nothing(
    sample_releases: Path, tmp_path: Path, config: Config
) -> None:
    out = tmp_path / "feeds"
    build(sample_releases, out, config, now=NOW)
    path = sample_releases / "Jobcenter" / "2024-09-18-jobmesse-musterstadt.txt"
    path.write_bytes(path.read_bytes())  # saved again unchanged: new mtime
    report = build(sample_releases, out, config, now=NOW + timedelta(hours=1))
    assert report.read == 1 and report.written == []
    # Its history did not move: a content hash, not the mtime, decides what is an edit.
    assert entry(out / "jobcenter" / "atom.xml", path.stem).findtext(f"{ATOM}updated") == (
        entry(out / "jobcenter" / "atom.xml", path.stem).findtext(f"{ATOM}published")
    )


def test_a_bad_release_is_reported_on_every_build_also_on_the_fast_path(
    sample_releases: Path, tmp_path: Path, config: Config
) -> None:
    out = tmp_path / "feeds"
    bad = sample_releases / "Jobcenter" / "2026-11-20-kaputt.txt"
    bad.write_text("Seiteninhalt\n31.02.2026\n\nTitel\n\nText.\n", "utf-8")
    first = build(sample_releases, out, config, now=NOW)
    second = build(sample_releases, out, config, now=NOW)
    assert second.fast
    assert [str(e) for e in second.errors] == [str(e) for e in first.errors] != []


def test_files_bad_by_their_bytes_are_reported_without_reading_them_again(
    sample_releases: Path, tmp_path: Path, config: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    """50,000 empty files from a sync tool cost every cron run seconds: the cache remembers
    the files that are bad by their bytes alone, by a digest of path and signature."""
    out = tmp_path / "feeds"
    folder = sample_releases / "Jobcenter"
    (folder / "leer-geheim.txt").write_bytes(b"")
    (folder / "binaer-geheim.txt").write_bytes(b"10.07.2024\n\x00\x00\x00")
    quoting = folder / "titel-geheim.txt"  # its error quotes its text: never remembered
    quoting.write_text("Seiteninhalt\n10.07.2024\n\n- Geheime Sache\n\nText.\n", "utf-8")
    first = build(sample_releases, out, config, now=NOW)
    assert len(first.errors) == 3
    cache = ledger_text(out)
    assert "geheim" not in cache and "Geheime" not in cache  # names no file that is not published
    before = every_file(out)
    read = forbid_reading(monkeypatch)
    second = build(sample_releases, out, config, now=NOW)
    assert second.fast and read == [quoting]
    assert [str(e) for e in second.errors] == [str(e) for e in first.errors]
    assert every_file(out) == before
    # A build with work does not read them either, and remembers them again.
    edited = folder / "2024-09-18-jobmesse-musterstadt.txt"
    edited.write_text(edited.read_text("utf-8").replace("Jobmesse", "Job-Messe"), "utf-8")
    read.clear()
    third = build(sample_releases, out, config, now=NOW)
    assert not third.fast and third.read == 2
    assert folder / "leer-geheim.txt" not in read and quoting in read
    assert [str(e) for e in third.errors] == [str(e) for e in first.errors]
    read.clear()
    assert build(sample_releases, out, config, now=NOW).fast and read == [quoting]


def test_a_new_file_bad_by_its_bytes_is_read_by_one_build_with_work_then_remembered(
    sample_releases: Path, tmp_path: Path, config: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "feeds"
    build(sample_releases, out, config, now=NOW)
    empty = sample_releases / "Jobcenter" / "leer.txt"
    empty.write_bytes(b"")
    read = forbid_reading(monkeypatch)
    first = build(sample_releases, out, config, now=NOW)
    assert not first.fast and [e.path for e in first.errors] == [empty]
    assert first.written == []  # nothing published changed: only the cache is new
    read.clear()
    second = build(sample_releases, out, config, now=NOW)
    assert (
        second.fast
        and read == []
        and [str(e) for e in second.errors] == [str(e) for e in first.errors]
    )
    # Filled in: its signature changed, so it is read and published.
    empty.write_text(RELEASE.format(date="20.11.2026", title="Jetzt gefüllt"), "utf-8")
    third = build(sample_releases, out, config, now=NOW)
    assert not third.fast and third.errors == []
    assert "Jetzt gefüllt" in (out / "jobcenter" / "leer.html").read_text("utf-8")


def test_a_remembered_bad_file_that_a_new_file_makes_a_duplicate_says_so(
    sample_releases: Path, tmp_path: Path, config: Config
) -> None:
    out = tmp_path / "feeds"
    empty = sample_releases / "Jobcenter" / "b-c.txt"
    empty.write_bytes(b"")
    build(sample_releases, out, config, now=NOW)
    assert build(sample_releases, out, config, now=NOW).fast
    (sample_releases / "Jobcenter" / "B c.txt").write_text(
        RELEASE.format(date="20.11.2026", title="Zuerst"), "utf-8"
    )
    report = build(sample_releases, out, config, now=NOW)
    assert [(e.path, e.reason.split(" as ")[0]) for e in report.errors] == [
        (empty, "same URL and id 'jobcenter/b-c'")
    ]


def test_a_published_release_emptied_stays_in_the_feeds_and_is_remembered(
    sample_releases: Path, tmp_path: Path, config: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "feeds"
    build(sample_releases, out, config, now=NOW)
    path = sample_releases / "Jobcenter" / "2026-02-11-jahresbilanz-2025.txt"
    text = path.read_text("utf-8")
    path.write_bytes(b"")  # a half-saved file
    first = build(sample_releases, out, config, now=NOW)
    assert [e.path for e in first.errors] == [path]
    assert "jahresbilanz" in (out / "jobcenter" / "atom.xml").read_text("utf-8")
    read = forbid_reading(monkeypatch)
    second = build(sample_releases, out, config, now=NOW)
    assert second.fast and read == [] and [e.path for e in second.errors] == [path]
    assert (out / "jobcenter" / "2026-02-11-jahresbilanz-2025.html").exists()
    path.write_text(text, "utf-8")
    third = build(sample_releases, out, config, now=NOW)
    assert not third.fast and third.errors == [] and read == [path] * len(read) != []


def test_a_deleted_release_is_noticed_without_reading(
    sample_releases: Path, tmp_path: Path, config: Config
) -> None:
    out = tmp_path / "feeds"
    build(sample_releases, out, config, now=NOW)
    (sample_releases / "Jobcenter" / "2026-02-11-jahresbilanz-2025.txt").unlink()
    report = build(sample_releases, out, config, now=NOW)
    assert report.read == 0
    assert "jobcenter/2026-02-11-jahresbilanz-2025.html" in report.removed
    assert "jahresbilanz" not in (out / "atom.xml").read_text("utf-8")


# --- 4. corrections --------------------------------------------------------------------------


def test_an_edit_keeps_the_id_atom_updated_and_rss_pubdate_and_the_page_says_when(
    sample_releases: Path, tmp_path: Path, config: Config
) -> None:
    out = tmp_path / "feeds"
    path = sample_releases / "Jobcenter" / "2026-02-11-jahresbilanz-2025.txt"
    build(sample_releases, out, config, now=NOW)
    feed, rss = out / "jobcenter" / "atom.xml", out / "jobcenter" / "rss.xml"
    before, before_rss = entry(feed, path.stem), rss_item(rss, path.stem)
    assert before.findtext(f"{ATOM}updated") == before.findtext(f"{ATOM}published")

    edited_at = NOW + timedelta(hours=2, minutes=7, seconds=5, microseconds=9)
    path.write_text(path.read_text("utf-8").replace("Jobcenter", "Das Jobcenter", 1), "utf-8")
    build(sample_releases, out, config, now=edited_at)
    after, after_rss = entry(feed, path.stem), rss_item(rss, path.stem)
    assert after.findtext(f"{ATOM}id") == before.findtext(f"{ATOM}id")
    text = "".join(after.itertext())
    assert "Das Jobcenter" in text and "Das Jobcenter" not in "".join(before.itertext())
    # <updated> stays the publication (README, "Updated"): no reader makes it today's news.
    assert after.findtext(f"{ATOM}updated") == before.findtext(f"{ATOM}updated")
    assert after.findtext(f"{ATOM}published") == before.findtext(f"{ATOM}published")
    assert after_rss.findtext("pubDate") == before_rss.findtext("pubDate")
    assert after_rss.findtext("guid") == before_rss.findtext("guid")
    assert "2026-11-26T14:07:05+01:00" not in (out / "atom.xml").read_text("utf-8")
    page = (out / "jobcenter" / f"{path.stem}.html").read_text("utf-8")
    assert "Aktualisiert am <time" in page and "26.11.2026, 14:07 Uhr</time>" in page

    # Later builds, with or without other changes, keep that time on the page.
    (sample_releases / "Jobcenter" / "2026-02-11-jahresbilanz-2025.txt").touch()
    build(sample_releases, out, config, now=edited_at + timedelta(days=5))
    page = (out / "jobcenter" / f"{path.stem}.html").read_text("utf-8")
    assert "26.11.2026, 14:07 Uhr</time>" in page


def test_a_stated_correction_time_wins(
    sample_releases: Path, tmp_path: Path, config: Config
) -> None:
    out = tmp_path / "feeds"
    path = sample_releases / "Jobcenter" / "2026-02-11-jahresbilanz-2025.txt"
    build(sample_releases, out, config, now=NOW)
    text = path.read_text("utf-8").rstrip("\n")
    path.write_text(text + "\n\nAktualisiert: 12.02.2026, 10:00 Uhr\n", "utf-8")
    build(sample_releases, out, config, now=NOW)
    page = (out / "jobcenter" / f"{path.stem}.html").read_text("utf-8")
    assert '<time datetime="2026-02-12T10:00:00+01:00">12.02.2026, 10:00 Uhr</time>' in page


def test_a_lost_state_file_is_said_once_and_times_are_read_back_from_what_was_published(
    sample_releases: Path, tmp_path: Path, config: Config
) -> None:
    out = tmp_path / "feeds"
    path = sample_releases / "Jobcenter" / "2026-02-11-jahresbilanz-2025.txt"
    build(sample_releases, out, config, now=NOW)
    path.write_text(path.read_text("utf-8").replace("Jobcenter", "Das Jobcenter", 1), "utf-8")
    build(sample_releases, out, config, now=NOW + timedelta(hours=1))
    page = out / "jobcenter" / f"{path.stem}.html"
    corrected = (NOW + timedelta(hours=1)).isoformat()
    assert f'"article:modified_time" content="{corrected}"' in page.read_text("utf-8")
    feed = (out / "jobcenter" / "atom.xml").read_bytes()  # updated: the publication
    (out / LEDGER_NAME).unlink()
    report = build(sample_releases, out, config, now=NOW + timedelta(hours=2))
    assert report.state_lost and report.errors == [] and report.recovered == 22
    # What readers saw, not a new time: the page's correction time, the feed's dates.
    assert f'"article:modified_time" content="{corrected}"' in page.read_text("utf-8")
    assert (out / "jobcenter" / "atom.xml").read_bytes() == feed
    assert (out / LEDGER_NAME).exists()
    assert not build(sample_releases, out, config, now=NOW).state_lost  # said once


def test_a_fresh_output_folder_is_not_a_lost_state(
    sample_releases: Path, tmp_path: Path, config: Config
) -> None:
    assert not build(sample_releases, tmp_path / "feeds", config, now=NOW).state_lost


# --- 5. nothing lost; embargoes --------------------------------------------------------------


def test_an_embargoed_release_leaves_no_trace_until_its_time(
    sample_releases: Path, tmp_path: Path, config: Config
) -> None:
    out = tmp_path / "feeds"
    build(sample_releases, out, config, now=NOW)
    secret = sample_releases / "Jobcenter" / "2026-12-01-geheimes-projekt.txt"
    secret.write_text(
        RELEASE.format(date="01.12.2026, 10:00 Uhr", title="Streng geheimes Vorhaben"), "utf-8"
    )
    report = build(sample_releases, out, config, now=NOW)
    assert report.fast and report.held_back == 1 and report.errors == []
    for name, (data, _, _) in every_file(out).items():
        for trace in (b"geheim", b"Streng", b"2026-12-01"):
            assert trace not in data, (name, trace)
        assert "geheim" not in name
    ledger = ledger_text(out)  # read with sqlite3: paths decoded, JSON escapes undone
    assert ledger and not any(t in ledger for t in ("geheim", "Streng", "2026-12-01"))

    # The first build after its time publishes it, though no file changed (fast path).
    due = build(sample_releases, out, config, now=datetime(2026, 12, 1, 10, 0, tzinfo=BERLIN))
    assert not due.fast and due.held_back == 0
    assert "Streng geheimes Vorhaben" in (out / "jobcenter" / "atom.xml").read_text("utf-8")
    assert (out / "jobcenter" / "2026-12-01-geheimes-projekt.html").exists()


def test_an_embargoed_release_is_read_once_then_counted_until_its_time(
    sample_releases: Path, tmp_path: Path, config: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The ledger learns the held-back file by a digest and the moment the first is due (no
    name, no date): cron runs before then neither read it nor write anything."""
    out = tmp_path / "feeds"
    build(sample_releases, out, config, now=NOW)
    secret = sample_releases / "Jobcenter" / "2026-12-01-geheimes-projekt.txt"
    secret.write_text(RELEASE.format(date="01.12.2026, 10:00 Uhr", title="Geheim"), "utf-8")
    first = build(sample_releases, out, config, now=NOW)  # read once, remembered
    assert first.fast and first.held_back == 1
    assert "geheim" not in ledger_text(out).lower()
    before = every_file(out)
    reads: list[Path] = []
    real = feedpub.parse.read_release

    def counting(path: Path, **kwargs: Any) -> Any:
        reads.append(path)
        return real(path, **kwargs)

    monkeypatch.setattr(feedpub.parse, "read_release", counting)
    later = datetime(2026, 12, 1, 9, 59, tzinfo=BERLIN)
    report = build(sample_releases, out, config, now=later)
    assert report.fast and report.held_back == 1 and reads == []
    assert every_file(out) == before  # nothing written, the ledger included
    # Edited: read again (its signature changed), still held back.
    secret.write_text(RELEASE.format(date="01.12.2026, 11:00 Uhr", title="Geheim"), "utf-8")
    report = build(sample_releases, out, config, now=later)
    assert report.fast and report.held_back == 1 and reads == [secret]
    # Its time has come: published, though the file did not change.
    due = build(sample_releases, out, config, now=datetime(2026, 12, 1, 11, 0, tzinfo=BERLIN))
    assert not due.fast and due.held_back == 0
    assert (out / "jobcenter" / "2026-12-01-geheimes-projekt.html").exists()


def test_a_published_release_moved_into_the_future_keeps_its_published_version(
    sample_releases: Path, tmp_path: Path, config: Config
) -> None:
    out = tmp_path / "feeds"
    path = sample_releases / "Jobcenter" / "2026-02-11-jahresbilanz-2025.txt"
    build(sample_releases, out, config, now=NOW)
    before = (out / "jobcenter" / "atom.xml").read_bytes()
    path.write_text(
        path.read_text("utf-8").replace("11. Februar 2026", "11. Februar 2027", 1), "utf-8"
    )
    report = build(sample_releases, out, config, now=NOW)
    assert report.errors == []
    assert any("keep the published version" in n.reason for n in report.notices)
    assert (out / "jobcenter" / "atom.xml").read_bytes() == before
    assert "2027-02-11" not in ledger_text(out)
    again = build(sample_releases, out, config, now=NOW)
    assert again.fast and any("keep the published" in n.reason for n in again.notices)


def test_a_correction_stamped_for_later_waits_for_its_time(
    sample_releases: Path, tmp_path: Path, config: Config
) -> None:
    out = tmp_path / "feeds"
    path = sample_releases / "Jobcenter" / "2026-02-11-jahresbilanz-2025.txt"
    build(sample_releases, out, config, now=NOW)
    text = path.read_text("utf-8").replace("Jobcenter", "Korrigiertes Jobcenter", 1)
    path.write_text(text.rstrip("\n") + "\n\nAktualisiert: 27.11.2026, 08:00 Uhr\n", "utf-8")
    build(sample_releases, out, config, now=NOW)
    assert "Korrigiertes" not in (out / "jobcenter" / "atom.xml").read_text("utf-8")
    build(sample_releases, out, config, now=datetime(2026, 11, 27, 8, 0, tzinfo=BERLIN))
    assert "Korrigiertes" in (out / "jobcenter" / "atom.xml").read_text("utf-8")


# --- 2. atomic, durable, in two phases -------------------------------------------------------


def test_everything_is_durable_before_anything_is_replaced_and_the_state_comes_last(
    sample_releases: Path, tmp_path: Path, config: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "feeds"
    build(sample_releases, out, config, now=NOW)
    for path in sample_releases.rglob("*.txt"):  # some are Windows-1252: edit bytes
        path.write_bytes(path.read_bytes().replace(b"Landkreis", b"Kreis"))
    events: list[str] = []
    real_sync, real_replace = feedpub.publish.sync_filesystem, feedpub.publish.os.replace

    def sync(folder: Path) -> None:
        events.append("sync")
        real_sync(folder)

    def replace(source: str, target: str) -> None:
        events.append(Path(target).relative_to(out).as_posix())
        real_replace(source, target)

    def commit(db: Any) -> None:
        events.append("ledger")
        real_commit(db)

    real_commit = feedpub.bookkeeping.commit
    monkeypatch.setattr(feedpub.publish, "sync_filesystem", sync)
    monkeypatch.setattr(feedpub.publish.os, "replace", replace)
    monkeypatch.setattr(feedpub.bookkeeping, "commit", commit)
    build(sample_releases, out, config, now=NOW)
    published = [e for e in events if e not in ("sync", "ledger") and e[:9] != ".feedpub/"]
    assert len(published) > 20
    first, last = events.index(published[0]), events.index(published[-1])
    assert "sync" in events[:first]  # all temporaries durable before the first replace
    assert "sync" in events[last:]  # and the renames before the bookkeeping
    assert events[-1] == "ledger" and events.count("ledger") == 1  # the ledger commits last


def test_a_build_that_fails_half_way_changes_nothing_and_the_next_is_a_full_one(
    sample_releases: Path, tmp_path: Path, config: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "feeds"
    build(sample_releases, out, config, now=NOW)
    for path in sample_releases.rglob("*.txt"):  # some are Windows-1252: edit bytes
        path.write_bytes(path.read_bytes().replace(b"Landkreis", b"Kreis"))
    before = {k: v[0] for k, v in every_file(out).items() if not k.startswith(".feedpub/")}
    shutil.copytree(out, tmp_path / "twin")  # the same history, for a build without faults

    def broken(folder: Path) -> None:
        raise OSError(28, "No space left on device")

    with monkeypatch.context() as patch:
        patch.setattr(feedpub.publish, "sync_filesystem", broken)
        with pytest.raises(OSError):
            build(sample_releases, out, config, now=NOW)
    after = {k: v[0] for k, v in every_file(out).items() if not k.startswith(".feedpub/")}
    assert after == before  # no temporaries, no half-published output
    ledger = read_only(out)
    assert ledger is not None and get_meta(ledger, "under_way") == "1"  # no fast path next
    ledger.close()
    report = build(sample_releases, out, config, now=NOW)
    assert report.read == 22
    build(sample_releases, tmp_path / "twin", config, now=NOW)
    published = {k: v[0] for k, v in every_file(out).items() if not k.startswith(".")}
    twin = {k: v[0] for k, v in every_file(tmp_path / "twin").items() if not k.startswith(".")}
    assert published == twin


# --- 3. one build at a time ------------------------------------------------------------------


def test_a_waiting_build_gets_the_lock_when_the_other_one_ends(
    sample_releases: Path, tmp_path: Path, config: Config
) -> None:
    out = tmp_path / "feeds"
    held = Lock(out).__enter__()
    threading.Timer(0.3, held.__exit__, (None, None, None)).start()
    started = time.monotonic()
    report = build(sample_releases, out, config, now=NOW, wait=30)
    assert report.errors == [] and time.monotonic() - started >= 0.25
    with Lock(out), pytest.raises(LockHeld, match=r"waited 0\.2 s"):
        build(sample_releases, out, config, now=NOW, wait=0.2)
