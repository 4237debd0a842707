"""The feeds of the sample releases as real clients read them: feedparser and lxml.

One build of ``releases/`` per module (``built``); tests that need another config or changed
releases build their own. What the feeds must say about each release comes from
``feedpub check --json`` (``records``), so the feeds are checked against the parser's reading.
"""

from __future__ import annotations

import calendar
import email.utils
import json
import locale
import re
import shutil
import subprocess
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import feedparser
import pytest
from click.testing import CliRunner
from lxml import etree, html

from feedpub.build import build
from feedpub.cli import cli
from feedpub.config import Config, load_config, make_config
from feedpub.content import join_names
from feedpub.ledger import LEDGER_NAME
from feedpub.publish import LOCK_NAME
from feedpub.release import department_slug
from tests.conftest import (
    SAMPLE_CONFIG,
    SAMPLE_RELEASES,
    WIDE_CONFIG_TEXT,
    wide_config,
    with_notices,
)

BERLIN = ZoneInfo("Europe/Berlin")
CONFIG = wide_config()
BASE = CONFIG.base_url
PREFIX = CONFIG.tag_prefix

#: Department folder → URL slug. Slugs are public URLs: this table pins them.
DEPARTMENTS = {
    "Amt für Bau und Planung": "amt-fuer-bau-und-planung",
    "Gesundheitsamt": "gesundheitsamt",
    "Jobcenter": "jobcenter",
    "Kreisvolkshochschule": "kreisvolkshochschule",
    "Straßenverkehrsamt": "strassenverkehrsamt",
}
SLUGS = sorted(DEPARTMENTS.values())
ATOM_FEEDS = ["atom.xml", *(f"{slug}/atom.xml" for slug in SLUGS)]
RSS_FEEDS = ["rss.xml", *(f"{slug}/rss.xml" for slug in SLUGS)]
FEEDS = ATOM_FEEDS + RSS_FEEDS

#: Titles with characters that must be escaped exactly once, and the files they come from.
TRICKY_TITLES = {
    "Impfaktion „Gesund durch den Winter“ & Beratung": (
        "Gesundheitsamt/2024-10-07-impfaktion-gesund-durch-den-winter.txt"
    ),
    "Schulstart: Tempo < 30 km/h vor Grundschulen": (
        "Straßenverkehrsamt/2024-08-26-schulstart-tempo-kontrollen.txt"
    ),
}

NS = {
    "a": "http://www.w3.org/2005/Atom",
    "dc": "http://purl.org/dc/elements/1.1/",
    "content": "http://purl.org/rss/1.0/modules/content/",
}
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
RFC822 = re.compile(
    r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) "
    r"\d{4} \d\d:\d\d:\d\d (\+0100|\+0200)$"
)
ISO_WITH_OFFSET = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\+01:00|\+02:00)$")
MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


# --------------------------------------------------------------------------------- helpers


def check_json(releases: Path, config: Path = SAMPLE_CONFIG) -> dict[str, dict[str, Any]]:
    """``feedpub check --json`` → its records by path relative to the releases folder."""
    result = CliRunner().invoke(
        cli,
        ["check", "--json", "--releases", str(releases), "--config", str(config)],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, f"feedpub check failed:\n{result.stderr}"
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert all("id" in r for r in records), f"bad releases: {records}"
    return {r["path"]: r for r in records}


def build_into(out: Path, config: Config = CONFIG, releases: Path = SAMPLE_RELEASES) -> Path:
    report = build(releases, out, config)
    assert not report.errors, "\n".join(map(str, report.errors))
    return out


def config_file(tmp_path: Path, pattern: str, replacement: str) -> Path:
    """The sample config with one line changed (the pattern must match exactly once)."""
    text, count = re.subn(pattern, replacement, WIDE_CONFIG_TEXT, flags=re.M)
    assert count == 1, f"{pattern!r} not found once in {SAMPLE_CONFIG}"
    path = tmp_path / "feedpub.toml"
    path.write_text(text, "utf-8")
    return path


#: Machine-specific bookkeeping (file mtimes; the lock): not part of "same input, same bytes".
MACHINE_FILES = {LEDGER_NAME, LOCK_NAME}


def tree(root: Path) -> dict[str, bytes]:
    """Every file of a build, the hidden state included, except MACHINE_FILES."""
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.relative_to(root).as_posix() not in MACHINE_FILES
    }


def parse_feed(path: Path) -> Any:
    return feedparser.parse(path.read_bytes())


def entry_ids(path: Path) -> list[str]:
    return [e.id for e in parse_feed(path).entries]


def department_of(feed: str) -> str | None:
    """The department slug of a feed path, None for the feed of every department."""
    return feed.split("/")[0] if "/" in feed else None


def expected_ids(records: dict[str, dict[str, Any]], feed: str) -> set[str]:
    slug = department_of(feed)
    return {r["id"] for r in entry_records(records) if slug is None or r["slug"] == slug}


def by_id(records: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {r["id"]: r for r in entry_records(records)}


def entry_records(records: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    return with_notices(records.values())


def assert_berlin_offset(raw: str, parsed: datetime, where: str) -> None:
    offset = parsed.utcoffset()
    berlin = parsed.astimezone(BERLIN).utcoffset()
    assert offset in (timedelta(hours=1), timedelta(hours=2)), f"{where}: {raw!r} not +01/+02"
    assert offset == berlin, f"{where}: {raw!r} has offset {offset}, Europe/Berlin has {berlin}"


def effective_updated(record: dict[str, Any]) -> datetime:
    """When a release last changed, from its check --json record: the correction time, but
    never before the publication (a date-only stamp on the publication day)."""
    published = datetime.fromisoformat(record["published"])
    if record["updated"] is None:
        return published
    return max(published, datetime.fromisoformat(record["updated"]))


def sort_key(published: datetime, entry_id: str) -> tuple[float, str]:
    return (-published.timestamp(), entry_id)


# --------------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_into(tmp_path_factory.mktemp("feeds") / "out")


@pytest.fixture(scope="module")
def records() -> dict[str, dict[str, Any]]:
    return check_json(SAMPLE_RELEASES)


# --------------------------------------------------------------------------------- feedparser


def test_the_build_writes_one_atom_and_one_rss_feed_per_department_and_for_all(built: Path):
    found = sorted(p.relative_to(built).as_posix() for p in built.rglob("*.xml"))
    assert found == sorted([*FEEDS, "sitemap.xml"])  # the sitemap: tests/test_sitemap.py
    assert {p.name for p in SAMPLE_RELEASES.iterdir() if p.is_dir()} == set(DEPARTMENTS)


@pytest.mark.parametrize("feed", FEEDS)
def test_feedparser_reads_the_feed_without_complaint(
    built: Path, records: dict[str, dict[str, Any]], feed: str
):
    parsed = parse_feed(built / feed)
    assert not parsed.bozo, f"{feed}: {parsed.get('bozo_exception')!r}"
    assert parsed.version == ("atom10" if feed.endswith("atom.xml") else "rss20")
    assert parsed.feed.language == ("de" if feed.endswith("atom.xml") else "de-DE")
    assert parsed.feed.title.endswith(CONFIG.title)

    ids = [e.id for e in parsed.entries]
    assert len(ids) == len(set(ids)), f"{feed}: duplicate ids {sorted(ids)}"
    assert set(ids) == expected_ids(records, feed)
    known = by_id(records)
    for entry in parsed.entries:
        where = f"{feed}: {entry.get('id')}"
        record = known[entry.id]
        assert entry.id.startswith(PREFIX), where
        assert re.match(r"^https://[a-z0-9.-]+/\S+$", entry.link), f"{where}: link {entry.link!r}"
        assert entry.title == record["title"], where
        assert entry.author, f"{where}: no author"
        # Atom: feedparser's author is one of the names; RSS: all of them, as German text.
        names = record["authors"] or [CONFIG.publisher]
        assert entry.author in (names if feed.endswith("atom.xml") else [join_names(names)]), (
            f"{where}: author {entry.author!r}"
        )
        # feedparser read a date, and the raw string carries Berlin's offset for that day.
        assert entry.published_parsed is not None, f"{where}: {entry.published!r} unreadable"
        raw = entry.published
        if feed.endswith("atom.xml"):
            assert ISO_WITH_OFFSET.match(raw), f"{where}: {raw!r}"
            published = datetime.fromisoformat(raw)
        else:
            assert RFC822.match(raw), f"{where}: {raw!r}"
            published = email.utils.parsedate_to_datetime(raw)
        assert_berlin_offset(raw, published, where)
        assert calendar.timegm(entry.published_parsed) == published.timestamp(), where
        assert published == datetime.fromisoformat(record["published"]), where


# --------------------------------------------------------------------------------- Atom, lxml


def assert_atom_feed_links(root: Any, feed: str) -> None:
    """One rel=self link (the file's public URL) and one rel=alternate (its human page)."""
    self_links = root.findall("a:link[@rel='self']", NS)
    assert len(self_links) == 1, f"{feed}: {len(self_links)} rel=self links"
    assert self_links[0].get("type") == "application/atom+xml"
    assert self_links[0].get("href") == BASE + feed, "rel=self must be the file's public URL"
    alternates = root.findall("a:link[@rel='alternate']", NS)
    assert len(alternates) == 1, f"{feed}: {len(alternates)} rel=alternate feed links"
    assert alternates[0].get("type") == "text/html"
    slug = department_of(feed)
    # The human page of the feed: its department's page, or the index for the feed of all.
    assert alternates[0].get("href") == BASE + (f"{slug}/index.html" if slug else "index.html")


@pytest.mark.parametrize("feed", ATOM_FEEDS)
def test_atom_elements(built: Path, records: dict[str, dict[str, Any]], feed: str):
    root = etree.parse(built / feed).getroot()
    assert root.tag == "{http://www.w3.org/2005/Atom}feed"
    assert root.get(XML_LANG) == "de"
    assert_atom_feed_links(root, feed)

    generator = root.find("a:generator", NS)
    assert generator is not None and generator.text == "feedpub", "generator without version"
    assert generator.get("version") is None

    known = by_id(records)
    entries = root.findall("a:entry", NS)
    assert entries, f"{feed}: no entries"
    keys = []
    updated = []
    for entry in entries:
        entry_id = entry.findtext("a:id", namespaces=NS)
        where = f"{feed}: {entry_id}"
        record = known[entry_id]
        links = entry.findall("a:link", NS)
        # feedgen 1.0.0 drops rel/type of entry links (lkiesow/python-feedgen#135). No
        # enclosure links: the pictures are in the content and in Media RSS (test_pictures.py).
        assert [(x.get("rel"), x.get("type")) for x in links] == [("alternate", "text/html")], (
            f"{where}: entry links {[dict(x.attrib) for x in links]}"
        )
        media = entry.findall("{http://search.yahoo.com/mrss/}content")
        assert [m.get("url") for m in media] == [
            BASE + f"{record['slug']}/{image['name']}" for image in record["images"]
        ], where
        assert [m.get("fileSize") for m in media] == [
            str(image["length"]) for image in record["images"]
        ], where
        assert links[0].get("href", "").startswith("https://"), where
        names = [a.findtext("a:name", namespaces=NS) for a in entry.findall("a:author", NS)]
        assert names == (record["authors"] or [CONFIG.publisher]), where
        for tag in ("published", "updated"):
            value = entry.findtext(f"a:{tag}", namespaces=NS) or ""
            assert ISO_WITH_OFFSET.match(value), f"{where}: <{tag}> {value!r}"
        published = datetime.fromisoformat(entry.findtext("a:published", namespaces=NS))
        updated.append(datetime.fromisoformat(entry.findtext("a:updated", namespaces=NS)))
        assert published == datetime.fromisoformat(record["published"]), where
        # The publication, also after a correction (README, "Output layout", "Updated").
        assert updated[-1] == published, f"{where}: <updated>"
        content = entry.find("a:content", NS)
        assert content is not None and content.get("type") == "html", where
        assert (content.text or "").startswith("<"), f"{where}: content is not HTML"
        assert (entry.findtext("a:summary", namespaces=NS) or "").strip(), f"{where}: no summary"
        terms = [c.get("term") for c in entry.findall("a:category", NS)]
        assert terms == [record["department"]], where
        keys.append(sort_key(published, entry_id))

    feed_updated = datetime.fromisoformat(root.findtext("a:updated", namespaces=NS))
    assert feed_updated == max(updated), "feed <updated> must be the newest entry's, not now()"
    assert keys == sorted(keys), f"{feed}: entries not newest first (ties by id)"


def test_releases_with_the_same_time_are_ordered_by_id(tmp_path: Path):
    """Two date-only releases of one day share a time: they are ordered by id, so two builds
    agree. (The sample releases avoid such a tie: the W3C validator warns about entries with
    the same <updated>.)"""
    releases = tmp_path / "releases"
    for department, name in (("Zulassung", "b-tag.txt"), ("Amt", "z-tag.txt"), ("Amt", "a.txt")):
        (releases / department).mkdir(parents=True, exist_ok=True)
        (releases / department / name).write_text(
            f"09.07.2025\n\nMeldung {department} {name}\n\nText.\n", "utf-8"
        )
    out = build_into(tmp_path / "out", releases=releases)
    published = [e.published for e in parse_feed(out / "atom.xml").entries]
    assert len(set(published)) == 1
    assert entry_ids(out / "atom.xml") == [
        f"{PREFIX}amt/a",
        f"{PREFIX}amt/z-tag",
        f"{PREFIX}zulassung/b-tag",
    ]


# --------------------------------------------------------------------------------- RSS, lxml


@pytest.mark.parametrize("feed", RSS_FEEDS)
def test_rss_elements(built: Path, records: dict[str, dict[str, Any]], feed: str):
    root = etree.parse(built / feed).getroot()
    assert root.tag == "rss" and root.get("version") == "2.0"
    channel = root.find("channel")
    assert channel is not None
    assert channel.findtext("language") == "de-DE"
    assert channel.findtext("generator") == "feedpub"
    self_links = channel.findall("a:link[@rel='self']", NS)
    assert len(self_links) == 1, f"{feed}: {len(self_links)} atom:link rel=self"
    assert self_links[0].get("href") == BASE + feed
    assert self_links[0].get("type") == "application/rss+xml"
    slug = department_of(feed)
    assert channel.findtext("link") == BASE + (f"{slug}/index.html" if slug else "index.html")

    # guid of each item = Atom id of the same release (same link), in the same order.
    atom = etree.parse(built / feed.replace("rss.xml", "atom.xml")).getroot()
    atom_ids = {
        e.find("a:link", NS).get("href"): e.findtext("a:id", namespaces=NS)
        for e in atom.findall("a:entry", NS)
    }
    known = by_id(records)
    items = channel.findall("item")
    assert len(items) == len(atom_ids), f"{feed}: {len(items)} items, Atom has {len(atom_ids)}"
    keys = []
    dates = []
    changed = []
    for item in items:
        guid = item.find("guid")
        assert guid is not None and guid.get("isPermaLink") == "false", feed
        where = f"{feed}: {guid.text}"
        assert guid.text == atom_ids.get(item.findtext("link")), f"{where}: not the Atom id"
        record = known[guid.text]
        # One dc:creator with every author as German text (see test_every_author_*).
        assert [c.text for c in item.findall("dc:creator", NS)] == [
            join_names(record["authors"] or [CONFIG.publisher])
        ], where
        assert (item.findtext("content:encoded", namespaces=NS) or "").startswith("<"), where
        assert item.findtext("description"), f"{where}: no description"
        assert [c.text for c in item.findall("category")] == [record["department"]], where
        raw = item.findtext("pubDate") or ""
        assert RFC822.match(raw), f"{where}: pubDate {raw!r}"
        published = email.utils.parsedate_to_datetime(raw)
        assert_berlin_offset(raw, published, where)
        # A correction does not move <pubDate>: RSS has no "updated", and a new pubDate makes
        # some readers show the item as new.
        assert published == datetime.fromisoformat(record["published"]), where
        dates.append(published)
        changed.append(effective_updated(record))
        keys.append(sort_key(published, guid.text))
    assert keys == sorted(keys), f"{feed}: items not newest first (ties by id)"
    last_build = email.utils.parsedate_to_datetime(channel.findtext("lastBuildDate") or "")
    assert last_build == max(changed), "lastBuildDate: the last change of an item, not now()"
    assert RFC822.match(channel.findtext("lastBuildDate") or "")
    pub_date = email.utils.parsedate_to_datetime(channel.findtext("pubDate") or "")
    assert pub_date == max(dates), "pubDate must be the newest item's date"


# --------------------------------------------------------------------------------- escaping


def test_tricky_titles_are_in_the_sample_files():
    for title, relative in TRICKY_TITLES.items():
        lines = (SAMPLE_RELEASES / relative).read_text("utf-8").splitlines()
        assert title in lines, f"{relative} no longer has the title {title!r}"


@pytest.mark.parametrize("title", list(TRICKY_TITLES))
@pytest.mark.parametrize("feed_name", ["atom.xml", "rss.xml"])
def test_titles_are_escaped_exactly_once(built: Path, title: str, feed_name: str):
    slug = DEPARTMENTS[TRICKY_TITLES[title].split("/")[0]]
    for feed in (feed_name, f"{slug}/{feed_name}"):
        titles = [e.title for e in parse_feed(built / feed).entries]
        assert title in titles, f"{feed}: {title!r} not among {titles}"
        root = etree.parse(built / feed).getroot()
        raw_titles = [t.text for t in root.iter("{*}title", "title")]
        assert title in raw_titles, f"{feed}: XML <title> texts {raw_titles}"
        assert b"&amp;amp;" not in b"".join(
            etree.tostring(t) for t in root.iter("{*}title", "title")
        ), f"{feed}: a title is escaped twice"


def content_of(built: Path, feed: str) -> dict[str, str]:
    """Entry id → the full-text HTML as feedparser hands it to a reader."""
    contents = {}
    for entry in parse_feed(built / feed).entries:
        assert len(entry.content) == 1 and entry.content[0].type == "text/html", entry.id
        contents[entry.id] = entry.content[0].value
    return contents


@pytest.mark.parametrize("feed", ["atom.xml", "rss.xml"])
def test_content_html_survives_feedparser(
    built: Path, records: dict[str, dict[str, Any]], feed: str
):
    contents = content_of(built, feed)
    seen = {"ul": 0, "figure": 0, "mailto": 0, "https": 0, "time": 0}
    for record in records.values():
        body = contents[record["id"]]
        where = f"{feed}: {record['path']}"
        assert "<p>" in body, where
        fragment = html.fragment_fromstring(body, create_parent="div")
        text = fragment.text_content()
        seen["time"] += len(fragment.xpath("//time[@datetime]"))
        # Dates in the text are marked (<time>); without those tags it is the text, escaped once.
        # The character references for plain-text readers (content.plain_text_safe) are the
        # characters themselves.
        plain = re.sub(r'<time datetime="[^"]*">|</time>', "", body)
        plain = plain.replace("&#46;", ".").replace("&#45;", "-").replace("&#43;", "+")
        if record["teaser"]:
            assert f"<p><strong>{html_escape(record['teaser'])}</strong></p>" in plain, where
        figcaptions = [c.text_content() for c in fragment.xpath("//figure/figcaption")]
        for caption in record["captions"]:
            seen["figure"] += 1
            credit = f" © {caption['credit']}" if caption["credit"] else ""
            assert f"{caption['text']}{credit}" in figcaptions, f"{where}: {figcaptions}"
            assert "<figure><figcaption>" in body, where
        lists = [[li.text_content() for li in ul.iter("li")] for ul in fragment.iter("ul")]
        for paragraph in record["paragraphs"]:
            if paragraph.startswith("- "):
                seen["ul"] += 1
                items = [line.removeprefix("- ") for line in paragraph.split("\n")]
                assert "<ul><li>" in body, f"{where}: list not a <ul>"
                assert items in lists, f"{where}: list items {items} not in {lists}"
            else:
                # Entities are decoded exactly once: the text reads as the release does.
                assert paragraph in text, f"{where}: paragraph {paragraph[:60]!r}…"
            for mail in re.findall(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}", paragraph):
                seen["mailto"] += 1
                assert f'<a href="mailto:{mail}">{mail}</a>' in body, f"{where}: {mail}"
            for url in re.findall(r"https://[^\s<>\"„“]+[^\s<>\"„“.,;:!?)]", paragraph):
                seen["https"] += 1
                assert f'<a href="{html_escape(url)}">' in body, f"{where}: {url}"
    assert all(seen.values()), f"the samples no longer exercise every content feature: {seen}"


def html_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# --------------------------------------------------------------------------------- config


def test_max_entries_keeps_the_newest(tmp_path: Path, built: Path):
    config = load_config(config_file(tmp_path, r"^max_entries = \d+$", "max_entries = 3"))
    assert config.max_entries == 3
    small = build_into(tmp_path / "out", config)
    for feed in FEEDS:
        full = entry_ids(built / feed)
        assert len(full) > 3, f"{feed}: too few samples to test max_entries"
        assert entry_ids(small / feed) == full[:3], f"{feed}: not the newest three"


def test_link_template_links_to_the_office_site_and_writes_no_pages(tmp_path: Path):
    config = load_config(config_file(tmp_path, r"^# link_template = ", "link_template = "))
    template = config.link_template
    assert template == "https://www.landkreis-musterland.example/presse/{slug}/{stem}"
    out = build_into(tmp_path / "out", config)
    # No release pages; the subscription pages stay (the feeds' alternate links).
    pages = sorted(p.relative_to(out).as_posix() for p in out.rglob("*.html"))
    assert pages == sorted(["index.html", *(f"{slug}/index.html" for slug in SLUGS)])
    listed = html.document_fromstring((out / "jobcenter" / "index.html").read_bytes())
    links = listed.xpath("//ol[@class='releases']//h3/a/@href")
    assert links and all(link.startswith(template.split("{")[0]) for link in links), links
    assert (out / "feeds.opml").is_file()
    for feed in FEEDS:
        parsed = parse_feed(out / feed)
        assert not parsed.bozo, feed
        assert parsed.entries, feed
        for entry in parsed.entries:
            slug, stem, *notice = entry.id.removeprefix(PREFIX).split("/")
            link = template.format(slug=slug, stem=stem) + ("#korrektur" if notice else "")
            assert entry.link == link, f"{feed}: {entry.id}"
    root = etree.parse(out / "atom.xml").getroot()
    for content in root.iterfind("a:entry/{http://search.yahoo.com/mrss/}content", NS):
        # Pictures are published here all the same: the feeds need a URL for them.
        assert content.get("url", "").startswith(BASE), content.get("url")
        assert (out / content.get("url", "").removeprefix(BASE)).is_file()
    for link in root.findall("a:entry/a:link", NS):
        assert (link.get("rel"), link.get("type")) == ("alternate", "text/html")
    assert root.findall("a:entry/{http://search.yahoo.com/mrss/}content", NS), "no pictures"


# --------------------------------------------------------------------------------- ids


def test_ids_are_what_check_json_prints(built: Path, records: dict[str, dict[str, Any]]):
    ids = {r["id"] for r in records.values()}
    assert len(ids) == len(records) == len(list(SAMPLE_RELEASES.glob("*/*.txt")))
    ids = expected_ids(records, "atom.xml")  # and the correction notices
    assert CONFIG.max_entries >= len(ids)
    assert set(entry_ids(built / "atom.xml")) == ids
    assert set(entry_ids(built / "rss.xml")) == ids
    for record in records.values():
        stem = Path(record["path"]).stem
        assert record["id"] == f"{PREFIX}{record['slug']}/{stem}", record["path"]


EDITED = "Jobcenter/2024-09-18-jobmesse-musterstadt.txt"


def test_ids_survive_edits_of_title_body_and_date(sample_releases: Path, tmp_path: Path):
    before = check_json(sample_releases)[EDITED]
    path = sample_releases / EDITED
    text = path.read_text("utf-8")
    new_title = "Jobmesse in Musterstadt: Korrigierte Zahlen"
    new_paragraph = "Nachtrag: Es waren 1.500 Besucherinnen und Besucher."
    edited = (
        text.replace("\n18.09.2024\n", "\n19.09.2024, 10:30 Uhr\n", 1)
        .replace(f"\n{before['title']}\n", f"\n{new_title}\n", 1)
        .replace("\nAutor/in:", f"\n{new_paragraph}\n\nAutor/in:", 1)
    )
    assert edited.count(new_title) == 1 and "10:30 Uhr" in edited and new_paragraph in edited
    path.write_text(edited, "utf-8")

    after = check_json(sample_releases)[EDITED]
    assert after["title"] == new_title
    assert after["published"] == "2024-09-19T10:30:00+02:00"
    assert new_paragraph in after["paragraphs"]
    assert after["id"] == before["id"], "an edit changed the id: readers would show it again"

    out = build_into(tmp_path / "out", releases=sample_releases)
    for feed in ("atom.xml", "rss.xml", "jobcenter/atom.xml", "jobcenter/rss.xml"):
        entries = parse_feed(out / feed).entries
        assert [e.id for e in entries if e.title == new_title] == [before["id"]], feed
        assert before["title"] not in [e.title for e in entries], feed


def _entry(feed: Path, entry_id: str) -> Any:
    return next(e for e in parse_feed(feed).entries if e.id == entry_id)


def test_a_correction_changes_the_content_and_nothing_else(sample_releases: Path, tmp_path: Path):
    """Same id, same published/pubDate, new content; Atom <updated> stays the publication
    (readers that sort by it made a corrected release today's news: README, "Updated"); the
    page says "Aktualisiert am" with the stated time."""
    before = build_into(tmp_path / "before", releases=sample_releases)
    path = sample_releases / EDITED
    text = path.read_text("utf-8")
    path.write_text(
        text.replace(
            "\n18.09.2024\n", "\n18.09.2024\nAktualisiert: 19.09.2024, 08:00 Uhr\n", 1
        ).replace("Rund 1.400 Besucherinnen", "Rund 1.500 Besucherinnen", 1),
        "utf-8",
    )
    after = build_into(tmp_path / "after", releases=sample_releases)
    entry_id = check_json(sample_releases)[EDITED]["id"]
    for feed in ("atom.xml", "jobcenter/atom.xml"):
        old, new = _entry(before / feed, entry_id), _entry(after / feed, entry_id)
        assert new.published == old.published == "2024-09-18T12:00:00+02:00", feed
        assert new.updated == old.updated == old.published, feed
        assert "Rund 1.500" in new.content[0].value and "Rund 1.400" in old.content[0].value
    for feed in ("rss.xml", "jobcenter/rss.xml"):
        old, new = _entry(before / feed, entry_id), _entry(after / feed, entry_id)
        assert new.published == old.published == "Wed, 18 Sep 2024 12:00:00 +0200", feed
    page = (after / "jobcenter/2024-09-18-jobmesse-musterstadt.html").read_text("utf-8")
    assert "Aktualisiert am <time" in page and "19.09.2024, 08:00 Uhr</time>" in page
    # Not the newest entry of any feed: the feeds' own <updated> stay.
    for feed in ATOM_FEEDS:
        assert parse_feed(after / feed).feed.updated == parse_feed(before / feed).feed.updated


def test_a_date_only_correction_on_the_publication_day_keeps_the_publication_time(
    tmp_path: Path,
):
    """``Aktualisiert: 10.07.2024`` means 00:00, before a release of 14:30 that day: an entry
    must not be updated before it was published, so <updated> is the publication time."""
    releases = tmp_path / "releases"
    (releases / "Jobcenter").mkdir(parents=True)
    (releases / "Jobcenter" / "a.txt").write_text(
        "10.07.2024, 14:30 Uhr\nAktualisiert: 10.07.2024\n\nTitel\n\nText.\n", "utf-8"
    )
    out = build_into(tmp_path / "out", releases=releases)
    root = etree.parse(out / "atom.xml").getroot()
    entry = root.find("a:entry", NS)
    assert entry is not None
    assert entry.findtext("a:published", namespaces=NS) == "2024-07-10T14:30:00+02:00"
    assert entry.findtext("a:updated", namespaces=NS) == "2024-07-10T14:30:00+02:00"
    assert root.findtext("a:updated", namespaces=NS) == "2024-07-10T14:30:00+02:00"


# --------------------------------------------------------------------------------- determinism


def test_two_builds_are_byte_identical(tmp_path: Path, built: Path):
    first = tree(build_into(tmp_path / "a"))
    second = tree(build_into(tmp_path / "b"))
    assert first.keys() == second.keys()
    assert [k for k in first if first[k] != second[k]] == []
    assert first == tree(built)


@pytest.mark.parametrize(
    ("zone", "offset"),
    [("UTC", "+0000"), ("Pacific/Kiritimati", "+1400"), ("America/Los_Angeles", "-0800")],
)
def test_build_does_not_depend_on_the_machine_timezone(
    tmp_path: Path, built: Path, monkeypatch: pytest.MonkeyPatch, zone: str, offset: str
):
    try:
        with monkeypatch.context() as patch:
            patch.setenv("TZ", zone)
            time.tzset()
            assert time.strftime("%z", time.localtime(1_700_000_000)) == offset, "TZ not set"
            out = build_into(tmp_path / "out")
    finally:
        time.tzset()
    assert tree(out) == tree(built), f"TZ={zone} changes the output"


def german_locale(tmp_path: Path) -> tuple[str, dict[str, str]]:
    """A German UTF-8 locale (compiled into ``tmp_path`` when the system has none) and the
    environment it needs; C.UTF-8 when neither works."""
    for name in ("de_DE.UTF-8", "de_DE.utf8"):
        if _locale_works(name):
            return name, {}
    localedef = shutil.which("localedef")
    if localedef and Path("/usr/share/i18n/locales/de_DE").is_file():
        target = tmp_path / "locales"
        target.mkdir()
        done = subprocess.run(
            [localedef, "-i", "de_DE", "-f", "UTF-8", str(target / "de_DE.UTF-8")],
            capture_output=True,
            check=False,
        )
        if done.returncode in (0, 1) and (target / "de_DE.UTF-8").is_dir():
            with pytest.MonkeyPatch.context() as patch:
                patch.setenv("LOCPATH", str(target))
                if _locale_works("de_DE.UTF-8"):
                    return "de_DE.UTF-8", {"LOCPATH": str(target)}
    return "C.UTF-8", {}


def _locale_works(name: str) -> bool:
    old = locale.setlocale(locale.LC_ALL)
    try:
        locale.setlocale(locale.LC_ALL, name)
    except locale.Error:
        return False
    finally:
        locale.setlocale(locale.LC_ALL, old)
    return True


def test_build_does_not_depend_on_the_locale(
    tmp_path: Path, built: Path, monkeypatch: pytest.MonkeyPatch
):
    name, env = german_locale(tmp_path)
    old = locale.setlocale(locale.LC_ALL)
    try:
        with monkeypatch.context() as patch:
            for key, value in env.items():
                patch.setenv(key, value)
            patch.setenv("LC_ALL", name)
            patch.setenv("LANG", name)
            locale.setlocale(locale.LC_ALL, "")
            if name.startswith("de_"):
                march = time.strftime("%b", (2025, 3, 11, 0, 0, 0, 1, 70, 0))
                assert march == "Mär", f"locale {name} is not German: {march!r}"
            out = build_into(tmp_path / "out")
    finally:
        locale.setlocale(locale.LC_ALL, old)
    assert tree(out) == tree(built), f"LC_ALL={name} changes the output"


def test_no_file_contains_the_build_date(built: Path, records: dict[str, dict[str, Any]]):
    days = {datetime.now(UTC).date(), datetime.now(BERLIN).date()}
    release_days = {datetime.fromisoformat(r["published"]).date() for r in records.values()}
    if days & release_days:
        pytest.skip("today is the date of a sample release")
    forms = set()
    for day in days:
        forms |= {
            f"{day:%Y-%m-%d}",
            f"{day:%d.%m.%Y}",
            f"{day.day:02d} {MONTHS_EN[day.month - 1]} {day.year}",
        }
    for relative, data in tree(built).items():
        if relative.endswith((".jpg", ".png", ".webp")):
            continue  # pictures are copied from releases/ byte for byte (test_pictures.py)
        text = data.decode("utf-8")
        found = [form for form in forms if form in text]
        assert not found, f"{relative} contains today's date {found}: output depends on now()"


def test_teaser_with_markup_characters_reads_the_same_in_every_format(tmp_path: Path) -> None:
    """RSS <description> is rendered as HTML by readers, so plain text goes there escaped;
    Atom says so with type="html". "<tag>" must not vanish and "&amp;" must stay literal."""
    import html as html_text

    teaser = "Teaser mit & und <tag> und &amp; „Zitat“"
    releases = tmp_path / "releases"
    (releases / "Amt").mkdir(parents=True)
    (releases / "Amt" / "x.txt").write_text(
        f"Seiteninhalt\n10.07.2024\n\nTitel\n\n{teaser}\n\nText.\n", "utf-8"
    )
    out = tmp_path / "feeds"
    build(releases, out, wide_config())
    for name in ("atom.xml", "rss.xml"):
        entry = feedparser.parse(str(out / "amt" / name)).entries[0]
        assert entry.summary_detail.type == "text/html", name
        assert html_text.unescape(entry.summary) == teaser, name
    atom = etree.parse(str(out / "amt" / "atom.xml")).getroot()
    summary = atom.find("a:entry/a:summary", namespaces=NS)
    assert summary is not None and summary.get("type") == "html"
    assert summary.text == html_text.escape(teaser, quote=False)


def test_character_reference_in_author_line_is_one_literal_author(tmp_path: Path) -> None:
    """A release is plain text: "A &gt; B" typed by the office is the author "A &gt; B" (its
    ";" separates nothing), published as those characters in every format, escaped once."""
    import html as html_text

    releases = tmp_path / "releases"
    (releases / "Amt").mkdir(parents=True)
    (releases / "Amt" / "x.txt").write_text(
        "10.07.2024\n\nTitel\n\nText.\n\nAutor/in: A &gt; B; C\n", "utf-8"
    )
    authors = ["A &gt; B", "C"]
    assert check_json(releases)["Amt/x.txt"]["authors"] == authors
    out = build_into(tmp_path / "feeds", releases=releases)
    entry = parse_feed(out / "amt" / "atom.xml").entries[0]
    assert [a["name"] for a in entry.authors] == authors
    assert parse_feed(out / "amt" / "rss.xml").entries[0].author == "A &gt; B und C"
    atom = etree.parse(str(out / "amt" / "atom.xml")).getroot()
    assert [n.text for n in atom.iterfind("a:entry/a:author/a:name", NS)] == authors
    rss = etree.parse(str(out / "amt" / "rss.xml")).getroot()
    assert [c.text for c in rss.iterfind("channel/item/dc:creator", NS)] == ["A &gt; B und C"]
    assert b"<dc:creator>A &amp;gt; B und C</dc:creator>" in (out / "amt" / "rss.xml").read_bytes()
    feed = json.loads((out / "amt" / "feed.json").read_text("utf-8"))
    assert [a["name"] for a in feed["items"][0]["authors"]] == authors
    page = html.parse(str(out / "amt" / "x.html")).getroot().text_content()
    assert "A &gt; B, C" in page
    assert html_text.escape("A &gt; B", quote=False) in (out / "amt" / "x.html").read_text("utf-8")


# ------------------------------------------------------------ names and descriptions as text

#: Department folders, each with its configured description (None: the default one).
MARKUP_DEPARTMENTS: dict[str, str | None] = {
    "Bauamt <img src=x onerror=alert(1)>": None,
    "Amt &amp; Co": "<img src=https://tracker.example/x.gif> &amp; & <b>fett</b>",
    "Jobcenter & Soziales": "Arbeit & Soziales, Tempo < 30",
}
MARKUP_TITLE = "Presse & Co &amp; <b>Kreis</b>"
MARKUP_DESCRIPTION = "Alle <img src=https://tracker.example/x.gif> &amp; & mehr"


@pytest.fixture(scope="module")
def markup_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A build whose folder names, configured descriptions and site title look like markup."""
    root = tmp_path_factory.mktemp("markup")
    departments = {}
    for number, (name, description) in enumerate(MARKUP_DEPARTMENTS.items()):
        (root / "releases" / name).mkdir(parents=True)
        (root / "releases" / name / "x.txt").write_text(
            f"1{number}.07.2024\n\nTitel {number}\n\nText.\n", "utf-8"
        )
        if description is not None:
            departments[name] = {"description": description}
    config = make_config(
        {
            "base_url": "https://presse.example.de/feeds/",
            "title": MARKUP_TITLE,
            "description": MARKUP_DESCRIPTION,
            "departments": departments,
        },
        None,
    )
    return build_into(root / "feeds", config, root / "releases")


def markup_feeds() -> dict[str, tuple[str, str]]:
    """Feed folder ("" for every department) → (feed title, description) as configured."""
    feeds = {"": (MARKUP_TITLE, MARKUP_DESCRIPTION)}
    for name, description in MARKUP_DEPARTMENTS.items():
        feeds[department_slug(name)] = (
            f"{name} – {MARKUP_TITLE}",
            description or f"Pressemitteilungen: {name}",
        )
    return feeds


def as_reader_shows(detail: Any, value: str) -> str:
    """What a reader built on feedparser shows for a title or description: plain text as it
    is; HTML rendered, which must be text only (no element a reader would render)."""
    if detail.type == "text/plain":
        return value
    assert detail.type == "text/html", detail.type
    assert "<" not in value, f"markup reaches the reader: {value!r}"
    import html as html_text

    return html_text.unescape(value)


def test_rss_channel_title_and_description_read_as_their_text(markup_site: Path) -> None:
    """RSS readers render the channel <description> as HTML, and feedparser guesses whether
    a title is: both carry folder names and configured text, which must never arrive as
    markup (an <img> that calls a tracker) nor lose a literal "&amp;"."""
    import html as html_text

    for folder, (title, description) in markup_feeds().items():
        path = markup_site / folder / "rss.xml"
        feed = parse_feed(path).feed
        assert as_reader_shows(feed.title_detail, feed.title) == title, path
        assert as_reader_shows(feed.subtitle_detail, feed.subtitle) == description, path
        channel = etree.parse(str(path)).getroot().find("channel")
        assert channel is not None
        assert channel.findtext("description") == html_text.escape(description, quote=False)
        assert channel.findtext("title") == html_text.escape(title, quote=False)


def test_rss_channel_title_without_markup_is_escaped_once(tmp_path: Path) -> None:
    """RSS titles are plain text (newsboat shows them as they are): "&" or "<" alone is no
    markup and is escaped once, like an item title."""
    title = "Jobcenter & Soziales – Presse < Medien"
    releases = tmp_path / "releases"
    (releases / "Jobcenter & Soziales").mkdir(parents=True)
    (releases / "Jobcenter & Soziales" / "x.txt").write_text("10.07.2024\n\nT\n\nText.\n")
    config = make_config(
        {"base_url": "https://presse.example.de/feeds/", "title": "Presse < Medien"}, None
    )
    out = build_into(tmp_path / "feeds", config, releases)
    path = out / "jobcenter-soziales" / "rss.xml"
    assert etree.parse(str(path)).getroot().findtext("channel/title") == title
    assert b"<title>Jobcenter &amp; Soziales \xe2\x80\x93 Presse &lt; Medien</title>" in (
        path.read_bytes()
    )
    feed = parse_feed(path).feed
    assert (feed.title_detail.type, feed.title) == ("text/plain", title)


def test_atom_title_and_subtitle_are_text(markup_site: Path) -> None:
    for folder, (title, description) in markup_feeds().items():
        path = markup_site / folder / "atom.xml"
        feed = parse_feed(path).feed
        assert (feed.title_detail.type, feed.title) == ("text/plain", title), path
        assert (feed.subtitle_detail.type, feed.subtitle) == ("text/plain", description), path
        root = etree.parse(str(path)).getroot()
        for name, text in (("title", title), ("subtitle", description)):
            element = root.find(f"a:{name}", NS)
            assert element is not None and element.get("type", "text") == "text"
            assert element.text == text


def test_json_feed_title_and_description_are_the_text(markup_site: Path) -> None:
    for folder, (title, description) in markup_feeds().items():
        feed = json.loads((markup_site / folder / "feed.json").read_text("utf-8"))
        assert (feed["title"], feed["description"]) == (title, description)


def test_opml_outlines_carry_the_names_as_attribute_text(markup_site: Path) -> None:
    for name in ("feeds.opml", "feeds-json.opml"):
        root = etree.parse(str(markup_site / name)).getroot()
        body = root.find("body")
        assert body is not None and {e.tag for e in body.iter()} == {"body", "outline"}
        outlines = {o.get("text"): o for o in body.iter("outline")}
        for department, description in MARKUP_DEPARTMENTS.items():
            outline = outlines[department]
            assert outline.get("title") == department
            assert outline.get("description") == (
                description or f"Pressemitteilungen: {department}"
            )
        assert outlines["Alle Fachdienste"].get("description") == MARKUP_TITLE
        assert root.findtext("head/title", "").startswith(MARKUP_TITLE)


def test_pages_show_names_and_descriptions_as_text(markup_site: Path) -> None:
    pages = sorted(markup_site.rglob("*.html"))
    assert len(pages) == 1 + 2 * len(MARKUP_DEPARTMENTS)
    for page in pages:
        document = html.parse(str(page)).getroot()
        assert not document.xpath("//img | //b | //*[@onerror]"), page
    index = html.parse(str(markup_site / "index.html")).getroot().text_content()
    for department, description in MARKUP_DEPARTMENTS.items():
        assert department in index
        assert (description or f"Pressemitteilungen: {department}") in index
    assert MARKUP_DESCRIPTION in index


def test_every_author_is_kept_whole_by_feedparser_and_reader(tmp_path: Path) -> None:
    """Readers keep one RSS author: Thunderbird the first dc:creator, feedparser's ``author``
    (rss2email, reader) the last. So RSS has one dc:creator with every name, as German text;
    Atom and JSON Feed name each author. reader reads an RSS author as ``name (e-mail)``:
    ``Landkreis Rotenburg (Wümme)`` must not become the name ``Landkreis Rotenburg`` with the
    e-mail ``Wümme``."""
    reader_module = pytest.importorskip("reader", reason="reader is not installed (test extra)")
    releases = tmp_path / "releases"
    (releases / "Amt").mkdir(parents=True)
    district = "Landkreis Rotenburg (Wümme)"
    texts = {
        "a.txt": f"10.07.2024\n\nEins\n\nText.\n\nAutor/in: {district}\n",
        "b.txt": "11.07.2024\n\nZwei\n\nText.\n\nAutor/in: Petra Schulz und Jens Albrecht\n",
        "c.txt": "12.07.2024\n\nDrei\n\nText.\n\n"
        f"Autor/in: Petra Schulz, Jens Albrecht, {district}\n",
    }
    for name, text in texts.items():
        (releases / "Amt" / name).write_text(text, "utf-8")
    out = build_into(tmp_path / "feeds", releases=releases)
    expected = {
        "Eins": district,
        "Zwei": "Petra Schulz und Jens Albrecht",
        "Drei": f"Petra Schulz, Jens Albrecht und {district}",
    }
    by_feedparser = {e.title: e for e in parse_feed(out / "amt" / "rss.xml").entries}
    for title, names in expected.items():
        entry = by_feedparser[title]
        # The name as a reader shows it (a word joiner after a closing bracket shows nowhere).
        assert entry.author.removesuffix("\u2060") == names, title
        assert [a.get("email") for a in entry.authors] == [None], title
    reader = reader_module.make_reader(":memory:", feed_root=str(out))
    try:
        reader.add_feed("amt/rss.xml")
        reader.update_feed("amt/rss.xml")
        for entry in reader.get_entries():
            shown = ", ".join(a.name.removesuffix("\u2060") for a in entry.authors)
            assert shown in (expected[entry.title], expected[entry.title].replace(" und ", ", ")), (
                entry.title
            )
            assert [a.email for a in entry.authors] == [None] * len(entry.authors), entry.title
        assert {e.title for e in reader.get_entries()} == set(expected)
    finally:
        reader.close()
    atom = {e.title: e for e in parse_feed(out / "amt" / "atom.xml").entries}
    assert [a["name"] for a in atom["Drei"].authors] == ["Petra Schulz", "Jens Albrecht", district]


def test_the_correction_note_tops_the_content_in_every_format(tmp_path: Path):
    """A release with a ``Korrektur:`` line: its note is the first paragraph of its content in
    Atom, RSS and JSON Feed (readers that update the entry in place show what changed)."""
    releases = tmp_path / "releases"
    (releases / "Jobcenter").mkdir(parents=True)
    (releases / "Jobcenter" / "a.txt").write_text(
        "10.07.2024, 14:30 Uhr\nAktualisiert: 11.07.2024, 09:00 Uhr\n"
        "Korrektur: Die Messe ist am Dienstag.\n\nTitel\n\nText.\n",
        "utf-8",
    )
    out = build_into(tmp_path / "out", releases=releases)
    note = "<p><strong>Korrektur:</strong> Die Messe ist am Dienstag.</p>\n<p>Text.</p>"
    release_id = "tag:presse.example.de,2024-01-01:jobcenter/a"
    atom = next(e for e in parse_feed(out / "jobcenter/atom.xml").entries if e.id == release_id)
    assert atom.content[0].value == note
    rss = etree.parse(out / "jobcenter/rss.xml").getroot()
    encoded = rss.xpath(
        "//item[guid=$id]/content:encoded/text()",
        id=release_id,
        namespaces={"content": "http://purl.org/rss/1.0/modules/content/"},
    )
    assert encoded == [note]
    items = json.loads((out / "jobcenter/feed.json").read_text("utf-8"))["items"]
    assert next(i for i in items if i["id"] == release_id)["content_html"] == note
