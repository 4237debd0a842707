"""build(): the cron promises. Same input, same bytes; nothing changed, nothing rewritten; a
bad release is skipped without taking any feed down or losing what was published."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from feedpub.build import build
from feedpub.config import Config, load_config
from feedpub.discover import Candidate
from feedpub.publish import Lock, LockHeld
from tests.conftest import SAMPLE_CONFIG

BAD_RELEASE = "Seiteninhalt\n31.02.2025\n\nEin Titel\n\nText.\n"


@pytest.fixture
def config() -> Config:
    return load_config(SAMPLE_CONFIG)


def snapshot(folder: Path) -> dict[str, tuple[bytes, int, int]]:
    """Every published file with its bytes, mtime and inode (hidden bookkeeping excluded)."""
    result = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file() and not path.name.startswith("."):
            stat = path.stat()
            result[path.relative_to(folder).as_posix()] = (
                path.read_bytes(),
                stat.st_mtime_ns,
                stat.st_ino,
            )
    return result


def contents(folder: Path) -> dict[str, bytes]:
    return {name: data for name, (data, _, _) in snapshot(folder).items()}


def test_build_writes_the_documented_layout(
    sample_releases: Path, tmp_path: Path, config: Config
) -> None:
    out = tmp_path / "feeds"
    report = build(sample_releases, out, config)
    assert report.errors == []
    assert report.releases == 21
    files = set(contents(out))
    for name in ("atom.xml", "rss.xml", "index.html", "feeds.opml"):
        assert name in files
    for slug in (
        "jobcenter",
        "gesundheitsamt",
        "strassenverkehrsamt",
        "amt-fuer-bau-und-planung",
        "kreisvolkshochschule",
    ):
        assert f"{slug}/atom.xml" in files
        assert f"{slug}/rss.xml" in files
    assert "jobcenter/2024-09-18-jobmesse-musterstadt.html" in files
    assert len([f for f in files if f.endswith(".html") and "/" in f]) == 21


def test_two_builds_give_the_same_bytes(
    sample_releases: Path, tmp_path: Path, config: Config
) -> None:
    build(sample_releases, tmp_path / "a", config)
    build(sample_releases, tmp_path / "b", config)
    assert contents(tmp_path / "a") == contents(tmp_path / "b")


def test_a_run_with_nothing_changed_rewrites_nothing(
    sample_releases: Path, tmp_path: Path, config: Config
) -> None:
    out = tmp_path / "feeds"
    build(sample_releases, out, config)
    before = snapshot(out)
    report = build(sample_releases, out, config)
    assert report.written == []
    assert report.removed == []
    assert snapshot(out) == before  # same bytes, same mtimes, same inodes


def test_an_edit_rewrites_only_what_shows_it(
    sample_releases: Path, tmp_path: Path, config: Config
) -> None:
    out = tmp_path / "feeds"
    build(sample_releases, out, config)
    path = sample_releases / "Gesundheitsamt" / "2025-07-09-badegewaesser-saison.txt"
    text = path.read_text("utf-8").replace("Badegewässer", "Badestellen", 1)
    path.write_text(text, "utf-8")
    report = build(sample_releases, out, config)
    assert sorted(report.written) == [
        "atom.xml",
        "gesundheitsamt/2025-07-09-badegewaesser-saison.html",
        "gesundheitsamt/atom.xml",
        "gesundheitsamt/rss.xml",
        "rss.xml",
    ]


def test_a_bad_release_is_skipped_and_other_feeds_are_untouched(
    sample_releases: Path, tmp_path: Path, config: Config
) -> None:
    clean = tmp_path / "clean"
    build(sample_releases, clean, config)
    bad = sample_releases / "Jobcenter" / "2025-12-01-kaputt.txt"
    bad.write_text(BAD_RELEASE, "utf-8")
    out = tmp_path / "feeds"
    report = build(sample_releases, out, config)
    assert len(report.errors) == 1
    message = str(report.errors[0])
    assert message.startswith(f"{bad}:2: ")
    assert "'31.02.2025' is not a real date" in message
    assert report.releases == 21
    # Every feed is written from the good releases, exactly as without the bad file.
    assert contents(out) == contents(clean)


def test_a_release_that_turns_bad_keeps_its_page(
    sample_releases: Path, tmp_path: Path, config: Config
) -> None:
    out = tmp_path / "feeds"
    build(sample_releases, out, config)
    page = out / "jobcenter" / "2024-09-18-jobmesse-musterstadt.html"
    published = page.read_bytes()
    (sample_releases / "Jobcenter" / "2024-09-18-jobmesse-musterstadt.txt").write_text(
        BAD_RELEASE, "utf-8"
    )
    report = build(sample_releases, out, config)
    assert len(report.errors) == 1
    assert page.read_bytes() == published


def test_a_department_whose_releases_are_all_bad_keeps_its_feeds(
    sample_releases: Path, tmp_path: Path, config: Config
) -> None:
    out = tmp_path / "feeds"
    build(sample_releases, out, config)
    before = (out / "kreisvolkshochschule" / "atom.xml").read_bytes()
    for path in (sample_releases / "Kreisvolkshochschule").glob("*.txt"):
        path.write_text(BAD_RELEASE, "utf-8")
    report = build(sample_releases, out, config)
    assert len(report.errors) == 4
    assert (out / "kreisvolkshochschule" / "atom.xml").read_bytes() == before
    assert (out / "kreisvolkshochschule" / "rss.xml").exists()


def test_a_deleted_release_disappears(
    sample_releases: Path, tmp_path: Path, config: Config
) -> None:
    out = tmp_path / "feeds"
    build(sample_releases, out, config)
    (sample_releases / "Jobcenter" / "2024-09-18-jobmesse-musterstadt.txt").unlink()
    report = build(sample_releases, out, config)
    assert report.removed == ["jobcenter/2024-09-18-jobmesse-musterstadt.html"]
    assert not (out / "jobcenter" / "2024-09-18-jobmesse-musterstadt.html").exists()
    assert "jobmesse" not in (out / "atom.xml").read_text("utf-8")


def test_a_deleted_department_disappears_but_foreign_files_stay(
    sample_releases: Path, tmp_path: Path, config: Config
) -> None:
    out = tmp_path / "feeds"
    build(sample_releases, out, config)
    (out / "robots.txt").write_text("User-agent: *\n", "utf-8")
    shutil.rmtree(sample_releases / "Kreisvolkshochschule")
    build(sample_releases, out, config)
    assert not (out / "kreisvolkshochschule").exists()
    assert (out / "robots.txt").exists()


def test_a_second_build_while_one_runs_is_refused(
    sample_releases: Path, tmp_path: Path, config: Config
) -> None:
    out = tmp_path / "feeds"
    with Lock(out), pytest.raises(LockHeld, match="another feedpub build is running"):
        build(sample_releases, out, config)
    build(sample_releases, out, config)  # the lock is gone with its holder


def test_same_slug_departments_and_same_ids_are_errors(tmp_path: Path, config: Config) -> None:
    releases = tmp_path / "releases"
    good = "10.07.2024\n\nTitel\n\nText.\n"
    for relative in (
        "Jobcenter/2024-07-10-a.txt",
        "jobcenter/2024-07-10-b.txt",
        "Jobcenter/2024/2024-07-10-a.txt",
        "Jobcenter/2024-07-10 A.txt",
    ):
        path = releases / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(good, "utf-8")
    report = build(releases, tmp_path / "feeds", config)
    assert report.releases == 1
    reasons = sorted(e.reason for e in report.errors)
    assert len(reasons) == 3
    assert sum("same URL and id jobcenter/2024-07-10-a" in r for r in reasons) == 2
    assert sum("same URL name 'jobcenter'" in r for r in reasons) == 1


def test_missing_releases_folder(tmp_path: Path, config: Config) -> None:
    with pytest.raises(FileNotFoundError):
        build(tmp_path / "nope", tmp_path / "feeds", config)
    assert not (tmp_path / "feeds").exists()


def test_written_files_are_readable_by_the_web_server(
    sample_releases: Path, tmp_path: Path, config: Config
) -> None:
    old = os.umask(0o022)
    try:
        build(sample_releases, tmp_path / "feeds", config)
    finally:
        os.umask(old)
    assert (tmp_path / "feeds" / "atom.xml").stat().st_mode & 0o777 == 0o644


def test_a_published_release_that_turns_bad_stays_in_the_feeds(
    sample_releases: Path, tmp_path: Path, config: Config
) -> None:
    out = tmp_path / "feeds"
    build(sample_releases, out, config)
    before = contents(out)
    path = sample_releases / "Jobcenter" / "2024-09-18-jobmesse-musterstadt.txt"
    path.write_text(BAD_RELEASE, "utf-8")
    report = build(sample_releases, out, config)
    assert [e.path for e in report.errors] == [path]
    assert any("last good version" in n.reason for n in report.notices)
    # The feeds still show the last good version: nothing published is lost.
    assert contents(out) == before
    # Once the file is deleted, the entry goes.
    path.unlink()
    report = build(sample_releases, out, config)
    assert report.errors == []
    assert "jobmesse" not in (out / "jobcenter" / "atom.xml").read_text("utf-8")


def test_a_new_release_that_is_bad_is_not_published(
    sample_releases: Path, tmp_path: Path, config: Config
) -> None:
    out = tmp_path / "feeds"
    build(sample_releases, out, config)
    (sample_releases / "Jobcenter" / "2026-11-20-neu.txt").write_text(BAD_RELEASE, "utf-8")
    report = build(sample_releases, out, config)
    assert len(report.errors) == 1
    assert report.notices == []
    assert not (out / "jobcenter" / "2026-11-20-neu.html").exists()


def test_a_release_deleted_during_the_build_is_skipped_silently(
    sample_releases: Path, tmp_path: Path, config: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    import feedpub.build

    victim = sample_releases / "Jobcenter" / "2024-09-18-jobmesse-musterstadt.txt"
    real_read = feedpub.build.read_release

    def read_after_delete(path: Path, **kwargs: str) -> object:
        if path == victim:
            victim.unlink()  # the press officer deletes it between listing and reading
        return real_read(path, **kwargs)

    monkeypatch.setattr(feedpub.build, "read_release", read_after_delete)
    report = build(sample_releases, tmp_path / "feeds", config)
    assert report.errors == []
    assert report.releases == 20


def test_two_processes_give_the_same_bytes_and_report(
    sample_releases: Path, tmp_path: Path, config: Config
) -> None:
    (sample_releases / "Jobcenter" / "2025-12-01-kaputt.txt").write_text(BAD_RELEASE, "utf-8")
    path = sample_releases / "Gesundheitsamt" / "2025-07-09-badegewaesser-saison.txt"
    path.write_text(path.read_text("utf-8").replace("Badegewässer", "Bade\x0bgewässer", 1))
    serial = build(sample_releases, tmp_path / "serial", config, jobs=1)
    parallel = build(sample_releases, tmp_path / "parallel", config, jobs=2)
    assert contents(tmp_path / "parallel") == contents(tmp_path / "serial")
    assert [str(e) for e in parallel.errors] == [str(e) for e in serial.errors]
    assert [str(n) for n in parallel.notices] == [str(n) for n in serial.notices]
    assert parallel.releases == serial.releases == 21
    assert sorted(parallel.written) == sorted(serial.written)
    # And the cron case: nothing changed, nothing rewritten, also with two processes.
    again = build(sample_releases, tmp_path / "parallel", config, jobs=2)
    assert again.written == []


def test_two_processes_keep_last_good_versions(
    sample_releases: Path, tmp_path: Path, config: Config
) -> None:
    out = tmp_path / "feeds"
    build(sample_releases, out, config, jobs=2)
    before = contents(out)
    # The last file in path order is handled by the second process.
    last = sorted(sample_releases.rglob("*.txt"))[-1]
    last.write_text(BAD_RELEASE, "utf-8")
    report = build(sample_releases, out, config, jobs=2)
    assert [e.path for e in report.errors] == [last]
    assert contents(out) == before


def test_a_failing_second_process_fails_the_build(
    sample_releases: Path, tmp_path: Path, config: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    import feedpub.build

    real = feedpub.build._publish_releases
    last = sorted(sample_releases.rglob("*.txt"))[-1]

    def failing(candidates: list[Candidate], *args: object) -> object:
        if any(c.path == last for c in candidates):
            raise OSError("disk on fire")
        return real(candidates, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(feedpub.build, "_publish_releases", failing)
    with pytest.raises(RuntimeError, match="(?s)second build process failed.*disk on fire"):
        build(sample_releases, tmp_path / "feeds", config, jobs=2)
    # The lock is released: a normal build works right after.
    monkeypatch.setattr(feedpub.build, "_publish_releases", real)
    assert build(sample_releases, tmp_path / "feeds", config, jobs=2).errors == []


def test_two_files_with_one_url_stay_one_entry_over_many_builds(
    tmp_path: Path, config: Config
) -> None:
    releases = tmp_path / "releases"
    (releases / "Amt").mkdir(parents=True)
    (releases / "Amt" / "A b.txt").write_text("10.07.2024\n\nErste\n\nText.\n", "utf-8")
    (releases / "Amt" / "a-b.txt").write_text("11.07.2024\n\nZweite\n\nText.\n", "utf-8")
    out = tmp_path / "feeds"
    for _ in range(3):
        report = build(releases, out, config)
        assert [e.path.name for e in report.errors] == ["a-b.txt"]
        assert report.notices == []
        feed = (out / "amt" / "atom.xml").read_text("utf-8")
        assert feed.count("<entry>") == 1
        assert "Erste" in feed


@pytest.mark.parametrize(
    ("folder", "name", "reason"),
    [
        ("Amt", b"Stra\xdfe.txt", "name is not UTF-8"),
        ("Amt", "Zeile\x01.txt", "control character U+0001"),
        (b"Amt\xe4", "a.txt", "name is not UTF-8"),
        ("Amt\x01X", "a.txt", "control character U+0001"),
    ],
)
def test_names_that_cannot_be_published_are_errors_not_crashes(
    tmp_path: Path, config: Config, folder: str | bytes, name: str | bytes, reason: str
) -> None:
    releases = tmp_path / "releases"
    good = releases / "Jobcenter" / "gut.txt"
    good.parent.mkdir(parents=True)
    good.write_text("10.07.2024\n\nTitel\n\nText.\n", "utf-8")
    folder_path = os.path.join(os.fsencode(releases), os.fsencode(folder))
    os.makedirs(folder_path)
    with open(os.path.join(folder_path, os.fsencode(name)), "w", encoding="utf-8") as handle:
        handle.write("10.07.2024\n\nTitel\n\nText.\n")
    out = tmp_path / "feeds"
    report = build(releases, out, config)
    assert report.releases == 1
    assert len(report.errors) == 1
    assert reason in report.errors[0].reason
    str(report.errors[0]).encode("utf-8")  # printable: no lone surrogates
    assert (out / ".feedpub-state.json").exists()
    assert (out / "jobcenter" / "atom.xml").exists()
