"""Find the release files under ``releases/``: which files count, and which department each is.

Rules (README, "Release files"): ``releases/<Department>/<name>.txt``; deeper folders are
allowed (e.g. one per year) and belong to the top folder's department. Hidden files and
folders, editor backups (``~``, ``.swp``, ``.#…``, ``#…#``) and files not ending in ``.txt``
are ignored. Symlinks are followed only while they stay inside ``releases/``; one that leaves
it, dangles or loops is an error, and so is a ``.txt`` that is no regular file (a FIFO would
block the reader). This module reads directory entries, never file contents.
"""

from __future__ import annotations

import errno
import os
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from feedpub.release import ReleaseError, department_slug, slugify

#: The start of the reason for a folder that cannot be listed (see unreadable_folders).
UNREADABLE = "cannot list folder"


@dataclass(frozen=True, slots=True)
class Candidate:
    """A file that should be a release."""

    #: The path as shown in messages: the releases folder as given, plus the relative part.
    path: Path
    #: The path relative to the releases folder, with ``/`` separators (for ``check --json``).
    relative: str
    #: The top folder's name, NFC (macOS writes NFD names).
    department: str
    #: The URL names the path gives (ASCII; "" when a name has no letters or digits, which
    #: the parser reports). Computed once here: ids and URLs depend on the path alone.
    slug: str = ""
    stem: str = ""
    #: "size/mtime_ns/ctime_ns" when the folder was listed: a build compares it with its
    #: cache to know, without reading, that a file did not change.
    signature: str = ""


def is_ignored(name: str) -> bool:
    """Whether a directory entry is not ours: hidden, an editor's backup or lock file."""
    return name.startswith((".", "#", "~")) or name.endswith(
        ("~", ".swp", ".swo", ".swx", ".bak", ".tmp")
    )


@dataclass(frozen=True, slots=True)
class Found:
    """A release file as the folder listing shows it, before any name is turned into a URL
    name: all that a build whose input did not change needs (10,000 cost 30 ms, not 90)."""

    #: The folder as a plain string (``os.path`` is several times faster than pathlib).
    folder: str
    name: str
    #: The path relative to the releases folder, with ``/`` separators, NFC.
    relative: str
    #: The top folder's name, NFC.
    department: str
    #: "size/mtime_ns/ctime_ns" when the folder was listed.
    signature: str


def find_releases(root: Path) -> tuple[list[Candidate], list[ReleaseError]]:
    """All release files under ``root``, sorted by relative path, and the entries refused.

    Raises FileNotFoundError/NotADirectoryError when ``root`` itself is missing: that is a
    usage error, not a bad release.
    """
    found, errors = find_files(root)
    return [to_candidate(each) for each in found], errors


def to_candidate(found: Found) -> Candidate:
    """The Candidate of a listed file: its Path and the URL names its path gives."""
    path = Path(found.folder, found.name)
    return Candidate(
        path,
        found.relative,
        found.department,
        department_slug(found.department),
        slugify(os.path.splitext(found.name)[0]),
        found.signature,
    )


def find_files(root: Path) -> tuple[list[Found], list[ReleaseError]]:
    """:func:`find_releases` without the URL names: the folder listing alone."""
    if not root.is_dir():
        if root.exists():
            raise NotADirectoryError(f"{root} is not a folder")
        raise FileNotFoundError(f"{root} does not exist")
    real_root = os.path.realpath(root)
    found: list[Found] = []
    errors: list[ReleaseError] = []
    visited: set[str] = {real_root}
    os.listdir(root)  # an unreadable releases folder is a usage error, not a bad release
    _walk(str(root), (), real_root, visited, found, errors)
    found.sort(key=lambda f: f.relative)
    errors.sort(key=lambda e: str(e.path))
    return found, errors


def _walk(
    folder: str,
    parts: tuple[str, ...],
    real_root: str,
    visited: set[str],
    found: list[Found],
    errors: list[ReleaseError],
) -> None:
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError as exc:
        errors.append(ReleaseError(folder, None, f"{UNREADABLE}: {exc.strerror or exc}"))
        return
    department = unicodedata.normalize("NFC", parts[0]) if parts else ""
    prefix = unicodedata.normalize("NFC", "/".join(parts) + "/") if parts else ""
    for entry in entries:
        name = entry.name
        if is_ignored(name):
            continue
        is_txt = name.lower().endswith(".txt")
        try:
            is_dir = entry.is_dir()
        except OSError:
            is_dir = False
        if not is_dir and not is_txt:
            continue
        path = entry.path
        # Errors about a file name its line 1 (the file as a whole); about a folder, no line.
        line = None if is_dir else 1
        # Plain ASCII names without controls (nearly all) skip the regular expression.
        bad_name = None if name.isascii() and name.isprintable() else _bad_name(name)
        if bad_name:
            errors.append(ReleaseError(_shown(Path(path)), line, f"{bad_name}; rename it"))
            continue
        if entry.is_symlink():
            try:
                real = os.path.realpath(path, strict=True)
            except OSError as exc:
                # ELOOP's message is "Too many levels of symbolic links": test the number.
                reason = "symlink loops" if exc.errno == errno.ELOOP else "symlink is broken"
                errors.append(ReleaseError(path, line, f"{reason}; remove it"))
                continue
            if not (real == real_root or real.startswith(real_root + os.sep)):
                errors.append(
                    ReleaseError(
                        path,
                        line,
                        "symlink points outside the releases folder; copy the file in instead",
                    )
                )
                continue
        if is_dir:
            real = os.path.realpath(path)
            if real in visited:
                errors.append(ReleaseError(path, None, "symlink loops back to a parent folder"))
                continue
            _walk(path, (*parts, name), real_root, visited | {real}, found, errors)
            continue
        try:
            is_file = entry.is_file()
        except OSError:
            is_file = False
        if not is_file:
            # A FIFO or device named *.txt would block (or never end) when parse.py reads it.
            errors.append(ReleaseError(path, 1, "not a regular file; remove it"))
            continue
        if not parts:
            errors.append(
                ReleaseError(
                    path,
                    1,
                    "release is not in a department folder; move it to releases/<Fachdienst>/",
                )
            )
            continue
        try:
            info = entry.stat()
        except FileNotFoundError:
            continue  # deleted while we listed the folder
        found.append(
            Found(
                folder,
                name,
                prefix + (name if name.isascii() else unicodedata.normalize("NFC", name)),
                department,
                f"{info.st_size}/{info.st_mtime_ns}/{info.st_ctime_ns}",
            )
        )


# Characters no file or folder name of a release may contain: C0/C1 controls (they cannot go
# into XML), and the lone surrogates Python uses for bytes that are not UTF-8.
_BAD_CHAR = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")


def _bad_name(name: str) -> str | None:
    """Why a name cannot become a department, URL or feed text, or None when it can."""
    bad = _BAD_CHAR.search(name)
    if bad is None:
        return None
    if "\ud800" <= bad[0] <= "\udfff":
        return "name is not UTF-8 (copied from an old Windows share or zip?)"
    return f"name contains the control character U+{ord(bad[0]):04X}"


def _shown(path: Path) -> Path:
    """``path`` with bytes that are not UTF-8 shown as ``\\xdf``, safe to print and to JSON."""
    return Path(os.fsencode(path).decode("utf-8", "backslashreplace"))


def unreadable_folders(errors: list[ReleaseError]) -> list[Path]:
    """The folders among ``errors`` that could not be listed: their releases are unknown this
    time, which must not be mistaken for deleted."""
    return [e.path for e in errors if e.line is None and e.reason.startswith(UNREADABLE)]
