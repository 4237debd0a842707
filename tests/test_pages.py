"""Release pages, department pages, index.html and feeds.opml of the sample build:
well-formed HTML5 as lxml's strict HTML parser reads it, plus the structure readers and
browsers rely on (autodiscovery, absolute links that resolve inside the build, no scripts, a
Content-Security-Policy), and OPML 2.0. test_e2e_chromium.py shows them in a browser."""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from click.testing import CliRunner
from lxml import etree, html

from feedpub.build import build
from feedpub.cli import cli
from feedpub.layout import Urls
from feedpub.pages import render_release_page
from feedpub.parse import parse_text
from feedpub.release import slugify
from tests.conftest import SAMPLE_CONFIG, SAMPLE_RELEASES, feed_published, wide_config

CONFIG = wide_config()
BASE = CONFIG.base_url
#: Every page the sample build must write: one per release, and the subscription page.
RELEASE_PAGES = sorted(
    f"{slugify(p.parent.name)}/{slugify(p.stem)}.html" for p in SAMPLE_RELEASES.glob("*/*.txt")
)
SLUGS = sorted({page.split("/")[0] for page in RELEASE_PAGES})
DEPARTMENT_PAGES = [f"{slug}/index.html" for slug in SLUGS]
PAGES = [*RELEASE_PAGES, *DEPARTMENT_PAGES, "index.html"]
#: The policy of every page (README, "Privacy"): nothing loads but the inline style and the
#: site's own images.
POLICY = (
    "default-src 'none'; img-src 'self' https://presse.example.de; "
    "style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"
)
#: Every feed a page announces (autodiscovery) and the index lists, in this order; the JSON
#: Feed with the media type its spec asks for ("Suggestions for Publishers").
FEED_TYPES = [
    ("application/atom+xml", "atom.xml"),
    ("application/rss+xml", "rss.xml"),
    ("application/feed+json", "feed.json"),
]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("pages") / "out"
    report = build(SAMPLE_RELEASES, out, CONFIG)
    assert not report.errors, "\n".join(map(str, report.errors))
    return out


@pytest.fixture(scope="module")
def records() -> dict[str, dict[str, Any]]:
    """``feedpub check --json`` records by page path."""
    result = CliRunner().invoke(
        cli,
        ["check", "--json", "--releases", str(SAMPLE_RELEASES), "--config", str(SAMPLE_CONFIG)],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.stderr
    out = {}
    for line in result.stdout.splitlines():
        record = json.loads(line)
        out[f"{record['slug']}/{record['id'].rsplit('/', 1)[1]}.html"] = record
    return out


def parse_strict(path: Path) -> html.HtmlElement:
    """Parse with libxml2's HTML parser in non-recovering mode: any error fails the test."""
    parser = html.HTMLParser(recover=False)
    try:
        root = html.document_fromstring(path.read_bytes(), parser=parser)
    except etree.XMLSyntaxError as exc:
        pytest.fail(f"{path.name}: not well-formed HTML: {exc}")
    errors = [f"line {e.line}: {e.message}" for e in parser.error_log]
    assert not errors, f"{path.name}: {errors}"
    return root


def local_file(built: Path, url: str) -> Path:
    """The built file an absolute URL below ``base_url`` names (it must exist)."""
    assert url.startswith(BASE), f"{url} is not below {BASE}"
    path = urlsplit(url).path.removeprefix(urlsplit(BASE).path)
    target = built / path
    assert target.is_file(), f"{url} names a file the build did not write"
    return target


def test_the_build_writes_a_page_per_release_and_the_index(built: Path):
    found = sorted(p.relative_to(built).as_posix() for p in built.rglob("*.html"))
    assert found == sorted(PAGES)


@pytest.mark.parametrize("page", PAGES)
def test_page_is_small_valid_html5(built: Path, page: str):
    data = (built / page).read_bytes()
    assert data.startswith(b"<!DOCTYPE html>\n"), f"{page}: no HTML5 doctype"
    data.decode("utf-8")  # raises on anything but UTF-8
    root = parse_strict(built / page)
    assert root.tag == "html" and root.get("lang") == "de"

    head = root.find("head")
    assert head is not None
    charsets = head.xpath("meta[@charset]")
    assert [m.get("charset").lower() for m in charsets] == ["utf-8"]
    assert data.find(b'<meta charset="utf-8">') < 1024, "charset must be in the first 1024 bytes"
    viewports = head.xpath("meta[@name='viewport']")
    assert len(viewports) == 1 and "width=device-width" in viewports[0].get("content", "")
    titles = root.findall(".//title")
    assert len(titles) == 1 and (titles[0].text or "").strip(), f"{page}: <title>"

    canonical = head.xpath("link[@rel='canonical']/@href")
    assert canonical == [BASE + page], f"{page}: canonical {canonical}"
    slug = page.split("/")[0] if "/" in page else None
    prefix = BASE + (f"{slug}/" if slug else "")
    for kind, name in FEED_TYPES:
        hrefs = head.xpath(f"link[@rel='alternate'][@type='{kind}']/@href")
        assert hrefs == [prefix + name], f"{page}: {kind} autodiscovery {hrefs}"
        local_file(built, hrefs[0])
    # Atom first (readers that find several take the first), JSON Feed last.
    kinds = head.xpath("link[@rel='alternate']/@type")
    assert kinds == [kind for kind, _ in FEED_TYPES], f"{page}: autodiscovery order {kinds}"
    titles = head.xpath("link[@rel='alternate']/@title")
    assert [t.rsplit(" (", 1)[1] for t in titles] == ["Atom)", "RSS)", "JSON Feed)"], titles

    # No JavaScript, no external resources, and a policy that tells the browser so.
    policies = head.xpath("meta[@http-equiv='Content-Security-Policy']/@content")
    assert policies == [POLICY], f"{page}: {policies}"
    assert data.find(b"Content-Security-Policy") < data.find(b"<style>"), "policy after style"
    # The only sources are the release's own pictures, published beside it.
    # No script but data: a release page's schema.org JSON-LD, which no browser runs.
    scripts = root.xpath("//script")
    assert [s.get("type") for s in scripts] == (
        ["application/ld+json"] if page in RELEASE_PAGES else []
    ), f"{page}: <script>"
    assert not any(s.get("src") for s in scripts), page
    for element in root.xpath("//*[@src]"):
        assert element.tag == "img", f"{page}: <{element.tag} src>"
        source = element.get("src")
        assert source.startswith(prefix) and "/" not in source.removeprefix(prefix), (
            f"{page}: loads {source}, not a picture beside the page"
        )
        local_file(built, source)
    assert not root.xpath("//link[@rel='stylesheet']"), f"{page}: external stylesheet"
    handlers = [a for el in root.iter() for a in el.attrib if a.lower().startswith("on")]
    assert not handlers, f"{page}: event handler attributes {handlers}"


@pytest.mark.parametrize("page", PAGES)
def test_every_link_is_absolute_and_resolves(built: Path, page: str):
    root = parse_strict(built / page)
    hrefs = root.xpath("//a/@href | //link/@href")
    assert hrefs
    for href in hrefs:
        if href.startswith("#"):  # a link within the page (the skip link)
            assert root.xpath(f"//*[@id='{href[1:]}']"), f"{page}: {href} names a missing anchor"
            continue
        assert re.match(r"^(https?://[^/\s]+/\S*|mailto:[^@\s]+@\S+)$", href), f"{page}: {href}"
        if not href.startswith(BASE):
            continue
        target = local_file(built, href)
        fragment = urlsplit(href).fragment
        if fragment:
            ids = parse_strict(target).xpath("//@id")
            assert fragment in ids, f"{page}: {href} names a missing anchor"


@pytest.mark.parametrize("page", RELEASE_PAGES)
def test_release_page_shows_the_release(built: Path, records: dict[str, dict[str, Any]], page: str):
    record = records[page]
    root = parse_strict(built / page)
    h1 = root.findall(".//h1")
    # Escaped exactly once: the heading reads as the release's title (&, <, „“ included).
    assert [h.text_content() for h in h1] == [record["title"]]
    assert root.findtext(".//title").startswith(record["title"] + " – ")
    published = feed_published(record)  # a date-only release: noon (README, "Dates")
    times = [published.isoformat()]
    if record["updated"] is not None:  # a correction never shows before the publication
        times.append(max(published, datetime.fromisoformat(record["updated"])).isoformat())
    # The page's own dates; dates in the text are <time> too (tests/test_content_dates.py).
    assert root.xpath("//p[@class='meta']/time/@datetime") == times
    assert root.xpath("//header//a/@href") == [
        f"{BASE}index.html",
        f"{BASE}{record['slug']}/index.html",
    ]
    text = root.find("body").text_content()
    for paragraph in record["paragraphs"]:
        for line in paragraph.split("\n"):
            assert line.removeprefix("- ") in text, f"{page}: {line[:60]!r}…"
    for author in record["authors"]:
        assert author in text


#: page → the "Aktualisiert am" line it shows (the samples with an Aktualisiert: line).
CORRECTED_PAGES = {
    "jobcenter/2025-01-15-sprechstunde-beispielhausen.html": (
        '<p class="meta">Aktualisiert am <time datetime="2025-01-16T11:20:00+01:00">'
        "16.01.2025, 11:20 Uhr</time></p>"
    ),
    "kreisvolkshochschule/2026-10-08-kurse-pflegende-angehoerige.html": (
        '<p class="meta">Aktualisiert am <time datetime="2026-10-09T10:15:00+02:00">'
        "09.10.2026, 10:15 Uhr</time></p>"
    ),
    "strassenverkehrsamt/2025-11-14-zulassungsstelle-geschlossen.html": (
        '<p class="meta">Aktualisiert am <time datetime="2025-11-17T00:00:00+01:00">'
        "17.11.2025</time></p>"
    ),
}


@pytest.mark.parametrize("page", RELEASE_PAGES)
def test_corrected_pages_say_so_under_the_date(built: Path, page: str):
    data = (built / page).read_text("utf-8")
    line = CORRECTED_PAGES.get(page)
    if line is None:
        assert "Aktualisiert" not in data
    else:
        published, rest = data.split("</time></p>\n", 1)
        assert "<time" in published and rest.startswith(line + "\n"), page


def test_a_date_only_correction_on_the_publication_day_never_reads_as_earlier():
    """00:00 of the publication day is before 14:30: the page gives the publication time."""
    text = "10.07.2024, 14:30 Uhr\nAktualisiert: 10.07.2024\n\nTitel\n\nText.\n"
    release = parse_text(text, source=Path("x.txt"), department="Jobcenter", tag_prefix="t:")
    page = render_release_page(release, "Jobcenter", Urls(CONFIG)).decode()
    assert (
        '<p class="meta">Aktualisiert am <time datetime="2024-07-10T14:30:00+02:00">'
        "10.07.2024</time></p>\n"
    ) in page


def test_the_page_shows_the_correction_note_near_the_top():
    text = (
        "10.07.2024\nAktualisiert: 12.07.2024\nKorrektur: Am <b>Dienstag</b>, nicht am Montag."
        "\n\nTitel\n\nText.\n"
    )
    release = parse_text(text, source=Path("x.txt"), department="Jobcenter", tag_prefix="t:")
    page = render_release_page(release, "Jobcenter", Urls(CONFIG)).decode()
    note = (
        '<p id="korrektur"><strong>Korrektur:</strong> Am &lt;b&gt;Dienstag&lt;/b&gt;, nicht am '
        "Montag.</p>\n"
    )
    assert page.count("Korrektur") == 1
    assert "12.07.2024</time></p>\n" + note + "<p>Text.</p>" in page


def test_tricky_title_is_escaped_once_in_the_page_source(built: Path):
    data = (built / "strassenverkehrsamt/2024-08-26-schulstart-tempo-kontrollen.html").read_text(
        "utf-8"
    )
    assert "<h1>Schulstart: Tempo &lt; 30 km/h vor Grundschulen</h1>" in data
    data = (built / "gesundheitsamt/2024-10-07-impfaktion-gesund-durch-den-winter.html").read_text(
        "utf-8"
    )
    assert "<h1>Impfaktion „Gesund durch den Winter“ &amp; Beratung</h1>" in data


def test_index_lists_every_feed(built: Path, records: dict[str, dict[str, Any]]):
    root = parse_strict(built / "index.html")
    assert "Wie abonniere ich?" in [h.text_content() for h in root.iter("h2")]
    assert f"{BASE}feeds.opml" in root.xpath("//a/@href")
    assert f"{BASE}feeds-json.opml" in root.xpath("//a/@href")
    assert root.findtext(".//h1") == CONFIG.title

    rows = {row.get("id").removeprefix("fd-"): row for row in root.xpath("//tr[@id]")}
    assert sorted(rows) == sorted(["alle", *SLUGS])
    counts = {slug: 0 for slug in SLUGS}
    for record in records.values():
        counts[record["slug"]] += 1
    counts["alle"] = len(records)
    names = {record["slug"]: record["department"] for record in records.values()}
    for row_id, row in rows.items():
        prefix = BASE if row_id == "alle" else f"{BASE}{row_id}/"
        feeds = [prefix + "atom.xml", prefix + "rss.xml"]
        hrefs = row.xpath(".//a/@href")
        # A department's name links to its page; the feed of all is this page.
        feeds = [prefix + name for _, name in FEED_TYPES]
        assert hrefs == ([] if row_id == "alle" else [prefix + "index.html"]) + feeds, hrefs
        assert "JSON Feed: " in row.text_content(), f"row {row_id}: JSON link not labelled"
        for href in feeds:
            assert href in row.text_content(), f"row {row_id}: URL not shown as text"
        cells = row.findall("td")
        assert cells[-1].text_content() == str(counts[row_id]), f"row {row_id}: count"
        if row_id != "alle":
            title = CONFIG.department(names[row_id], row_id).title or names[row_id]
            assert row.find("th").text_content().startswith(title), f"row {row_id}"


#: The OPML subscription lists: the Atom feeds, and the same list with the JSON Feeds (one
#: list with both would subscribe an importing reader to every feed twice).
OPML_LISTS = [
    ("feeds.opml", "atom.xml", CONFIG.title),
    ("feeds-json.opml", "feed.json", f"{CONFIG.title} (JSON Feed)"),
]


@pytest.mark.parametrize(("opml", "feed_name", "title"), OPML_LISTS)
def test_opml_lists_every_feed(
    built: Path, records: dict[str, dict[str, Any]], opml: str, feed_name: str, title: str
):
    root = etree.parse(built / opml).getroot()
    assert root.tag == "opml" and root.get("version") == "2.0"
    assert root.findtext("head/title") == title
    # No dateModified: the list changes only with its feeds, not with every new release.
    assert root.find("head/dateModified") is None

    outlines = root.findall("body/outline")
    xml_urls = [o.get("xmlUrl") for o in outlines]
    expected = [BASE + feed_name, *(f"{BASE}{slug}/{feed_name}" for slug in SLUGS)]
    assert sorted(xml_urls) == sorted(expected), "one outline per department + the all-feed"
    for outline in outlines:
        assert outline.get("type") == "rss"
        assert outline.get("text"), f"outline without text: {outline.attrib}"
        local_file(built, outline.get("xmlUrl"))
        html_url = outline.get("htmlUrl")
        # The feed's page: the department's, or the index for the feed of all.
        feed_url = outline.get("xmlUrl")
        assert html_url == feed_url.rsplit("/", 1)[0] + "/index.html", html_url
        local_file(built, html_url)


def test_index_anchors_stay_unique_for_a_department_named_alle(tmp_path: Path):
    """A department folder "Alle" gets the slug "alle", the id of the all-departments row:
    department rows are prefixed (fd-alle), so ids stay unique and each feed's
    rel=alternate link leads to its own row."""
    releases = tmp_path / "releases"
    for folder, name in [("Alle", "2024-09-18-jobmesse-musterstadt.txt"), ("Jobcenter", None)]:
        (releases / folder).mkdir(parents=True)
        for source in (SAMPLE_RELEASES / "Jobcenter").glob(name or "*.txt"):
            (releases / folder / source.name).write_bytes(source.read_bytes())
    out = tmp_path / "out"
    report = build(releases, out, CONFIG)
    assert not report.errors, "\n".join(map(str, report.errors))

    root = parse_strict(out / "index.html")
    ids = [str(i) for i in root.xpath("//@id")]
    assert len(ids) == len(set(ids)), f"index.html has duplicate ids: {sorted(ids)}"
    for feed in ("alle/atom.xml", "atom.xml"):
        alternate = (
            etree.parse(out / feed)
            .getroot()
            .find("{http://www.w3.org/2005/Atom}link[@rel='alternate']")
        )
        href = alternate.get("href")
        assert not urlsplit(href).fragment
        page = parse_strict(local_file(out, href))
        # Its own page: it names this feed in its autodiscovery links and shows it.
        assert page.xpath("//head/link[@rel='alternate']/@href")[0] == BASE + feed, href
        assert BASE + feed in page.xpath("//main//a/@href"), href
    rows = {row.get("id"): row for row in root.xpath("//tr[@id]")}
    assert BASE + "alle/atom.xml" in rows["fd-alle"].xpath(".//a/@href")
    assert BASE + "atom.xml" in rows["alle"].xpath(".//a/@href")


def test_the_json_feed_list_is_the_atom_list_with_other_urls(built: Path):
    """The same outlines in the same order, text, description and page; only xmlUrl differs."""
    lists = [etree.parse(built / opml).getroot() for opml, _, _ in OPML_LISTS]
    atom, json_feed = ([dict(o.attrib) for o in root.iter("outline")] for root in lists)
    assert len(atom) == len(json_feed) == len(SLUGS) + 1
    for a, j in zip(atom, json_feed, strict=True):
        assert j.pop("xmlUrl") == a.pop("xmlUrl").removesuffix("atom.xml") + "feed.json"
        assert j == a
    assert atom[0]["description"] == CONFIG.title, "the all-feed outline keeps the site title"
