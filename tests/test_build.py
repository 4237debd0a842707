"""build(): the cron promises. Same input, same bytes; nothing changed, nothing rewritten; a
bad release is skipped without taking any feed down or losing what was published."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from feedpub.build import build
from feedpub.config import Config
from feedpub.discover import ReleaseFile
from feedpub.layout import MAX_STEM
from feedpub.ledger import LEDGER_NAME, mark_under_way, open_for_build
from feedpub.publish import Lock, LockHeld, temporary_name
from tests.conftest import DATA, file_states, wide_config

BAD_RELEASE = "Seiteninhalt\n31.02.2025\n\nEin Titel\n\nText.\n"


@pytest.fixture
def config() -> Config:
    return wide_config()


def snapshot(folder: Path) -> dict[str, tuple[bytes, int, int]]:
    """Every published file with its bytes, mtime and inode (hidden bookkeeping excluded)."""
    return file_states(
        folder, lambda relative: not any(part.startswith(".") for part in relative.split("/"))
    )


def contents(folder: Path) -> dict[str, bytes]:
    return {name: data for name, (data, _, _) in snapshot(folder).items()}


def test_build_writes_the_documented_layout(
    sample_releases: Path, tmp_path: Path, config: Config
) -> None:
    out = tmp_path / "feeds"
    report = build(sample_releases, out, config)
    assert report.errors == []
    assert report.releases == 22
    files = set(contents(out))
    for name in ("atom.xml", "rss.xml", "feed.json", "index.html", "feeds.opml", "feeds-json.opml"):
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
        assert f"{slug}/index.html" in files
        assert f"{slug}/feed.json" in files
    assert "jobcenter/2024-09-18-jobmesse-musterstadt.html" in files
    pages = [f for f in files if f.endswith(".html") and "/" in f]
    assert len(pages) == 22 + 5


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
    text = path.read_text("utf-8")
    path.write_text(text.replace("Wasserqualität", "Die Wasserqualität", 1), "utf-8")
    report = build(sample_releases, out, config)
    # The title changed: the pages that list it (the index and the department's) change too.
    assert sorted(report.written) == [
        "atom.xml",
        "feed.json",
        "gesundheitsamt/2025-07-09-badegewaesser-saison.html",
        "gesundheitsamt/atom.xml",
        "gesundheitsamt/feed.json",
        "gesundheitsamt/index.html",
        "gesundheitsamt/rss.xml",
        "index.html",
        "rss.xml",
        "sitemap.xml",
    ]
    # The body text is in no list (the release has a teaser): the two pages stay.
    text = path.read_text("utf-8")
    assert text.count("auf Darmbakterien untersucht") == 1
    path.write_text(text.replace("auf Darmbakterien untersucht", "untersucht"), "utf-8")
    report = build(sample_releases, out, config)
    assert sorted(report.written) == [
        "atom.xml",
        "feed.json",
        "gesundheitsamt/2025-07-09-badegewaesser-saison.html",
        "gesundheitsamt/atom.xml",
        "gesundheitsamt/feed.json",
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
    assert report.releases == 22
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
    page = (out / "kreisvolkshochschule" / "index.html").read_bytes()
    before_json = (out / "kreisvolkshochschule" / "feed.json").read_bytes()
    for path in (sample_releases / "Kreisvolkshochschule").glob("*.txt"):
        path.write_text(BAD_RELEASE, "utf-8")
    report = build(sample_releases, out, config)
    assert len(report.errors) == 5
    assert (out / "kreisvolkshochschule" / "atom.xml").read_bytes() == before
    assert (out / "kreisvolkshochschule" / "rss.xml").exists()
    # Its page stays too: the feeds' alternate link leads there.
    assert (out / "kreisvolkshochschule" / "index.html").read_bytes() == page
    assert (out / "kreisvolkshochschule" / "feed.json").read_bytes() == before_json


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
    assert sum("same URL and id 'jobcenter/2024-07-10-a' as '" in r for r in reasons) == 2
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
    import feedpub.parse

    victim = sample_releases / "Jobcenter" / "2024-09-18-jobmesse-musterstadt.txt"
    real_read = feedpub.parse.read_release

    def read_after_delete(path: Path, **kwargs: str) -> object:
        if path == victim:
            victim.unlink()  # the press officer deletes it between listing and reading
        return real_read(path, **kwargs)

    monkeypatch.setattr(feedpub.parse, "read_release", read_after_delete)
    report = build(sample_releases, tmp_path / "feeds", config)
    assert report.errors == []
    assert report.releases == 21


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
    assert parallel.releases == serial.releases == 22
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


@pytest.mark.parametrize(
    ("error", "expected", "match"),
    [
        (ValueError("a bug"), RuntimeError, "(?s)second build process failed.*a bug"),
        (PermissionError(13, "Permission denied", "feeds/x"), PermissionError, "Permission"),
    ],
)
def test_a_failing_second_process_fails_the_build(
    sample_releases: Path,
    tmp_path: Path,
    config: Config,
    monkeypatch: pytest.MonkeyPatch,
    error: Exception,
    expected: type[Exception],
    match: str,
) -> None:
    """A bug in the second process is a RuntimeError with its traceback; a disk or permission
    problem arrives as itself, so the CLI reports it as one (exit 4)."""
    import feedpub.reading

    real = feedpub.reading.read_part
    last = sorted(sample_releases.rglob("*.txt"))[-1]

    def failing(candidates: list[ReleaseFile], *args: Any, **kwargs: Any) -> object:
        if any(c.source == last for c in candidates):
            raise error
        return real(candidates, *args, **kwargs)

    monkeypatch.setattr(feedpub.reading, "read_part", failing)
    with pytest.raises(expected, match=match):
        build(sample_releases, tmp_path / "feeds", config, jobs=2)
    # The lock is released: a normal build works right after.
    monkeypatch.setattr(feedpub.reading, "read_part", real)
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
        ("Amt\ufffeX", "a.txt", "U+FFFE, which is no character"),
        ("Amt", "a\uffff.txt", "U+FFFF, which is no character"),
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
    assert (out / LEDGER_NAME).exists()
    assert (out / "jobcenter" / "atom.xml").exists()


def _generated(tmp_path: Path, count: int) -> Path:
    """``count`` generated releases (bench/generate.py): enough that the second process's
    result is larger than a pipe buffer."""
    import importlib.util

    from tests.conftest import ROOT

    spec = importlib.util.spec_from_file_location("generate", ROOT / "bench" / "generate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    releases = tmp_path / "generated"
    module.generate(releases, count, 1)
    return releases


def test_the_longest_file_name_publishes_its_page_and_picture_99(
    tmp_path: Path, config: Config
) -> None:
    stem = "s" * MAX_STEM
    folder = tmp_path / "releases" / "Amt"
    folder.mkdir(parents=True)
    (folder / f"{stem}.txt").write_text("10.07.2024\n\nTitel\n\nText.\n", "utf-8")
    shutil.copy(DATA / "images" / "lossy.webp", folder / f"{stem}-99.webp")
    (folder / f"{stem}s.txt").write_text("10.07.2024\n\nZu lang\n\nText.\n", "utf-8")
    out = tmp_path / "feeds"
    report = build(tmp_path / "releases", out, config)
    assert [e.path.name for e in report.errors] == [f"{stem}s.txt"]
    assert (out / "amt" / f"{stem}.html").exists()
    assert (out / "amt" / f"{stem}_99.webp").exists()


def test_a_failing_first_half_does_not_hang_on_the_second_process(
    tmp_path: Path, config: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    import signal

    import feedpub.reading

    releases = _generated(tmp_path, 400)
    real = feedpub.reading.read_part
    first = sorted(releases.rglob("*.txt"))[0]

    def failing(candidates: list[ReleaseFile], *args: Any, **kwargs: Any) -> object:
        if any(c.source == first for c in candidates):
            raise OSError("disk full")
        return real(candidates, *args, **kwargs)

    def hung(signum: int, frame: object) -> None:
        raise TimeoutError("build hangs: the second process was not stopped")

    monkeypatch.setattr(feedpub.reading, "read_part", failing)
    old = signal.signal(signal.SIGALRM, hung)
    signal.alarm(60)  # a guard against a hang, not a timing assertion
    try:
        with pytest.raises(OSError, match="disk full"):
            build(releases, tmp_path / "feeds", config, jobs=2)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)
    with Lock(tmp_path / "feeds"):
        pass  # nothing holds the lock any more


def test_killing_a_build_releases_the_lock(tmp_path: Path) -> None:
    """SIGKILL the main process while the second one waits to hand over its (large) result:
    the second one must end too, or it holds the lock for ever and cron never builds again."""
    import signal
    import subprocess
    import sys
    import time

    releases = _generated(tmp_path, 400)
    out = tmp_path / "feeds"
    script = (
        "import os, sys, time, feedpub.build as b, feedpub.reading as r\n"
        "from pathlib import Path\n"
        "from feedpub.config import make_config\n"
        "real = r.read_part\n"
        "main = os.getpid()\n"
        "def slow(*args, **kwargs):\n"
        "    part = real(*args, **kwargs)\n"
        "    if os.getpid() == main:\n"
        "        print('main half done', flush=True)\n"
        "        time.sleep(60)\n"
        "    return part\n"
        "r.read_part = slow\n"
        "b.build(Path(sys.argv[1]), Path(sys.argv[2]), make_config({}, None), jobs=2)\n"
    )
    process = subprocess.Popen(
        [sys.executable, "-c", script, str(releases), str(out)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    assert process.stdout.readline().strip() == "main half done"
    time.sleep(1.0)  # let the second process finish its half and block on the full pipe
    process.send_signal(signal.SIGKILL)
    process.wait()
    process.stdout.close()
    deadline = time.monotonic() + 30  # a guard, not a timing assertion
    while True:
        try:
            with Lock(out):
                break
        except LockHeld:
            assert time.monotonic() < deadline, "the orphaned second process holds the lock"
            time.sleep(0.2)


def test_pages_of_a_crashed_build_are_removed_later(
    sample_releases: Path, tmp_path: Path, config: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    from feedpub.publish import Publisher

    out = tmp_path / "feeds"
    build(sample_releases, out, config)
    new = sample_releases / "Jobcenter" / "2026-11-20-neu.txt"
    new.write_text("20.11.2026\n\nNeu\n\nText.\n", "utf-8")

    def crash(self: Publisher) -> None:
        raise KeyboardInterrupt  # killed after the renames, before the final manifest

    with monkeypatch.context() as patch:
        patch.setattr(Publisher, "_finish", crash)
        with pytest.raises(KeyboardInterrupt):
            build(sample_releases, out, config)
    assert (out / "jobcenter" / "2026-11-20-neu.html").exists()
    new.unlink()
    report = build(sample_releases, out, config)
    assert "jobcenter/2026-11-20-neu.html" in report.removed
    assert not (out / "jobcenter" / "2026-11-20-neu.html").exists()


def ended_pid() -> int:
    """The id of a process that has ended (and was reaped)."""
    process = subprocess.Popen([sys.executable, "-c", ""])
    process.wait()
    return process.pid


def test_temporary_files_of_a_killed_build_are_removed(
    sample_releases: Path, tmp_path: Path, config: Config
) -> None:
    out = tmp_path / "feeds"
    build(sample_releases, out, config)
    pid = ended_pid()
    left = [
        out / temporary_name("atom.xml", "", pid),
        out / "new-folder" / temporary_name("2024-x.html", "", pid),
    ]
    # An admin's files that look alike, and one of a feedpub process that still runs.
    kept = [
        out / ".notes.4711.tmp",
        out / ".atom.xml.fpzz.tmp.bak",
        out / temporary_name("rss.xml", "", os.getppid()),
    ]
    left[1].parent.mkdir()
    for path in left + kept:
        path.write_text("half", "utf-8")
    # What a killed build leaves: the ledger says a build was under way.
    db, _ = open_for_build(out)
    mark_under_way(db)
    db.close()
    build(sample_releases, out, config)
    assert all(path.exists() for path in kept)
    assert not any(path.exists() for path in left)


def test_new_folders_are_readable_by_the_web_server_under_a_strict_umask(
    sample_releases: Path, tmp_path: Path, config: Config
) -> None:
    old = os.umask(0o077)
    try:
        build(sample_releases, tmp_path / "a" / "feeds", config)
    finally:
        os.umask(old)
    for folder in (tmp_path / "a", tmp_path / "a" / "feeds", tmp_path / "a/feeds/jobcenter"):
        assert folder.stat().st_mode & 0o777 == 0o755, folder
    assert (tmp_path / "a/feeds/jobcenter/atom.xml").stat().st_mode & 0o777 == 0o644


def test_an_unreadable_department_folder_keeps_what_it_published(
    sample_releases: Path, tmp_path: Path, config: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    import feedpub.discover

    out = tmp_path / "feeds"
    build(sample_releases, out, config)
    before = contents(out)
    real_scandir = os.scandir

    def scandir(path: Path) -> object:
        if Path(path).name == "Jobcenter":
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(feedpub.discover.os, "scandir", scandir)
    report = build(sample_releases, out, config)
    assert [e.reason for e in report.errors] == ["cannot list folder: Permission denied"]
    # Nothing published is lost: pages, department feeds and the entries in all feeds stay.
    assert contents(out) == before


def test_a_config_that_would_change_every_id_is_refused(
    sample_releases: Path, tmp_path: Path, config: Config
) -> None:
    from feedpub.build import IdsWouldChange
    from feedpub.config import make_config

    out = tmp_path / "feeds"
    build(sample_releases, out, config)
    before = contents(out)
    with pytest.raises(IdsWouldChange, match="every reader would show every release again"):
        build(sample_releases, out, make_config({}, None))  # cron without cd: no feedpub.toml
    assert contents(out) == before
    # A new base_url alone (moving hosts) keeps the ids and is fine.
    moved = make_config(
        {"base_url": "https://neu.example.de/", "tag_authority": config.tag_authority}, None
    )
    assert build(sample_releases, out, moved).errors == []
