"""One release file's bytes → :class:`~feedpub.release.Release` (and back to text).

The layout is that of the district websites the press offices copy from (see README,
"Release files"): page label, date line, title, teaser, caption lines with ``©``, body
paragraphs, ``Autor/in:``. Everything a real office PC produces is accepted (UTF-8 with or
without BOM, Windows-1252, CRLF/CR, NBSP, soft hyphens, NFD umlauts); everything that is not a
release becomes a :class:`ReleaseError` that names the line. This module reads no folders:
:mod:`feedpub.discover` finds the files.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from feedpub.dates import ParsedDate, format_date_line, parse_date_line
from feedpub.release import Caption, Release, ReleaseError, make_id, slugify

#: Files above this size are refused unread: a press release is a few KiB; a bigger file is a
#: mistake (a PDF or an export) and must not slow every cron run down.
MAX_BYTES = 1024 * 1024
#: A title longer than this is a body paragraph: the release has no title.
TITLE_MAX = 300
#: A teaser is one short line; longer lines are body paragraphs.
TEASER_MAX = 200
#: Caption lines are short; a long line that mentions © is a paragraph.
CAPTION_MAX = 400
#: The page label the district websites print above the date; used when writing a release.
PAGE_LABEL = "Seiteninhalt"


@dataclass(frozen=True, slots=True)
class Notice:
    """A warning about a release that was still published (e.g. control characters removed)."""

    path: Path
    line: int | None
    reason: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line is not None else f"{self.path}"
        return f"{where}: warning: {self.reason}"


# Characters XML 1.0 cannot carry or that only mean trouble in a feed (C0 and C1 controls
# except tab and newline). Word pastes vertical tab (manual line break) and form feed (page
# break): those become a space so that words stay apart; the rest are dropped.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ufffe\uffff]")
_BREAKING_CONTROL = "\x0b\x0c"
# Invisible characters that only disturb matching and search: soft hyphen, zero-width space
# and joiners, word joiner, and a BOM that ended up inside the text.
_INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u200b\u200c\u200d\u2060\ufeff"))
_SPACE_LIKE = re.compile(r"[\t\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]")
_MULTI_SPACE = re.compile(r" {2,}")
_LINE_BREAKS = re.compile(r"\r\n?|[\u0085\u2028\u2029]")
_HTML = re.compile(rb"<!doctype html|<html[\s>]|<body[\s>]|<head[\s>]", re.IGNORECASE)
_AUTHOR = re.compile(
    r"^(?:Autor/in|Autor\*in|Autor:in|AutorIn|Autorin|Autor|Autoren|Autorinnen|"
    r"Verfasser/in|Verfasser|Verfasserin)\s*:\s*(.*)$",
    re.IGNORECASE,
)
_AUTHOR_SPLIT = re.compile(r"\s*(?:,|;|&|\bund\b)\s*")
_BULLET = re.compile(r"^[-•*–·▪]\s+(.*)$")
# A teaser is a subheading: a line that ends a sentence (also inside quotes) is body text.
_SENTENCE_END = (".", ":", "…")
_CLOSING = "“”\"'»«›‹)]"


def decode(data: bytes, path: Path) -> tuple[str, list[Notice]]:
    """Bytes → clean NFC text with ``\\n`` line ends; raise ReleaseError for non-text.

    UTF-8 is tried strictly first (with or without BOM), then Windows-1252, which is what
    office PCs in Germany save "ANSI" text as; Latin-1 is a subset of it for letters.
    """
    if len(data) > MAX_BYTES:
        raise ReleaseError(
            path,
            1,
            f"file is {len(data) / 1024 / 1024:.1f} MiB; releases over "
            f"{MAX_BYTES // 1024 // 1024} MiB are refused (is it really a release text?)",
        )
    nul = data.find(b"\x00")
    if nul >= 0:
        raise ReleaseError(
            path,
            _line_of(data, nul),
            "contains NUL bytes: this is a binary file (or UTF-16), not a release text; "
            "save it as UTF-8 text",
        )
    html = _HTML.search(data, 0, 4096)
    if html:
        raise ReleaseError(
            path,
            _line_of(data, html.start()),
            "looks like an HTML page, not a release text; copy the text into a .txt file",
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError as exc:
            raise ReleaseError(
                path,
                _line_of(data, exc.start),
                f"byte 0x{data[exc.start]:02x} is neither UTF-8 nor Windows-1252; "
                "save the file as UTF-8",
            ) from None
    text = _LINE_BREAKS.sub("\n", text)
    notices: list[Notice] = []
    if _CONTROL.search(text):
        text = _remove_controls(text, path, notices)
    text = unicodedata.normalize("NFC", text.translate(_INVISIBLE))
    text = _SPACE_LIKE.sub(" ", text)
    return text, notices


def _line_of(data: bytes, offset: int) -> int:
    head = data[:offset]
    return head.count(b"\n") + head.count(b"\r") - head.count(b"\r\n") + 1


def _remove_controls(text: str, path: Path, notices: list[Notice]) -> str:
    lines = text.split("\n")
    found = sum(len(_CONTROL.findall(line)) for line in lines)
    if found > max(8, len(text) // 20):
        raise ReleaseError(path, 1, f"{found} control characters: this is a binary file")
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


def parse_text(text: str, *, source: Path, department: str, tag_prefix: str) -> Release:
    """Parse decoded release text (see :func:`decode`) into a Release.

    ``source`` is the path shown in messages; its stem names the release. Raises
    ReleaseError naming the line for anything that is not a release.
    """
    department = unicodedata.normalize("NFC", department)
    slug = slugify(department)
    if not slug:
        raise ReleaseError(
            source, None, f"department folder {department!r} has no letters or digits for a URL"
        )
    stem = slugify(unicodedata.normalize("NFC", source.stem))
    if not stem:
        raise ReleaseError(
            source, None, f"file name {source.name!r} has no letters or digits for a URL"
        )
    lines = [_MULTI_SPACE.sub(" ", line).strip() for line in text.split("\n")]
    # Bullet continuation lines are recognised by their indent, so keep it for body lines.
    indents = [bool(raw[:1].isspace()) for raw in text.split("\n")]
    numbered = [(n, line) for n, line in enumerate(lines, 1) if line]
    if not numbered:
        raise ReleaseError(
            source, 1, "empty file: expected a date line such as 10.07.2024, then a title"
        )

    date_index, parsed = _find_date_line(numbered, source)
    date_lineno = numbered[date_index][0]
    blocks = _blocks(lines, indents, start=date_lineno)
    if not blocks:
        raise ReleaseError(source, date_lineno, "no title after the date line")
    title_block = blocks[0]
    title = " ".join(text for _, text, _ in title_block)
    first_no = title_block[0][0]
    if (
        len(title) > TITLE_MAX
        or _is_caption_block(title_block)
        or _AUTHOR.match(title_block[0][1])
        or _BULLET.match(title_block[0][1])
    ):
        raise ReleaseError(
            source,
            first_no,
            f"expected the title after the date line, got {_clip(title)!r} "
            f"(a title is one line of at most {TITLE_MAX} characters)",
        )

    rest = blocks[1:]
    teaser: str | None = None
    if rest and _is_teaser(rest[0]):
        teaser = rest[0][0][1]
        rest = rest[1:]

    captions: list[Caption] = []
    paragraphs: list[str] = []
    authors: list[str] = []
    for block in rest:
        body_lines: list[tuple[int, str, bool]] = []
        for entry in block:
            author = _AUTHOR.match(entry[1])
            if author:
                authors.extend(a for a in _AUTHOR_SPLIT.split(author[1]) if a)
            else:
                body_lines.append(entry)
        if not body_lines:
            continue
        if _is_caption_block(body_lines):
            captions.extend(_caption(text) for _, text, _ in body_lines)
        else:
            paragraphs.extend(_paragraphs(body_lines))

    if teaser is None and not paragraphs:
        raise ReleaseError(
            source, first_no, "no text after the title: a release needs a teaser or a paragraph"
        )
    return Release(
        source=source,
        department=department,
        slug=slug,
        stem=stem,
        id=make_id(tag_prefix, slug, stem),
        published=parsed.value,
        has_time=parsed.has_time,
        title=title,
        teaser=teaser,
        captions=tuple(dict.fromkeys(captions)),
        paragraphs=tuple(paragraphs),
        authors=tuple(dict.fromkeys(authors)),
    )


def _find_date_line(numbered: list[tuple[int, str]], source: Path) -> tuple[int, ParsedDate]:
    """Index of the date line among the non-blank lines: the first line, or the second when
    the first is the page label. Errors point at the line a human would fix."""
    first_no, first = numbered[0]
    try:
        return 0, parse_date_line(first)
    except ValueError as first_error:
        if len(numbered) < 2:
            raise ReleaseError(
                source, first_no, f"expected a date line such as 10.07.2024: {first_error}"
            ) from None
        second_no, second = numbered[1]
        try:
            return 1, parse_date_line(second)
        except ValueError as second_error:
            # A first line with digits was meant as the date; a plain word is the page label.
            if any(c.isdigit() for c in first):
                raise ReleaseError(source, first_no, str(first_error)) from None
            raise ReleaseError(
                source,
                second_no,
                f"expected the date line (e.g. 10.07.2024) after the page label "
                f"{_clip(first)!r}: {second_error}",
            ) from None



def _blocks(lines: list[str], indents: list[bool], *, start: int) -> list[list[tuple[int, str, bool]]]:
    """Runs of non-blank lines after line ``start`` (1-based), with numbers and indent flags."""
    blocks: list[list[tuple[int, str, bool]]] = []
    current: list[tuple[int, str, bool]] = []
    for number in range(start + 1, len(lines) + 1):
        line = lines[number - 1]
        if line:
            current.append((number, line, indents[number - 1]))
        elif current:
            blocks.append(current)
            current = []
    if current:
        blocks.append(current)
    return blocks


def _is_caption_block(block: list[tuple[int, str, bool]]) -> bool:
    return any("©" in text for _, text, _ in block) and all(
        len(text) <= CAPTION_MAX for _, text, _ in block
    )


def _is_teaser(block: list[tuple[int, str, bool]]) -> bool:
    if len(block) != 1:
        return False
    text = block[0][1]
    return (
        len(text) <= TEASER_MAX
        and not text.rstrip(_CLOSING).endswith(_SENTENCE_END)
        and "©" not in text
        and not _AUTHOR.match(text)
        and not _BULLET.match(text)
    )


def _caption(line: str) -> Caption:
    text, sep, credit = line.rpartition("©")
    if not sep:
        return Caption(line.strip(), None)
    return Caption(text.strip(" -–|,;/:"), credit.strip() or None)


def _paragraphs(block: list[tuple[int, str, bool]]) -> list[str]:
    """A block's lines → paragraphs: text lines are joined, bullet runs become one list."""
    out: list[str] = []
    text: list[str] = []
    items: list[str] = []
    for _, line, indented in block:
        bullet = _BULLET.match(line)
        if bullet:
            if text:
                out.append(" ".join(text))
                text = []
            items.append(bullet[1])
        elif items and indented:
            items[-1] += " " + line
        else:
            if items:
                out.append("\n".join(f"- {item}" for item in items))
                items = []
            text.append(line)
    if text:
        out.append(" ".join(text))
    if items:
        out.append("\n".join(f"- {item}" for item in items))
    return out


def _clip(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def read_release(path: Path, *, department: str, tag_prefix: str) -> tuple[Release, list[Notice]]:
    """Read, decode and parse one release file; the size limit is checked before reading."""
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_BYTES + 1)
    except OSError as exc:
        raise ReleaseError(path, None, f"cannot read: {exc.strerror or exc}") from exc
    text, notices = decode(data, path)
    release = parse_text(text, source=path, department=department, tag_prefix=tag_prefix)
    return release, notices


def format_release(release: Release) -> str:
    """Write a Release in the seed layout; :func:`parse_text` reads it back unchanged.

    Used by the round-trip tests and as the reference for the documented format.
    """
    parts = [
        f"{PAGE_LABEL}\n{format_date_line(release.published, with_time=release.has_time)}",
        release.title,
    ]
    if release.teaser is not None:
        parts.append(release.teaser)
    if release.captions:
        parts.append(
            "\n".join(
                f"{c.text} © {c.credit}" if c.credit is not None else c.text
                for c in release.captions
            )
        )
    parts.extend(release.paragraphs)
    if release.authors:
        parts.append("Autor/in: " + ", ".join(release.authors))
    return "\n\n".join(parts) + "\n"
