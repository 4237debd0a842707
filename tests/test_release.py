"""Tests for feedpub.release: slugs, ids, the error type and the frozen model."""

from __future__ import annotations

import dataclasses
import os
import pickle
import unicodedata
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from feedpub.release import (
    Caption,
    Release,
    ReleaseError,
    effective_updated,
    make_id,
    slugify,
)

SLUG_CASES = [
    # (name, slug, note)
    ("Straßenverkehrsamt", "strassenverkehrsamt", "ß → ss"),
    ("Amt für Bau und Planung", "amt-fuer-bau-und-planung", "ü → ue, spaces → -"),
    ("Kreisvolkshochschule", "kreisvolkshochschule", "plain"),
    ("Jobcenter", "jobcenter", "lower case"),
    ("ÄÖÜ äöü ẞ", "aeoeue-aeoeue-ss", "capital umlauts and capital ß"),
    (unicodedata.normalize("NFD", "Bürgerbüro"), "buergerbuero", "NFD umlauts as from macOS"),
    ("Café René", "cafe-rene", "other accents dropped"),
    ("Crème brûlée à la façon", "creme-brulee-a-la-facon", "more accents"),
    ("Łódź, Ørsted, Æble, œuvre", "lodz-oersted-aeble-oeuvre", "letters NFKD leaves whole"),
    ("--Jobcenter!--", "jobcenter", "leading and trailing punctuation"),
    ("„Am Mühlenbach“", "am-muehlenbach", "typographic quotes"),
    ("Ämter—Übersicht", "aemter-uebersicht", "a dash without spaces still separates"),
    ("Bau–Planung", "bau-planung", "en dash"),
    ("2024-07-10_Jahresbilanz  2025", "2024-07-10-jahresbilanz-2025", "underscore, two spaces"),
    ("Tempo < 30 km/h", "tempo-30-km-h", "runs of punctuation become one -"),
    ("ﬁnanzamt", "finanzamt", "ligature"),
    ("İstanbul", "istanbul", "dotted capital I"),
    ("", "", "empty"),
    ("   ", "", "only spaces"),
    ("!!!", "", "only punctuation"),
    ("Ελλάδα", "", "no Latin letters"),
]


def test_slug_table_has_no_duplicates() -> None:
    assert len({name for name, _, _ in SLUG_CASES}) == len(SLUG_CASES)


@pytest.mark.parametrize(("name", "slug", "note"), SLUG_CASES)
def test_slugify(name: str, slug: str, note: str) -> None:
    assert slugify(name) == slug, note


@pytest.mark.parametrize(("name", "slug", "note"), SLUG_CASES)
def test_slug_is_url_safe_and_stable(name: str, slug: str, note: str) -> None:
    assert slug == "" or (slug.isascii() and slug[0] != "-" and slug[-1] != "-"), note
    assert "--" not in slug
    assert slugify(slug) == slug  # a slug slugifies to itself


def test_make_id() -> None:
    prefix = "tag:presse.example.de,2024-01-01:"
    assert make_id(prefix, "jobcenter", "2024-07-10-besuch") == (
        "tag:presse.example.de,2024-01-01:jobcenter/2024-07-10-besuch"
    )
    # Built from department and file name only: nothing else goes in.
    assert make_id("", "a", "b") == "a/b"


def test_release_error_str_with_line() -> None:
    err = ReleaseError(Path("releases/Jobcenter/x.txt"), 2, "expected a date, got 'Text'")
    assert str(err) == "releases/Jobcenter/x.txt:2: expected a date, got 'Text'"
    assert (err.path, err.line, err.reason) == (
        Path("releases/Jobcenter/x.txt"),
        2,
        "expected a date, got 'Text'",
    )


def test_release_error_str_without_line() -> None:
    err = ReleaseError("releases/Jobcenter/x.txt", None, "too big")
    assert err.path == Path("releases/Jobcenter/x.txt")  # a str path becomes a Path
    assert str(err) == "releases/Jobcenter/x.txt: too big"


def test_release_error_survives_pickling() -> None:
    # Builds may parse in worker processes, which send errors back pickled.
    err = ReleaseError(Path("releases/Jobcenter/x.txt"), 7, "reason")
    again = pickle.loads(pickle.dumps(err))
    assert (again.path, again.line, again.reason, str(again)) == (
        err.path,
        err.line,
        err.reason,
        str(err),
    )


@pytest.mark.parametrize("from_bytes", [False, True])
def test_release_error_from_bytes_survives_pickling(from_bytes: bool) -> None:
    err = ReleaseError("releases/Jobcenter/x.txt", 1, "empty", from_bytes=from_bytes)
    again = pickle.loads(pickle.dumps(err))
    assert (again.path, again.from_bytes, str(again)) == (err.path, from_bytes, str(err))
    assert ReleaseError("x.txt", 1, "bad").from_bytes is False


def test_release_error_shows_bytes_that_are_not_utf8_like_file_names() -> None:
    path = os.fsdecode(b"/mnt/pre\xdfe/releases/Amt/x.txt")
    assert str(ReleaseError(path, 1, "bad")) == "/mnt/pre\\xdfe/releases/Amt/x.txt:1: bad"
    assert str(ReleaseError(Path(path), None, "bad")).encode("utf-8")  # printable


def test_release_error_is_an_exception_with_a_cause() -> None:
    with pytest.raises(ReleaseError) as info:
        try:
            int("x")
        except ValueError as exc:
            raise ReleaseError("x.txt", 1, "bad") from exc
    assert isinstance(info.value.__cause__, ValueError)


def _release() -> Release:
    return Release(
        source=Path("releases/Jobcenter/2024-07-10-besuch.txt"),
        department="Jobcenter",
        slug="jobcenter",
        stem="2024-07-10-besuch",
        id="tag:x,2024:jobcenter/2024-07-10-besuch",
        published=datetime(2024, 7, 10, tzinfo=ZoneInfo("Europe/Berlin")),
        has_time=False,
        title="Besuch",
    )


def test_release_defaults_are_empty_tuples() -> None:
    release = _release()
    assert (release.teaser, release.captions, release.paragraphs, release.authors) == (
        None,
        (),
        (),
        (),
    )


def test_a_release_is_uncorrected_by_default() -> None:
    release = _release()
    assert (release.updated, release.updated_has_time) == (None, True)
    assert effective_updated(release) == release.published


BERLIN = ZoneInfo("Europe/Berlin")
JUL_10 = datetime(2024, 7, 10, tzinfo=BERLIN)
JUL_10_1430 = datetime(2024, 7, 10, 14, 30, tzinfo=BERLIN)
JUL_12_10 = datetime(2024, 7, 12, 10, 0, tzinfo=BERLIN)

EFFECTIVE_CASES = [
    # (published, updated, effective updated, note)
    (JUL_10, None, JUL_10, "never corrected: the publication"),
    (JUL_10, JUL_12_10, JUL_12_10, "corrected later: the correction"),
    (JUL_10_1430, JUL_10, JUL_10_1430, "date-only stamp of the publication day: not earlier"),
    (JUL_10_1430, JUL_10_1430, JUL_10_1430, "stamp at the publication minute"),
]


def test_effective_case_table_has_no_duplicates() -> None:
    assert len({case[-1] for case in EFFECTIVE_CASES}) == len(EFFECTIVE_CASES)


@pytest.mark.parametrize(("published", "updated", "effective", "note"), EFFECTIVE_CASES)
def test_effective_updated(
    published: datetime, updated: datetime | None, effective: datetime, note: str
) -> None:
    release = dataclasses.replace(_release(), published=published, updated=updated)
    assert effective_updated(release) == effective


def test_release_is_frozen_and_slotted() -> None:
    release = _release()
    with pytest.raises(dataclasses.FrozenInstanceError):
        release.title = "Anders"  # type: ignore[misc]
    assert not hasattr(release, "__dict__")
    with pytest.raises(TypeError):
        Release(  # type: ignore[misc]
            Path("x.txt"), "Jobcenter", "jobcenter", "x", "id", release.published, False, "T"
        )


def test_release_is_hashable_and_compares_by_value() -> None:
    assert _release() == _release()
    assert hash(_release()) == hash(_release())
    assert _release() != dataclasses.replace(_release(), title="Anders")


def test_caption_is_frozen_and_hashable() -> None:
    caption = Caption("Foto", "Landkreis")
    with pytest.raises(dataclasses.FrozenInstanceError):
        caption.text = "x"  # type: ignore[misc]
    assert len({caption, Caption("Foto", "Landkreis"), Caption("Foto")}) == 2
    assert Caption("Foto").credit is None
