"""The site folder's page templates, as the configuration sees them: where they are and a
digest of their bytes. No Jinja2 here: a build that finds nothing changed loads the
configuration (and so this digest) but renders nothing.
"""

from __future__ import annotations

import os
from pathlib import Path

#: The folder of override templates, next to ``feedpub.toml`` (config key ``templates``).
DEFAULT_TEMPLATES = "templates"


def templates_folder(value: str | None, config_path: Path | None) -> Path | None:
    """The override folder: ``value`` (or ``templates``) relative to the config file's folder
    (the working directory without a config file). None when the default folder is not there;
    a configured folder that is not there raises FileNotFoundError (a typo must not silently
    give the default pages)."""
    base = Path(".") if config_path is None else config_path.parent
    folder = base / (DEFAULT_TEMPLATES if value is None else value)
    if folder.is_dir():
        return folder
    if value is None:
        return None
    raise FileNotFoundError(folder)


def templates_digest(folder: Path | None) -> str:
    """A digest of every file's name and bytes in ``folder`` (hidden files and folders
    left out), "" without one. It is part of the configuration, and so of the fingerprint
    that decides a full build: a changed, added or removed template re-renders the pages."""
    if folder is None:
        return ""
    import hashlib  # only sites with templates pay for it on the no-change path

    digest = hashlib.sha256()
    for relative in _files(folder):
        digest.update(relative.encode("utf-8", "surrogateescape") + b"\0")
        digest.update((folder / relative).read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()


def _files(folder: Path) -> list[str]:
    """Relative paths of the non-hidden files below ``folder``, sorted."""
    found: list[str] = []
    for root, dirs, files in os.walk(folder):
        dirs[:] = [name for name in dirs if not name.startswith(".")]
        prefix = os.path.relpath(root, folder)
        for name in files:
            if not name.startswith("."):
                found.append(name if prefix == "." else f"{prefix}/{name}")
    return sorted(found)
