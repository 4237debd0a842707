"""images.py: a picture's type from its bytes, its pixel size from its headers, the warnings
for pictures that cannot be published, and how pictures are matched to captions.

The files in ``tests/data/images/`` were written by a real encoder (Pillow; see make.py there)
with a known size of 33×21 pixels, so a width read as height shows."""

from __future__ import annotations

import os
import shutil
import struct
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from lxml import html as lxml_html

import feedpub.images
from feedpub.config import Config
from feedpub.content import body_html
from feedpub.images import (
    MAX_IMAGE_BYTES,
    ImageProblem,
    alt_text,
    image_size,
    media_type,
    read_image,
    with_images,
)
from feedpub.layout import Urls
from feedpub.release import Caption, ImageFile, Release
from tests.conftest import DATA

IMAGES = DATA / "images"
URLS = Urls(Config(base_url="https://presse.example.de/feeds/"))

#: (file, type, width, height as a browser shows it, what it exercises)
FILE_CASES: list[tuple[str, str, int, int, str]] = [
    ("baseline.jpg", "image/jpeg", 33, 21, "SOF0 after JFIF APP0 and DQT"),
    ("progressive.jpg", "image/jpeg", 33, 21, "SOF2"),
    ("grey.jpg", "image/jpeg", 33, 21, "one component"),
    ("exif-rotated.jpg", "image/jpeg", 21, 33, "EXIF orientation 6: shown turned"),
    ("exif-mirrored.jpg", "image/jpeg", 33, 21, "EXIF orientation 2: mirrored, not turned"),
    ("rgb.png", "image/png", 33, 21, "IHDR"),
    ("palette.png", "image/png", 33, 21, "indexed colours"),
    ("alpha.png", "image/png", 33, 21, "RGBA"),
    ("lossy.webp", "image/webp", 33, 21, "VP8"),
    ("lossless.webp", "image/webp", 33, 21, "VP8L"),
    ("extended.webp", "image/webp", 33, 21, "VP8X with alpha and EXIF"),
]
assert len({c[0] for c in FILE_CASES}) == len(FILE_CASES), "duplicate case"


def test_every_test_file_is_in_the_table() -> None:
    on_disk = {p.name for p in IMAGES.iterdir() if p.suffix != ".py"}
    assert on_disk == {c[0] for c in FILE_CASES}


@pytest.mark.parametrize(("name", "kind", "width", "height", "note"), FILE_CASES)
def test_type_and_size_come_from_the_file(
    name: str, kind: str, width: int, height: int, note: str
) -> None:
    path = IMAGES / name
    got_kind, length, got_width, got_height, fingerprint = read_image(path)
    assert (got_kind, got_width, got_height) == (kind, width, height), note
    assert length == path.stat().st_size
    assert len(fingerprint) == 24


@pytest.mark.parametrize(("name", "kind", "width", "height", "note"), FILE_CASES)
def test_the_type_ignores_the_file_name(
    tmp_path: Path, name: str, kind: str, width: int, height: int, note: str
) -> None:
    """A JPEG saved as .png (or named anything) is still a JPEG."""
    wrong = tmp_path / ("bild.webp" if kind != "image/webp" else "bild.jpg")
    shutil.copyfile(IMAGES / name, wrong)
    assert read_image(wrong)[:4:2] == (kind, width)


@pytest.mark.parametrize(("name", "kind", "width", "height", "note"), FILE_CASES)
def test_headers_beyond_the_first_read_are_read_too(
    monkeypatch: pytest.MonkeyPatch, name: str, kind: str, width: int, height: int, note: str
) -> None:
    """A JPEG whose frame header lies after a big EXIF or ICC segment: with a first read of
    only 32 bytes, every JPEG here needs the segment walk on the file."""
    monkeypatch.setattr(feedpub.images, "HEAD_BYTES", 32)
    assert read_image(IMAGES / name)[2:4] == (width, height)


def test_a_changed_picture_has_another_fingerprint(tmp_path: Path) -> None:
    first, second = tmp_path / "a.jpg", tmp_path / "b.jpg"
    shutil.copyfile(IMAGES / "baseline.jpg", first)
    shutil.copyfile(IMAGES / "baseline.jpg", second)
    assert read_image(first)[4] == read_image(second)[4]  # the same bytes: the same picture
    data = bytearray(second.read_bytes())
    data[-10] ^= 0xFF  # another scan line, same size and header
    second.write_bytes(bytes(data))
    assert read_image(first)[4] != read_image(second)[4]


#: (id, first bytes, type or None)
MAGIC_CASES: list[tuple[str, bytes, str | None]] = [
    ("jpeg", b"\xff\xd8\xff\xe0\x00\x10JFIF", "image/jpeg"),
    ("jpeg exif", b"\xff\xd8\xff\xe1\x12\x34Exif", "image/jpeg"),
    ("png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "image/png"),
    ("webp", b"RIFF\x24\x00\x00\x00WEBPVP8 ", "image/webp"),
    ("riff but wave", b"RIFF\x24\x00\x00\x00WAVEfmt ", None),
    ("png without its line-end check", b"\x89PNG\n\x1a\n\x00", None),
    ("two bytes of jpeg", b"\xff\xd8", None),
    ("gif", b"GIF89a", None),
    ("text", b"Seiteninhalt", None),
    ("empty", b"", None),
]


@pytest.mark.parametrize(
    ("head", "kind"), [c[1:] for c in MAGIC_CASES], ids=[c[0] for c in MAGIC_CASES]
)
def test_magic_bytes(head: bytes, kind: str | None) -> None:
    assert media_type(head) == kind


def _jpeg(*segments: bytes) -> bytes:
    return b"\xff\xd8" + b"".join(segments) + b"\xff\xd9"


def _segment(marker: int, body: bytes) -> bytes:
    return bytes([0xFF, marker]) + struct.pack(">H", len(body) + 2) + body


_SOF0 = _segment(0xC0, b"\x08" + struct.pack(">HH", 21, 33) + b"\x01\x01\x11\x00")

#: (id, file bytes, reason fragment) for pictures that cannot be published.
PROBLEM_CASES: list[tuple[str, bytes, str]] = [
    ("empty", b"", "is empty"),
    ("gif", b"GIF89a\x21\x00\x15\x00", "is a GIF image"),
    ("heic", b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00", "HEIC photo"),
    ("pdf", b"%PDF-1.7\n", "PDF document"),
    ("text", b"Seiteninhalt\n10.07.2024\n", "not a JPEG, PNG or WebP"),
    ("jpeg without frame", _jpeg(_segment(0xE0, b"JFIF\x00"), b"\xff\xda\x00\x02"), "frame header"),
    ("truncated jpeg", _jpeg(_segment(0xE0, b"JFIF\x00"))[:-2] + b"\xff\xc0\x00", "frame header"),
    ("jpeg zero size", _jpeg(_segment(0xC0, b"\x08\x00\x00\x00\x00\x01\x01\x11\x00")), "0×0"),
    ("jpeg bad length", b"\xff\xd8\xff\xe0\x00\x01", "segment length"),
    ("png without ihdr", b"\x89PNG\r\n\x1a\n\x00\x00\x00\x00IEND", "IHDR"),
    ("webp of unknown kind", b"RIFF\x24\x00\x00\x00WEBPVP9 \x00\x00\x00\x00", "VP8"),
]


@pytest.mark.parametrize(
    ("data", "reason"), [c[1:] for c in PROBLEM_CASES], ids=[c[0] for c in PROBLEM_CASES]
)
def test_pictures_that_cannot_be_published(tmp_path: Path, data: bytes, reason: str) -> None:
    path = tmp_path / "bild.jpg"
    path.write_bytes(data)
    with pytest.raises(ImageProblem, match=reason):
        read_image(path)


def test_a_handmade_jpeg_with_fill_bytes_and_restart_markers() -> None:
    """The segment walk skips fill bytes (FF FF) and markers without a length (RSTn)."""
    data = _jpeg(_segment(0xE0, b"JFIF\x00"), b"\xff\xff\xff\xd0", _SOF0)
    assert image_size("image/jpeg", data, lambda at, n: data[at : at + n]) == (33, 21)


def test_a_picture_over_the_limit_is_refused_unread(tmp_path: Path) -> None:
    big = tmp_path / "bild.jpg"
    with big.open("wb") as handle:
        handle.write((IMAGES / "baseline.jpg").read_bytes())
        handle.truncate(MAX_IMAGE_BYTES + 1)  # sparse: no 20 MiB written
    with pytest.raises(ImageProblem, match=r"is 20\.0 MiB, more than 20 MiB"):
        read_image(big)
    with big.open("r+b") as handle:
        handle.truncate(MAX_IMAGE_BYTES)  # exactly the limit is fine
    assert read_image(big)[0] == "image/jpeg"


def test_an_unreadable_picture(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "bild.jpg"
    shutil.copyfile(IMAGES / "baseline.jpg", path)
    real_open = os.open

    def denied(name: object, flags: int, *args: int) -> int:
        if str(name) == str(path):
            raise PermissionError(13, "Permission denied", str(name))
        return real_open(name, flags, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "open", denied)
    with pytest.raises(ImageProblem, match="cannot read: Permission denied"):
        read_image(path)


def test_a_fifo_named_like_a_picture_does_not_block(tmp_path: Path) -> None:
    fifo = tmp_path / "bild.jpg"
    os.mkfifo(fifo)
    with pytest.raises(ImageProblem, match="not a regular file"):
        read_image(fifo)


def make_release(captions: tuple[Caption, ...] = ()) -> Release:
    return Release(
        source=Path("releases/Jobcenter/2024-07-10-jobmesse.txt"),
        department="Jobcenter",
        slug="jobcenter",
        stem="2024-07-10-jobmesse",
        id="tag:presse.example.de,2024-01-01:jobcenter/2024-07-10-jobmesse",
        published=datetime(2024, 7, 10, 9, 30, tzinfo=ZoneInfo("Europe/Berlin")),
        has_time=True,
        title="Jobmesse",
        captions=captions,
    )


A = Caption("Stände in der Stadthalle", "Landkreis")
B = Caption("Der Landrat eröffnet")
C = Caption("Besucher", "J. Wolff")
ONLY_CREDIT = Caption("", "Landkreis")

#: (id, captions, picture numbers, expected figures in order: (src name or None, alt,
#: figcaption text or None)). Picture n goes with caption n.
MATCH_CASES: list[
    tuple[str, tuple[Caption, ...], list[int], list[tuple[str | None, str | None, str | None]]]
] = [
    (
        "one picture per caption",
        (A, B),
        [1, 2],
        [
            ("2024-07-10-jobmesse.jpg", A.text, "Stände in der Stadthalle © Landkreis"),
            ("2024-07-10-jobmesse_2.jpg", B.text, "Der Landrat eröffnet"),
        ],
    ),
    (
        "more captions than pictures: the rest stay text",
        (A, B, C),
        [1],
        [
            ("2024-07-10-jobmesse.jpg", A.text, "Stände in der Stadthalle © Landkreis"),
            (None, None, "Der Landrat eröffnet"),
            (None, None, "Besucher © J. Wolff"),
        ],
    ),
    (
        "a missing number leaves its caption as text",
        (A, B, C),
        [1, 3],
        [
            ("2024-07-10-jobmesse.jpg", A.text, "Stände in der Stadthalle © Landkreis"),
            (None, None, "Der Landrat eröffnet"),
            ("2024-07-10-jobmesse_3.jpg", C.text, "Besucher © J. Wolff"),
        ],
    ),
    (
        "only picture 2",
        (A, B),
        [2],
        [
            (None, None, "Stände in der Stadthalle © Landkreis"),
            ("2024-07-10-jobmesse_2.jpg", B.text, "Der Landrat eröffnet"),
        ],
    ),
    (
        "more pictures than captions: alt from the title, no caption",
        (A,),
        [1, 2, 3],
        [
            ("2024-07-10-jobmesse.jpg", A.text, "Stände in der Stadthalle © Landkreis"),
            ("2024-07-10-jobmesse_2.jpg", "Foto 2 zur Meldung: Jobmesse", None),
            ("2024-07-10-jobmesse_3.jpg", "Foto 3 zur Meldung: Jobmesse", None),
        ],
    ),
    (
        "one picture, no caption",
        (),
        [1],
        [("2024-07-10-jobmesse.jpg", "Foto zur Meldung: Jobmesse", None)],
    ),
    (
        "a caption that is only a credit",
        (ONLY_CREDIT,),
        [1],
        [("2024-07-10-jobmesse.jpg", "Foto zur Meldung: Jobmesse", "© Landkreis")],
    ),
    (
        "no pictures: as before",
        (A, B),
        [],
        [(None, None, A.text + " © Landkreis"), (None, None, B.text)],
    ),
]
assert len({c[0] for c in MATCH_CASES}) == len(MATCH_CASES), "duplicate case"


@pytest.mark.parametrize(
    ("captions", "numbers", "expected"),
    [c[1:] for c in MATCH_CASES],
    ids=[c[0] for c in MATCH_CASES],
)
def test_pictures_are_matched_to_captions_by_number(
    captions: tuple[Caption, ...],
    numbers: list[int],
    expected: list[tuple[str | None, str | None, str | None]],
) -> None:
    files = [ImageFile(IMAGES / "baseline.jpg", number) for number in numbers]
    release, notices = with_images(make_release(captions), files)
    assert notices == []
    assert [image.number for image in release.images] == numbers
    fragment = lxml_html.fragment_fromstring(body_html(release, URLS), create_parent="div")
    figures = []
    for figure in fragment.iter("figure"):
        img = figure.find("img")
        caption = figure.find("figcaption")
        figures.append(
            (
                None if img is None else img.get("src").rpartition("/")[2],
                None if img is None else img.get("alt"),
                None if caption is None else caption.text_content(),
            )
        )
    assert figures == expected


def test_figure_markup() -> None:
    release, _ = with_images(
        make_release((Caption("Stände <A & B>", "Landkreis & Co"), B)),
        [ImageFile(IMAGES / "baseline.jpg", 1), ImageFile(IMAGES / "exif-rotated.jpg", 2)],
    )
    assert body_html(release, URLS).split("\n") == [
        '<figure><img src="https://presse.example.de/feeds/jobcenter/2024-07-10-jobmesse.jpg" '
        'alt="Stände &lt;A &amp; B&gt;" width="33" height="21"><figcaption><p>Stände &lt;A &amp; '
        "B&gt; <small>© Landkreis &amp; Co</small></p></figcaption></figure>",
        '<figure><img src="https://presse.example.de/feeds/jobcenter/2024-07-10-jobmesse_2.jpg" '
        'alt="Der Landrat eröffnet" width="21" height="33" loading="lazy"><figcaption><p>Der '
        "Landrat eröffnet</p></figcaption></figure>",
    ]


def test_a_picture_that_cannot_be_published_is_a_warning_and_the_release_stays(
    tmp_path: Path,
) -> None:
    gif = tmp_path / "2024-07-10-jobmesse-2.jpg"
    gif.write_bytes(b"GIF89a\x21\x00\x15\x00")
    files = [
        ImageFile(IMAGES / "rgb.png", 1),
        ImageFile(gif, 2),
        ImageFile(tmp_path / "gone.jpg", 3),
        ImageFile(tmp_path / "link.jpg", 4, "symlink is broken; remove it"),
    ]
    release, notices = with_images(make_release((A, B)), files)
    assert [(image.number, image.name) for image in release.images] == [
        (1, "2024-07-10-jobmesse.png")
    ]
    assert [str(n) for n in notices] == [
        f"{gif}: warning: picture not published: is a GIF image, not a JPEG, PNG or WebP "
        "picture; save it as JPEG",
        f"{tmp_path / 'gone.jpg'}: warning: picture not published: it is gone (deleted while "
        "the build ran?)",
        f"{tmp_path / 'link.jpg'}: warning: picture not published: symlink is broken; remove it",
    ]
    # Caption 2 has no picture now: it stays text, as before pictures existed.
    assert "<figure><figcaption><p>Der Landrat eröffnet</p></figcaption></figure>" in body_html(
        release, URLS
    )


def test_alt_text_of_pictures_without_a_caption() -> None:
    assert alt_text("Jobmesse", 1, 1) == "Foto zur Meldung: Jobmesse"
    assert alt_text("Jobmesse", 2, 3) == "Foto 2 zur Meldung: Jobmesse"
