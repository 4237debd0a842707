"""state: the history and the last good versions survive a round trip; the cache is only
used when it belongs to the same configuration; a damaged file is never an error."""

from __future__ import annotations

import dataclasses
import json
import os
from datetime import datetime
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
    dump_state,
    load_state,
)

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


def test_round_trip(tmp_path: Path) -> None:
    seen = {RELEASE.id: EDITED, "tag:x:a/b": Seen("ff" * 12, None)}
    write(tmp_path, STATE_NAME, dump_state(PREFIX, seen, [RELEASE, RELEASE]))
    state = load_state(tmp_path)
    assert state.found
    assert state.tag_prefix == PREFIX
    assert state.seen == seen
    assert state.releases == {RELEASE.id: RELEASE}
    restored = state.releases[RELEASE.id]
    assert restored.published.utcoffset() == RELEASE.published.utcoffset()
    assert state.seen[RELEASE.id].updated == EDITED.updated


def test_paths_that_are_not_utf8_survive_a_round_trip(tmp_path: Path) -> None:
    # A releases folder below an old Latin-1 mount point: os gives its bytes as surrogates.
    root = os.fsdecode(b"/mnt/pre\xdfe/releases/")
    release = dataclasses.replace(
        WITH_PICTURE,
        source=Path(root + "Amt für Bau und Planung/2024-10-27-nacht.txt"),
        images=tuple(
            dataclasses.replace(image, source=Path(root + image.source.name))
            for image in WITH_PICTURE.images
        ),
    )
    data = dump_state(PREFIX, {release.id: EDITED}, [release])
    data.decode("utf-8")  # strict: valid UTF-8
    assert b"/mnt/pre\\udcdfe/releases/" in data  # the JSON escape of the byte's surrogate
    write(tmp_path, STATE_NAME, data)
    state = load_state(tmp_path)
    assert state.found
    assert state.releases == {release.id: release}


def test_dump_is_deterministic_and_valid_json() -> None:
    other = dataclasses.replace(RELEASE, id="tag:x:a/b")
    seen_a = {RELEASE.id: EDITED, other.id: Seen("1" * 24, None)}
    seen_b = dict(reversed(seen_a.items()))
    data = dump_state(PREFIX, seen_a, [RELEASE, other])
    assert data == dump_state(PREFIX, seen_b, [other, RELEASE])
    assert json.loads(data)["version"] == 2


def _one_line(value: object) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


@pytest.mark.parametrize("count", [0, 1, 999, 1000, 1001, 2500])
def test_state_is_the_bytes_of_one_json_dumps(count: int) -> None:
    """It is encoded a thousand entries at a time (memory); the bytes must be those of
    the whole object in one call, as earlier versions wrote them."""
    seen = {
        f"{PREFIX}ä-{i % 7}/„{i}“": Seen(f"{i:024x}", EDITED.updated if i % 3 else None)
        for i in range(count)
    }
    data = dump_state(PREFIX, seen, [RELEASE])
    history = {key: [seen[key].hash, seen[key].updated] for key in sorted(seen)}
    whole = {
        "version": 2,
        "tag_prefix": PREFIX,
        "seen": {k: [h, None if u is None else u.isoformat()] for k, (h, u) in history.items()},
        "releases": json.loads(data)["releases"],
    }
    assert data == _one_line(whole) + b"\n"


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


def test_pictures_survive_a_round_trip(tmp_path: Path) -> None:
    write(tmp_path, STATE_NAME, dump_state(PREFIX, {}, [WITH_PICTURE]))
    assert load_state(tmp_path).releases == {RELEASE.id: WITH_PICTURE}
    # A state file written before pictures existed still loads (no "images" key).
    write(tmp_path, STATE_NAME, dump_state(PREFIX, {}, [RELEASE]))
    assert b'"images"' not in (tmp_path / STATE_NAME).read_bytes()
    assert load_state(tmp_path).releases == {RELEASE.id: RELEASE}


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
