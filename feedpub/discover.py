"""Find the release files under ``releases/``: which files count, and which department each is.

Rules (README, "Release files"): ``releases/<Department>/<name>.txt``; deeper folders are
allowed (e.g. one per year) and belong to the top folder's department. Hidden files and
folders, editor backups (``~``, ``.swp``, ``.#…``, ``#…#``) and files not ending in ``.txt``
are ignored. Symlinks are followed only while they stay inside ``releases/``; one that leaves
it, dangles or loops is an error, and so is a ``.txt`` that is no regular file (a FIFO would
block the reader). This module reads directory entries, never file contents.

Pictures (README, "Pictures"): an image file in the same folder whose name is the release's
file name with ``.jpg``, ``.jpeg``, ``.png`` or ``.webp`` instead of ``.txt`` is the release's
picture 1; ``<name>-2.jpg`` … ``<name>-99.jpg`` are pictures 2 to 99 (``<name>-1.jpg`` is
picture 1 too). Names are compared ignoring case (``Bild.JPG``). A name that is a release's
own name wins: with ``bau.txt`` and ``bau-2.txt`` side by side, ``bau-2.jpg`` is picture 1 of
``bau-2``. Picture n goes with the release's n-th caption. An image file that belongs to no
release is ignored. A picture that cannot be published (broken symlink, a second file with
the same number) is listed with its problem: a warning, never an error of the release.
"""

from __future__ import annotations

import errno
import os
import re
import stat
import unicodedata
from datetime import UTC, datetime
from pathlib import Path
from typing import NamedTuple

from feedpub.release import Picture, ReleaseError, department_slug, slugify

#: The start of the reason for a folder that cannot be listed (see unreadable_folders).
UNREADABLE = "cannot list folder"


#: ``published`` of a release file that no build dated yet (see :class:`ReleaseFile`).
UNDATED = datetime(1, 1, 1, tzinfo=UTC)


class ReleaseFile(NamedTuple):
    """A release file, from the folder listing to the archives: the one type a build uses
    for a release it has not parsed (or does not hold parsed).

    It is filled in as the build learns more, each step a new (immutable) value:
    :func:`find_files` lists it (folder, name, relative path, department, signature,
    pictures: all that a build whose input did not change needs: 10,000 cost 30 ms, not
    90); :meth:`named` adds the URL names its path gives; :meth:`entry` makes the light
    form the feeds and archives sort (id and publication time, without what only the plan
    needs). 50,000 of them live to the end of a build: strings rather than Paths, and the
    strings shared with the listing (see :attr:`source`).

    A named tuple, made with ``tuple.__new__`` where many are made: a cron run with nothing
    changed makes one per file, and a frozen dataclass takes twice as long to make (each
    field set through ``object.__setattr__``), a named tuple's own ``__new__`` 1.7 times.
    """

    #: Its folder (the releases folder as given, plus the relative part) and file name, as
    #: listed: plain strings (``os.path`` is several times faster than pathlib, and 50,000
    #: Paths cost about 12 MB at the peak of a build).
    folder: str
    name: str
    #: The path relative to the releases folder, with ``/`` separators, NFC (for the ledger
    #: and ``check --json``); "" in an :meth:`entry`.
    relative: str
    #: The top folder's name, NFC (macOS writes NFD names).
    department: str
    #: "size/mtime_ns/ctime_ns" when the folder was listed: a build compares it with the
    #: ledger to know, without reading, that a file did not change. The names and signatures
    #: of the release's pictures are part of it, so a changed picture is a changed release.
    #: "" in an :meth:`entry`.
    signature: str = ""
    #: The release's pictures, by number (see the module docstring and
    #: :func:`feedpub.release.image_files`).
    images: tuple[Picture, ...] = ()
    #: The URL names the path gives (ASCII; "" when a name has no letters or digits, which
    #: the parser reports), once :meth:`named`: ids and URLs depend on the path alone.
    slug: str = ""
    stem: str = ""
    #: The entry id and the publication time, once the ledger or the parser told them.
    id: str = ""
    published: datetime = UNDATED

    @property
    def source(self) -> Path:
        """The file as a Path, as messages show it (a new Path each time: take it once)."""
        return Path(self.folder, self.name)

    def named(self, stem: str | None = None) -> ReleaseFile:
        """This file with the URL names its path gives. ``stem``: the file name's URL name
        when known already (the ledger keeps it), saving slugify."""
        return _new(
            ReleaseFile,
            (
                self.folder,
                self.name,
                self.relative,
                self.department,
                self.signature,
                self.images,
                department_slug(self.department),
                slugify(os.path.splitext(self.name)[0]) if stem is None else stem,
                "",
                UNDATED,
            ),
        )

    def entry(
        self, release_id: str, published: datetime, images: tuple[Picture, ...] = ()
    ) -> ReleaseFile:
        """The light form of a named file that the feeds and archives sort: its id and
        publication time, without the relative path and signature (only the plan needs
        them); ``images`` to read it again with its pictures."""
        return _new(
            ReleaseFile,
            (
                self.folder,
                self.name,
                "",
                self.department,
                "",
                images,
                self.slug,
                self.stem,
                release_id,
                published,
            ),
        )


#: ``tuple.__new__``: a ReleaseFile without the Python-level ``__new__`` (see there).
_new = tuple.__new__
#: The fields of a ReleaseFile as listed, after its signature: no pictures, names or date.
_UNNAMED = ((), "", "", "", UNDATED)


def is_ignored(name: str) -> bool:
    """Whether a directory entry is not ours: hidden, an editor's backup or lock file."""
    return name.startswith((".", "#", "~")) or name.endswith(
        ("~", ".swp", ".swo", ".swx", ".bak", ".tmp")
    )


def find_releases(root: Path) -> tuple[list[ReleaseFile], list[ReleaseError]]:
    """All release files under ``root`` with their URL names, sorted by relative path, and
    the entries refused.

    Raises FileNotFoundError/NotADirectoryError when ``root`` itself is missing: that is a
    usage error, not a bad release.
    """
    found, errors = find_files(root)
    return [each.named() for each in found], errors


def find_files(root: Path) -> tuple[list[ReleaseFile], list[ReleaseError]]:
    """:func:`find_releases` without the URL names: the folder listing alone.

    The folders are walked with a list of those still to list, not by recursion: folders
    nested a thousand deep (a sync tool gone wrong) must not end in a RecursionError.
    """
    if not root.is_dir():
        if root.exists():
            raise NotADirectoryError(f"{root} is not a folder")
        raise FileNotFoundError(f"{root} does not exist")
    real_root = os.path.realpath(root)
    found: list[ReleaseFile] = []
    errors: list[ReleaseError] = []
    os.listdir(root)  # an unreadable releases folder is a usage error, not a bad release
    pending = [_Folder(str(root), (), real_root, frozenset({real_root}))]
    while pending:
        pending.extend(_list_folder(pending.pop(), real_root, found, errors))
    found.sort(key=lambda f: f.relative)
    errors.sort(key=lambda e: str(e.path))
    return found, errors


class _Folder(NamedTuple):
    """A folder still to be listed."""

    path: str
    #: Its names below the releases folder.
    parts: tuple[str, ...]
    #: Its real path, and those of it and its parents (a symlink to one of them would loop).
    real: str
    visited: frozenset[str]


def _list_folder(
    this: _Folder, real_root: str, found: list[ReleaseFile], errors: list[ReleaseError]
) -> list[_Folder]:
    """Add the releases of one folder to ``found`` and its refused entries to ``errors``;
    returns its subfolders."""
    folder, parts, real_folder, visited = this
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError as exc:
        errors.append(ReleaseError(folder, None, f"{UNREADABLE}: {exc.strerror or exc}"))
        return []
    department = unicodedata.normalize("NFC", parts[0]) if parts else ""
    prefix = unicodedata.normalize("NFC", "/".join(parts) + "/") if parts else ""
    here: list[ReleaseFile] = []  # the releases of this folder (pictures are matched to them)
    images: list[os.DirEntry[str]] = []
    subfolders: list[_Folder] = []
    for entry in entries:
        name = entry.name
        if is_ignored(name):
            continue
        lower = name.lower()
        is_txt = lower.endswith(".txt")
        try:
            is_dir = entry.is_dir()
        except OSError:
            is_dir = False
        if not is_dir and not is_txt:
            if parts and lower.endswith(IMAGE_SUFFIXES):
                images.append(entry)
            continue
        path = entry.path
        # Errors about a file name its line 1 (the file as a whole); about a folder, no line.
        line = None if is_dir else 1
        problem = _refused(entry, real_root)
        if problem is not None:
            shown = _shown(Path(path)) if problem.startswith("name ") else path
            errors.append(ReleaseError(shown, line, problem))
            continue
        if is_dir:
            # realpath only for symlinks: it stats every part of the path, which made walking
            # folders a thousand deep take 20 s instead of a fraction of one.
            is_link = entry.is_symlink()
            real = os.path.realpath(path) if is_link else os.path.join(real_folder, name)
            if is_link and real in visited:
                errors.append(ReleaseError(path, None, "symlink loops back to a parent folder"))
            else:
                subfolders.append(_Folder(path, (*parts, name), real, visited | {real}))
            continue
        release = _release(entry, folder, prefix, department, parts, errors)
        if release is not None:
            here.append(release)
    if images and here:
        here = _with_images(folder, here, images, real_root)
    found.extend(here)
    # Reversed: the list of folders to walk is a stack, and sorted order costs nothing.
    return subfolders[::-1]


def _refused(entry: os.DirEntry[str], real_root: str) -> str | None:
    """Why a file or folder cannot be a release or hold releases (its name, or a symlink
    that dangles, loops or leaves the releases folder), or None."""
    name = entry.name
    # Plain ASCII names without controls (nearly all) skip the regular expression.
    bad_name = None if name.isascii() and name.isprintable() else _bad_name(name)
    if bad_name:
        return f"{bad_name}; rename it"
    if not entry.is_symlink():
        return None
    try:
        real = os.path.realpath(entry.path, strict=True)
    except OSError as exc:
        # ELOOP's message is "Too many levels of symbolic links": test the number.
        reason = "symlink loops" if exc.errno == errno.ELOOP else "symlink is broken"
        return f"{reason}; remove it"
    if not (real == real_root or real.startswith(real_root + os.sep)):
        return "symlink points outside the releases folder; copy the file in instead"
    return None


def _release(
    entry: os.DirEntry[str],
    folder: str,
    prefix: str,
    department: str,
    parts: tuple[str, ...],
    errors: list[ReleaseError],
) -> ReleaseFile | None:
    """The ReleaseFile of a ``.txt`` entry that is no folder, or None (refused: in ``errors``)."""
    path, name = entry.path, entry.name
    try:
        is_file = entry.is_file()
    except OSError:
        is_file = False
    if not is_file:
        # A FIFO or device named *.txt would block (or never end) when decode.py reads it.
        errors.append(ReleaseError(path, 1, "not a regular file; remove it"))
        return None
    if not parts:
        errors.append(
            ReleaseError(
                path, 1, "release is not in a department folder; move it to releases/<Fachdienst>/"
            )
        )
        return None
    try:
        info = entry.stat()
    except FileNotFoundError:
        return None  # deleted while we listed the folder
    relative = prefix + (name if name.isascii() else unicodedata.normalize("NFC", name))
    signature = f"{info.st_size}/{info.st_mtime_ns}/{info.st_ctime_ns}"
    return _new(ReleaseFile, (folder, name, relative, department, signature, *_UNNAMED))


#: File name endings of pictures (any case). The type is decided from the bytes later.
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp")
#: ``<name>-<n>``: picture n (1 to 99, no leading zero) of the release ``<name>``.
_NUMBERED = re.compile(r"(.+)-([1-9][0-9]?)")


def _with_images(
    folder: str, releases: list[ReleaseFile], entries: list[os.DirEntry[str]], real_root: str
) -> list[ReleaseFile]:
    """``releases`` with the pictures among ``entries`` (one folder's image files) attached,
    and their names and signatures folded into the releases' signatures."""
    by_name = {_key(os.path.splitext(found.name)[0]): index for index, found in enumerate(releases)}
    owned: dict[int, list[tuple[int, str, os.DirEntry[str]]]] = {}
    for entry in entries:
        name = entry.name
        if not (name.isascii() and name.isprintable()) and _bad_name(name):
            continue  # cannot be any release's name plus an ending
        base = os.path.splitext(name)[0]
        index, number = by_name.get(_key(base)), 1
        if index is None:
            numbered = _NUMBERED.fullmatch(base)
            if numbered is None:
                continue
            index, number = by_name.get(_key(numbered[1])), int(numbered[2])
            if index is None:
                continue
        owned.setdefault(index, []).append((number, name, entry))
    result = list(releases)
    for index, pictures in owned.items():
        pictures.sort(key=lambda picture: (picture[0], picture[1]))
        files: list[Picture] = []
        signature = releases[index].signature
        first: dict[int, str] = {}
        for number, name, entry in pictures:
            problem, state = _image_state(entry, real_root)
            if problem is None:
                if number in first:
                    problem = f"{first[number]} is picture {number} already; rename or remove one"
                else:
                    first[number] = name
            files.append((name, number, problem))
            signature += f"|{name}:{state}"
        listed = releases[index]
        result[index] = listed._replace(signature=signature, images=tuple(files))
    return result


def _key(name: str) -> str:
    """A file name as matched: NFC (macOS writes NFD), any case."""
    return (name if name.isascii() else unicodedata.normalize("NFC", name)).casefold()


def _image_state(entry: os.DirEntry[str], real_root: str) -> tuple[str | None, str]:
    """Why a picture cannot be published (or None), and its signature (size, mtime, ctime;
    "-" when it has none)."""
    path = entry.path
    try:
        if entry.is_symlink():
            try:
                real = os.path.realpath(path, strict=True)
            except OSError as exc:
                reason = "symlink loops" if exc.errno == errno.ELOOP else "symlink is broken"
                return f"{reason}; remove it", "-"
            if not (real == real_root or real.startswith(real_root + os.sep)):
                return "symlink points outside the releases folder; copy the file in instead", "-"
        info = entry.stat()
    except OSError as exc:
        return f"cannot read: {exc.strerror or exc}", "-"
    if not stat.S_ISREG(info.st_mode):
        return "not a regular file; remove it", "-"
    return None, f"{info.st_size}/{info.st_mtime_ns}/{info.st_ctime_ns}"


# Characters no file or folder name of a release may contain: C0/C1 controls, the lone
# surrogates Python uses for bytes that are not UTF-8, and the non-characters U+FFFE and
# U+FFFF. With the controls, these are all the code points XML 1.0 cannot carry (a department
# name goes into every feed; lxml refuses such a string with an exception).
_BAD_CHAR = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def _bad_name(name: str) -> str | None:
    """Why a name cannot become a department, URL or feed text, or None when it can."""
    bad = _BAD_CHAR.search(name)
    if bad is None:
        return None
    if "\ud800" <= bad[0] <= "\udfff":
        return "name is not UTF-8 (copied from an old Windows share or zip?)"
    if bad[0] in "\ufffe\uffff":
        return f"name contains U+{ord(bad[0]):04X}, which is no character (feeds cannot carry it)"
    return f"name contains the control character U+{ord(bad[0]):04X}"


def _shown(path: Path) -> Path:
    """``path`` with bytes that are not UTF-8 shown as ``\\xdf``, safe to print and to JSON."""
    return Path(os.fsencode(path).decode("utf-8", "backslashreplace"))


def unreadable_folders(errors: list[ReleaseError]) -> list[Path]:
    """The folders among ``errors`` that could not be listed: their releases are unknown this
    time, which must not be mistaken for deleted."""
    return [e.path for e in errors if e.line is None and e.reason.startswith(UNREADABLE)]
