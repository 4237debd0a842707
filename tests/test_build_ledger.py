"""What the ledger makes hold (issue 12, "What the ledger must fix"), through build(): whoever
published a URL keeps it; a vanished releases folder unpublishes nothing; the lock cannot be
sidestepped."""

from __future__ import annotations

import dataclasses
import errno
import os
import shutil
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

import feedpub.bookkeeping
import feedpub.publish
from feedpub.build import IdsWouldChange, MassRemoval, build
from feedpub.config import Config, load_config
from feedpub.ledger import LEDGER_NAME
from feedpub.publish import LOCK_NAME, LockHeld
from tests.conftest import SAMPLE_CONFIG, file_states, manifest_of, wide_config, write_manifest
from tests.test_archive import walk

NEWCOMER = "Seiteninhalt\n18.09.2024\n\nFremder Text\n\nGanz etwas anderes.\n"


@pytest.fixture
def config() -> Config:
    return wide_config()


def published(out: Path) -> dict[str, bytes]:
    return {k: v[0] for k, v in file_states(out, lambda r: not r.startswith(".")).items()}


@pytest.mark.parametrize("new_config", [False, True], ids=["cache", "no-cache"])
def test_a_newcomer_file_never_takes_a_published_url_and_id(
    sample_releases: Path, tmp_path: Path, config: Config, new_config: bool
) -> None:
    out = tmp_path / "feeds"
    build(sample_releases, out, config)
    before = published(out)
    newcomer = sample_releases / "Jobcenter" / "2024-09-18 Jobmesse Musterstadt.txt"
    newcomer.write_text(NEWCOMER, "utf-8")  # sorts before the published file, same URL
    if new_config:  # the cache is not usable: the ledger's owners still count
        config = dataclasses.replace(config, title=config.title + " ")
    report = build(sample_releases, out, config)
    assert [e.path for e in report.errors] == [newcomer]
    assert "same URL and id 'jobcenter/2024-09-18-jobmesse-musterstadt'" in report.errors[0].reason
    page = "jobcenter/2024-09-18-jobmesse-musterstadt.html"
    assert published(out)[page] == before[page]
    assert b"Fremder Text" not in b"".join(published(out).values())


def test_a_newcomer_folder_never_takes_a_published_department(
    sample_releases: Path, tmp_path: Path, config: Config
) -> None:
    out = tmp_path / "feeds"
    build(sample_releases, out, config)
    pages = sorted(p.name for p in (out / "amt-fuer-bau-und-planung").glob("*.html"))
    folder = sample_releases / "Amt fuer Bau und Planung"  # same URL name, sorts first
    folder.mkdir()
    (folder / "2024-09-18-neu.txt").write_text(NEWCOMER, "utf-8")
    report = build(sample_releases, out, config)
    assert len(report.errors) == 1 and report.errors[0].path == folder / "2024-09-18-neu.txt"
    assert "same URL name 'amt-fuer-bau-und-planung'" in report.errors[0].reason
    assert report.removed == []
    assert sorted(p.name for p in (out / "amt-fuer-bau-und-planung").glob("*.html")) == pages


def every_file(out: Path) -> dict[str, tuple[bytes, int, int]]:
    return file_states(out, lambda relative: not relative.endswith("/lock"))


def test_an_empty_releases_folder_unpublishes_nothing(
    sample_releases: Path, tmp_path: Path, config: Config
) -> None:
    out = tmp_path / "feeds"
    build(sample_releases, out, config)
    before = every_file(out)  # the ledger included
    shutil.move(sample_releases, tmp_path / "away")
    sample_releases.mkdir()  # a share that is not mounted: an empty folder
    with pytest.raises(MassRemoval) as caught:
        build(sample_releases, out, config)
    assert str(caught.value).startswith(f"{sample_releases}: 22 of 22 published releases are gone")
    assert every_file(out) == before
    sample_releases.rmdir()
    shutil.move(tmp_path / "away", sample_releases)
    assert build(sample_releases, out, config).fast  # the history is all there


def test_most_releases_vanishing_is_refused_but_a_few_at_a_time_work(
    sample_releases: Path, tmp_path: Path, config: Config
) -> None:
    out = tmp_path / "feeds"
    build(sample_releases, out, config)
    files = sorted(sample_releases.rglob("*.txt"))
    for path in files[:12]:  # 12 of 22: more than half
        path.rename(path.with_suffix(".bak"))
    before = every_file(out)
    with pytest.raises(MassRemoval):
        build(sample_releases, out, config)
    assert every_file(out) == before
    for path in files[:12]:
        path.with_suffix(".bak").rename(path)
    for path in files[:2]:  # two at once: fewer than the minimum
        path.unlink()
    assert len(build(sample_releases, out, config).removed) > 2
    for path in files[2:12]:  # ten of twenty: not more than half
        path.unlink()
    report = build(sample_releases, out, config)
    assert report.releases == 10 and report.errors == []
    assert sum(name.endswith(f"/{files[5].stem}.html") for name in report.removed) == 1


def test_a_build_whose_lock_file_was_removed_publishes_nothing(
    sample_releases: Path, tmp_path: Path, config: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Removing the lock file lets a second build take a new one: the first notices before
    it puts anything into place, and fails as a locked build (exit 75)."""
    out = tmp_path / "feeds"
    build(sample_releases, out, config)
    for path in sample_releases.rglob("*.txt"):
        path.write_bytes(path.read_bytes().replace(b"Landkreis", b"Kreis"))
    before = published(out)
    real_stage = feedpub.bookkeeping.stage

    def stage(*args: Any) -> None:
        (out / LOCK_NAME).unlink()  # an admin "clearing a stale lock"
        real_stage(*args)

    monkeypatch.setattr(feedpub.bookkeeping, "stage", stage)
    with pytest.raises(LockHeld, match="removed or replaced during this build"):
        build(sample_releases, out, config)
    assert published(out) == before
    monkeypatch.undo()
    assert build(sample_releases, out, config).read == 22  # the next build does the work


def test_a_lost_manifest_is_rebuilt_from_what_is_published(
    sample_releases: Path, tmp_path: Path, config: Config
) -> None:
    """After the manifest is lost, the pages of unchanged releases are in the next one (so a
    release withdrawn later loses its page) instead of dropping out of it."""
    out = tmp_path / "feeds"
    build(sample_releases, out, config)
    full = manifest_of(out)
    write_manifest(out, [])  # lost
    edited = sample_releases / "Jobcenter" / "2026-02-11-jahresbilanz-2025.txt"
    edited.write_text(edited.read_text("utf-8").replace("Jobcenter", "Das Jobcenter", 1), "utf-8")
    build(sample_releases, out, config)
    page = "gesundheitsamt/2025-07-09-badegewaesser-saison.html"
    assert page in manifest_of(out)
    assert manifest_of(out) == full  # pictures included
    (sample_releases / "Gesundheitsamt" / "2025-07-09-badegewaesser-saison.txt").unlink()
    report = build(sample_releases, out, config)
    assert page in report.removed and not (out / page).exists()


def archive_text(out: Path) -> str:
    """Every RFC 5005 archive document, combined and per department."""
    return "".join(p.read_text("utf-8") for p in sorted(out.rglob("archive/*/atom.xml")))


JOBMESSE = "jobcenter/2024-09-18-jobmesse-musterstadt"
GESUNDHEIT = "Gesundheitsamt/2025-07-09-badegewaesser-saison.txt"
BERLIN = ZoneInfo("Europe/Berlin")


def test_an_archived_release_that_turns_bad_after_a_failed_build_stays_archived(
    sample_releases: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = load_config(SAMPLE_CONFIG)  # two entries per feed: the rest is archived
    out = tmp_path / "feeds"
    build(sample_releases, out, config)
    shown = archive_text(out).count(JOBMESSE)
    assert shown > 0  # in the department's archive and the combined one
    edited = sample_releases / "Gesundheitsamt" / "2025-07-09-badegewaesser-saison.txt"
    edited.write_text(edited.read_text("utf-8").replace("Badegew", "Bade-Gew"), "utf-8")

    def full(folder: Path) -> None:
        raise OSError(28, "No space left on device")

    with monkeypatch.context() as patch:
        patch.setattr(feedpub.publish, "sync_filesystem", full)
        with pytest.raises(OSError):
            build(sample_releases, out, config)
    (sample_releases / "Jobcenter" / "2024-09-18-jobmesse-musterstadt.txt").write_bytes(b"")
    report = build(sample_releases, out, config)
    assert [e.path.name for e in report.errors] == ["2024-09-18-jobmesse-musterstadt.txt"]
    assert archive_text(out).count(JOBMESSE) == shown
    assert (out / f"{JOBMESSE}.html").exists()


def test_a_department_folder_that_cannot_be_listed_keeps_its_archived_releases(
    sample_releases: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Root reads any folder: listing the department's folder is made to fail."""
    config = load_config(SAMPLE_CONFIG)
    out = tmp_path / "feeds"
    build(sample_releases, out, config)
    before = published(out)
    folder = os.path.realpath(sample_releases / "Jobcenter")
    real_scandir, real_listdir = os.scandir, os.listdir

    def refuse(path: Any) -> None:
        if isinstance(path, str | Path) and os.path.realpath(path) == folder:
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(path))

    def scandir(path: Any = ".") -> Any:
        refuse(path)
        return real_scandir(path)

    def listdir(path: Any = ".") -> Any:
        refuse(path)
        return real_listdir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    monkeypatch.setattr(os, "listdir", listdir)
    report = build(sample_releases, out, config)
    assert len(report.errors) == 1 and "Jobcenter" in str(report.errors[0])
    assert published(out) == before  # the archives and the live feeds' links included


@pytest.mark.parametrize("target", ["missing.txt", "outside.txt"], ids=["broken", "outside"])
def test_a_published_release_that_becomes_a_bad_symlink_keeps_its_last_good_version(
    sample_releases: Path, tmp_path: Path, config: Config, target: str
) -> None:
    out = tmp_path / "feeds"
    build(sample_releases, out, config)
    before = published(out)
    path = sample_releases / "Jobcenter" / "2024-09-18-jobmesse-musterstadt.txt"
    outside = tmp_path / "outside.txt"
    outside.write_bytes(path.read_bytes())
    path.unlink()
    path.symlink_to(tmp_path / target)
    report = build(sample_releases, out, config)
    assert [str(e.path) for e in report.errors] == [str(path)]
    assert "symlink" in report.errors[0].reason
    assert published(out) == before  # page, feeds, index pages: all as they were


def test_a_lost_ledger_does_not_let_a_wrong_configuration_change_every_id(
    sample_releases: Path, tmp_path: Path, config: Config
) -> None:
    out = tmp_path / "feeds"
    build(sample_releases, out, config)
    (out / LEDGER_NAME).unlink()
    before = published(out)
    other = dataclasses.replace(config, tag_date="2025-05-05")
    with pytest.raises(IdsWouldChange) as caught:
        build(sample_releases, out, other)
    assert caught.value.before == config.tag_prefix
    assert str(caught.value).endswith(f"delete {out / 'atom.xml'} first")
    assert published(out) == before
    assert not build(sample_releases, out, config).errors  # the right configuration builds


# A lost ledger (deleted, or damaged and moved aside): what was published is read back from
# the published feeds (feedpub.recover).


def test_a_lost_ledger_and_an_empty_releases_folder_unpublish_nothing(
    sample_releases: Path, tmp_path: Path, config: Config
) -> None:
    out = tmp_path / "feeds"
    build(sample_releases, out, config)
    (out / LEDGER_NAME).unlink()
    before = published(out)
    shutil.move(sample_releases, tmp_path / "away")
    sample_releases.mkdir()  # a share that is not mounted, on the day the ledger was lost
    with pytest.raises(MassRemoval) as caught:
        build(sample_releases, out, config)
    assert "22 of 22 published releases are gone" in str(caught.value)
    assert published(out) == before


def test_a_lost_ledger_keeps_the_correction_times_readers_saw(
    sample_releases: Path, tmp_path: Path
) -> None:
    config = load_config(SAMPLE_CONFIG)  # two entries per feed: corrections in the archives too
    out = tmp_path / "feeds"
    build(sample_releases, out, config, now=datetime(2026, 11, 20, 9, 0, tzinfo=BERLIN))
    for name in ("Jobcenter/2024-09-18-jobmesse-musterstadt.txt", GESUNDHEIT):
        edited = sample_releases / name
        edited.write_text(edited.read_text("utf-8").replace(" und ", " sowie ", 1), "utf-8")
    build(sample_releases, out, config, now=datetime(2026, 11, 21, 9, 0, tzinfo=BERLIN))
    before = published(out)
    assert sum(text.count(b"2026-11-21T09:00:00+01:00") for text in before.values()) >= 4
    (out / LEDGER_NAME).write_bytes(b"not a ledger")  # damaged: moved aside
    report = build(sample_releases, out, config, now=datetime(2026, 11, 22, 9, 0, tzinfo=BERLIN))
    assert report.damaged and report.recovered == 22
    assert published(out) == before  # every feed, archive and page byte for byte
    again = build(sample_releases, out, config, now=datetime(2026, 11, 23, 9, 0, tzinfo=BERLIN))
    assert again.fast


def test_a_lost_ledger_keeps_an_archived_release_that_is_bad_at_that_moment(
    sample_releases: Path, tmp_path: Path
) -> None:
    config = load_config(SAMPLE_CONFIG)
    out = tmp_path / "feeds"
    build(sample_releases, out, config)
    chains = {feed: walk(out, feed) for feed in ("atom.xml", "jobcenter/atom.xml")}
    assert all(any(JOBMESSE in i for i in ids) for ids in chains.values())
    (out / LEDGER_NAME).unlink()
    (sample_releases / "Jobcenter" / "2024-09-18-jobmesse-musterstadt.txt").write_bytes(b"")
    report = build(sample_releases, out, config)
    assert [e.path.name for e in report.errors] == ["2024-09-18-jobmesse-musterstadt.txt"]
    # A reader following prev-archive still finds it, once, in both feeds.
    assert {feed: walk(out, feed) for feed in chains} == chains
    assert (out / f"{JOBMESSE}.html").exists()


def test_a_lost_ledger_keeps_a_live_release_that_is_bad_at_that_moment_reachable(
    sample_releases: Path, tmp_path: Path
) -> None:
    """Its last good version (taken from the published live feed) moves to its month's
    archive document: the live feeds cannot show it without the ledger's record of it."""
    config = load_config(SAMPLE_CONFIG)
    out = tmp_path / "feeds"
    build(sample_releases, out, config)
    live = "jobcenter/2026-02-11-jahresbilanz-2025"
    assert live in (out / "jobcenter" / "atom.xml").read_text("utf-8")
    (out / LEDGER_NAME).unlink()
    (sample_releases / "Jobcenter" / "2026-02-11-jahresbilanz-2025.txt").write_bytes(b"")
    report = build(sample_releases, out, config)
    assert len(report.errors) == 1
    for feed in ("atom.xml", "jobcenter/atom.xml"):
        ids = walk(out, feed)
        assert len(ids) == len(set(ids)) and sum(live in i for i in ids) == 1, feed
    assert (out / f"{live}.html").exists()
