"""Tests for feedpub.decode: a release file's bytes → clean text, or a ReleaseError.

Reading (size limit, FIFOs, read errors, chunk boundaries) goes through :func:`read_text`;
the tables check :func:`decode` on bytes. Whole files of every encoding are in
``tests/data/parse/`` and ``tests/data/bad/`` (tests/test_parse.py reads them).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from feedpub.decode import MAX_BYTES, decode, read_text
from feedpub.release import ReleaseError
from tests.conftest import within

# --- reading ----------------------------------------------------------------------------------


def test_a_fifo_in_the_place_of_a_release_file_does_not_block(tmp_path: Path) -> None:
    # Put there after the folder was listed (discovery refuses a FIFO it sees): opening it
    # for reading would wait for a writer for ever, with the build's lock held.
    fifo = tmp_path / "Jobcenter" / "a.txt"
    fifo.parent.mkdir()
    os.mkfifo(fifo)
    with within(5), pytest.raises(ReleaseError, match="not a regular file; remove it"):
        read_text(fifo)


def test_a_folder_in_the_place_of_a_release_file_is_an_error(tmp_path: Path) -> None:
    folder = tmp_path / "Jobcenter" / "a.txt"
    folder.mkdir(parents=True)
    with pytest.raises(ReleaseError, match="not a regular file; remove it"):
        read_text(folder)


def test_file_of_exactly_the_size_limit_is_read(tmp_path: Path) -> None:
    head = b"Seiteninhalt\n14.08.2024\n\nTitel\n\n"
    path = tmp_path / "limit.txt"
    path.write_bytes(head + b"x" * (MAX_BYTES - len(head) - 2) + b".\n")
    assert path.stat().st_size == MAX_BYTES
    text, notices = read_text(path)
    assert (len(text), notices) == (MAX_BYTES, [])


@pytest.mark.parametrize("size", [MAX_BYTES + 1, 3 * MAX_BYTES])
def test_oversize_file_is_refused_at_line_1(tmp_path: Path, size: int) -> None:
    path = tmp_path / "export.txt"
    head = b"Seiteninhalt\n14.08.2024\n\nTitel\n\n"
    path.write_bytes(head + b"x" * (size - len(head)))
    with pytest.raises(ReleaseError) as info:
        read_text(path)
    assert info.value.line == 1
    assert f"got {size / 2**20:.1f} MiB ({size} bytes)" in info.value.reason
    assert "expected a release text of at most 1 MiB" in info.value.reason
    assert str(info.value).startswith(f"{path}:1: expected")
    with pytest.raises(ReleaseError, match="at most 1 MiB"):
        decode(path.read_bytes(), path)


def test_unreadable_file_is_a_release_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "a.txt"
    path.write_text("10.07.2024\n\nTitel\n\nText.\n", "utf-8")

    def denied(name: Any, flags: int, *args: Any) -> int:
        raise PermissionError(13, "Permission denied", str(name))

    monkeypatch.setattr(os, "open", denied)  # chmod 000 does not stop root
    with pytest.raises(ReleaseError) as info:
        read_text(path)
    assert info.value.line == 1
    assert info.value.reason == "cannot read: Permission denied"


def test_a_file_deleted_before_reading_is_no_release_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        read_text(tmp_path / "gone.txt")


@pytest.mark.parametrize("size", [65535, 65536, 65537, 131072, 1024 * 1024])
def test_files_around_read_chunk_boundaries_are_read_whole(tmp_path: Path, size: int) -> None:
    head = "10.07.2024\n\nTitel\n\nText.\n\n"
    tail = "Letzter Absatz.\n"
    filler = "x" * (size - len(head) - len(tail) - 2) + "\n\n"
    path = tmp_path / "Jobcenter" / "gross.txt"
    path.parent.mkdir()
    path.write_text(head + filler + tail, "ascii")
    assert path.stat().st_size == size
    assert read_text(path) == (head + filler + tail, [])


# --- decode ---------------------------------------------------------------------------------------

DECODE_CASES = [
    # (bytes, text, note)
    (b"gr\xc3\xb6\xc3\x9fer", "größer", "valid UTF-8 wins, even where cp1252 would decode too"),
    (b"\x84Gr\xf6\xdfer\x93 \x96 5 \x80", "„Größer“ – 5 €", "Windows-1252 typography"),
    (b"\xef\xbb\xbfText", "Text", "BOM dropped"),
    ("a\ufeffb".encode(), "ab", "BOM inside the text dropped"),
    (b"a\r\nb\rc\nd", "a\nb\nc\nd", "CRLF, CR and LF"),
    ("a\u2028b\u2029c\u0085d".encode(), "a\nb\nc\nd", "Unicode line breaks"),
    ("a\u00a0b\u202fc\td\u2009e".encode(), "a b c d e", "NBSP, narrow NBSP, tab, thin space"),
    ("Kurs\u00adangebot\u200b".encode(), "Kursangebot", "soft hyphen, zero-width space"),
    ("Mu\u0308ller".encode(), "Müller", "NFD → NFC"),
    ("Mu\u00ad\u0308ller".encode(), "Müller", "NFC after the invisible character is gone"),
    (b"Ab dem\x0b2.\x0cJuli\x01", "Ab dem 2. Juli", "VT/FF become a space, other controls go"),
    ("Text \u0080\u009f".encode(), "Text ", "C1 controls from UTF-8 go"),
    (b"Die Seite ist in HTML geschrieben", "Die Seite ist in HTML geschrieben", "no tag"),
]


@pytest.mark.parametrize(("data", "text", "note"), DECODE_CASES)
def test_decode(data: bytes, text: str, note: str) -> None:
    assert decode(data, Path("x.txt"))[0] == text, note


def test_decode_case_table_has_no_duplicates() -> None:
    assert len({case[0] for case in DECODE_CASES}) == len(DECODE_CASES)


DECODE_ERROR_CASES = [
    # (bytes, line, reason fragment)
    (b"\xef\xbb\xbfSeiteninhalt\n10.07.2024\nGr\xf6\xdfe", 3, "got mixed UTF-8 and Windows-1252"),
    (b"Gr\xc3\xb6\xc3\x9fe\r\n\r\nGr\xf6\xdfe", 3, "got mixed UTF-8 and Windows-1252"),
    (b"a\rb\rc\x81", 3, "got byte 0x81, which is neither"),
    (b"\xff\xfeS\x00", 1, "got NUL bytes"),
    (b"Text\n\n<html><body>", 3, "got an HTML page"),
    (b"\x01\x02\x03\x04\x05\x06\x07\x08\x0e", 1, "got 9 control characters"),
]  # fmt: skip


@pytest.mark.parametrize(("data", "line", "fragment"), DECODE_ERROR_CASES)
def test_decode_errors(data: bytes, line: int, fragment: str) -> None:
    with pytest.raises(ReleaseError) as info:
        decode(data, Path("x.txt"))
    assert (info.value.line, fragment in info.value.reason) == (line, True), info.value.reason


def test_decode_warns_once_per_line_with_control_characters() -> None:
    _, notices = decode(b"a\x01\x02\nb\nc\x7f", Path("x.txt"))
    assert [(n.line, n.reason) for n in notices] == [
        (1, "removed 2 control character(s) (U+0001, U+0002)"),
        (3, "removed 1 control character(s) (U+007F)"),
    ]
