"""The JSON Feeds (``feed.json``) of the sample build: JSON Feed 1.1 as its spec words it, the
same entries as the Atom feed beside each, and what a real reader library makes of them.

The member tables below are the spec's own lists (https://www.jsonfeed.org/version/1.1/,
"Top-level" and "Items"), one row per member with what the spec says and what feedpub
promises on top ("should be considered required" for feeds on the public web). feedparser 6
reads no JSON Feed (its JSON parser is only on its unreleased main branch), so the reader
check uses lemon24/reader, a feed reader library with its own JSON Feed 1.1 parser.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from lxml import etree

import feedpub.pipeline
from feedpub.build import build
from feedpub.config import Config
from feedpub.dates import BERLIN
from feedpub.feeds import FeedInfo
from feedpub.jsonfeed import render_json_feed
from feedpub.layout import Urls
from feedpub.parse import parse_text
from tests.conftest import SAMPLE_RELEASES, wide_config

CONFIG = wide_config()
BASE = CONFIG.base_url
DEPARTMENTS = sorted({p.parent.name for p in SAMPLE_RELEASES.glob("*/*.txt")})
#: Every JSON Feed of the sample build, relative to the output folder.
JSON_FEEDS = ["feed.json"] + [
    f"{slug}/feed.json"
    for slug in (
        "amt-fuer-bau-und-planung",
        "gesundheitsamt",
        "jobcenter",
        "kreisvolkshochschule",
        "strassenverkehrsamt",
    )
]
A = "{http://www.w3.org/2005/Atom}"
NOW = datetime(2026, 11, 26, 12, 0, tzinfo=BERLIN)
#: RFC 3339 date-time (section 5.6) with seconds and a numeric offset, as feedpub writes it.
RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")


# --------------------------------------------------------------------------------- the spec


def is_string(value: Any) -> bool:
    return isinstance(value, str)


def is_absolute_url(value: Any) -> bool:
    parts = urlsplit(value) if isinstance(value, str) else None
    return parts is not None and parts.scheme in ("http", "https") and bool(parts.netloc)


def is_rfc3339(value: Any) -> bool:
    if not isinstance(value, str) or not RFC3339.match(value):
        return False
    return datetime.fromisoformat(value).tzinfo is not None


def is_language_tag(value: Any) -> bool:
    # RFC 5646 in the form the spec describes: a 2-letter ISO 639-1 code, optional region.
    return isinstance(value, str) and re.fullmatch(r"[a-z]{2}(-[A-Z]{2})?", value) is not None


def is_author_list(value: Any) -> bool:
    """ "array of objects ... These are all optional — but if you provide an author object,
    then at least one is required" (name, url, avatar; all strings)."""
    return (
        isinstance(value, list)
        and bool(value)
        and all(
            isinstance(author, dict)
            and set(author) <= {"name", "url", "avatar"}
            and bool(set(author) & {"name", "url", "avatar"})
            and all(isinstance(v, str) and v for v in author.values())
            for author in value
        )
    )


def is_string_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def is_list(value: Any) -> bool:
    return isinstance(value, list)


def is_bool(value: Any) -> bool:
    return isinstance(value, bool)


@dataclass(frozen=True)
class Member:
    """One member as the spec defines it, and whether feedpub writes it."""

    #: "required", "optional", or "omitted" (optional, and feedpub has nothing to put there).
    use: str
    check: Callable[[Any], bool]
    #: The spec's words.
    spec: str


#: "Top-level", in the spec's order.
FEED_MEMBERS: dict[str, Member] = {
    "version": Member("required", is_string, "required, string; the URL of the version"),
    "title": Member("required", is_string, "required, string; the name of the feed"),
    "home_page_url": Member(
        "required", is_absolute_url, "optional but strongly recommended; public web: required"
    ),
    "feed_url": Member(
        "required", is_absolute_url, "optional but strongly recommended; public web: required"
    ),
    "description": Member("optional", is_string, "optional, string"),
    "user_comment": Member("optional", is_string, "optional, string; ignored by readers"),
    "next_url": Member("omitted", is_absolute_url, "optional, string; pagination"),
    "icon": Member("omitted", is_absolute_url, "optional, string; feedpub has no icon"),
    "favicon": Member("omitted", is_absolute_url, "optional, string; feedpub has no favicon"),
    "authors": Member("optional", is_author_list, "optional, array of objects"),
    "language": Member("optional", is_language_tag, "optional, string, RFC 5646"),
    "expired": Member("omitted", is_bool, "optional, boolean; these feeds go on"),
    "hubs": Member("omitted", is_list, "only with websub_hub (tests/test_websub.py)"),
    "items": Member("required", is_list, "items is an array, and is required"),
}
#: "Items", in the spec's order; ``content_html``/``content_text``: "one or both must be
#: present".
ITEM_MEMBERS: dict[str, Member] = {
    "id": Member("required", is_string, "required, string"),
    "url": Member("required", is_absolute_url, "optional, string; should be present regardless"),
    "external_url": Member("omitted", is_absolute_url, "very optional, string"),
    "title": Member("optional", is_string, "optional, string; plain text"),
    "content_html": Member("optional", is_string, "content_html or content_text required"),
    "content_text": Member("omitted", is_string, "content_html or content_text required"),
    "summary": Member("optional", is_string, "optional, string; plain text"),
    "image": Member("pictures", is_absolute_url, "optional, string"),
    "banner_image": Member("omitted", is_absolute_url, "optional, string"),
    "date_published": Member("optional", is_rfc3339, "optional, string, RFC 3339"),
    "date_modified": Member("optional", is_rfc3339, "optional, string, RFC 3339"),
    "authors": Member("optional", is_author_list, "optional; same structure as top-level"),
    "tags": Member("optional", is_string_list, "optional, array of strings"),
    "language": Member("optional", is_language_tag, "optional, string"),
    "attachments": Member("omitted", is_list, "optional, array"),
}
#: What feedpub writes of the optional members: every one of them, in every feed and item.
WRITTEN = "required", "optional"


def test_the_tables_keep_the_specs_order_and_nothing_is_listed_twice():
    assert list(FEED_MEMBERS)[0] == "version" and list(FEED_MEMBERS)[-1] == "items"
    assert {m.use for m in [*FEED_MEMBERS.values(), *ITEM_MEMBERS.values()]} == {
        "required",
        "optional",
        "omitted",
        "pictures",  # written exactly for releases with pictures
    }


# --------------------------------------------------------------------------------- fixtures


def build_into(out: Path, config: Config = CONFIG, releases: Path = SAMPLE_RELEASES) -> Path:
    report = build(releases, out, config, now=NOW)
    assert not report.errors, "\n".join(map(str, report.errors))
    return out


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_into(tmp_path_factory.mktemp("jsonfeed") / "out")


def load(path: Path) -> dict[str, Any]:
    data = path.read_bytes()
    document = json.loads(data.decode("utf-8"))
    assert isinstance(document, dict)
    return document


def atom_by_id(path: Path) -> dict[str, dict[str, Any]]:
    return {entry["id"]: entry for entry in atom_entries(path)}


MRSS = "{http://search.yahoo.com/mrss/}"


def atom_entries(path: Path) -> list[dict[str, Any]]:
    """What the Atom feed says of each entry, as raw strings from the XML."""
    entries = []
    for entry in etree.parse(path).getroot().iter(f"{A}entry"):
        entries.append(
            {
                "id": entry.findtext(f"{A}id"),
                "url": entry.find(f"{A}link[@rel='alternate']").get("href"),
                "title": entry.findtext(f"{A}title"),
                "content_html": entry.findtext(f"{A}content"),
                # type="html" holding escaped plain text: unescaped once, it is the text.
                "summary": html.unescape(entry.findtext(f"{A}summary") or ""),
                **dict(
                    ("image", content.get("url")) for content in entry.findall(f"{MRSS}content")[:1]
                ),
                "date_published": entry.findtext(f"{A}published"),
                "date_modified": entry.findtext(f"{A}updated"),
                "authors": [{"name": a.findtext(f"{A}name")} for a in entry.iter(f"{A}author")],
                "tags": [c.get("term") for c in entry.iter(f"{A}category")],
            }
        )
    return entries


# --------------------------------------------------------------------------------- structure


def test_the_build_writes_a_json_feed_beside_every_atom_feed(built: Path):
    found = sorted(p.relative_to(built).as_posix() for p in built.rglob("feed.json"))
    # Live feeds only: the RFC 5005 archive documents are Atom and RSS (JSON Feed 1.1 has no
    # archive links).
    atom = sorted(
        p.relative_to(built).as_posix() for p in built.rglob("atom.xml") if "archive" not in p.parts
    )
    assert found == sorted(JSON_FEEDS)
    assert [a.replace("atom.xml", "feed.json") for a in atom] == found
    assert len(DEPARTMENTS) == len(JSON_FEEDS) - 1


@pytest.mark.parametrize("feed", JSON_FEEDS)
def test_bytes_are_utf8_json_on_one_line_with_a_final_newline(built: Path, feed: str):
    data = (built / feed).read_bytes()
    assert data.endswith(b"}\n") and data.count(b"\n") == 1, "one compact line and a newline"
    assert not data.startswith(b"\xef\xbb\xbf"), "no BOM"
    text = data.decode("utf-8")
    assert "\\u00" not in text, "not ASCII-escaped: umlauts are written as UTF-8"
    assert any(c in text for c in "äöüßÄÖÜ"), "the samples have umlauts"
    assert json.dumps(json.loads(text), ensure_ascii=False, separators=(",", ":")) + "\n" == text


@pytest.mark.parametrize("key", list(FEED_MEMBERS))
def test_top_level_member_as_the_spec_defines_it(built: Path, key: str):
    member = FEED_MEMBERS[key]
    for feed in JSON_FEEDS:
        document = load(built / feed)
        if member.use in WRITTEN:
            assert key in document, f"{feed}: no {key!r} ({member.spec})"
            assert member.check(document[key]), f"{feed}: {key} = {document[key]!r}"
        else:
            assert key not in document, f"{feed}: {key!r} is written ({member.spec})"


@pytest.mark.parametrize("key", list(ITEM_MEMBERS))
def test_item_member_as_the_spec_defines_it(built: Path, key: str):
    member = ITEM_MEMBERS[key]
    for feed in JSON_FEEDS:
        items = load(built / feed)["items"]
        assert items, f"{feed}: no items"
        for item in items:
            where = f"{feed}: {item.get('id')}"
            if member.use == "pictures":
                # Written exactly for a release with pictures: the first one (as the Atom
                # entry's first media:content).
                entry = atom_by_id(built / feed.replace("feed.json", "atom.xml"))[item["id"]]
                assert item.get(key) == entry.get(key), where
                assert key not in item or member.check(item[key]), where
            elif member.use in WRITTEN:
                assert key in item, f"{where}: no {key!r} ({member.spec})"
                assert member.check(item[key]), f"{where}: {key} = {item[key]!r}"
            else:
                assert key not in item, f"{where}: {key!r} is written ({member.spec})"


@pytest.mark.parametrize("feed", JSON_FEEDS)
def test_no_member_outside_the_spec_and_its_order(built: Path, feed: str):
    """Keys are the spec's (extensions would start with "_"; feedpub has none), "version ...
    should appear at the very top", and the rest keep the spec's order: stable bytes."""
    document = load(built / feed)
    assert list(document) == [k for k in FEED_MEMBERS if k in document]
    assert "author" not in document, "deprecated in 1.1: authors"
    for item in document["items"]:
        assert list(item) == [k for k in ITEM_MEMBERS if k in item], item["id"]
        assert "author" not in item, "deprecated in 1.1: authors"


@pytest.mark.parametrize("feed", JSON_FEEDS)
def test_the_feeds_own_values(built: Path, feed: str):
    document = load(built / feed)
    slug = feed.split("/")[0] if "/" in feed else None
    assert document["version"] == "https://jsonfeed.org/version/1.1"
    assert document["feed_url"] == BASE + feed, "feed_url is where the file is published"
    # The Atom and RSS feeds' rel=alternate: the department's page, or the index.
    assert document["home_page_url"] == BASE + (f"{slug}/index.html" if slug else "index.html")
    assert document["language"] == "de"
    assert document["authors"] == [{"name": CONFIG.publisher, "url": f"mailto:{CONFIG.email}"}], (
        "the publisher, with the configured e-mail address as the spec's mailto: url"
    )
    assert BASE + feed in document["user_comment"]
    assert document.get("next_url") != document["feed_url"]  # the spec's rule, trivially kept
    ids = [item["id"] for item in document["items"]]
    assert len(ids) == len(set(ids)), "ids are unique in a feed"
    for item in document["items"]:
        assert item["id"].strip() == item["id"] != "", "a blank id makes readers drop the item"
        assert item["language"] == "de"
        for key in ("date_published", "date_modified"):
            value = datetime.fromisoformat(item[key])
            assert value.utcoffset() == value.astimezone(BERLIN).utcoffset(), (
                f"{item['id']}: {key} {item[key]} without Berlin's offset of that day"
            )
        modified = datetime.fromisoformat(item["date_modified"])
        assert modified >= datetime.fromisoformat(item["date_published"]), item["id"]


# --------------------------------------------------------------------------------- vs. Atom


@pytest.mark.parametrize("feed", JSON_FEEDS)
def test_the_items_are_the_atom_entries(built: Path, feed: str):
    """Same entries, same order, same id (a reader switching formats sees no reruns), link,
    title, content, dates, authors and category; the summary is the Atom summary's text."""
    document = load(built / feed)
    atom_path = built / feed.replace("feed.json", "atom.xml")
    expected = atom_entries(atom_path)
    items = [{k: v for k, v in item.items() if k != "language"} for item in document["items"]]
    assert [i["id"] for i in items] == [e["id"] for e in expected]
    for item, entry in zip(items, expected, strict=True):
        assert item == entry, f"{feed}: {item['id']}"
    atom = etree.parse(atom_path).getroot()
    assert document["title"] == atom.findtext(f"{A}title")
    assert document["description"] == atom.findtext(f"{A}subtitle")
    assert document["home_page_url"] == atom.find(f"{A}link[@rel='alternate']").get("href")
    assert document["authors"][0]["name"] == atom.findtext(f"{A}author/{A}name")
    assert document["authors"][0]["url"] == "mailto:" + atom.findtext(f"{A}author/{A}email")


def test_plain_text_stays_plain_and_html_is_escaped_once(built: Path):
    """Only content_html holds HTML; a title or summary with < & „“ is the text itself."""
    items = {i["title"]: i for i in load(built / "feed.json")["items"]}
    tricky = items["Schulstart: Tempo < 30 km/h vor Grundschulen"]
    assert "&lt;" not in tricky["title"]
    assert items["Impfaktion „Gesund durch den Winter“ & Beratung"]["title"].count("&") == 1
    bodies = "".join(i["content_html"] for i in items.values())
    assert "<p>" in bodies and "&amp;amp;" not in bodies and "&lt;p&gt;" not in bodies
    assert "<" not in "".join(i["summary"] for i in items.values() if "<" not in i["title"])


# --------------------------------------------------------------------------------- a reader


def same(fragment: str) -> tuple[str, list[str]]:
    """An HTML fragment as its text and its pictures: what it says, not how it is spelt
    (reader's sanitiser drops attributes such as loading="lazy" from Atom content only)."""
    from lxml import html as lxml_html

    root = lxml_html.fragment_fromstring(fragment, create_parent="div")
    return root.text_content(), [str(e.get("src")) for e in root.iter("img")]


def test_reader_reads_every_json_feed_as_the_atom_feed(built: Path):
    """lemon24/reader parses each feed.json and its atom.xml: the same entries come out."""
    reader_module = pytest.importorskip(
        "reader", reason="reader not installed: pip install -e '.[test]'"
    )
    reader = reader_module.make_reader(":memory:", feed_root=str(built))
    try:
        for feed in JSON_FEEDS:
            atom = feed.replace("feed.json", "atom.xml")
            for url in (feed, atom):
                reader.add_feed(url)
                reader.update_feed(url)
                assert reader.get_feed(url).last_exception is None, url
            parsed = reader.get_feed(feed)
            assert parsed.version == "json11", f"{feed}: read as {parsed.version}"
            assert parsed.title == reader.get_feed(atom).title
            assert parsed.link == reader.get_feed(atom).link
            assert parsed.subtitle == reader.get_feed(atom).subtitle
            from_json = {e.id: e for e in reader.get_entries(feed=feed)}
            from_atom = {e.id: e for e in reader.get_entries(feed=atom)}
            authors = {
                e["id"]: [a["name"] for a in e["authors"]] for e in atom_entries(built / atom)
            }
            assert from_json.keys() == from_atom.keys() and from_json, feed
            for entry_id, entry in from_json.items():
                other = from_atom[entry_id]
                where = f"{feed}: {entry_id}"
                assert (entry.link, entry.title) == (other.link, other.title), where
                assert entry.published == other.published is not None, where
                assert entry.updated == other.updated is not None, where
                # reader keeps one author of an Atom entry with several (its feedparser's
                # quirk), so the names are compared with the Atom XML itself.
                assert [a.name for a in entry.authors] == authors[entry_id], where
                # reader sanitises Atom content (it re-serialises tags, attributes sorted) but
                # not JSON Feed's: compared as parsed HTML.
                html_json = [same(c.value) for c in entry.content if c.type == "text/html"]
                html_atom = [same(c.value) for c in other.content if c.type == "text/html"]
                assert html_json == html_atom and html_json, where
                assert entry.summary, where
    finally:
        reader.close()


# --------------------------------------------------------------------------------- corrections


EDITED = "Jobcenter/2024-09-18-jobmesse-musterstadt.txt"


def item_of(feed: Path, stem: str) -> dict[str, Any]:
    return next(i for i in load(feed)["items"] if i["id"].endswith("/" + stem))


def test_a_correction_keeps_id_date_published_and_date_modified(
    sample_releases: Path, tmp_path: Path
):
    out = build_into(tmp_path / "feeds", releases=sample_releases)
    stem = Path(EDITED).stem
    before = {f: item_of(out / f, stem) for f in ("feed.json", "jobcenter/feed.json")}
    assert all(i["date_modified"] == i["date_published"] for i in before.values())

    path = sample_releases / EDITED
    text = path.read_text("utf-8")
    path.write_text(
        text.replace(
            "\n18.09.2024\n", "\n18.09.2024\nAktualisiert: 19.09.2024, 08:00 Uhr\n", 1
        ).replace("Rund 1.400 Besucherinnen", "Rund 1.500 Besucherinnen", 1),
        "utf-8",
    )
    build_into(out, releases=sample_releases)
    for feed, old in before.items():
        new = item_of(out / feed, stem)
        assert new["id"] == old["id"], feed
        assert new["date_published"] == old["date_published"] == "2024-09-18T12:00:00+02:00"
        assert new["date_modified"] == new["date_published"], feed  # README, "Updated"
        assert "Rund 1.500" in new["content_html"] and "Rund 1.400" in old["content_html"]


def test_an_edit_without_a_stamp_keeps_date_modified(sample_releases: Path, tmp_path: Path):
    out = build_into(tmp_path / "feeds", releases=sample_releases)
    path = sample_releases / EDITED
    path.write_text(path.read_text("utf-8").replace("Jobmesse", "Jobbörse", 1), "utf-8")
    seen = NOW + timedelta(hours=3)
    assert not build(sample_releases, out, CONFIG, now=seen).errors
    item = item_of(out / "jobcenter" / "feed.json", Path(EDITED).stem)
    assert "Jobbörse" in item["title"] + item["content_html"]
    assert item["date_modified"] == item["date_published"] == "2024-09-18T12:00:00+02:00"
    page = (out / "jobcenter" / f"{Path(EDITED).stem}.html").read_text("utf-8")
    assert '"dateModified":"2026-11-26T15:00:00+01:00"' in page.replace(" ", "")


# --------------------------------------------------------------------------------- rendering


def releases_of(*texts: str) -> list[Any]:
    return [
        parse_text(text, source=Path(f"r{n}.txt"), department="Jobcenter", tag_prefix="tag:x,1:")
        for n, text in enumerate(texts)
    ]


INFO = FeedInfo(
    slug="jobcenter",
    id="tag:x,1:feed/jobcenter",
    title="Jobcenter – Pressemitteilungen",
    subtitle="Aus dem Jobcenter",
    publisher="Pressestelle",
    email=None,
    empty_updated=datetime(2000, 1, 1, tzinfo=BERLIN),
)


def test_same_input_same_bytes_with_or_without_the_shared_items():
    releases = releases_of(
        "10.07.2024, 14:30 Uhr\n\nTitel Straße\n\nText.\n\n"
        "Autor/in: Petra Schulz und Jens Albrecht\n",
        "09.07.2024\n\nZweiter\n\nNoch ein Text.\n",
    )
    urls = Urls(CONFIG)
    first = render_json_feed(INFO, releases, urls)
    assert render_json_feed(INFO, releases, urls) == first
    shared: dict[str, dict[str, Any]] = {}
    assert render_json_feed(INFO, releases, urls, shared) == first
    assert len(shared) == 2
    assert render_json_feed(INFO, releases, urls, shared) == first  # from the shared items
    item = json.loads(first)["items"][0]
    assert item["authors"] == [{"name": "Petra Schulz"}, {"name": "Jens Albrecht"}]
    assert json.loads(first)["items"][1]["authors"] == [{"name": "Pressestelle"}]
    assert "url" not in json.loads(first)["authors"][0], "no e-mail configured: no mailto:"


def test_an_empty_feed_is_still_a_valid_feed():
    document = json.loads(render_json_feed(INFO, [], Urls(CONFIG)))
    assert document["items"] == []
    for key, member in FEED_MEMBERS.items():
        if member.use == "required":
            assert member.check(document[key]), key


# --------------------------------------------------------------------------------- upgrades


def test_an_output_folder_of_an_older_feedpub_gets_its_json_feeds_without_any_edit(
    sample_releases: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """An older feedpub wrote no feed.json; its cache says "nothing changed". The output
    format in the cache's fingerprint makes the next build a full one that adds them."""
    out = tmp_path / "feeds"
    with monkeypatch.context() as patch:
        patch.setattr(feedpub.pipeline, "OUTPUT_FORMAT", feedpub.pipeline.OUTPUT_FORMAT - 1)
        build_into(out, releases=sample_releases)
        for path in [*out.rglob("feed.json"), out / "feeds-json.opml"]:
            path.unlink()  # what the older version's build left
        assert build(sample_releases, out, CONFIG, now=NOW).fast
    report = build(sample_releases, out, CONFIG, now=NOW)
    assert not report.fast
    assert sorted(report.created) == sorted([*JSON_FEEDS, "feeds-json.opml"])
    assert build(sample_releases, out, CONFIG, now=NOW).fast
