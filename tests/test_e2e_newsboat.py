"""End to end with a real feed reader: newsboat fetches the sample feeds over HTTP.

The sample build (``base_url`` = a local server on 127.0.0.1) is served by ``http.server`` in a
thread; ``newsboat -x reload`` fetches without its UI and stores what it read in its sqlite
cache, which the tests compare with the releases (``feedpub check --json``).

Two known traits of newsboat 2.21 (see ../shared/tools/README.md) shape the assertions:

* it keys items by guid across all feeds: a release in a department feed and in the all-feed
  (and in Atom and RSS) is stored once, so a run with every feed is compared by guid, and a
  second kind of run gives each feed its own cache to see that feed's items;
* under TZ=Europe/Berlin it misreads Atom times in the hours around a DST change by 1 h, so a
  date read from Atom may be off by exactly one hour when a DST change is within a day.

Besides the samples, the served build has two releases on the days of a DST change
(``DST_RELEASES``): their offsets are where a reader's dates go wrong first.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import functools
import http.server
import json
import os
import re
import shutil
import sqlite3
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner
from lxml import etree

from feedpub.build import build
from feedpub.cli import cli
from feedpub.config import load_config
from feedpub.release import slugify
from tests.conftest import SAMPLE_CONFIG, SAMPLE_RELEASES, WIDE_CONFIG_TEXT, with_notices

NEWSBOAT = shutil.which("newsboat")
pytestmark = pytest.mark.skipif(
    NEWSBOAT is None, reason="newsboat not installed: apt-get install newsboat (done by .ci/run)"
)

BERLIN = ZoneInfo("Europe/Berlin")
SLUGS = sorted({slugify(p.name) for p in SAMPLE_RELEASES.iterdir() if p.is_dir()})
#: Extra releases (file below releases/ → date line) on the two DST days of 2025: clocks go
#: forward at 02:00 on 30 March; 01:30 on 26 October happens twice (the first one counts).
DST_RELEASES = {
    "Gesundheitsamt/2025-03-30-sommerzeit.txt": ("30.03.2025, 10:00 Uhr", "2025-03-30T10:00+02:00"),
    "Jobcenter/2025-10-26-winterzeit.txt": ("26.10.2025, 01:30 Uhr", "2025-10-26T01:30+02:00"),
}
TEMPLATE = "Gesundheitsamt/2025-07-09-badegewaesser-saison.txt"
#: Every feed of the build: Atom and RSS of every department and of all of them.
FEEDS = [
    f"{folder}{name}"
    for folder in ["", *(f"{s}/" for s in SLUGS)]
    for name in ("atom.xml", "rss.xml")
]


class _Handler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        ".xml": "application/xml",
        ".opml": "text/x-opml",
    }
    requests: list[tuple[str, int]]

    def log_message(self, format: str, *args: Any) -> None:
        pass  # quiet: failures show up as assertions

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        self.requests.append((self.path, int(code)))


@dataclass
class Site:
    """The sample build, served over HTTP."""

    url: str
    out: Path
    requests: list[tuple[str, int]] = field(default_factory=list)


@pytest.fixture(scope="module")
def releases_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample releases plus ``DST_RELEASES``."""
    target = tmp_path_factory.mktemp("releases") / "releases"
    shutil.copytree(SAMPLE_RELEASES, target)
    text = (SAMPLE_RELEASES / TEMPLATE).read_text("utf-8")
    for relative, (date_line, _) in DST_RELEASES.items():
        stem = Path(relative).stem
        old_line = "\nPressemitteilung Nr. 27/2025 – 09.07.2025\n"
        assert text.count(old_line) == 1 and text.count("\nBadegewässer ") == 1
        edited = text.replace(old_line, f"\n{date_line}\n").replace(
            "\nBadegewässer ", f"\nTest {stem}: Badegewässer "
        )
        (target / relative).write_text(edited, "utf-8")
    return target


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, releases_dir: Path) -> Iterator[Site]:
    out = tmp_path_factory.mktemp("served") / "out"
    requests: list[tuple[str, int]] = []
    handler = functools.partial(
        type("Handler", (_Handler,), {"requests": requests}), directory=str(out)
    )
    # Port 0: the kernel picks a free port before the build needs the URL.
    with http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler) as server:
        url = f"http://127.0.0.1:{server.server_address[1]}/"
        config = tmp_path_factory.mktemp("config") / "feedpub.toml"
        text, count = re.subn(
            r"^base_url = .*$", f'base_url = "{url}"', WIDE_CONFIG_TEXT, flags=re.M
        )
        assert count == 1
        config.write_text(text, "utf-8")
        report = build(releases_dir, out, load_config(config))
        assert not report.errors, "\n".join(map(str, report.errors))
        thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
        thread.start()
        try:
            yield Site(url, out, requests)
        finally:
            server.shutdown()
            thread.join(timeout=10)


@pytest.fixture(scope="module")
def releases(releases_dir: Path) -> dict[str, dict[str, Any]]:
    """``feedpub check --json`` records by id, and those of the correction notices the build
    publishes (see tests.conftest.with_notices)."""
    result = CliRunner().invoke(
        cli,
        ["check", "--json", "--releases", str(releases_dir), "--config", str(SAMPLE_CONFIG)],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    by_path = {r["path"]: r for r in records}
    for relative, (_, published) in DST_RELEASES.items():
        assert datetime.fromisoformat(by_path[relative]["published"]) == datetime.fromisoformat(
            published
        ), f"{relative}: {by_path[relative]['published']}"
    return {r["id"]: r for r in with_notices(records)}


def feed_ids(path: Path) -> list[str]:
    """The entry ids (Atom) or guids (RSS) the feed file has."""
    root = etree.parse(path).getroot()
    ids = root.xpath("/a:feed/a:entry/a:id/text()", namespaces={"a": "http://www.w3.org/2005/Atom"})
    return [str(i) for i in ids] or [str(g) for g in root.xpath("/rss/channel/item/guid/text()")]


@dataclass
class Run:
    """One ``newsboat -x reload``: how it ended, its error log, and its sqlite cache: feeds
    (url → title) and items (guid, title, pubDate, feedurl)."""

    returncode: int
    output: str
    errors: str
    feeds: dict[str, str]
    items: list[tuple[str, str, int, str]]

    def check(self) -> None:
        assert self.returncode == 0, f"newsboat exit {self.returncode}: {self.output}"
        assert not self.errors, f"newsboat error log:\n{self.errors}"


def run_newsboat(tmp: Path, urls: list[str]) -> Run:
    """``newsboat -x reload`` on ``urls`` with the home and cache in ``tmp`` (made when
    missing: a second run there reloads into the same cache)."""
    tmp.mkdir(parents=True, exist_ok=True)
    (tmp / "urls").write_text("".join(f"{u}\n" for u in urls), "utf-8")
    log = tmp / "error.log"
    (tmp / "config").write_text(
        f'error-log "{log}"\ndownload-timeout 10\ndownload-retries 1\nreload-threads 4\n', "utf-8"
    )
    env = {
        **os.environ,
        "HOME": str(tmp),
        "XDG_CONFIG_HOME": str(tmp / ".config"),
        "XDG_DATA_HOME": str(tmp / ".local/share"),
        "XDG_CACHE_HOME": str(tmp / ".cache"),
        "TZ": "Europe/Berlin",
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        **{k: "" for k in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY")},
        "no_proxy": "*",
    }
    assert NEWSBOAT is not None
    done = subprocess.run(
        [NEWSBOAT, "-x", "reload", "-u", "urls", "-c", "cache.db", "-C", "config"],
        cwd=tmp,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    errors = log.read_text("utf-8", "replace").strip() if log.exists() else ""
    feeds: dict[str, str] = {}
    items: list[tuple[str, str, int, str]] = []
    if (tmp / "cache.db").exists():
        with contextlib.closing(sqlite3.connect(tmp / "cache.db")) as db:
            feeds = dict(db.execute("SELECT rssurl, title FROM rss_feed"))
            items = db.execute(
                "SELECT guid, title, pubDate, feedurl FROM rss_item WHERE deleted = 0"
            ).fetchall()
    return Run(done.returncode, (done.stderr or done.stdout).strip(), errors, feeds, items)


@pytest.fixture(scope="module")
def alone(site: Site, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Run]:
    """Each feed read on its own (own home and cache), four newsboat processes at a time."""
    tmp = tmp_path_factory.mktemp("newsboat-alone")
    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
        runs = {
            feed: pool.submit(run_newsboat, tmp / str(n), [site.url + feed])
            for n, feed in enumerate(FEEDS)
        }
        return {feed: run.result() for feed, run in runs.items()}


def near_dst_change(timestamp: int) -> bool:
    """Whether Berlin's UTC offset changes within a day of ``timestamp``."""
    moment = datetime.fromtimestamp(timestamp, UTC)
    offsets = {(moment + timedelta(days=d)).astimezone(BERLIN).utcoffset() for d in (-1, 1)}
    return len(offsets) > 1


def assert_item_matches(
    guid: str, title: str, pub_date: int, release: dict[str, Any], from_atom: bool
) -> None:
    assert title == release["title"], f"{guid}: newsboat shows {title!r}"
    expected = int(datetime.fromisoformat(release["published"]).timestamp())
    if pub_date != expected and from_atom and near_dst_change(expected):
        # newsboat 2.21's Atom DST bug (see module docstring): off by exactly one hour.
        assert abs(pub_date - expected) == 3600, f"{guid}: {pub_date} != {expected}"
        return
    assert pub_date == expected, (
        f"{guid}: newsboat dates it {datetime.fromtimestamp(pub_date, BERLIN)}, the release "
        f"says {release['published']}"
    )


def test_newsboat_subscribed_to_every_feed_shows_every_release(
    site: Site, releases: dict[str, dict[str, Any]], tmp_path: Path
):
    urls = [site.url + feed for feed in FEEDS]
    cache = run_newsboat(tmp_path / "all", urls)
    cache.check()

    assert sorted(cache.feeds) == sorted(urls), "newsboat did not load every feed"
    for url, title in cache.feeds.items():
        assert title, f"{url}: newsboat shows no feed title"
    requested = {path for path, code in site.requests if code == 200}
    assert {"/" + feed for feed in FEEDS} <= requested

    stored: dict[str, tuple[str, int]] = {}
    for guid, title, pub_date, _feedurl in cache.items:
        assert guid not in stored, f"{guid} stored twice"
        stored[guid] = (title, pub_date)
    for feed in FEEDS:
        ids = feed_ids(site.out / feed)
        assert ids, f"{feed} has no entries"
        missing = sorted(set(ids) - stored.keys())
        assert not missing, f"{feed}: newsboat lacks {missing}"
    assert sorted(stored) == sorted(releases), "newsboat shows other items than the entries"
    for guid, (title, pub_date) in stored.items():
        assert_item_matches(guid, title, pub_date, releases[guid], from_atom=True)


@pytest.mark.parametrize("feed", FEEDS)
def test_newsboat_reads_each_feed_on_its_own(
    site: Site, releases: dict[str, dict[str, Any]], alone: dict[str, Run], feed: str
):
    url = site.url + feed
    cache = alone[feed]
    cache.check()
    assert list(cache.feeds) == [url] and cache.feeds[url], f"{feed}: not loaded"
    rows = [item for item in cache.items if item[3] == url]
    assert len(rows) == len(cache.items)
    ids = feed_ids(site.out / feed)
    assert sorted(guid for guid, *_ in rows) == sorted(ids), f"{feed}: items differ from file"
    for guid, title, pub_date, _feedurl in rows:
        assert_item_matches(guid, title, pub_date, releases[guid], feed.endswith("atom.xml"))


def test_dst_tolerance_only_covers_days_of_a_change():
    change = int(datetime(2025, 3, 30, 3, 0, tzinfo=BERLIN).timestamp())
    assert near_dst_change(change)
    assert near_dst_change(change + 20 * 3600)
    assert not near_dst_change(change + 3 * 86400)
    assert not near_dst_change(int(datetime(2025, 7, 9, tzinfo=BERLIN).timestamp()))


def test_newsboat_shows_a_correction_notice_once_and_nothing_after_a_rebuild(
    releases_dir: Path, tmp_path_factory: pytest.TempPathFactory, tmp_path: Path
):
    """A release gets a Korrektur: line: newsboat, which keeps the text of an item it knows
    (issue 13), shows the correction notice as one new item (stored once for all feeds that
    carry it, keyed by guid), dated at the correction; a rebuild with nothing changed brings
    nothing new."""
    from tests import test_e2e_readers as readers  # its sites; imported here: it imports us

    with readers.correction_site(tmp_path_factory, releases_dir) as c:
        urls = [c.site.url + feed for feed in FEEDS]
        first = run_newsboat(tmp_path / "home", urls)
        first.check()
        c.correct()
        second = run_newsboat(tmp_path / "home", urls)
        second.check()
        known = {guid for guid, *_ in first.items}
        new = [item for item in second.items if item[0] not in known]
        assert [guid for guid, *_ in new] == [c.notice_id], new
        _, title, pub_date, _ = new[0]
        assert title == c.title
        assert pub_date == int(readers.CORRECTED_AT.timestamp())
        c.site.rebuild()
        third = run_newsboat(tmp_path / "home", urls)
        third.check()
        assert sorted(third.items) == sorted(second.items), "new items after a rebuild"
