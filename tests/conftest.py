"""Shared fixtures and the ``--update-golden`` option (see README, "Golden files")."""

from __future__ import annotations

import contextlib
import re
import shutil
import signal
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from feedpub.config import Config, load_config

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).resolve().parent / "data"
SAMPLE_RELEASES = ROOT / "releases"
SAMPLE_CONFIG = ROOT / "feedpub.toml"
#: The sample configuration with every sample release in the live feeds. The sample's own
#: max_entries is small so that the sample build shows RFC 5005 archives; most tests look at
#: all 21 releases in the live feeds.
WIDE_CONFIG_TEXT = re.sub(
    r"^max_entries = \d+$", "max_entries = 50", SAMPLE_CONFIG.read_text("utf-8"), flags=re.M
)
assert WIDE_CONFIG_TEXT != SAMPLE_CONFIG.read_text("utf-8")


def wide_config() -> Config:
    """:data:`WIDE_CONFIG_TEXT` as a Config."""
    return replace(load_config(SAMPLE_CONFIG), max_entries=50)


@pytest.fixture
def wide_config_file(tmp_path: Path) -> Path:
    """:data:`WIDE_CONFIG_TEXT` as a file (for the command line and subprocesses)."""
    path = tmp_path / "feedpub-wide.toml"
    path.write_text(WIDE_CONFIG_TEXT, "utf-8")
    return path


def ledger_text(out: Path) -> str:
    """Every value in the ledger of ``out`` as text, read with sqlite3 (not by grepping its
    bytes): paths decoded, JSON records with their escapes undone."""
    import json
    import sqlite3

    from feedpub.ledger import LEDGER_NAME

    db = sqlite3.connect(f"file:{out / LEDGER_NAME}?mode=ro", uri=True)
    values: list[str] = []
    try:
        tables = [row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        for table in tables:
            for row in db.execute(f"SELECT * FROM {table}"):  # noqa: S608 - names from the schema
                values.extend(_as_text(value, json) for value in row)
    finally:
        db.close()
    return "\n".join(values)


def manifest_of(out: Path) -> list[str]:
    """The manifest (the ledger's ``outputs``), sorted; none when there is no ledger."""
    from feedpub.bookkeeping import read_outputs
    from feedpub.ledger import read_only

    db = read_only(out)
    if db is None:
        return []
    try:
        return sorted(read_outputs(db))
    finally:
        db.close()


def write_manifest(out: Path, paths: list[str]) -> None:
    """Make the manifest ``paths`` exactly (also paths no build would record: damage)."""
    from feedpub.ledger import encode_path, open_for_build

    (out / ".feedpub").mkdir(parents=True, exist_ok=True)
    db, _ = open_for_build(out)
    try:
        db.execute("BEGIN IMMEDIATE")
        db.execute("DELETE FROM outputs")
        db.executemany("INSERT INTO outputs VALUES (?)", ((encode_path(p),) for p in paths))
        db.execute("COMMIT")
    finally:
        db.close()


def _as_text(value: object, json: Any) -> str:
    if isinstance(value, bytes):
        value = value.decode("utf-8", "surrogateescape")
    if isinstance(value, str) and value.startswith(("{", "[")):
        with contextlib.suppress(ValueError):
            value = json.dumps(json.loads(value), ensure_ascii=False)
    return str(value)


def file_states(folder: Path, include: Callable[[str], bool]) -> dict[str, tuple[bytes, int, int]]:
    """Each file below ``folder`` whose relative path ``include`` accepts, with its bytes,
    mtime and inode: equal states mean the file was not rewritten (not even with the same
    bytes), which is what web caches and readers' conditional requests depend on."""
    result = {}
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder).as_posix()
        if path.is_file() and include(relative):
            stat = path.stat()
            result[relative] = (path.read_bytes(), stat.st_mtime_ns, stat.st_ino)
    return result


@contextlib.contextmanager
def within(seconds: float) -> Iterator[None]:
    """Fail the test instead of hanging when the block takes longer than ``seconds``: for
    code that must never block, such as opening a FIFO put where a file was. (pytest.fail,
    not TimeoutError: that is an OSError, which the code under test may catch.)"""

    def expire(signum: int, frame: object) -> None:
        pytest.fail(f"blocked for more than {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


#: The real scraped page; present on the team's machines, absent elsewhere.
SEEDS = ROOT.parent / "shared" / "seeds"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        default=False,
        help="Rewrite tests/data/golden/ from the current code instead of comparing.",
    )


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden"))


@pytest.fixture
def sample_releases(tmp_path: Path) -> Path:
    """A private copy of the sample releases that a test may change."""
    target = tmp_path / "releases"
    shutil.copytree(SAMPLE_RELEASES, target)
    return target


#: A site's own templates (README, "Templates"): a footer with the office's address, its
#: colours added to the default style, and an archive page of its own design.
def site_overrides() -> dict[str, str]:
    from feedpub.templating import DEFAULTS

    style = (DEFAULTS / "style.css").read_text("utf-8").rstrip("\n")
    return {
        "footer.html": (
            '<footer class="amt">\n<link rel="stylesheet" href="{{ static_url }}amt.css">\n'
            '<p class="site amt-static">{% if site.logo %}<img src="{{ site.logo }}" alt="">'
            "{% endif %}{{ site.site_name }}, Musterstraße 1, "
            "12345 Musterstadt</p>\n{% if site.footer %}"
            '<nav aria-label="Rechtliches"><ul class="legal">{% for link in site.footer %}'
            '<li><a href="{{ link.url }}">{{ link.title }}</a></li>{% endfor %}</ul></nav>'
            "{% endif %}\n</footer>\n"
        ),
        "style.css": style + ".amt{border-top:4px solid #7a1f1f}.brand{color:#7a1f1f}\n",
        "archive.html": (
            '{% extends "base.html" %}\n{% block main %}\n<h1>{{ heading }}</h1>\n'
            '<p class="brand">Das Archiv des Landkreises</p>\n<ul class="releases">'
            '{% for item in releases %}<li><a href="{{ item.url }}">{{ item.title }}</a> '
            '(<time datetime="{{ item.published }}">{{ item.published_text }}</time>)</li>'
            '{% endfor %}</ul>\n<nav aria-label="Monate"><ul>{% for year in years %}'
            '{% for month in year.months %}<li><a href="{{ month.url }}">{{ month.text }} '
            "{{ year.year }}</a></li>{% endfor %}{% endfor %}</ul></nav>\n{% endblock %}\n"
        ),
    }


def overriding_site(folder: Path, base_url: str = "https://presse.example.de/feeds/") -> Config:
    """The sample configuration in ``folder``, with :func:`site_overrides` in its
    ``templates/`` folder and ``base_url``."""
    text = SAMPLE_CONFIG.read_text("utf-8")
    text = re.sub(r'^base_url = ".*"$', f'base_url = "{base_url}"', text, flags=re.M)
    text = re.sub(r'^# logo = "logo.svg"$', 'logo = "logo.svg"', text, flags=re.M)
    (folder / "templates").mkdir(parents=True)
    for name, template in site_overrides().items():
        (folder / "templates" / name).write_text(template, "utf-8")
    # Its static files: the logo in every footer and a style sheet the footer links.
    (folder / "static").mkdir()
    for name, data in STATIC_FILES.items():
        (folder / "static" / name).write_text(data, "utf-8")
    (folder / "feedpub.toml").write_text(text, "utf-8")
    config = load_config(folder / "feedpub.toml")
    assert config.templates == folder / "templates" and config.base_url == base_url
    assert config.static == folder / "static" and config.logo == f"{base_url}static/logo.svg"
    return config


STATIC_FILES = {
    "logo.svg": (
        '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="40" viewBox="0 0 40 40">'
        '<rect width="40" height="40" fill="#7a1f1f"/></svg>\n'
    ),
    "amt.css": ".amt-static{color:#7a1f1f}\n",
}


def feed_published(record: dict[str, Any]) -> datetime:
    """When the feeds of a build on a later day say a release (a ``check --json`` record)
    was published: its date line's time, or noon of its day when that names none (README,
    "Dates")."""
    value = datetime.fromisoformat(record["published"])
    return value.replace(hour=12) if record["date_only"] else value


def with_notices(records: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """What the entries of a first build (on a later day than every release) show, as
    ``check --json`` records: the releases with the time the feeds give them
    (:func:`feed_published`), and a correction notice per release with a ``Korrektur:``
    line (README: at the stated ``Aktualisiert:`` time, never before the publication, a
    stated day alone at noon; else, as the release is new to the build, at its publication;
    the publisher as author; no pictures)."""
    entries = [record | {"published": feed_published(record).isoformat()} for record in records]
    notices = []
    for record in entries:
        if record["correction"] is None:
            continue
        time = datetime.fromisoformat(record["published"])
        if record["updated"] is not None:
            stated = datetime.fromisoformat(record["updated"])
            if stated.time() == datetime.min.time() and stated.date() > time.date():
                stated = stated.replace(hour=12)  # a day alone, seen on a later day
            time = max(time, stated)
        notices.append(
            record
            | {
                "id": f"{record['id']}/korrektur-{time.astimezone(UTC):%Y%m%dT%H%M%SZ}",
                "title": f"Korrektur: {record['title']}",
                "published": time.isoformat(),
                "date_only": False,
                "updated": None,
                "authors": [],
                "images": [],
                "captions": [],
                "teaser": None,
                "paragraphs": [record["correction"]],
                "correction": None,
            }
        )
    return [*entries, *notices]
