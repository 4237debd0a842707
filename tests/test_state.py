"""state: the last good version of every release the feeds show survives a round trip."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from feedpub.dates import BERLIN
from feedpub.release import Caption, Release
from feedpub.state import EMPTY, STATE_NAME, dump_state, load_state

PREFIX = "tag:presse.example.de,2024-01-01:"

RELEASE = Release(
    source=Path("releases/Amt für Bau und Planung/2024-10-27-nacht.txt"),
    department="Amt für Bau und Planung",
    slug="amt-fuer-bau-und-planung",
    stem="2024-10-27-nacht",
    id="tag:presse.example.de,2024-01-01:amt-fuer-bau-und-planung/2024-10-27-nacht",
    published=datetime(2024, 10, 27, 2, 30, tzinfo=BERLIN),  # the first 02:30 (+02:00)
    has_time=True,
    title="Titel & „Zitat“ < 3",
    teaser=None,
    captions=(Caption("Bild", "Foto: A"), Caption("Ohne Credit", None)),
    paragraphs=("Absatz.", "- eins\n- zwei"),
    authors=("A", "B"),
)


def test_round_trip(tmp_path: Path) -> None:
    (tmp_path / STATE_NAME).write_bytes(dump_state(PREFIX, [RELEASE, RELEASE]))
    state = load_state(tmp_path)
    assert state.tag_prefix == PREFIX
    restored = state.releases
    assert restored == {RELEASE.id: RELEASE}
    assert restored[RELEASE.id].published.utcoffset() == RELEASE.published.utcoffset()


def test_dump_is_deterministic() -> None:
    other = Release(**{**{f: getattr(RELEASE, f) for f in RELEASE.__slots__}, "id": "tag:x:a/b"})
    assert dump_state(PREFIX, [RELEASE, other]) == dump_state(PREFIX, [other, RELEASE])


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"not json",
        b"[]",
        b'{"version": 99, "releases": []}',
        b'{"version": 1}',
        b'{"version": 1, "releases": [{"id": "x"}]}',
    ],
)
def test_a_broken_state_file_restores_nothing(tmp_path: Path, content: bytes) -> None:
    (tmp_path / STATE_NAME).write_bytes(content)
    assert load_state(tmp_path) == EMPTY


def test_no_state_file(tmp_path: Path) -> None:
    assert load_state(tmp_path) == EMPTY
