"""messages: which problems are printed, and the one line that sums up the rest."""

from __future__ import annotations

from pathlib import Path

import pytest

from feedpub.messages import SHOWN_PER_KIND, Summary, kind
from feedpub.release import Notice, ReleaseError

EMPTY = "expected a date line such as 10.07.2024, then a title; got an empty file"


@pytest.mark.parametrize(
    ("reason", "expected"),
    [
        (EMPTY, "expected a date line such as …, then a title; got an empty file"),
        (
            "expected the title after the date line, got 'Zu kurz'",
            "expected the title after the date line, got …",
        ),
        ('got "it\'s" here', "got … here"),
        (
            "expected UTF-8 or Windows-1252 text, got byte 0x81, which is neither",
            "expected UTF-8 or Windows-1252 text, got byte …, which is neither",
        ),
        (
            "removed 2 control character(s) (U+000C, U+000B)",
            "removed … control character(s) (…, …)",
        ),
        (
            "expected a release text of at most 1 MiB, got 1.5 MiB (1572864 bytes)",
            "expected a release text of at most … MiB, got … MiB (… bytes)",
        ),
        ("not a regular file; remove it", "not a regular file; remove it"),
    ],
)
def test_kind_leaves_out_the_particulars(reason: str, expected: str) -> None:
    assert kind(reason) == expected


def test_the_first_of_each_kind_are_shown_and_the_rest_summed_up() -> None:
    summary = Summary(shown=2)
    empty = [ReleaseError(Path(f"Amt/{n}.txt"), 1, EMPTY) for n in range(5)]
    titles = [
        ReleaseError(Path(f"Amt/t{n}.txt"), 4, f"expected the title after the date line, got '{n}'")
        for n in range(3)
    ]
    warnings = [Notice(Path(f"Amt/w{n}.txt"), 3, EMPTY) for n in range(3)]  # counted apart
    shown = [m for m in (*empty, *titles, *warnings) if summary.admit(m)]
    assert shown == [*empty[:2], *titles[:2], *warnings[:2]]
    assert summary.tail() == [
        "feedpub: … and 3 more files with the error: "
        "expected a date line such as …, then a title; got an empty file",
        "feedpub: … and 1 more files with the error: expected the title after the date line, got …",
        "feedpub: … and 1 more warnings: "
        "expected a date line such as …, then a title; got an empty file",
    ]


def test_thousands_are_separated_and_nothing_is_summed_up_below_the_limit() -> None:
    summary = Summary()
    errors = [ReleaseError(f"Amt/{n}.txt", 1, EMPTY) for n in range(SHOWN_PER_KIND + 49_950)]
    assert sum(summary.admit(e) for e in errors) == SHOWN_PER_KIND == 50
    assert summary.tail() == [
        "feedpub: … and 49,950 more files with the error: "
        "expected a date line such as …, then a title; got an empty file"
    ]
    few = Summary()
    assert all(few.admit(e) for e in errors[:SHOWN_PER_KIND])
    assert few.tail() == []
