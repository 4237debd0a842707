"""layout: the longest file names the output can hold, tried on the real file system."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from feedpub.layout import MAX_SLUG, MAX_STEM, NAME_MAX, image_name, name_too_long, page_path
from feedpub.publish import PID_MAX, temporary_name


def test_the_temporary_of_the_longest_stem_fits_and_one_more_does_not(tmp_path: Path) -> None:
    # The temporaries of the highest pid Linux hands out, beside the page and picture 99.
    stem = "s" * MAX_STEM
    for name in (page_path("", stem)[1:], image_name(stem, 99, "image/webp")):
        (tmp_path / temporary_name(name, "", PID_MAX - 1)).write_bytes(b"")
    longer = image_name(stem + "s", 99, "image/webp")
    with pytest.raises(OSError, match="File name too long"):
        (tmp_path / temporary_name(longer, "", PID_MAX - 1)).write_bytes(b"")


def test_the_longest_name_is_that_of_picture_99_as_webp() -> None:
    longest = temporary_name(image_name("s" * MAX_STEM, 99, "image/webp"), "", PID_MAX)
    assert len(longest.encode()) == NAME_MAX == 255
    assert MAX_STEM == 234


def test_a_department_folder_of_the_longest_slug_can_be_made(tmp_path: Path) -> None:
    os.mkdir(tmp_path / ("d" * MAX_SLUG))
    with pytest.raises(OSError, match="File name too long"):
        os.mkdir(tmp_path / ("d" * (MAX_SLUG + 1)))


@pytest.mark.parametrize(
    ("slug", "stem", "fragment"),
    [
        ("amt", "s" * MAX_STEM, None),
        ("amt", "s" * (MAX_STEM + 1), f"file name too long: its URL name has {MAX_STEM + 1} "),
        ("d" * MAX_SLUG, "s", None),
        ("d" * (MAX_SLUG + 1), "s", "department folder name too long"),
    ],
)
def test_name_too_long(slug: str, stem: str, fragment: str | None) -> None:
    problem = name_too_long(slug, stem)
    if fragment is None:
        assert problem is None
    else:
        assert problem is not None and problem.startswith(fragment)
