"""WebSub: the hub links in every feed, and what a build tells a real hub on 127.0.0.1.

Each test starts its own hub (``http.server`` in a thread) that records every request and
answers as the test says; the timing is shortened (:data:`QUICK`) so that retries and time
limits cost fractions of a second. The clock of the releases is injected as in
test_build_cron.py.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import feedparser
import pytest
from click.testing import CliRunner
from lxml import etree

import feedpub.websub
from feedpub.build import build
from feedpub.cli import cli
from feedpub.config import Config, make_config
from feedpub.dates import BERLIN
from feedpub.ledger import LEDGER_NAME
from feedpub.websub import (
    Failure,
    NoAnswer,
    Timing,
    feed_urls,
    is_feed,
    load_pending,
    load_pending_raw,
    notify,
    save_pending,
)
from tests.conftest import ROOT
from tests.test_golden import published_files

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=BERLIN)
BASE = "https://presse.example.de/feeds/"
ATOM_NS = "http://www.w3.org/2005/Atom"
#: Short enough for a fast suite, long enough for a loopback hub on a busy machine.
QUICK = Timing(timeout=2.0, attempts=3, backoff=0.01, budget=5.0)
#: The feeds of the sample releases: Atom, RSS and JSON Feed per department and for all.
SLUGS = [
    "amt-fuer-bau-und-planung",
    "gesundheitsamt",
    "jobcenter",
    "kreisvolkshochschule",
    "strassenverkehrsamt",
]


def feed_names(slug: str | None) -> list[str]:
    prefix = "" if slug is None else f"{slug}/"
    return [f"{prefix}atom.xml", f"{prefix}feed.json", f"{prefix}rss.xml"]


FEEDS = [name for slug in [None, *SLUGS] for name in feed_names(slug)]
FEED_URLS = sorted(BASE + name for name in FEEDS)


# ------------------------------------------------------------------------------- the hub


@dataclass(frozen=True, slots=True)
class Received:
    method: str
    path: str
    content_type: str
    form: dict[str, list[str]]


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that gave up (the never-answering hub): not the test's business


class Hub:
    """A WebSub hub on 127.0.0.1 that records what it receives. It answers ``status``, or
    first the statuses in ``answers`` one by one; ``delay`` seconds before answering."""

    def __init__(self, port: int = 0) -> None:
        self.received: list[Received] = []
        self.status = 204
        self.answers: list[int] = []
        self.delay = 0.0
        self.location: str | None = None
        self._lock = threading.Lock()
        self.server = _QuietServer(("127.0.0.1", port), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_port}/hub"
        self._thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def urls(self) -> list[str]:
        """The ``hub.url`` of every request, in arrival order."""
        return [url for each in self.received for url in each.form.get("hub.url", [])]

    def _answer(self) -> int:
        with self._lock:
            return self.answers.pop(0) if self.answers else self.status

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        hub = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length).decode("ascii")
                with hub._lock:
                    hub.received.append(
                        Received(
                            "POST",
                            self.path,
                            self.headers.get("Content-Type", ""),
                            parse_qs(body, keep_blank_values=True),
                        )
                    )
                if hub.delay:
                    time.sleep(hub.delay)
                status = hub._answer()
                self.send_response(status)
                if hub.location and 300 <= status < 400:
                    self.send_header("Location", hub.location)
                text = b"" if status == 204 else b"Hub says no\n"
                self.send_header("Content-Length", str(len(text)))
                self.end_headers()
                self.wfile.write(text)

            def do_GET(self) -> None:  # noqa: N802
                with hub._lock:
                    hub.received.append(Received("GET", self.path, "", {}))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass  # quiet test output

        return Handler


@pytest.fixture
def hub() -> Iterator[Hub]:
    running = Hub()
    yield running
    running.close()


def closed_port() -> int:
    """A port on 127.0.0.1 where nothing listens (connections are refused)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def hub_config(hub_url: str, **more: Any) -> Config:
    return make_config(
        {"base_url": BASE, "tag_authority": "presse.example.de", "websub_hub": hub_url, **more},
        None,
    )


def every_file(folder: Path) -> dict[str, tuple[bytes, int]]:
    """Every file with its mtime, hidden bookkeeping included (except the lock)."""
    return {
        path.relative_to(folder).as_posix(): (path.read_bytes(), path.stat().st_mtime_ns)
        for path in sorted(folder.rglob("*"))
        if path.is_file() and path.name != "lock"
    }


def pending(out: Path) -> list[str] | None:
    """The pending URLs in the ledger, or None when there are none."""
    return load_pending_raw(out) or None


def edit(releases: Path, department: str) -> None:
    """Change the newest release of a department (its text, so its feeds change)."""
    path = sorted((releases / department).glob("*.txt"))[-1]
    path.write_text(path.read_text("utf-8") + "\nEin Nachtrag.\n", "utf-8")


# ---------------------------------------------------------------- discovery (WebSub 4)


def test_every_feed_names_the_hub_beside_itself(
    sample_releases: Path, tmp_path: Path, hub: Hub
) -> None:
    hub_url = hub.url
    out = tmp_path / "feeds"
    build(sample_releases, out, hub_config(hub_url), now=NOW, websub=QUICK)
    names = sorted(
        p.relative_to(out).as_posix()
        for p in [*out.rglob("*.xml"), *out.rglob("feed.json")]
        if "archive" not in p.parts  # archive documents do not change: no hub (see feeds)
    )
    assert names == sorted(FEEDS)
    for name in FEEDS:
        if name.endswith(".json"):
            document = json.loads((out / name).read_bytes())
            assert document["hubs"] == [{"type": "WebSub", "url": hub_url}], name
            assert document["feed_url"] == BASE + name
            continue
        root = etree.parse(str(out / name)).getroot()
        scope = root if root.tag == f"{{{ATOM_NS}}}feed" else root.find("channel")
        links = {link.get("rel"): link.get("href") for link in scope.findall(f"{{{ATOM_NS}}}link")}
        assert links["hub"] == hub_url, name
        assert links["self"] == BASE + name, name
        parsed = feedparser.parse((out / name).read_bytes())
        assert not parsed.bozo, (name, parsed.get("bozo_exception"))
        rels = {link["rel"]: link["href"] for link in parsed.feed.links}
        assert rels["hub"] == hub_url and rels["self"] == BASE + name


def test_an_rss_feed_keeps_its_channel_link(
    sample_releases: Path, tmp_path: Path, hub: Hub
) -> None:
    """feedgen takes the RSS <link> from the last link it is given: not the hub."""
    out = tmp_path / "feeds"
    build(sample_releases, out, hub_config(hub.url), now=NOW, websub=QUICK)
    channel = etree.parse(str(out / "jobcenter" / "rss.xml")).getroot().find("channel")
    assert channel.findtext("link") == BASE + "jobcenter/index.html"


def test_without_a_hub_no_feed_names_one(sample_releases: Path, tmp_path: Path) -> None:
    out = tmp_path / "feeds"
    report = build(sample_releases, out, make_config({"base_url": BASE}, None), now=NOW)
    assert report.websub is None
    for name in FEEDS:
        assert b'rel="hub"' not in (out / name).read_bytes()
    assert pending(out) is None


def find_feedcheck() -> Path | None:
    for folder in ROOT.parents:
        candidate = folder / "shared" / "tools" / "feedcheck"
        if candidate.is_file():
            return candidate
    return None


def feedcheck_findings(tool: Path, folder: Path, report: Path) -> dict[str, Any]:
    subprocess.run(
        [str(tool), str(folder), "--base-url", BASE, "--require-all", "--json", str(report)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    return dict(json.loads(report.read_text("utf-8")))


def test_feeds_with_a_hub_are_as_valid_as_without(
    sample_releases: Path, tmp_path: Path, hub: Hub
) -> None:
    """The W3C validator, feedparser, newsboat, gofeed and xmllint (feedcheck) find nothing
    in the hub links: no error, and no finding that the same build without a hub lacks."""
    tool = find_feedcheck()
    cache = Path(os.environ.get("FEEDCHECK_CACHE", Path.home() / ".cache" / "feedcheck"))
    if tool is None or not (cache / "venv" / "bin" / "python").exists():
        pytest.skip("feedcheck (../shared/tools) is not set up on this machine")
    with_hub, without = tmp_path / "with", tmp_path / "without"
    build(sample_releases, with_hub, hub_config(hub.url), now=NOW, websub=QUICK)
    build(sample_releases, without, make_config({"base_url": BASE}, None), now=NOW)
    for folder in (with_hub, without):
        shutil.rmtree(folder / ".feedpub")
    found = feedcheck_findings(tool, with_hub, tmp_path / "with.json")
    baseline = feedcheck_findings(tool, without, tmp_path / "without.json")
    assert found["errors"] == 0 and not found["skipped_checkers"], found

    def problems(result: dict[str, Any]) -> set[tuple[str, str, str]]:
        return {
            # Without "line 206, column 38:": the hub link moves later lines down by one.
            (
                each["file"],
                finding["checker"],
                re.sub(r"^line \d+, column \d+: ", "", finding["message"]),
            )
            for each in result["files"]
            for finding in each["findings"]
            if finding["level"] in ("error", "warning")
        }

    assert problems(found) <= problems(baseline)
    checked = {each["file"] for each in found["files"]}
    assert set(FEEDS) <= checked


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="no systemd-analyze")
def test_the_guides_drop_in_for_a_hub_verifies(tmp_path: Path) -> None:
    """docs/deployment.md: the unit has no network; its drop-in gives it some, and loads."""
    from tests.test_e2e_nginx import GUIDE, fenced

    guide = GUIDE.read_text("utf-8")
    service = fenced("ini", guide)[0]
    (drop_in,) = fenced("conf", guide)
    assert "RestrictAddressFamilies=AF_UNIX\n" in service and "IPAddressDeny=any\n" in service
    assert "RestrictAddressFamilies=AF_INET AF_INET6\n" in drop_in and "IPAddressDeny=\n" in drop_in
    (tmp_path / "feedpub.service").write_text(
        service.replace("/srv/presse/.venv/bin/feedpub build", "/bin/true"), "utf-8"
    )
    (tmp_path / "feedpub.service.d").mkdir()
    (tmp_path / "feedpub.service.d" / "override.conf").write_text(drop_in, "utf-8")
    done = subprocess.run(
        ["systemd-analyze", "verify", "feedpub.service"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert (done.returncode, done.stdout + done.stderr) == (0, "")


# ------------------------------------------------------------------- which files are feeds


@pytest.mark.parametrize(
    ("relative", "expected"),
    [
        ("atom.xml", True),
        ("rss.xml", True),
        ("feed.json", True),  # JSON Feed, written beside atom.xml by another step
        ("jobcenter/atom.xml", True),
        ("jobcenter/rss.xml", True),
        ("jobcenter/feed.json", True),
        ("jobcenter/archive/atom.xml", False),  # archive documents have no subscribers
        ("archive/2024/rss.xml", False),
        ("jobcenter/2024-09-18-jobmesse.html", False),
        ("index.html", False),
        ("feeds.opml", False),
        ("jobcenter/atom.xml.bak", False),
        ("jobcenter/xatom.xml", False),
    ],
)
def test_is_feed(relative: str, expected: bool) -> None:
    assert is_feed(relative) is expected


def test_feed_urls_keep_the_order_written() -> None:
    written = ["jobcenter/a.html", "jobcenter/atom.xml", "jobcenter/rss.xml", "atom.xml"]
    assert feed_urls(BASE, written) == [
        BASE + "jobcenter/atom.xml",
        BASE + "jobcenter/rss.xml",
        BASE + "atom.xml",
    ]


# ------------------------------------------------------------ what a build tells the hub


def test_the_first_build_announces_every_feed_once(
    sample_releases: Path, tmp_path: Path, hub: Hub
) -> None:
    report = build(sample_releases, tmp_path / "feeds", hub_config(hub.url), now=NOW, websub=QUICK)
    assert sorted(hub.urls()) == FEED_URLS
    for each in hub.received:
        assert each.method == "POST" and each.path == "/hub"
        assert each.content_type == "application/x-www-form-urlencoded"
        assert each.form["hub.mode"] == ["publish"] and len(each.form["hub.url"]) == 1
    assert report.websub is not None
    assert sorted(report.websub.sent) == FEED_URLS and report.websub.failed == []
    assert pending(tmp_path / "feeds") is None


def test_an_unchanged_build_announces_nothing_and_writes_nothing(
    sample_releases: Path, tmp_path: Path, hub: Hub
) -> None:
    out = tmp_path / "feeds"
    config = hub_config(hub.url)
    build(sample_releases, out, config, now=NOW, websub=QUICK)
    before = every_file(out)
    hub.received.clear()
    report = build(sample_releases, out, config, now=NOW + timedelta(days=1), websub=QUICK)
    assert report.fast and report.websub is None
    assert hub.received == []
    assert every_file(out) == before


@pytest.mark.parametrize(
    ("department", "slug"),
    [("Jobcenter", "jobcenter"), ("Straßenverkehrsamt", "strassenverkehrsamt")],
)
def test_a_changed_release_announces_its_department_and_the_feeds_of_all(
    sample_releases: Path, tmp_path: Path, hub: Hub, department: str, slug: str
) -> None:
    out = tmp_path / "feeds"
    config = hub_config(hub.url)
    build(sample_releases, out, config, now=NOW, websub=QUICK)
    hub.received.clear()
    edit(sample_releases, department)
    report = build(sample_releases, out, config, now=NOW, websub=QUICK)
    expected = sorted(BASE + name for name in [*feed_names(slug), *feed_names(None)])
    assert sorted(hub.urls()) == expected
    assert report.websub is not None and sorted(report.websub.sent) == expected


def test_a_changed_page_whose_release_no_feed_shows_announces_nothing(
    sample_releases: Path, tmp_path: Path, hub: Hub
) -> None:
    """What changed is decided by the live feed files, not the releases: archive documents
    change, but nobody subscribes to them."""
    out = tmp_path / "feeds"
    config = hub_config(hub.url, max_entries=2)
    build(sample_releases, out, config, now=NOW, websub=QUICK)
    hub.received.clear()
    old = sample_releases / "Jobcenter" / "2024-09-18-jobmesse-musterstadt.txt"
    old.write_text(old.read_text("utf-8") + "\nEin Nachtrag.\n", "utf-8")
    report = build(sample_releases, out, config, now=NOW, websub=QUICK)
    assert [p for p in report.written if "/archive/" not in f"/{p}"] == [
        "jobcenter/2024-09-18-jobmesse-musterstadt.html"
    ]
    assert "jobcenter/archive/2024-09/atom.xml" in report.written
    assert hub.received == [] and report.websub is None


def test_a_new_hub_is_announced_every_feed(sample_releases: Path, tmp_path: Path, hub: Hub) -> None:
    """Changing websub_hub changes every feed (its hub link): the new hub hears of all."""
    out = tmp_path / "feeds"
    old_hub = f"http://127.0.0.1:{closed_port()}/"
    build(sample_releases, out, hub_config(old_hub), now=NOW, websub=QUICK)
    # (The old hub is gone: its failures are pending, and go to the new hub.)
    build(sample_releases, out, hub_config(hub.url), now=NOW, websub=QUICK)
    assert sorted(hub.urls()) == FEED_URLS
    assert pending(out) is None


# ---------------------------------------------------------------------- a hub that fails


def test_a_hub_answering_500_fails_nothing_and_is_retried_by_the_next_build(
    sample_releases: Path, tmp_path: Path, hub: Hub
) -> None:
    out = tmp_path / "feeds"
    config = hub_config(hub.url)
    hub.status = 500
    report = build(sample_releases, out, config, now=NOW, websub=QUICK)
    assert report.errors == []
    assert report.websub is not None and report.websub.sent == []
    assert sorted(f.url for f in report.websub.failed) == FEED_URLS
    assert all("HTTP 500" in f.reason for f in report.websub.failed)
    # Each feed was tried QUICK.attempts times within the build.
    assert sorted(hub.urls()) == sorted(FEED_URLS * QUICK.attempts)
    # The output is complete: the same files as a build whose hub works.
    reference = tmp_path / "reference"
    build(sample_releases, reference, config, now=NOW, websub=QUICK)
    assert published_files(out) == published_files(reference)
    assert sorted(pending(out) or []) == FEED_URLS

    # The hub works again: the next build (nothing changed) sends exactly what was pending.
    hub.status = 204
    hub.received.clear()
    again = build(sample_releases, out, config, now=NOW, websub=QUICK)
    assert again.fast
    assert sorted(hub.urls()) == FEED_URLS
    assert again.websub is not None and again.websub.failed == []
    assert again.websub.earlier == frozenset(FEED_URLS)
    assert pending(out) is None
    # And then nothing is left to tell.
    hub.received.clear()
    assert build(sample_releases, out, config, now=NOW, websub=QUICK).websub is None
    assert hub.received == []


def test_a_failed_feed_and_a_changed_one_are_sent_together(
    sample_releases: Path, tmp_path: Path, hub: Hub
) -> None:
    out = tmp_path / "feeds"
    config = hub_config(hub.url)
    build(sample_releases, out, config, now=NOW, websub=QUICK)
    hub.status = 503
    edit(sample_releases, "Jobcenter")
    build(sample_releases, out, config, now=NOW, websub=QUICK)
    assert len(pending(out) or []) == 6
    hub.status = 204
    hub.received.clear()
    edit(sample_releases, "Gesundheitsamt")
    report = build(sample_releases, out, config, now=NOW, websub=QUICK)
    # Gesundheitsamt's and the combined feeds (changed again), plus Jobcenter's (pending).
    expected = sorted(
        BASE + name
        for name in [*feed_names("gesundheitsamt"), *feed_names("jobcenter"), *feed_names(None)]
    )
    assert sorted(hub.urls()) == sorted(expected)  # each once
    assert report.websub is not None
    assert report.websub.earlier == {BASE + n for n in feed_names("jobcenter")}
    assert pending(out) is None


def test_a_hub_that_is_not_listening(
    sample_releases: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Through the command, as cron runs it: exit code 0, one line per feed on stderr, the
    output complete; the next build, with the hub back, sends them and clears the list."""
    monkeypatch.setattr(feedpub.websub, "DEFAULT_TIMING", QUICK)
    port = closed_port()
    config_file = tmp_path / "feedpub.toml"
    config_file.write_text(
        f'base_url = "{BASE}"\nwebsub_hub = "http://127.0.0.1:{port}/hub"\n', "utf-8"
    )
    out = tmp_path / "feeds"
    args = ["build", "--releases", str(sample_releases), "--out", str(out)]
    args += ["--config", str(config_file)]
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == len(FEED_URLS)
    for url, line in zip(FEED_URLS, sorted(lines), strict=True):
        assert line.startswith(f"feedpub: WebSub: {url}: ")
        assert "refused" in line and "next build" in line
    assert set(FEEDS) <= set(published_files(out))
    assert sorted(pending(out) or []) == FEED_URLS

    # Still down: the fast path tries again, says so again, keeps the list.
    again = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert again.exit_code == 0 and len(again.stderr.splitlines()) == len(FEED_URLS)
    assert sorted(pending(out) or []) == FEED_URLS

    back = Hub(port)
    try:
        result = CliRunner().invoke(cli, [*args, "-v"], catch_exceptions=False)
    finally:
        back.close()
    assert result.exit_code == 0
    assert sorted(back.urls()) == FEED_URLS
    told = [line for line in result.stderr.splitlines() if "told the WebSub hub" in line]
    assert len(told) == len(FEED_URLS)
    assert all("left from an earlier build" in line for line in told)
    assert pending(out) is None


def test_bad_releases_and_a_failing_hub_keep_their_own_exit_code(
    sample_releases: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(feedpub.websub, "DEFAULT_TIMING", QUICK)
    (sample_releases / "Jobcenter" / "kaputt.txt").write_text("kein Datum\n", "utf-8")
    config_file = tmp_path / "feedpub.toml"
    config_file.write_text(
        f'base_url = "{BASE}"\nwebsub_hub = "http://127.0.0.1:{closed_port()}/"\n', "utf-8"
    )
    args = ["build", "--releases", str(sample_releases), "--out", str(tmp_path / "feeds")]
    result = CliRunner().invoke(cli, [*args, "--config", str(config_file)])
    assert result.exit_code == 1  # the bad release, as without a hub
    assert "kaputt.txt:1:" in result.stderr and "feedpub: WebSub: " in result.stderr


def test_a_hub_that_never_answers_costs_at_most_the_time_budget(
    sample_releases: Path, tmp_path: Path, hub: Hub
) -> None:
    hub.delay = 3.0
    timing = Timing(timeout=0.3, attempts=3, backoff=0.05, budget=1.0)
    out = tmp_path / "feeds"
    start = time.monotonic()
    report = build(sample_releases, out, hub_config(hub.url), now=NOW, websub=timing)
    # The build itself takes a fraction of a second; the hub adds at most the budget plus
    # the grace of the last request.
    assert time.monotonic() - start < 1.0 + 0.5 + 2.0
    assert report.websub is not None and report.websub.sent == []
    assert sorted(f.url for f in report.websub.failed) == FEED_URLS
    assert sorted(pending(out) or []) == FEED_URLS
    # A hub that does not answer is not asked about every other feed in the same round.
    assert len(hub.received) <= timing.attempts


def test_a_busy_hub_is_asked_again_after_a_pause(
    sample_releases: Path, tmp_path: Path, hub: Hub
) -> None:
    hub.answers = [503, 429]
    report = build(sample_releases, tmp_path / "feeds", hub_config(hub.url), now=NOW, websub=QUICK)
    assert report.websub is not None and report.websub.failed == []
    assert len(hub.urls()) == len(FEED_URLS) + 2
    assert sorted(set(hub.urls())) == FEED_URLS


@pytest.mark.parametrize(
    ("status", "reason"), [(404, "Not Found"), (400, "Bad Request"), (501, "Not Implemented")]
)
def test_a_hub_refusing_a_feed_is_not_asked_again_in_the_same_build(
    sample_releases: Path, tmp_path: Path, hub: Hub, status: int, reason: str
) -> None:
    hub.status = status
    out = tmp_path / "feeds"
    report = build(sample_releases, out, hub_config(hub.url), now=NOW, websub=QUICK)
    assert sorted(hub.urls()) == FEED_URLS  # once each
    assert report.websub is not None
    expected = f"HTTP {status} {reason}: Hub says no"
    assert all(f.reason == expected for f in report.websub.failed)
    assert sorted(pending(out) or []) == FEED_URLS  # the next build asks again


def test_a_redirecting_hub_is_not_followed(sample_releases: Path, tmp_path: Path, hub: Hub) -> None:
    """urllib would follow a 301 with a GET (the ping lost, yet "200 OK")."""
    hub.status = 301
    hub.location = f"http://127.0.0.1:{closed_port()}/moved"  # never the network
    report = build(sample_releases, tmp_path / "feeds", hub_config(hub.url), now=NOW, websub=QUICK)
    assert report.websub is not None and report.websub.sent == []
    assert {r.method for r in hub.received} == {"POST"}
    assert f"the hub moved to {hub.location}" in report.websub.failed[0].reason


def test_a_build_killed_before_telling_the_hub_leaves_the_feeds_pending(
    sample_releases: Path, tmp_path: Path, hub: Hub, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "feeds"
    config = hub_config(hub.url)
    build(sample_releases, out, config, now=NOW, websub=QUICK)
    edit(sample_releases, "Jobcenter")

    def killed(*args: Any, **kwargs: Any) -> None:
        raise KeyboardInterrupt  # as SIGINT or a kill would, after the feeds are in place

    monkeypatch.setattr(feedpub.websub, "announce", killed)
    with pytest.raises(KeyboardInterrupt):
        build(sample_releases, out, config, now=NOW, websub=QUICK)
    monkeypatch.undo()
    expected = sorted(BASE + name for name in [*feed_names("jobcenter"), *feed_names(None)])
    assert sorted(pending(out) or []) == expected
    hub.received.clear()
    report = build(sample_releases, out, config, now=NOW, websub=QUICK)
    assert sorted(hub.urls()) == expected
    assert report.websub is not None and report.websub.failed == []
    assert pending(out) is None


def test_removing_the_hub_drops_what_was_pending(sample_releases: Path, tmp_path: Path) -> None:
    out = tmp_path / "feeds"
    build(sample_releases, out, hub_config(f"http://127.0.0.1:{closed_port()}/"), websub=QUICK)
    assert pending(out)
    report = build(sample_releases, out, make_config({"base_url": BASE}, None), websub=QUICK)
    assert report.websub is None and pending(out) is None
    assert b'rel="hub"' not in (out / "atom.xml").read_bytes()


def test_a_feed_that_is_gone_is_not_announced(
    sample_releases: Path, tmp_path: Path, hub: Hub
) -> None:
    out = tmp_path / "feeds"
    config = hub_config(hub.url)
    hub.status = 500
    build(sample_releases, out, config, now=NOW, websub=QUICK)
    hub.status = 204
    hub.received.clear()
    shutil.rmtree(sample_releases / "Jobcenter")
    report = build(sample_releases, out, config, now=NOW, websub=QUICK)
    assert not (out / "jobcenter").exists()
    assert sorted(hub.urls()) == [u for u in FEED_URLS if "/jobcenter/" not in u]
    assert report.websub is not None and pending(out) is None


def test_a_pending_list_of_feeds_that_are_gone_is_removed_without_a_request(
    sample_releases: Path, tmp_path: Path, hub: Hub
) -> None:
    out = tmp_path / "feeds"
    config = hub_config(hub.url)
    build(sample_releases, out, config, now=NOW, websub=QUICK)
    hub.received.clear()
    save_pending(out, [f"{BASE}abgeschafft/atom.xml", "https://alt.example/feeds/atom.xml"])
    report = build(sample_releases, out, config, now=NOW, websub=QUICK)
    assert report.fast and report.websub is None and hub.received == []
    assert pending(out) is None


def test_a_build_with_nothing_to_tell_imports_no_http_client(
    sample_releases: Path, tmp_path: Path, hub: Hub
) -> None:
    """urllib.request brings http.client, email and ssl: only a build that sends needs them."""
    config_file = tmp_path / "feedpub.toml"
    config_file.write_text(f'base_url = "{BASE}"\nwebsub_hub = "{hub.url}"\n', "utf-8")
    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from feedpub.build import build\n"
        "from feedpub.config import load_config\n"
        "r = build(Path(sys.argv[1]), Path(sys.argv[2]), load_config(Path(sys.argv[3])))\n"
        "heavy = sorted(m for m in ('urllib.request', 'http.client', 'ssl') if m in sys.modules)\n"
        "print(r.fast, len(r.websub.sent) if r.websub else 0, ' '.join(heavy))\n"
    )
    out = tmp_path / "feeds"
    command = [sys.executable, "-c", script, str(sample_releases), str(out), str(config_file)]
    first = subprocess.run(command, capture_output=True, text=True, check=True, timeout=60)
    assert first.stdout.split()[:2] == ["False", str(len(FEED_URLS))]
    assert "urllib.request" in first.stdout  # the check can see it
    again = subprocess.run(command, capture_output=True, text=True, check=True, timeout=60)
    assert again.stdout.strip() == "True 0"


# ------------------------------------------------------------------ the pending list


def test_load_pending_keeps_only_published_feeds_under_the_base_url(tmp_path: Path) -> None:
    out = tmp_path / "feeds"
    (out / "jobcenter").mkdir(parents=True)
    for name in ("atom.xml", "jobcenter/rss.xml", "index.html"):
        (out / name).write_text("x", "utf-8")
    (out / ".feedpub").mkdir()
    save_pending(
        out,
        [
            f"{BASE}atom.xml",
            f"{BASE}jobcenter/rss.xml",
            f"{BASE}atom.xml",  # twice: once
            f"{BASE}gesundheitsamt/atom.xml",  # the feed is gone
            f"{BASE}index.html",  # not a feed
            f"{BASE}../atom.xml",
            "https://other.example/feeds/atom.xml",  # another base_url
        ],
    )
    assert load_pending(out, BASE) == [f"{BASE}atom.xml", f"{BASE}jobcenter/rss.xml"]
    assert load_pending(tmp_path / "nothing", BASE) is None


def test_save_pending_writes_or_removes(tmp_path: Path) -> None:
    out = tmp_path / "feeds"
    (out / ".feedpub").mkdir(parents=True)
    save_pending(out, [f"{BASE}jobcenter/rss.xml", f"{BASE}atom.xml", f"{BASE}atom.xml"])
    assert pending(out) == [f"{BASE}jobcenter/rss.xml", f"{BASE}atom.xml"]  # in order, once
    save_pending(out, [])
    assert pending(out) is None
    ledger = (out / LEDGER_NAME).stat()
    save_pending(out, [])  # nothing to remove: no write at all
    assert (out / LEDGER_NAME).stat().st_mtime_ns == ledger.st_mtime_ns


# ------------------------------------------------ retries and time limits (fake network)


class FakeHub:
    """A :data:`feedpub.websub.Send` with a fake clock: each request takes ``cost`` seconds
    and gets the next of ``answers`` (an int status, or a NoAnswer to raise)."""

    def __init__(self, answers: list[int | NoAnswer], cost: float = 0.1) -> None:
        self.answers = answers
        self.cost = cost
        self.now = 0.0
        self.sent: list[tuple[str, float]] = []
        self.slept: list[float] = []

    def send(self, hub: str, body: bytes, timeout: float) -> tuple[int, str]:
        self.sent.append((parse_qs(body.decode("ascii"))["hub.url"][0], timeout))
        self.now += min(self.cost, timeout)
        answer = self.answers.pop(0) if self.answers else 204
        if isinstance(answer, NoAnswer):
            raise answer
        return answer, f"HTTP {answer}"

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds

    def clock(self) -> float:
        return self.now


def run(fake: FakeHub, urls: list[str], timing: Timing) -> list[Failure]:
    outcome = notify(
        "https://hub.example/",
        urls,
        timing=timing,
        send=fake.send,
        sleep=fake.sleep,
        clock=fake.clock,
    )
    assert set(outcome.sent) | {f.url for f in outcome.failed} == set(urls)
    return outcome.failed


def test_backoff_doubles_between_rounds() -> None:
    fake = FakeHub([500, 500, 500])
    failed = run(fake, ["a"], Timing(timeout=10, attempts=3, backoff=1.0, budget=30))
    assert fake.slept == [1.0, 2.0]
    assert [url for url, _ in fake.sent] == ["a", "a", "a"]
    assert failed == [Failure("a", "HTTP 500")]


def test_a_round_that_cannot_reach_the_hub_stops_and_the_next_starts_there() -> None:
    refused = NoAnswer("Connection refused")
    fake = FakeHub([204, refused, 204, 204])
    failed = run(fake, ["a", "b", "c"], Timing(timeout=10, attempts=3, backoff=1.0, budget=30))
    assert [url for url, _ in fake.sent] == ["a", "b", "b", "c"]
    assert failed == []


def test_an_unreachable_hub_fails_every_url_with_its_reason() -> None:
    fake = FakeHub([NoAnswer("Connection refused")] * 3)
    failed = run(fake, ["a", "b"], Timing(timeout=10, attempts=3, backoff=1.0, budget=30))
    assert len(fake.sent) == 3  # one per round, not one per URL
    assert failed == [Failure("a", "Connection refused"), Failure("b", "Connection refused")]


def test_the_budget_bounds_requests_and_pauses() -> None:
    """Each request takes its whole timeout: the budget stops it all, the last request gets
    only what is left, and nothing is sent after the budget is spent."""
    fake = FakeHub([NoAnswer("timed out")] * 10, cost=10.0)
    urls = ["a", "b", "c"]
    failed = run(fake, urls, Timing(timeout=10, attempts=5, backoff=1.0, budget=25))
    assert fake.now <= 25
    assert [timeout for _, timeout in fake.sent] == [10, 10, 2]
    assert [f.url for f in failed] == urls


def test_urls_not_sent_within_the_budget_say_so() -> None:
    fake = FakeHub([], cost=4.0)
    failed = run(fake, ["a", "b", "c"], Timing(timeout=10, attempts=1, backoff=1, budget=6))
    assert [url for url, _ in fake.sent] == ["a", "b"]
    assert failed == [Failure("c", "not sent within the 6 s limit")]


def test_a_send_that_hangs_is_abandoned_after_its_timeout() -> None:
    """The socket timeout bounds each read; a hub dripping bytes is bounded by the thread."""
    release = threading.Event()

    def hangs(hub: str, body: bytes, timeout: float) -> tuple[int, str]:
        release.wait(5)
        return 204, ""

    start = time.monotonic()
    outcome = notify(
        "https://hub.example/", ["a"], timing=Timing(timeout=0.2, attempts=1, budget=1), send=hangs
    )
    release.set()
    assert time.monotonic() - start < 2
    assert outcome.failed == [Failure("a", "no answer within 0.2 s")]


def test_a_bug_in_send_is_not_taken_for_a_failing_hub() -> None:
    def broken(hub: str, body: bytes, timeout: float) -> tuple[int, str]:
        raise KeyError("bug")

    with pytest.raises(KeyError):
        notify("https://hub.example/", ["a"], timing=QUICK, send=broken)
