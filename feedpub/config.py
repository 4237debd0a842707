"""``feedpub.toml`` → :class:`Config`, with defaults that make a valid build on their own.

Every key is optional. Unknown keys and wrong types are errors that name the key (a typo must
not silently fall back to a default). This module reads the one file it is given, and the
files of the override templates' folder for their digest (:mod:`feedpub.site`).
"""

from __future__ import annotations

import datetime as dt
import os
import re
import stat
import string
import tomllib
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import SplitResult, urlsplit

from feedpub.release import CONTROL_CHARS
from feedpub.site import (
    IDENTITY_KEYS,
    Link,
    footer_links,
    read_identity,
    templates_digest,
    templates_folder,
)
from feedpub.static import Static, StaticError, list_static, static_folder

#: Where a build looks for its configuration when no ``--config`` is given.
DEFAULT_PATH = Path("feedpub.toml")

DEFAULT_BASE_URL = "http://localhost:8000/"
DEFAULT_TITLE = "Pressemitteilungen"
DEFAULT_DESCRIPTION = "Aktuelle Pressemitteilungen der Verwaltung"
DEFAULT_PUBLISHER = "Pressestelle"
DEFAULT_TAG_DATE = "2024-01-01"
DEFAULT_MAX_ENTRIES = 50
#: The most entries a feed may hold. Readers handle a few hundred well; beyond that some
#: refuse the feed for its size (CommaFeed over 5 MiB, Miniflux over 15 MiB) or its length
#: (Inoreader blocks feeds of more than 3,000 items), and every build renders and every
#: polling reader downloads all of it. Older releases stay in the RFC 5005 archive.
MAX_ENTRIES = 500
#: A configuration file is a few lines; anything larger is the wrong file.
MAX_CONFIG_BYTES = 64 * 1024

_HOSTNAME = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class ConfigError(Exception):
    """A configuration file that cannot be used; the message names the file and the key."""

    def __init__(self, path: Path | None, key: str | None, reason: str) -> None:
        super().__init__(path, key, reason)
        self.path = path
        self.key = key
        self.reason = reason

    def __str__(self) -> str:
        where = f"{self.path}: " if self.path is not None else ""
        key = f"{self.key}: " if self.key else ""
        return f"{where}{key}{self.reason}"


@dataclass(frozen=True, slots=True)
class DepartmentConfig:
    """Display names of one department; both default to the folder name."""

    title: str | None = None
    description: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Config:
    """The settings of one site. See README, "Configuration", for each key."""

    #: Absolute URL where the ``feeds/`` folder is served, always ending in ``/``.
    base_url: str = DEFAULT_BASE_URL
    title: str = DEFAULT_TITLE
    description: str = DEFAULT_DESCRIPTION
    publisher: str = DEFAULT_PUBLISHER
    email: str | None = None
    max_entries: int = DEFAULT_MAX_ENTRIES
    #: ``str.format`` template with ``{slug}`` and ``{stem}`` for release links on the office's
    #: own website; None means feedpub writes the release pages itself.
    link_template: str | None = None
    #: Domain (or e-mail address) in entry ids; defaults to the host of ``base_url``.
    tag_authority: str = "localhost"
    #: A date on which the site owned ``tag_authority`` (RFC 4151); fixed forever.
    tag_date: str = DEFAULT_TAG_DATE
    #: The WebSub hub every feed names and every build notifies of changed feeds; None: none.
    websub_hub: str | None = None
    #: Per department, keyed by folder name or by slug.
    departments: dict[str, DepartmentConfig] = field(default_factory=dict)
    #: The folder whose templates override the defaults by name, or None. Not in the repr
    #: (the fingerprint): what counts is its content, :attr:`templates_digest`.
    templates: Path | None = field(default=None, repr=False)
    #: :func:`feedpub.site.templates_digest` of :attr:`templates`.
    templates_digest: str = ""
    #: The folder of static files copied to ``feeds/static/`` (logo, CSS, favicon), or None,
    #: and its files' relative paths; what counts for the fingerprint is
    #: :attr:`static_digest`, their names and signatures (see :mod:`feedpub.static`).
    static: Path | None = field(default=None, repr=False)
    static_files: tuple[str, ...] = field(default=(), repr=False)
    static_digest: str = ""
    #: The office's name and logo URL, shown on every page.
    site_name: str | None = None
    logo: str | None = None
    #: The required links of every page (URLs), the feedback contact (a URL or ``mailto:``)
    #: and further footer links (README, "Configuration").
    impressum: str | None = None
    datenschutz: str | None = None
    barrierefreiheit: str | None = None
    feedback: str | None = None
    footer_links: tuple[Link, ...] = ()
    #: ``feedpub serve --drafts`` only, never from ``feedpub.toml``: embargoed releases are
    #: built too, into the preview's temporary folder (see :mod:`feedpub.serve`).
    drafts: bool = False

    @property
    def tag_prefix(self) -> str:
        """The start of every entry id, e.g. ``tag:presse.example.de,2024-01-01:``."""
        return f"tag:{self.tag_authority},{self.tag_date}:"

    @property
    def footer(self) -> tuple[Link, ...]:
        """Every page's footer links: Impressum, Datenschutz, Barrierefreiheit, Feedback,
        then ``footer_links`` (those configured)."""
        return footer_links(self)

    def department(self, name: str, slug: str) -> DepartmentConfig:
        return self.departments.get(name) or self.departments.get(slug) or DepartmentConfig()


_TOP_KEYS = {
    "base_url",
    "title",
    "description",
    "publisher",
    "email",
    "max_entries",
    "link_template",
    "tag_authority",
    "tag_date",
    "websub_hub",
    "departments",
    "templates",
    "static",
    *IDENTITY_KEYS,
}


def load_config(path: Path | None) -> Config:
    """Read ``path``; with None, read ``./feedpub.toml`` if it exists, else use the defaults."""
    if path is None:
        if not DEFAULT_PATH.is_file():
            return make_config({}, None)
        path = DEFAULT_PATH
    try:
        raw = _read_regular(path, MAX_CONFIG_BYTES + 1)
        if len(raw) > MAX_CONFIG_BYTES:
            raise ConfigError(path, None, f"larger than {MAX_CONFIG_BYTES // 1024} KiB")
        data = tomllib.loads(raw.decode("utf-8"))
    except FileNotFoundError:
        raise ConfigError(path, None, "file not found") from None
    except OSError as exc:
        raise ConfigError(path, None, f"cannot read: {exc.strerror or exc}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(path, None, f"not valid TOML: {exc}") from None
    return make_config(data, path)


def _read_regular(path: Path, limit: int) -> bytes:
    """Up to ``limit`` bytes of the regular file ``path``. A FIFO or device (/dev/zero)
    would block or never end: it is refused after opening it with O_NONBLOCK and looking at
    the open file, so nothing put there after a check can block a build."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise ConfigError(path, None, "not a regular file")
        chunks: list[bytes] = []
        size = 0
        while size < limit and (chunk := os.read(fd, limit - size)):
            chunks.append(chunk)
            size += len(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def make_config(data: dict[str, Any], path: Path | None) -> Config:
    """Check a parsed TOML table and turn it into a Config (errors name the key)."""
    unknown = sorted(set(data) - _TOP_KEYS)
    if unknown:
        raise ConfigError(
            path, unknown[0], f"unknown key; known keys are {', '.join(sorted(_TOP_KEYS))}"
        )

    def text(key: str, default: str | None) -> str | None:
        return _text(data.get(key, default), path, key)

    base_url, host = _base_url(text("base_url", DEFAULT_BASE_URL), path)
    max_entries = _max_entries(data.get("max_entries", DEFAULT_MAX_ENTRIES), path)
    email = text("email", None)
    if email is not None and not _EMAIL.match(email):
        raise ConfigError(path, "email", f"is not an e-mail address: {email!r}")
    link_template = _link_template(text("link_template", None), path)
    tag_authority = _tag_authority(text("tag_authority", host), path)
    tag_date = _tag_date(data.get("tag_date", DEFAULT_TAG_DATE), path)
    websub_hub = _hub_url(text("websub_hub", None), path)
    departments = _departments(data.get("departments", {}), path)
    templates, digest = _templates(text("templates", None), path)
    static = _static(text("static", None), path)
    return Config(
        base_url=base_url,
        title=text("title", DEFAULT_TITLE) or DEFAULT_TITLE,
        description=text("description", DEFAULT_DESCRIPTION) or DEFAULT_DESCRIPTION,
        publisher=text("publisher", DEFAULT_PUBLISHER) or DEFAULT_PUBLISHER,
        email=email,
        max_entries=max_entries,
        link_template=link_template,
        tag_authority=tag_authority,
        tag_date=tag_date,
        websub_hub=websub_hub,
        departments=departments,
        templates=templates,
        templates_digest=digest,
        static=static.folder,
        static_files=static.files,
        static_digest=static.digest,
        **read_identity(data, path, base_url),
    )


def _templates(value: str | None, path: Path | None) -> tuple[Path | None, str]:
    """The override templates' folder and the digest of its files."""
    try:
        folder = templates_folder(value, path)
        return folder, templates_digest(folder)
    except FileNotFoundError as exc:
        raise ConfigError(path, "templates", f"no such folder: {exc.args[0]}") from None
    except OSError as exc:
        where = exc.filename if exc.filename is not None else value
        raise ConfigError(
            path, "templates", f"cannot read {where}: {exc.strerror or exc}"
        ) from None


def _static(value: str | None, path: Path | None) -> Static:
    """The static folder and its files (see :mod:`feedpub.static`)."""
    try:
        folder = static_folder(value, path)
    except FileNotFoundError as exc:
        raise ConfigError(path, "static", f"no such folder: {exc.args[0]}") from None
    try:
        return list_static(folder)
    except StaticError as exc:
        raise ConfigError(None, None, f"{exc}") from None
    except OSError as exc:
        where = exc.filename if exc.filename is not None else folder
        raise ConfigError(path, "static", f"cannot read {where}: {exc.strerror or exc}") from None


def _base_url(base_url: str | None, path: Path | None) -> tuple[str, str]:
    """``base_url`` checked and ending in ``/``, and its host (the default tag authority)."""
    assert base_url is not None  # it has a default
    parts = _absolute_url(base_url, path, "base_url")
    if parts is None or parts.hostname is None:
        raise ConfigError(
            path,
            "base_url",
            f"must be an absolute http(s) URL such as "
            f"https://presse.example.de/feeds/, got {base_url!r}",
        )
    # "?" or "#" with nothing after it gives an empty query/fragment, but still breaks every
    # URL built by appending a path.
    if parts.query or parts.fragment or "?" in base_url or "#" in base_url:
        raise ConfigError(path, "base_url", "must not have a query or fragment")
    _refuse_userinfo(parts, path, "base_url")
    if not base_url.endswith("/"):
        base_url += "/"
    return base_url, parts.hostname


def _tag_authority(tag_authority: str | None, path: Path | None) -> str:
    assert tag_authority is not None  # it defaults to the host of base_url
    if not (_HOSTNAME.match(tag_authority.lower()) or _EMAIL.match(tag_authority)):
        raise ConfigError(path, "tag_authority", f"must be a domain name, got {tag_authority!r}")
    return tag_authority


def _tag_date(value: object, path: Path | None) -> str:
    """``tag_date`` as TOML's date (``2024-01-01`` unquoted) or as a string of one."""
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, str) and _is_tag_date(value):
        return value
    raise ConfigError(path, "tag_date", f"must be a date like 2024-01-01, got {value!r}")


def _departments(value: object, path: Path | None) -> dict[str, DepartmentConfig]:
    """The ``[departments."Name"]`` tables, keyed by the name in NFC."""
    if not isinstance(value, dict):
        raise ConfigError(path, "departments", 'must be a table of [departments."Name"] tables')
    departments: dict[str, DepartmentConfig] = {}
    for name, table in value.items():
        key = f"departments.{name}"
        if not isinstance(table, dict):
            raise ConfigError(path, key, "must be a table with title and description")
        extra = sorted(set(table) - {"title", "description"})
        if extra:
            raise ConfigError(path, f"{key}.{extra[0]}", "unknown key; known: title, description")
        for sub in ("title", "description"):
            _text(table.get(sub), path, f"{key}.{sub}")
        # Folder names are compared in NFC (discover.py); a key pasted from a macOS folder
        # name is NFD and would otherwise never match.
        departments[unicodedata.normalize("NFC", name)] = DepartmentConfig(
            title=_strip(table.get("title")), description=_strip(table.get("description"))
        )
    return departments


def _hub_url(url: str | None, path: Path | None) -> str | None:
    """``websub_hub`` checked: feedpub POSTs to it and every feed shows it (WebSub section 4),
    so it must be a URL that any HTTP client can send to and that reveals no secret."""
    if url is None:
        return None
    parts = _absolute_url(url, path, "websub_hub")
    if parts is None:
        raise ConfigError(
            path,
            "websub_hub",
            f"must be an absolute http(s) URL such as https://pubsubhubbub.appspot.com/, "
            f"got {url!r}",
        )
    if parts.fragment or "#" in url:
        raise ConfigError(path, "websub_hub", "must not have a fragment (#…): it is never sent")
    _refuse_userinfo(parts, path, "websub_hub")
    if not url.isascii():
        # Sent as it is on the request line; an IDN host or an umlaut in the path would fail
        # there on every build instead of once here.
        raise ConfigError(
            path,
            "websub_hub",
            f"must be ASCII: write the host as xn--… and %-encode the rest, got {url!r}",
        )
    # "https://hub.example" and "https://hub.example/" are the same resource (RFC 3986
    # 6.2.3); the feeds show the second form.
    return url if parts.path else url.replace(parts.netloc, parts.netloc + "/", 1)


def _max_entries(value: object, path: Path | None) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_ENTRIES:
        raise ConfigError(
            path,
            "max_entries",
            f"must be a whole number 1–{MAX_ENTRIES} (readers handle a few hundred entries "
            f"well; older releases stay in the archive), got {value!r}",
        )
    return value


#: The fields ``link_template`` may use, each exactly as ``{slug}`` or ``{stem}``.
_TEMPLATE_FIELDS = ("slug", "stem")


def _link_template(template: str | None, path: Path | None) -> str | None:
    """``link_template`` checked: ``str.format`` would also run ``{slug[5]}`` (IndexError in
    every build), ``{stem.__class__}`` or ``{stem:>300000000}`` (gigabytes of padding), so
    every field must be exactly ``{slug}`` or ``{stem}``; ``{{`` and ``}}`` are literal
    braces. The link it makes must be an absolute http(s) URL without a user name."""
    if template is None:
        return None
    try:
        fields = [
            (name, spec, conversion)
            for _, name, spec, conversion in string.Formatter().parse(template)
            if name is not None
        ]
    except ValueError as exc:  # a lone "{" or "}"
        raise ConfigError(
            path, "link_template", f"{exc} (write a literal brace as {{{{ or }}}})"
        ) from None
    for name, spec, conversion in fields:
        if name not in _TEMPLATE_FIELDS or spec or conversion is not None:
            field = (
                "{"
                + name
                + (f"!{conversion}" if conversion else "")
                + (f":{spec}" if spec else "")
                + "}"
            )
            raise ConfigError(
                path,
                "link_template",
                f"may only use the fields {{slug}} and {{stem}}, written exactly so (no index, "
                f"attribute, conversion or format), got {_clip(field)}",
            )
    if "stem" not in {name for name, _, _ in fields}:
        raise ConfigError(path, "link_template", "must contain {stem}, or links collide")
    sample = template.format(slug="jobcenter", stem="2024-07-10-beispiel")
    parts = _absolute_url(sample, path, "link_template")
    if parts is None:
        raise ConfigError(
            path, "link_template", f"must be an absolute http(s) URL, got {_clip(template)!r}"
        )
    _refuse_userinfo(parts, path, "link_template")
    return template


def _refuse_userinfo(parts: SplitResult, path: Path | None, key: str) -> None:
    """A URL with ``user:password@`` (or ``user@``, or a bare ``@``) before its host: every
    feed or page shows the URLs built on it, so the secret would be published."""
    if "@" in parts.netloc:
        raise ConfigError(
            path,
            key,
            "must not contain a user name or password (user:password@): every feed shows this URL",
        )


def _clip(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _is_tag_date(text: str) -> bool:
    """``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD`` naming a real date (RFC 4151 ``date``)."""
    if not re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", text):
        return False
    try:
        dt.date.fromisoformat((text + "-01-01")[:10])
    except ValueError:
        return False
    return True


def _strip(value: object) -> str | None:
    return value.strip() if isinstance(value, str) else None


def _text(value: object, path: Path | None, key: str) -> str | None:
    """A non-empty string without control characters, stripped; None stays None."""
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(path, key, f"must be a non-empty string, got {value!r}")
    bad = CONTROL_CHARS.search(value)
    if bad:
        raise ConfigError(
            path, key, f"contains the control character U+{ord(bad[0]):04X}; remove it"
        )
    return value.strip()


def _absolute_url(url: str, path: Path | None, key: str) -> SplitResult | None:
    """The parts of an absolute http(s) URL, or None when ``url`` is not one; ConfigError for
    URLs that would break every link built on them (spaces, bad ports, bad IPv6)."""
    if any(c.isspace() for c in url):
        raise ConfigError(path, key, f"must not contain spaces (write %20), got {url!r}")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port out of range
    except ValueError as exc:
        raise ConfigError(path, key, f"is not a valid URL ({exc}): {url!r}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    return parts
