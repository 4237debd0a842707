"""state: the history and the last good versions survive a round trip; the cache is only
used when it belongs to the same configuration; a damaged file is never an error."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from feedpub.dates import BERLIN
from feedpub.release import Caption, Image, Release
from feedpub.state import (
    EMPTY,
    STATE_NAME,
    Seen,
    bad_key,
    content_hash,
    load_state,
)
from tests.conftest import DATA

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
    updated=datetime(2024, 10, 28, 9, 0, tzinfo=BERLIN),
    updated_has_time=True,
)
EDITED = Seen("0123456789abcdef01234567", datetime(2024, 11, 2, 10, 15, tzinfo=BERLIN))
PICTURE = Image(
    source=Path("releases/Amt für Bau und Planung/2024-10-27-nacht-2.PNG"),
    number=2,
    name="2024-10-27-nacht_2.png",
    media_type="image/png",
    length=1989,
    width=600,
    height=420,
    alt="Ohne Credit",
    caption="Ohne Credit",
    credit=None,
    fingerprint="00112233445566778899aabb",
)
WITH_PICTURE = dataclasses.replace(
    RELEASE,
    images=(
        dataclasses.replace(PICTURE, number=1, name="2024-10-27-nacht.png", credit="Foto: A"),
        PICTURE,
    ),
)
#: content_hash(RELEASE) as feedpub computed it before pictures existed: upgrading must not
#: make every published release an edit (readers would see all of them as updated).
HASH_BEFORE_PICTURES = "911c0a8a5e94456accb350af"


def write(folder: Path, name: str, data: bytes) -> None:
    (folder / name).parent.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(data)


def test_the_state_file_of_an_old_build_is_read() -> None:
    """tests/data/migration/ was made by feedpub before the ledger (see its README)."""
    state = load_state(DATA / "migration" / "feeds")
    prefix = "tag:presse.example.de,2020-02-02:"
    assert state.found and state.tag_prefix == prefix
    edited = state.seen[prefix + "jobcenter/2026-11-10-bilanz"]
    assert edited.updated == datetime(2026, 11, 27, 9, 0, tzinfo=BERLIN)
    assert edited.updated.utcoffset() == timedelta(hours=1)
    assert state.seen[prefix + "bauamt/2026-11-20-bruecke"].updated is None
    kept = state.releases[prefix + "jobcenter/2026-11-01-messe"]  # bad now: its last good
    assert kept.title == "Jobmesse" and kept.paragraphs == ("Die Messe beginnt.",)


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"not json",
        b"[]",
        b'{"version": 99, "seen": {}, "releases": []}',
        b'{"version": 1, "releases": []}',  # the format before correction times
        b'{"version": 2}',
        b'{"version": 2, "seen": {"x": []}, "releases": []}',
        b'{"version": 2, "seen": {}, "releases": [{"id": "x"}]}',
    ],
)
def test_a_broken_state_file_restores_nothing(tmp_path: Path, content: bytes) -> None:
    write(tmp_path, STATE_NAME, content)
    assert load_state(tmp_path) == EMPTY
    assert not load_state(tmp_path).found


def test_no_state_file(tmp_path: Path) -> None:
    assert load_state(tmp_path) == EMPTY


def test_content_hash_ignores_the_path_and_sees_every_visible_change() -> None:
    base = content_hash(RELEASE)
    moved = dataclasses.replace(RELEASE, source=Path("elsewhere/x.txt"))
    assert content_hash(moved) == base
    for change in (
        {"title": "Anderer Titel"},
        {"teaser": "Neu"},
        {"paragraphs": ("Absatz!", "- eins\n- zwei")},
        {"captions": (Caption("Bild", "Foto: B"),)},
        {"authors": ("A",)},
        {"published": datetime(2024, 10, 27, 2, 31, tzinfo=BERLIN)},
        {"has_time": False},
        {"updated": None},
    ):
        assert content_hash(dataclasses.replace(RELEASE, **change)) != base, change  # type: ignore[arg-type]


def test_bad_key_changes_with_the_path_and_with_the_signature() -> None:
    keys = {
        bad_key(relative, signature)
        for relative in ("Amt/a.txt", "Amt/b.txt")
        for signature in ("0/1/2", "0/1/3")
    }
    assert len(keys) == 4
    assert bad_key("Amt/a.txt", "0/1/2") == bad_key("Amt/a.txt", "0/1/2")


def test_a_release_without_pictures_hashes_as_before_pictures_existed() -> None:
    assert content_hash(RELEASE) == HASH_BEFORE_PICTURES


def test_content_hash_sees_every_change_of_a_picture() -> None:
    base = content_hash(WITH_PICTURE)
    assert base != content_hash(RELEASE)  # a picture added (or removed) is an edit
    first, second = WITH_PICTURE.images
    moved = dataclasses.replace(second, source=Path("elsewhere/x.png"))
    assert content_hash(dataclasses.replace(WITH_PICTURE, images=(first, moved))) == base
    for change in (
        {"fingerprint": "ff" * 12},  # another photo of the same size
        {"length": 1990},
        {"width": 601},
        {"media_type": "image/webp", "name": "2024-10-27-nacht_2.webp"},
        {"alt": "Anders"},
        {"credit": "Foto: C"},
        {"number": 3, "name": "2024-10-27-nacht_3.png"},
    ):
        changed = dataclasses.replace(second, **change)  # type: ignore[arg-type]
        assert content_hash(dataclasses.replace(WITH_PICTURE, images=(first, changed))) != base
