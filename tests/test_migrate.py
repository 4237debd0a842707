"""migrate: an output folder made before the ledger (tests/data/migration/, made by
make.py with feedpub at c58c8b0) keeps its history: correction times, id prefix and last good
versions are imported, and the old JSON files are removed."""

from __future__ import annotations

import shutil
import socket
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import pytest

from feedpub.build import IdsWouldChange, build
from feedpub.config import load_config
from feedpub.dates import BERLIN
from feedpub.ledger import LEDGER_NAME
from feedpub.websub import PENDING_NAME, Timing, load_pending_raw
from tests.conftest import DATA, manifest_of

FIXTURE = DATA / "migration"
NOW = datetime(2026, 11, 29, 9, 0, tzinfo=BERLIN)
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def old(tmp_path: Path) -> Path:
    shutil.copytree(FIXTURE, tmp_path / "site")
    return tmp_path / "site"


def published(out: Path) -> dict[str, bytes]:
    return {
        p.relative_to(out).as_posix(): p.read_bytes()
        for p in sorted(out.rglob("*"))
        if p.is_file() and not p.relative_to(out).as_posix().startswith(".feedpub/")
    }


def test_an_old_output_folder_keeps_its_history_and_loses_its_json(old: Path) -> None:
    out = old / "feeds"
    before = published(out)
    config = load_config(old / "feedpub.toml")
    report = build(old / "releases", out, config, now=NOW)
    assert not report.state_lost and report.damaged == []
    assert [e.path.name for e in report.errors] == ["2026-11-01-messe.txt"]  # emptied
    # Every published file is still there (the output format changed since the fixture was
    # made, so the bytes are rendered anew), with its history: the correction time of the edit
    # (only in state.json), the last good version of the emptied release (feeds, page, archive).
    migrated = published(out)
    assert set(before) <= set(migrated)
    # New since the fixture was made: the HTML archive pages and the sitemap.
    added = set(migrated) - set(before)
    assert added and all(p.endswith("/index.html") or p == "sitemap.xml" for p in added), added
    assert all(p == "sitemap.xml" or "archive/" in p for p in added), added
    # (The correction time is on the release page: the feeds keep the publication.)
    pages = [p.read_bytes() for p in (out / "jobcenter").glob("*.html")]
    assert any(b'Aktualisiert am <time datetime="2026-11-27T09:00:00+01:00">' in p for p in pages)
    assert b"Jobmesse" in (out / "archive" / "2026-11" / "atom.xml").read_bytes()
    assert not (out / ".feedpub" / "state.json").exists()
    assert not (out / ".feedpub" / "cache.json").exists()
    assert not (out / ".feedpub" / "manifest").exists()
    assert manifest_of(out) == sorted(migrated)  # the old manifest, imported, and the new
    assert (out / LEDGER_NAME).is_file()
    again = build(old / "releases", out, config, now=NOW)
    assert again.fast and not again.state_lost and published(out) == migrated


def test_the_imported_id_prefix_guards_the_ids(old: Path) -> None:
    config = load_config(old / "feedpub.toml")
    other = replace(config, tag_date="2024-01-01")
    assert other.tag_prefix != config.tag_prefix
    with pytest.raises(IdsWouldChange):
        build(old / "releases", old / "feeds", other, now=NOW)


@pytest.mark.parametrize(
    "damage",
    [
        b'{"version": 2, "tag_prefix": "tag:x:", "seen": {"a": ["h", 1e999]}, "releases": []}',
        b'{"version": 2, "seen": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
        b"\xff\xfe not JSON",
    ],
    ids=["1e999", "deep", "garbage"],
)
def test_a_damaged_old_state_file_is_missing_history(old: Path, damage: bytes) -> None:
    out = old / "feeds"
    (out / ".feedpub" / "state.json").write_bytes(damage)
    report = build(old / "releases", out, load_config(old / "feedpub.toml"), now=NOW)
    assert report.state_lost
    assert not (out / ".feedpub" / "state.json").exists()


def test_the_old_websub_pending_list_is_imported_and_removed(old: Path) -> None:
    out = old / "feeds"
    base = "https://presse.example.de/feeds/"
    (out / PENDING_NAME).write_text(
        "# feed URLs the WebSub hub has not taken yet; the next build sends them again\n"
        f"{base}jobcenter/atom.xml\n",
        "utf-8",
    )
    with socket.socket() as probe:  # a port nobody listens on: the hub cannot be told
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = replace(load_config(old / "feedpub.toml"), websub_hub=f"http://127.0.0.1:{port}/")
    timing = Timing(timeout=0.5, attempts=1, backoff=0.0)
    report = build(old / "releases", out, config, now=NOW, websub=timing)
    assert report.websub is not None
    assert f"{base}jobcenter/atom.xml" in [failure.url for failure in report.websub.failed]
    assert f"{base}jobcenter/atom.xml" in load_pending_raw(out)
    assert not (out / PENDING_NAME).exists()


def test_a_file_on_the_old_manifest_that_nothing_makes_any_more_is_removed(old: Path) -> None:
    """The imported manifest still decides what feedpub may delete."""
    out = old / "feeds"
    (old / "releases" / "Bauamt" / "2026-11-20-bruecke.txt").unlink()
    report = build(old / "releases", out, load_config(old / "feedpub.toml"), now=NOW)
    assert "bauamt/2026-11-20-bruecke.html" in report.removed
    assert not (out / "bauamt").exists()
