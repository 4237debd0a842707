"""One release file → clean text: read within a size limit, decode, remove what a feed cannot
carry.

Everything a real office PC produces is accepted: UTF-8 with or without BOM, Windows-1252,
CRLF/CR, NBSP and other spaces, soft hyphens, NFD umlauts, control characters pasted from Word
(removed with a :class:`~feedpub.release.Notice`). What is not text (NUL bytes, an HTML page,
mixed encodings, a file over :data:`MAX_BYTES`) is a :class:`~feedpub.release.ReleaseError` that
names the line. The result has ``\\n`` line ends and is NFC; :mod:`feedpub.parse` reads the
release's layout from it. This module knows nothing of dates or of the layout.
"""

from __future__ import annotations

import os
import re
import stat
import unicodedata
from pathlib import Path

from feedpub.release import CONTROL_CHARS, Notice, ReleaseError

#: Files above this size are refused unread: a press release is a few KiB; a bigger file is a
#: mistake (a PDF or an export) and must not slow every cron run down.
MAX_BYTES = 1024 * 1024
_MIB = 1024 * 1024

# Characters XML 1.0 cannot carry or that only mean trouble in a feed (C0 and C1 controls
# except tab and newline). Word pastes vertical tab (manual line break) and form feed (page
# break): those become a space so that words stay apart; the rest are dropped.
# NEL (U+0085) is among them, but decode() has made it a line end before they are looked for.
_CONTROL = CONTROL_CHARS
_BREAKING_CONTROL = "\x0b\x0c"
# Invisible characters that only disturb matching and search: soft hyphen, zero-width space
# and joiners, word joiner, and a BOM that ended up inside the text. A regex, not
# str.translate with a dict: translate walks every character through Python-level lookups and
# was a third of the parse time.
_INVISIBLE = re.compile("[\u00ad\u200b\u200c\u200d\u2060\ufeff]")
_SPACE_LIKE = re.compile(r"[\t\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]")
_LINE_BREAKS = re.compile(r"\r\n?|[\u0085\u2028\u2029]")
# Any character one of the four patterns above would touch. Most files have none, and one
# search is cheaper than four substitutions (each scans the whole text).
_SPECIAL = re.compile(
    "[\r\u0085\u2028\u2029"
    + _CONTROL.pattern[1:-1]
    + _INVISIBLE.pattern[1:-1]
    + _SPACE_LIKE.pattern[1:-1]
    + "]"
)
_HTML = re.compile(rb"<!doctype html|<html[\s>]|<body[\s>]|<head[\s>]", re.IGNORECASE)
# UTF-8 sequences of the characters German text is made of (umlauts, ß, „“–, NBSP) and a UTF-8
# BOM. Found in a file that is not valid UTF-8, they mean mixed encodings (a Windows-1252 line
# pasted into a UTF-8 file): decoding it all as Windows-1252 would publish "Ã¤" for every "ä".
_UTF8_MARKS = re.compile(rb"\A\xef\xbb\xbf|[\xc2\xc3][\x80-\xbf]|\xe2\x80[\x80-\xbf]")
_CHUNK = 64 * 1024


def read_text(path: Path) -> tuple[str, list[Notice]]:
    """Read and decode one release file; the size limit is checked before reading.

    FileNotFoundError passes through: a file deleted while a build runs is simply gone. Any
    other OSError is a ReleaseError on line 1."""
    try:
        data = _read_limited(path)
    except FileNotFoundError:
        raise  # deleted since the folder was listed: the caller treats it as gone, no error
    except OSError as exc:
        raise ReleaseError(path, 1, f"cannot read: {exc.strerror or exc}") from exc
    return decode(data, path)


def decode(data: bytes, path: Path) -> tuple[str, list[Notice]]:
    """Bytes → clean NFC text with ``\\n`` line ends; raise ReleaseError for non-text.

    UTF-8 is tried strictly first (with or without BOM), then Windows-1252, which is what
    office PCs in Germany save "ANSI" text as; Latin-1 is a subset of it for letters. A file
    that is UTF-8 in parts (BOM, umlauts) but not throughout is refused as mixed encodings
    rather than published with "Ã¤" for every "ä". Control characters are removed with a
    :class:`Notice` per line; NUL bytes, HTML pages and files over MAX_BYTES are errors.
    """
    _refuse_non_text(data, path)
    text = _to_str(data, path)
    notices: list[Notice] = []
    if _SPECIAL.search(text):
        text = _LINE_BREAKS.sub("\n", text)
        if _CONTROL.search(text):
            text = _remove_controls(text, path, notices)
        text = _SPACE_LIKE.sub(" ", _INVISIBLE.sub("", text))
    # After removing invisible characters: "a<soft hyphen><combining diaeresis>" is "ä" too.
    return unicodedata.normalize("NFC", text), notices


def _refuse_non_text(data: bytes, path: Path) -> None:
    """ReleaseError for a file too big, with NUL bytes (binary, UTF-16) or an HTML page."""
    if len(data) > MAX_BYTES:
        raise _too_big(path, len(data))
    nul = data.find(b"\x00")
    if nul >= 0:
        raise ReleaseError(
            path,
            _line_of(data, nul),
            "expected a release text, got NUL bytes: this is a binary file (or UTF-16); "
            "save it as UTF-8 text",
            from_bytes=True,
        )
    html = _HTML.search(data, 0, 4096)
    if html:
        raise ReleaseError(
            path,
            _line_of(data, html.start()),
            "expected a release text, got an HTML page; copy the text into a .txt file",
            from_bytes=True,
        )


def _to_str(data: bytes, path: Path) -> str:
    """UTF-8 (without its BOM), else Windows-1252; mixed or neither is a ReleaseError."""
    # The BOM is cut off by hand, not with "utf-8-sig": that codec's error offsets do not
    # count the BOM, and the message must name the right line and byte.
    bom = 3 if data.startswith(b"\xef\xbb\xbf") else 0
    try:
        return data[bom:].decode("utf-8")
    except UnicodeDecodeError as utf8_error:
        bad = bom + utf8_error.start
        if _UTF8_MARKS.search(data):
            raise ReleaseError(
                path,
                _line_of(data, bad),
                f"expected one encoding, got mixed UTF-8 and Windows-1252: byte 0x{data[bad]:02x} "
                "is not UTF-8 but other characters are; save the file as UTF-8",
                from_bytes=True,
            ) from None
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise ReleaseError(
            path,
            _line_of(data, exc.start),
            f"expected UTF-8 or Windows-1252 text, got byte 0x{data[exc.start]:02x}, which "
            "is neither; save the file as UTF-8",
            from_bytes=True,
        ) from None


def _too_big(path: Path, size: int) -> ReleaseError:
    # The whole file is at fault: its line 1, so editors and the CLI format still work.
    return ReleaseError(
        path,
        1,
        f"expected a release text of at most {MAX_BYTES // _MIB} MiB, got {size / _MIB:.1f} MiB "
        f"({size} bytes); is it really a release text?",
        from_bytes=True,
    )


def _line_of(data: bytes, offset: int) -> int:
    head = data[:offset]
    return head.count(b"\n") + head.count(b"\r") - head.count(b"\r\n") + 1


def _remove_controls(text: str, path: Path, notices: list[Notice]) -> str:
    lines = text.split("\n")
    found = sum(len(_CONTROL.findall(line)) for line in lines)
    if found > max(8, len(text) // 20):
        raise ReleaseError(
            path,
            1,
            f"expected a release text, got {found} control characters: a binary file",
            from_bytes=True,
        )
    for number, line in enumerate(lines, 1):
        chars = _CONTROL.findall(line)
        if chars:
            names = ", ".join(sorted({f"U+{ord(c):04X}" for c in chars}))
            notices.append(
                Notice(path, number, f"removed {len(chars)} control character(s) ({names})")
            )
            lines[number - 1] = _CONTROL.sub(
                lambda m: " " if m[0] in _BREAKING_CONTROL else "", line
            )
    return "\n".join(lines)


def _read_limited(path: Path) -> bytes:
    """The file's bytes, or ReleaseError when it is over MAX_BYTES.

    Plain ``os.read`` in 64 KiB chunks: ``open(...).read(MAX_BYTES + 1)`` allocates (and
    frees) a 1 MiB buffer per file, which made reading 10,000 releases five times slower.
    """
    # O_NONBLOCK: a FIFO put in the file's place since the folder was listed must not block
    # the build (and, with it, every later cron run on the lock); O_NONBLOCK changes nothing
    # for reading a regular file.
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise ReleaseError(path, 1, "not a regular file; remove it")
        chunks = [os.read(fd, _CHUNK)]
        total = len(chunks[0])
        while len(chunks[-1]) == _CHUNK:
            chunks.append(os.read(fd, _CHUNK))
            total += len(chunks[-1])
            if total > MAX_BYTES:
                raise _too_big(path, os.fstat(fd).st_size)
    finally:
        os.close(fd)
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)
