"""feedpub.recover: what was published, read back from the published documents."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from feedpub.build import build
from feedpub.config import load_config
from feedpub.recover import Recovered, published_entries, recover_history
from feedpub.state import EMPTY, RECOVERED, Seen, State
from tests.conftest import SAMPLE_CONFIG

PREFIX = "tag:presse.example.de,2024-01-01:"


def entry(entry_id: str, published: str, updated: str) -> str:
    return (
        f"  <entry>\n    <id>{entry_id}</id>\n    <title>T</title>\n"
        f"    <updated>{updated}</updated>\n    <published>{published}</published>\n  </entry>\n"
    )


def feed(*entries: str) -> bytes:
    return ("<feed>\n" + "".join(entries) + "</feed>\n").encode()


@pytest.fixture
def out(tmp_path: Path) -> Path:
    (tmp_path / "archive" / "2024-07").mkdir(parents=True)
    return tmp_path


def test_entries_of_the_live_feed_and_the_archives_are_read(out: Path) -> None:
    (out / "atom.xml").write_bytes(
        feed(entry(PREFIX + "a/neu", "2024-08-01T10:00:00+02:00", "2024-08-02T09:00:00+02:00"))
    )
    (out / "archive" / "2024-07" / "atom.xml").write_bytes(
        feed(entry(PREFIX + "b/alt", "2024-07-01T00:00:00+02:00", "2024-07-01T00:00:00+02:00"))
    )
    found = published_entries(out, PREFIX)
    assert found == {
        PREFIX + "a/neu": Recovered(
            datetime.fromisoformat("2024-08-01T10:00:00+02:00"),
            datetime.fromisoformat("2024-08-02T09:00:00+02:00"),
        ),
        PREFIX + "b/alt": Recovered(datetime.fromisoformat("2024-07-01T00:00:00+02:00"), None),
    }


@pytest.mark.parametrize(
    ("entry_id", "published"),
    [
        ("tag:other.example,2024:a/b", "2024-08-01T10:00:00+02:00"),  # another prefix
        (PREFIX + "a/b/korrektur-1", "2024-08-01T10:00:00+02:00"),  # not a release's id
        (PREFIX + "a", "2024-08-01T10:00:00+02:00"),
        (PREFIX + "a/b", "1. August 2024"),  # not a date
        (PREFIX + "a/b", "2024-08-01T10:00:00"),  # no offset
    ],
)
def test_what_is_not_a_published_release_adds_nothing(
    out: Path, entry_id: str, published: str
) -> None:
    (out / "atom.xml").write_bytes(feed(entry(entry_id, published, published)))
    assert published_entries(out, PREFIX) == {}


@pytest.mark.parametrize("data", [b"", b"\xff\xfe garbage <entry>", b"<entry><id>x"])
def test_damaged_documents_add_nothing(out: Path, data: bytes) -> None:
    (out / "atom.xml").write_bytes(data)
    assert published_entries(out, PREFIX) == {}


def test_a_history_is_kept_and_nothing_published_gives_nothing(out: Path) -> None:
    state = State(True, PREFIX, {PREFIX + "a/b": Seen("h", None)}, {})
    assert recover_history(out, state, PREFIX) == (state, {})
    assert recover_history(out, EMPTY, PREFIX) == (EMPTY, {})  # no atom.xml


def test_the_sample_build_is_read_back_whole(sample_releases: Path, tmp_path: Path) -> None:
    config = load_config(SAMPLE_CONFIG)  # two entries per feed: most are in archives
    out = tmp_path / "feeds"
    report = build(sample_releases, out, config)
    state, entries = recover_history(out, EMPTY, config.tag_prefix)
    assert len(entries) == report.releases == 22
    assert state.tag_prefix == config.tag_prefix and not state.found
    assert all(seen.hash == RECOVERED for seen in state.seen.values())
