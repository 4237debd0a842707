"""End to end with more real readers: sfeed, rss2email, fastfeedparser (and reader).

The sample build (with the DST releases of the newsboat test) is served over HTTP on
127.0.0.1 as in tests/test_e2e_newsboat.py. Each reader subscribes to every Atom and RSS feed
(all departments together and each department), and the test compares what it read with the
releases (``feedpub check --json``): the items, their titles, and their dates on the release's
own day in Europe/Berlin (date-only releases included). Then the site is built again with
nothing changed and the reader fetches again: it must bring nothing new.

* sfeed 1.7 (Debian ``sfeed``): a strict C parser. ``sfeed_update`` with an sfeedrc fetches
  with curl and merges into one TAB-separated file per feed, its "seen" state.
* rss2email 3.13 (Debian ``rss2email``, ``r2e``): one mail per new item; it delivers into a
  Maildir here (``email-protocol = maildir``), so nothing leaves the machine; its data file
  keeps the seen ids. ``date-header`` dates each mail by the item (publication date first).
* fastfeedparser (PyPI): a library without state; the second fetch must give the same items.

Then a correction (issue 13), each reader on a site of its own: a release gets a
``Korrektur:`` line; the reader must bring exactly the correction notice as a new item (in the
feeds that carry it: its department's and the combined ones; nothing in the others), titled
and dated as the notice, and a rebuild with nothing changed must bring nothing. reader (PyPI)
shows that a silent edit reaches a reader that updates in place although Atom ``updated``
stays the publication (README, "Updated").
"""

from __future__ import annotations

import contextlib
import email
import email.policy
import functools
import http.server
import mailbox
import os
import re
import shutil
import subprocess
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from feedpub.build import build
from feedpub.config import load_config
from tests import test_e2e_newsboat as newsboat
from tests.conftest import WIDE_CONFIG_TEXT

BERLIN = newsboat.BERLIN
FEEDS = newsboat.FEEDS
# The newsboat test's fixtures: the sample releases plus two on DST days, and their records.
releases_dir = newsboat.releases_dir
releases = newsboat.releases

SFEED_UPDATE = shutil.which("sfeed_update")
CURL = shutil.which("curl")
R2E = shutil.which("r2e")
#: Loopback only: no proxy may take the requests elsewhere.
NO_PROXY = {
    **{k: "" for k in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY")},
    "no_proxy": "*",
}


@dataclass
class Served:
    """The sample build, served over HTTP; ``rebuild`` builds it again in place."""

    url: str
    out: Path
    rebuild: Callable[[], None]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, releases_dir: Path) -> Iterator[Served]:
    with serve(tmp_path_factory, releases_dir) as site:
        yield site


@contextlib.contextmanager
def serve(tmp_path_factory: pytest.TempPathFactory, releases_dir: Path) -> Iterator[Served]:
    """``releases_dir`` built and served over HTTP on 127.0.0.1."""
    out = tmp_path_factory.mktemp("served") / "out"
    handler = functools.partial(
        type("Handler", (newsboat._Handler,), {"requests": []}), directory=str(out)
    )
    with http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler) as server:
        url = f"http://127.0.0.1:{server.server_address[1]}/"
        config = tmp_path_factory.mktemp("config") / "feedpub.toml"
        text, count = re.subn(
            r"^base_url = .*$", f'base_url = "{url}"', WIDE_CONFIG_TEXT, flags=re.M
        )
        assert count == 1
        config.write_text(text, "utf-8")

        def rebuild() -> None:
            report = build(releases_dir, out, load_config(config))
            assert not report.errors, "\n".join(map(str, report.errors))

        rebuild()
        thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
        thread.start()
        try:
            yield Served(url, out, rebuild)
        finally:
            server.shutdown()
            thread.join(timeout=10)


def berlin_day(moment: datetime) -> str:
    assert moment.tzinfo is not None, f"{moment}: no offset (a naive time would be local)"
    return moment.astimezone(BERLIN).date().isoformat()


def assert_matches(
    reader: str,
    feed: str,
    items: dict[str, tuple[str, datetime]],
    served: Served,
    releases: dict[str, dict[str, Any]],
) -> None:
    """``items`` (id → title, date) are exactly the entries of ``feed``, titled and dated as
    the releases: the reader's date is the release's publication instant (so on its day in
    Berlin)."""
    ids = newsboat.feed_ids(served.out / feed)
    assert ids, f"{feed} has no entries"
    assert sorted(items) == sorted(ids), f"{reader}, {feed}: items differ from the file"
    for guid, (title, date) in items.items():
        release = releases[guid]
        assert title == release["title"], f"{reader}, {feed}, {guid}: title {title!r}"
        published = datetime.fromisoformat(release["published"])
        assert berlin_day(date) == published.date().isoformat(), (
            f"{reader}, {feed}, {guid}: dated {date.astimezone(BERLIN)}, "
            f"the release says {release['published']}"
        )
        assert date == published, f"{reader}, {feed}, {guid}: {date} != {published}"
        if release["date_only"]:  # also west of Berlin: noon there is still the day
            for zone in ("America/New_York", "America/Los_Angeles", "Pacific/Honolulu"):
                local = date.astimezone(ZoneInfo(zone)).date().isoformat()
                assert local == published.date().isoformat(), f"{reader}, {guid}, {zone}"


def test_the_feeds_hold_date_only_releases(releases: dict[str, dict[str, Any]]):
    # The day checks below would not cover date-only releases without them.
    assert any(r["date_only"] for r in releases.values())
    assert any(not r["date_only"] for r in releases.values())


# sfeed ----------------------------------------------------------------------------------------

needs_sfeed = pytest.mark.skipif(
    SFEED_UPDATE is None or CURL is None,
    reason="sfeed_update or curl not installed: apt-get install sfeed curl (done by .ci/run)",
)


def sfeed_name(feed: str) -> str:
    return feed.replace("/", "_").replace(".", "_")


def run_sfeed_update(home: Path, served: Served) -> dict[str, bytes]:
    """``sfeed_update`` on every feed; the TAB-separated file it keeps per feed."""
    rc = home / "sfeedrc"
    if not rc.exists():
        lines = [f'\tfeed "{sfeed_name(f)}" "{served.url}{f}"\n' for f in FEEDS]
        rc.write_text(
            f'sfeedpath="{home}/feeds"\nmaxjobs=4\nfeeds() {{\n{"".join(lines)}}}\n', "utf-8"
        )
    assert SFEED_UPDATE is not None
    done = subprocess.run(
        [SFEED_UPDATE, str(rc)],
        env={**os.environ, **NO_PROXY, "HOME": str(home), "LC_ALL": "C.UTF-8"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, f"sfeed_update exit {done.returncode}: {done.stderr}"
    return {f: (home / "feeds" / sfeed_name(f)).read_bytes() for f in FEEDS}


@pytest.fixture(scope="module")
def sfeed_runs(
    served: Served, tmp_path_factory: pytest.TempPathFactory
) -> tuple[dict[str, bytes], dict[str, bytes]]:
    """sfeed's files after the first run, and after a rebuild and a second run."""
    home = tmp_path_factory.mktemp("sfeed")
    first = run_sfeed_update(home, served)
    served.rebuild()
    return first, run_sfeed_update(home, served)


def sfeed_items(tsv: bytes) -> dict[str, tuple[str, datetime]]:
    """id → (title, date) from sfeed's TSV (timestamp, title, link, content, type, id, …)."""
    items: dict[str, tuple[str, datetime]] = {}
    for line in tsv.decode("utf-8").splitlines():
        fields = line.split("\t")
        assert fields[0], f"sfeed read no date: {line[:200]}"
        assert fields[5] not in items, f"sfeed stores {fields[5]} twice"
        items[fields[5]] = (fields[1], datetime.fromtimestamp(int(fields[0]), UTC))
    return items


@needs_sfeed
@pytest.mark.parametrize("feed", FEEDS)
def test_sfeed_reads_every_feed(
    served: Served,
    releases: dict[str, dict[str, Any]],
    sfeed_runs: tuple[dict[str, bytes], dict[str, bytes]],
    feed: str,
):
    first, second = sfeed_runs
    assert_matches("sfeed", feed, sfeed_items(first[feed]), served, releases)
    assert second[feed] == first[feed], f"sfeed: {feed} brought something new after a rebuild"


# rss2email ------------------------------------------------------------------------------------

needs_r2e = pytest.mark.skipif(
    R2E is None, reason="rss2email not installed: apt-get install rss2email (done by .ci/run)"
)


def run_r2e(home: Path, *args: str) -> None:
    assert R2E is not None
    done = subprocess.run(
        [R2E, "-c", str(home / "r2e.cfg"), "-d", str(home / "r2e.json"), *args],
        env={**os.environ, **NO_PROXY, "HOME": str(home), "LC_ALL": "C.UTF-8"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, f"r2e {args[0]} exit {done.returncode}: {done.stderr}"
    assert "[ERROR]" not in done.stderr and "[WARNING]" not in done.stderr, done.stderr


def r2e_mails(home: Path) -> list[EmailMessage]:
    box = mailbox.Maildir(home / "Maildir" / "feeds", create=False)
    return [
        email.message_from_bytes(box.get_bytes(key), policy=email.policy.default)
        for key in box.keys()
    ]


@pytest.fixture(scope="module")
def r2e_runs(
    served: Served, tmp_path_factory: pytest.TempPathFactory
) -> tuple[list[EmailMessage], list[EmailMessage]]:
    """The mails of rss2email's first run, and all mails after a rebuild and a second run."""
    home = tmp_path_factory.mktemp("r2e")
    setup_r2e(home, served)
    run_r2e(home, "run")
    first = r2e_mails(home)
    served.rebuild()
    run_r2e(home, "run")
    return first, r2e_mails(home)


def setup_r2e(home: Path, served: Served) -> None:
    """An rss2email configuration in ``home`` that delivers into a Maildir, subscribed to
    every feed of ``served``."""
    (home / "Maildir").mkdir()  # rss2email makes the mailbox, not the folder it lives in
    (home / "r2e.cfg").write_text(
        "[DEFAULT]\n"
        "to = leser@example.invalid\n"
        "email-protocol = maildir\n"
        f"maildir-path = {home / 'Maildir'}\n"
        "maildir-mailbox = feeds\n"
        "date-header = True\n"
        "date-header-order = issued, modified\n",
        "utf-8",
    )
    for n, feed in enumerate(FEEDS):
        run_r2e(home, "add", f"feed{n}", served.url + feed)


def mail_text(message: EmailMessage) -> str:
    body = message.get_body(("plain",))
    assert body is not None, f"{message['subject']}: no text/plain part"
    return " ".join(str(body.get_content()).split())


@needs_r2e
@pytest.mark.parametrize("feed", FEEDS)
def test_rss2email_mails_every_item_once(
    served: Served,
    releases: dict[str, dict[str, Any]],
    r2e_runs: tuple[list[EmailMessage], list[EmailMessage]],
    feed: str,
):
    first, after = r2e_runs
    assert len(after) == len(first), "rss2email sent mail after a rebuild with nothing changed"
    mails = [m for m in first if m["X-RSS-Feed"] == served.url + feed]
    items: dict[str, tuple[str, datetime]] = {}
    for mail in mails:
        guid = str(mail["X-RSS-ID"])
        assert guid not in items, f"rss2email mailed {guid} twice for {feed}"
        # rss2email writes the item's time in UTC as "-0000", which Python reads as naive.
        date = mail["date"].datetime
        items[guid] = (str(mail["subject"]), date.replace(tzinfo=date.tzinfo or UTC))
        release = releases[guid]
        text = mail_text(mail)
        assert f"URL: {mail['X-RSS-URL']}" in text, f"{guid}: the mail lacks the link"
        assert str(mail["X-RSS-URL"]).startswith(served.url), mail["X-RSS-URL"]
        start = " ".join(release["paragraphs"][0].split()[:4])
        assert start in text, f"{guid}: the mail lacks {start!r}:\n{text[:600]}"
    assert_matches("rss2email", feed, items, served, releases)


# fastfeedparser -------------------------------------------------------------------------------


def fastfeedparser_items(served: Served, feed: str) -> dict[str, tuple[str, datetime]]:
    fastfeedparser = pytest.importorskip(
        "fastfeedparser", reason="fastfeedparser not installed: pip install -e '.[test]'"
    )
    with urllib.request.urlopen(served.url + feed, timeout=10) as response:
        parsed = fastfeedparser.parse(response.read())
    items: dict[str, tuple[str, datetime]] = {}
    for entry in parsed.entries:
        assert entry["id"] not in items, f"fastfeedparser: {entry['id']} twice"
        items[entry["id"]] = (entry["title"], datetime.fromisoformat(entry["published"]))
    return items


@pytest.mark.parametrize("feed", FEEDS)
def test_fastfeedparser_reads_every_feed(
    served: Served, releases: dict[str, dict[str, Any]], feed: str
):
    first = fastfeedparser_items(served, feed)
    assert_matches("fastfeedparser", feed, first, served, releases)
    served.rebuild()
    assert fastfeedparser_items(served, feed) == first, f"{feed}: other items after a rebuild"


# A correction: every reader shows the notice as a new item -----------------------------------

#: The release corrected (a date-only release of the samples) and how.
CORRECTED = "Jobcenter/2024-09-18-jobmesse-musterstadt.txt"
STAMP = "Aktualisiert: 20.09.2024, 09:00 Uhr"
NOTE = "Korrektur: Es waren rund 1.500 Besucherinnen und Besucher, nicht 1.400."
CORRECTED_AT = datetime(2024, 9, 20, 9, 0, tzinfo=BERLIN)
#: The feeds that show the corrected release (its department's and the combined ones).
WITH_NOTICE = [f for f in FEEDS if "/" not in f or f.startswith("jobcenter/")]


@dataclass
class Correction:
    """A site of its own (its own copy of the releases), for one reader: ``correct`` adds a
    ``Korrektur:`` line to :data:`CORRECTED` and builds; ``rebuild`` builds again."""

    site: Served
    releases: Path
    release_id: str
    notice_id: str
    title: str

    def correct(self) -> None:
        # http.server's Last-Modified has whole seconds, and readers ask conditionally: feeds
        # rewritten within the second of the last build would be answered 304 Not Modified.
        time.sleep(1.1)
        path = self.releases / CORRECTED
        text = path.read_text("utf-8")
        edited = text.replace("\n18.09.2024\n", f"\n18.09.2024\n{STAMP}\n{NOTE}\n", 1)
        edited = edited.replace("Rund 1.400", "Rund 1.500", 1)
        assert edited.count(NOTE) == 1 and "Rund 1.500" in edited
        path.write_text(edited, "utf-8")
        self.site.rebuild()


@contextlib.contextmanager
def correction_site(
    tmp_path_factory: pytest.TempPathFactory, releases_dir: Path
) -> Iterator[Correction]:
    copy = tmp_path_factory.mktemp("corrected") / "releases"
    shutil.copytree(releases_dir, copy)
    with serve(tmp_path_factory, copy) as site:
        release_id = next(
            guid for guid in newsboat.feed_ids(site.out / "jobcenter/atom.xml")
            if guid.endswith("/2024-09-18-jobmesse-musterstadt")
        )  # fmt: skip
        notice_id = f"{release_id}/korrektur-{CORRECTED_AT.astimezone(UTC):%Y%m%dT%H%M%SZ}"
        title = "Korrektur: Jobmesse in Musterstadt: Mehr als 60 Arbeitgeber stellen sich vor"
        yield Correction(site, copy, release_id, notice_id, title)


def test_the_corrected_release_is_a_sample(releases: dict[str, dict[str, Any]]):
    (record,) = [r for r in releases.values() if r["path"] == CORRECTED]
    assert record["date_only"] and record["correction"] is None
    assert "Korrektur: " + record["title"] == (
        "Korrektur: Jobmesse in Musterstadt: Mehr als 60 Arbeitgeber stellen sich vor"
    )


def assert_notice(reader: str, feed: str, new: dict[str, tuple[str, datetime]], c: Correction):
    """What a reader brought after the correction: exactly the notice, where it belongs."""
    if feed not in WITH_NOTICE:
        assert new == {}, f"{reader}, {feed}: {sorted(new)} after a correction elsewhere"
        return
    assert list(new) == [c.notice_id], f"{reader}, {feed}: {sorted(new)}"
    title, date = new[c.notice_id]
    assert title == c.title, f"{reader}, {feed}: {title!r}"
    assert date == CORRECTED_AT, f"{reader}, {feed}: the notice is dated {date}"


@pytest.fixture(scope="module")
def sfeed_corrected(
    tmp_path_factory: pytest.TempPathFactory, releases_dir: Path
) -> tuple[Correction, list[dict[str, bytes]]]:
    """sfeed's files: before, after the correction, after a rebuild with nothing changed."""
    home = tmp_path_factory.mktemp("sfeed-corrected")
    with correction_site(tmp_path_factory, releases_dir) as c:
        runs = [run_sfeed_update(home, c.site)]
        c.correct()
        runs.append(run_sfeed_update(home, c.site))
        c.site.rebuild()
        runs.append(run_sfeed_update(home, c.site))
        return c, runs


@needs_sfeed
@pytest.mark.parametrize("feed", FEEDS)
def test_sfeed_shows_the_correction_notice_as_a_new_item(
    sfeed_corrected: tuple[Correction, list[dict[str, bytes]]], feed: str
):
    c, (before, after, again) = sfeed_corrected
    old, new = sfeed_items(before[feed]), sfeed_items(after[feed])
    assert old.keys() <= new.keys()
    assert_notice("sfeed", feed, {k: v for k, v in new.items() if k not in old}, c)
    assert again[feed] == after[feed], f"sfeed: {feed} brought something new after a rebuild"


@pytest.fixture(scope="module")
def r2e_corrected(
    tmp_path_factory: pytest.TempPathFactory, releases_dir: Path
) -> tuple[Correction, list[list[EmailMessage]]]:
    """rss2email's mails: before, after the correction, after a rebuild with nothing changed."""
    home = tmp_path_factory.mktemp("r2e-corrected")
    with correction_site(tmp_path_factory, releases_dir) as c:
        setup_r2e(home, c.site)
        run_r2e(home, "run")
        runs = [r2e_mails(home)]
        c.correct()
        run_r2e(home, "run")
        runs.append(r2e_mails(home))
        c.site.rebuild()
        run_r2e(home, "run")
        runs.append(r2e_mails(home))
        return c, runs


@needs_r2e
@pytest.mark.parametrize("feed", FEEDS)
def test_rss2email_mails_the_correction_notice(
    r2e_corrected: tuple[Correction, list[list[EmailMessage]]], feed: str
):
    c, (before, after, again) = r2e_corrected
    assert len(again) == len(after), "rss2email sent mail after a rebuild with nothing changed"
    url = c.site.url + feed
    known = {str(m["Message-ID"]) for m in before}
    new: dict[str, tuple[str, datetime]] = {}
    for mail in after:
        if mail["X-RSS-Feed"] != url or str(mail["Message-ID"]) in known:
            continue
        date = mail["date"].datetime
        new[str(mail["X-RSS-ID"])] = (str(mail["subject"]), date.replace(tzinfo=date.tzinfo or UTC))
        text = mail_text(mail)
        assert "Es waren rund 1.500 Besucherinnen und Besucher, nicht 1.400." in text, text
        assert "Zur berichtigten Meldung" in text, text
    assert_notice("rss2email", feed, new, c)


@pytest.mark.parametrize("feed", FEEDS)
def test_fastfeedparser_reads_the_correction_notice(
    tmp_path_factory: pytest.TempPathFactory, releases_dir: Path, feed: str
):
    if feed not in ("atom.xml", "rss.xml", "jobcenter/atom.xml", "gesundheitsamt/rss.xml"):
        pytest.skip("a few feeds suffice: fastfeedparser keeps no state")
    with correction_site(tmp_path_factory, releases_dir) as c:
        before = fastfeedparser_items(c.site, feed)
        c.correct()
        after = fastfeedparser_items(c.site, feed)
        assert before.keys() <= after.keys()
        assert_notice(
            "fastfeedparser", feed, {k: v for k, v in after.items() if k not in before}, c
        )
        c.site.rebuild()
        assert fastfeedparser_items(c.site, feed) == after, f"{feed}: other items after a rebuild"


# reader (PyPI): an edit in place, with the publication date ----------------------------------


@pytest.mark.parametrize("feed", ["jobcenter/atom.xml", "jobcenter/rss.xml"])
def test_reader_updates_an_edit_in_place_and_shows_the_notice_as_new(
    tmp_path_factory: pytest.TempPathFactory, releases_dir: Path, feed: str
):
    """reader updates an entry whose content changed even though its ``updated`` did not
    move (README, "Updated"), keeps its date, and shows the correction notice as new."""
    reader_module = pytest.importorskip(
        "reader", reason="reader not installed: pip install -e '.[test]'"
    )
    with correction_site(tmp_path_factory, releases_dir) as c:
        reader = reader_module.make_reader(":memory:")
        reader.add_feed(c.site.url + feed)
        reader.update_feeds(scheduled=False)  # now, not when it is due
        old = {e.id: e for e in reader.get_entries()}
        # http.server's Last-Modified has whole seconds, and reader asks conditionally: a
        # feed rewritten within the same second would be answered 304 Not Modified.
        time.sleep(1.1)
        path = c.releases / CORRECTED
        text = path.read_text("utf-8")
        assert "\nGroßer Andrang" in text
        path.write_text(text.replace("\nGroßer Andrang", "\nSehr großer Andrang", 1), "utf-8")
        c.site.rebuild()  # a silent edit
        reader.update_feeds(scheduled=False)  # now, not when it is due
        edited = {e.id: e for e in reader.get_entries()}
        assert edited.keys() == old.keys()
        entry, before = edited[c.release_id], old[c.release_id]
        text = entry.get_content().value if entry.get_content() else ""
        assert "Sehr großer Andrang" in text, "reader kept the old text"
        assert entry.published == before.published and entry.updated == before.updated
        c.correct()
        reader.update_feeds(scheduled=False)  # now, not when it is due
        now = {e.id: e for e in reader.get_entries()}
        assert now.keys() - edited.keys() == {c.notice_id}
        assert now[c.notice_id].title == c.title
        assert now[c.notice_id].published == CORRECTED_AT
