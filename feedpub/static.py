"""The site's own files (logo, CSS, favicon): ``static/`` → ``feeds/static/``.

The folder (config key ``static``) is listed when the configuration is read: each file's
name and signature (size, mtime, ctime) go into :attr:`Config.static_digest`, and so into the
fingerprint that decides a full build. A build that finds nothing changed therefore stats
these few files and copies nothing; a build with work copies each file with the publisher's
``copy``, which leaves a file whose size and mtime match alone, and the publisher removes
what an earlier build copied and the folder no longer has (README, "Static files").

The rules are those of release files: hidden files and folders and editor backups are
ignored; a name that is not UTF-8, holds a control character or U+FFFE/U+FFFF, or is too long
for the output, a symlink that dangles, loops or leaves the folder, and anything that is no
regular file or folder are configuration errors naming the file (exit 2).
"""

from __future__ import annotations

import errno
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote, unquote

from feedpub.discover import _bad_name, is_ignored
from feedpub.publish import PID_MAX, temporary_name

if TYPE_CHECKING:
    from feedpub.config import Config
    from feedpub.publish import Publisher

#: The folder of the site's static files, next to ``feedpub.toml`` (config key ``static``),
#: and where its files are published under the output folder.
DEFAULT_STATIC = "static"
PUBLISHED = "static"
#: The icon browsers show; with ``static/favicon.ico`` every page links it.
FAVICON = "favicon.ico"
#: The longest file name (bytes) Linux file systems take; a published file is written to a
#: longer temporary name first (see :func:`feedpub.publish.temporary_name`).
_NAME_MAX = 255
_LONGEST = _NAME_MAX - len(temporary_name("", "", PID_MAX))


class StaticError(Exception):
    """A file of the static folder that cannot be published: ``path: reason``."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(path, reason)
        self.path, self.reason = path, reason

    def __str__(self) -> str:
        shown = os.fsencode(self.path).decode("utf-8", "backslashreplace")
        return f"{shown}: {self.reason}"


@dataclass(frozen=True, slots=True)
class Static:
    """The static folder as listed: its files' relative paths (``/``-separated, sorted) and
    a digest of their names and signatures ("" without files)."""

    folder: Path | None = None
    files: tuple[str, ...] = ()
    digest: str = ""


def static_folder(value: str | None, config_path: Path | None) -> Path | None:
    """The static folder: ``value`` (or ``static``) relative to the config file's folder (the
    working directory without one). None when the default folder is not there; a configured
    folder that is not there raises FileNotFoundError (a typo must not silently drop the
    logo)."""
    base = Path(".") if config_path is None else config_path.parent
    folder = base / (DEFAULT_STATIC if value is None else value)
    if folder.is_dir():
        return folder
    if value is None:
        return None
    raise FileNotFoundError(folder)


def list_static(folder: Path | None) -> Static:
    """The files of ``folder`` and their digest; StaticError for the first file that breaks
    the rules (see the module docstring). Walked with a stack, not by recursion."""
    if folder is None:
        return Static()
    real_root = os.path.realpath(folder)
    files: list[tuple[str, str]] = []
    pending: list[tuple[str, str, frozenset[str]]] = [(str(folder), "", frozenset({real_root}))]
    while pending:
        path, prefix, visited = pending.pop()
        for entry in sorted(os.scandir(path), key=lambda e: e.name):
            if is_ignored(entry.name):
                continue
            kind, real, signature = _entry(entry, real_root, visited)
            relative = prefix + entry.name
            if kind == "folder":
                pending.append((entry.path, relative + "/", visited | {real}))
            else:
                files.append((relative, signature))
    if not files:
        return Static(folder)
    import hashlib  # only sites with static files pay for it on the no-change path

    files.sort()
    digest = hashlib.sha256()
    for relative, signature in files:
        digest.update(f"{relative}\0{signature}\n".encode("utf-8", "surrogateescape"))
    return Static(folder, tuple(relative for relative, _ in files), digest.hexdigest())


def _entry(
    entry: os.DirEntry[str], real_root: str, visited: frozenset[str]
) -> tuple[str, str, str]:
    """("folder" or "file", its real path, its signature), or StaticError."""
    problem = _bad_name(entry.name)
    if problem is None and len(os.fsencode(entry.name)) > _LONGEST:
        problem = f"name too long: the output takes at most {_LONGEST} bytes"
    if problem is not None:
        raise StaticError(entry.path, f"{problem}; rename it")
    real = entry.path
    if entry.is_symlink():
        try:
            real = os.path.realpath(entry.path, strict=True)
        except OSError as exc:
            reason = "symlink loops" if exc.errno == errno.ELOOP else "symlink is broken"
            raise StaticError(entry.path, f"{reason}; remove it") from None
        if real in visited:
            raise StaticError(entry.path, "symlink loops back to a parent folder; remove it")
        if not real.startswith(real_root + os.sep):
            raise StaticError(
                entry.path, "symlink points outside the static folder; copy the file in instead"
            )
    try:
        info = entry.stat()
    except OSError as exc:
        raise StaticError(entry.path, f"cannot read: {exc.strerror or exc}") from None
    if stat.S_ISDIR(info.st_mode):
        return "folder", os.path.realpath(real), ""
    if not stat.S_ISREG(info.st_mode):
        raise StaticError(entry.path, "not a regular file; remove it")
    return "file", real, f"{info.st_size}/{info.st_mtime_ns}/{info.st_ctime_ns}"


def static_url(config: Config) -> str:
    """The URL the static files are published under: ``<base_url>static/``."""
    return f"{config.base_url}{PUBLISHED}/"


def favicon_url(config: Config) -> str | None:
    """The URL of ``static/favicon.ico``, when the site has one."""
    return static_url(config) + FAVICON if FAVICON in config.static_files else None


def file_url(config: Config, relative: str) -> str:
    """The URL of one static file (``img/Logo 1.svg`` → ``…/static/img/Logo%201.svg``)."""
    return static_url(config) + quote(relative)


def publish_static(config: Config, publisher: Publisher) -> None:
    """Stage every static file for ``feeds/static/`` (copied only when changed; what the
    folder no longer has is removed by the publisher, as it is not staged). A file that
    vanished since the configuration was read is left out (the next build lists the folder
    again); one that cannot be read is a ConfigError naming it (exit 2)."""
    if config.static is None or not config.static_files:
        return
    from feedpub.config import ConfigError
    from feedpub.publish import SourceError

    taken = [path for path in publisher.files if path.startswith(PUBLISHED + "/")]
    if taken:
        raise ConfigError(
            None,
            None,
            f"{publisher.out_dir / taken[0]}: a department's URL name is {PUBLISHED!r}, and "
            f"its files would share feeds/{PUBLISHED}/ with the static folder; rename the "
            "department's folder",
        )
    for relative in config.static_files:
        source = config.static / relative
        try:
            publisher.copy(f"{PUBLISHED}/{relative}", source)
        except SourceError as exc:
            if exc.error.errno != errno.ENOENT:
                raise ConfigError(None, None, f"{exc}; fix the file") from None


def missing_logo(config: Config) -> list[str]:
    """``feedpub check``'s warning when ``logo`` names a file under ``static/`` that the
    static folder does not have (the pages would show a broken image)."""
    prefix = static_url(config)
    if config.logo is None or not config.logo.startswith(prefix):
        return []
    relative = unquote(config.logo[len(prefix) :])
    if relative in config.static_files:
        return []
    folder = config.static if config.static is not None else Path(DEFAULT_STATIC)
    return [f"logo: {folder / relative} does not exist; put the logo there"]
