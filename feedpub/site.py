"""The site around the feeds, as the configuration sees it: the folder of page templates and
a digest of their bytes, the footer links every page shows. No Jinja2 here: a build that
finds nothing changed loads the configuration (and so this digest) but renders nothing.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

if TYPE_CHECKING:
    from feedpub.config import Config

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


@dataclass(frozen=True, slots=True)
class Link:
    """A link of every page's footer."""

    title: str
    url: str


#: The links every page of a German public body needs (config key, footer text, why):
#: § 5 DDG for the Impressum, Art. 13 DSGVO for the privacy statement, BITV 2.0 § 7 for the
#: accessibility statement. ``feedpub check`` warns when one is missing.
REQUIRED_LINKS = (
    ("impressum", "Impressum", "§ 5 DDG"),
    ("datenschutz", "Datenschutz", "Art. 13 DSGVO"),
    ("barrierefreiheit", "Barrierefreiheit", "BITV 2.0 § 7"),
)
#: The footer text of the feedback contact (BITV 2.0 § 7: reachable from every page).
FEEDBACK = "Feedback"
#: The config keys of the site's identity (README, "Configuration").
IDENTITY_KEYS = (
    "site_name",
    "logo",
    *(key for key, _, _ in REQUIRED_LINKS),
    "feedback",
    "footer_links",
)


def missing_links(config: Config) -> list[str]:
    """One warning per required link that ``config`` lacks (``feedpub check`` says them)."""
    return [
        f"{key} is not set: every page of a public body needs a link to its {title} "
        f'({law}); add {key} = "https://…"'
        for key, title, law in REQUIRED_LINKS
        if getattr(config, key) is None
    ]


def footer_links(config: Config) -> tuple[Link, ...]:
    """The footer of every page: the required links, feedback, then ``footer_links``."""
    links = [
        Link(title, getattr(config, key))
        for key, title, _ in REQUIRED_LINKS
        if getattr(config, key) is not None
    ]
    if config.feedback is not None:
        links.append(Link(FEEDBACK, config.feedback))
    return (*links, *config.footer_links)


def read_identity(data: dict[str, Any], path: Path | None, base_url: str) -> dict[str, Any]:
    """The identity keys of a parsed ``feedpub.toml`` (see :data:`IDENTITY_KEYS`), checked,
    as keyword arguments of :class:`Config`; errors name the key."""
    from feedpub.config import _text

    values: dict[str, Any] = {"site_name": _text(data.get("site_name"), path, "site_name")}
    values["logo"] = _logo(_text(data.get("logo"), path, "logo"), path, base_url)
    for key, _, _ in REQUIRED_LINKS:
        values[key] = _page_url(_text(data.get(key), path, key), path, key)
    feedback = _text(data.get("feedback"), path, "feedback")
    if feedback is not None and _EMAIL.match(feedback):
        values["feedback"] = "mailto:" + feedback
    else:
        values["feedback"] = _page_url(feedback, path, "feedback", "or an e-mail address")
    values["footer_links"] = _footer_links(data.get("footer_links", []), path)
    return values


_EMAIL = re.compile(r"^[^@\s:/]+@[^@\s]+\.[^@\s]+$")


def _page_url(url: str | None, path: Path | None, key: str, other: str = "") -> str | None:
    """An absolute http(s) URL without user name or password (every page shows it)."""
    from feedpub.config import ConfigError, _absolute_url, _refuse_userinfo

    if url is None:
        return None
    parts = _absolute_url(url, path, key)
    if parts is None:
        also = f" {other}" if other else ""
        raise ConfigError(path, key, f"must be an absolute http(s) URL{also}, got {url!r}")
    _refuse_userinfo(parts, path, key)
    return url


def _logo(logo: str | None, path: Path | None, base_url: str) -> str | None:
    """The logo's URL: an absolute http(s) URL, or a path under the output's ``static/``
    folder (``logo.svg`` → ``<base_url>static/logo.svg``)."""
    from feedpub.config import ConfigError

    if logo is None or "://" in logo:
        return _page_url(logo, path, "logo", "or a path under static/")
    parts = logo.split("/")
    if logo.startswith("/") or "\\" in logo or any(part in ("", ".", "..") for part in parts):
        raise ConfigError(
            path, "logo", f"must be a path under static/ such as logo.svg, got {logo!r}"
        )
    return f"{base_url}static/{quote(logo)}"


def _footer_links(value: object, path: Path | None) -> tuple[Link, ...]:
    """``footer_links = [{title = "…", url = "https://…"}, …]``."""
    from feedpub.config import ConfigError, _text

    if not isinstance(value, list):
        raise ConfigError(path, "footer_links", "must be a list of {title, url} tables")
    links: list[Link] = []
    for number, item in enumerate(value, 1):
        key = f"footer_links[{number}]"
        if not isinstance(item, dict) or set(item) != {"title", "url"}:
            raise ConfigError(path, key, 'must be a table {title = "…", url = "https://…"}')
        title = _text(item["title"], path, f"{key}.title")
        url = _page_url(_text(item["url"], path, f"{key}.url"), path, f"{key}.url")
        assert title is not None and url is not None
        links.append(Link(title, url))
    return tuple(links)
