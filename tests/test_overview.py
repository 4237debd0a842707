"""The subscription pages: index.html and the department pages list the newest releases (date,
title linked to its page, teaser) next to the feed links; a release file cannot take a
department page's URL. A browser's view of the same pages is in test_e2e_chromium.py."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner
from lxml import html

from feedpub.build import build
from feedpub.cli import cli
from feedpub.departments import Department
from feedpub.layout import Urls
from feedpub.overview import TEASER_LIMIT, listing_teaser, render_department_page, render_index
from feedpub.parse import parse_text, read_release
from feedpub.release import Release
from tests.conftest import SAMPLE_CONFIG, SAMPLE_RELEASES, wide_config

CONFIG = wide_config()
BASE = CONFIG.base_url
LONG = "Wort " * 80  # 400 characters


def release(text: str) -> Release:
    return parse_text(text, source=Path("x.txt"), department="Jobcenter", tag_prefix="t:")


#: (release text after the date line, expected teaser line, note)
TEASER_CASES = [
    ("Titel\n\nKurzer Untertitel\n\nText.\n", "Kurzer Untertitel", "the teaser"),
    ("Titel\n\nErster Absatz.\n\nZweiter.\n", "Erster Absatz.", "no teaser: the first paragraph"),
    ("Titel\n\n- eins\n- zwei\n\nText.\n", "eins – zwei", "a list, flattened"),
    ("Titel\n\nErster\n   Absatz  mit\tLücken.\n", "Erster Absatz mit Lücken.", "spaces collapsed"),
    (f"Titel\n\n{LONG}\n", ("Wort " * 47).strip() + "…", "long: cut at a word, with …"),
    ("Titel\n\n" + "x" * 300 + "\n", "x" * (TEASER_LIMIT - 1) + "…", "one long word: cut in it"),
    ("Titel\n\n" + "Satz, " * 60 + "\n", ("Satz, " * 39).strip(" ,") + "…", "no , before …"),
]
assert len({case[2] for case in TEASER_CASES}) == len(TEASER_CASES)


@pytest.mark.parametrize(
    ("text", "expected", "note"), TEASER_CASES, ids=[c[2] for c in TEASER_CASES]
)
def test_listing_teaser(text: str, expected: str, note: str) -> None:
    teaser = listing_teaser(release("10.07.2024\n\n" + text))
    assert teaser == expected, note
    assert len(teaser) <= TEASER_LIMIT


def test_a_release_of_nothing_but_a_title_gets_no_line_that_repeats_it() -> None:
    bare = replace(release("10.07.2024\n\nTitel\n\nText.\n"), paragraphs=())
    assert listing_teaser(bare) == ""


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("overview") / "feeds"
    report = build(SAMPLE_RELEASES, out, CONFIG)
    assert not report.errors
    return out


def samples(slug: str | None = None) -> list[Release]:
    """The sample releases in feed order, read on their own (not from the build)."""
    found = []
    for path in SAMPLE_RELEASES.glob("*/*.txt"):
        each, _ = read_release(path, department=path.parent.name, tag_prefix=CONFIG.tag_prefix)
        if not each.has_time:  # the time the feeds give it (README, "Dates")
            each = replace(each, published=each.published.replace(hour=12))
        if slug is None or each.slug == slug:
            found.append(each)
    return sorted(found, key=lambda r: (-r.published.timestamp(), r.id))


def listed(page: Path) -> list[html.HtmlElement]:
    root = html.document_fromstring(page.read_bytes())
    lists = root.xpath("//main//ol[@class='releases']")
    assert len(lists) == 1, page
    heading = lists[0].getprevious()
    while heading.tag != "h2":
        heading = heading.getprevious()
    assert heading.text_content() == "Neueste Pressemitteilungen"
    items: list[html.HtmlElement] = lists[0].findall("li")
    return items


@pytest.mark.parametrize("slug", [None, "jobcenter", "gesundheitsamt", "strassenverkehrsamt"])
def test_pages_list_the_newest_releases(built: Path, slug: str | None) -> None:
    page = built / ("index.html" if slug is None else f"{slug}/index.html")
    items = listed(page)
    expected = samples(slug)
    assert len(items) == len(expected)
    for item, each in zip(items, expected, strict=True):
        assert [a.text_content() for a in item.xpath("h3/a")] == [each.title]
        assert item.xpath("h3/a/@href") == [f"{BASE}{each.slug}/{each.stem}.html"]
        assert item.xpath(".//time/@datetime") == [each.published.isoformat()]
        meta = item.find("p").text_content()
        department = CONFIG.department(each.department, each.slug).title or each.department
        # The index says whose release it is; a department page need not.
        assert meta.endswith(f" – {department}") == (slug is None), meta
        teaser = item.xpath("p[2]")
        assert [p.text_content() for p in teaser] == [listing_teaser(each)]


def test_titles_are_escaped_once_in_the_lists(built: Path) -> None:
    source = (built / "index.html").read_text("utf-8")
    assert ">Schulstart: Tempo &lt; 30 km/h vor Grundschulen</a>" in source
    assert ">Impfaktion „Gesund durch den Winter“ &amp; Beratung</a>" in source


def test_department_page_has_its_feeds_and_how_to_subscribe(built: Path) -> None:
    root = html.document_fromstring((built / "jobcenter" / "index.html").read_bytes())
    assert root.findtext(".//h1") == "Jobcenter"
    assert root.findtext(".//title") == f"Jobcenter – {CONFIG.title}"
    assert [h.text_content() for h in root.iter("h2")] == [
        "Wie abonniere ich?",
        "Neueste Pressemitteilungen",
    ]
    feeds = [f"{BASE}jobcenter/{name}" for name in ("atom.xml", "rss.xml", "feed.json")]
    assert root.xpath("//main//ul[@class='feeds']//a/@href") == feeds
    assert root.xpath("//head/link[@rel='alternate']/@href") == feeds
    assert root.xpath("//header//a/@href") == [f"{BASE}index.html"]
    assert "Pressemitteilungen des Jobcenters Landkreis Musterland" in root.text_content()


def test_pages_say_when_they_show_only_the_newest(tmp_path: Path) -> None:
    out = tmp_path / "feeds"
    build(SAMPLE_RELEASES, out, replace(CONFIG, max_entries=2))
    assert len(listed(out / "jobcenter" / "index.html")) == 2
    text = (out / "jobcenter" / "index.html").read_text("utf-8")
    assert (
        "<p>Hier stehen die 2 neuesten von 5 Pressemitteilungen. Alle älteren stehen im "
        '<a href="https://presse.example.de/feeds/jobcenter/archive/2025-06/index.html">'
        "Archiv nach Monaten</a>.</p>"
    ) in text
    assert "Hier stehen die 2 neuesten von 22 " in (out / "index.html").read_text("utf-8")
    full = tmp_path / "full"
    build(SAMPLE_RELEASES, full, CONFIG)
    assert "Hier stehen" not in (full / "jobcenter" / "index.html").read_text("utf-8")


def test_an_empty_list_says_so() -> None:
    urls = Urls(CONFIG)
    index = render_index("Titel", "Beschreibung", [], [], urls).decode()
    assert "<p>Noch keine Pressemitteilungen.</p>" in index and "<ol" not in index
    department = Department("Jobcenter", "jobcenter", "Jobcenter", "Beschreibung", 0)
    page = render_department_page("Titel", department, [], urls).decode()
    assert "<p>Noch keine Pressemitteilungen.</p>" in page


def test_a_release_named_index_cannot_take_the_department_page(tmp_path: Path) -> None:
    releases = tmp_path / "releases"
    (releases / "Jobcenter").mkdir(parents=True)
    (releases / "Jobcenter" / "Index.txt").write_text("10.07.2024\n\nTitel\n\nText.\n", "utf-8")
    (releases / "Jobcenter" / "a.txt").write_text("11.07.2024\n\nAnderes\n\nText.\n", "utf-8")
    out = tmp_path / "feeds"
    report = build(releases, out, CONFIG)
    assert [(e.line, e.reason) for e in report.errors] == [
        (
            1,
            "the URL name 'index' belongs to the department's page jobcenter/index.html; "
            "rename the file",
        )
    ]
    assert report.releases == 1
    assert "<h1>Jobcenter</h1>" in (out / "jobcenter" / "index.html").read_text("utf-8")
    # check says the same, before anything is published.
    result = CliRunner().invoke(
        cli, ["check", "--releases", str(releases), "--config", str(SAMPLE_CONFIG)]
    )
    assert result.exit_code == 1
    assert "belongs to the department's page" in result.stderr


@pytest.mark.parametrize("page", ["index.html", "jobcenter/index.html"])
def test_pages_say_which_readers_take_which_format(built: Path, page: str) -> None:
    """JSON Feed is read by few readers (issue 13: no desktop or web reader tried read it):
    the subscription pages say so, in German, under "Wie abonniere ich?"."""
    root = html.document_fromstring((built / page).read_bytes())
    [note] = root.xpath("//main//p[@id='formate']")
    text = note.text_content()
    for reader in ("Thunderbird", "Liferea", "Akregator", "QuiteRSS"):
        assert reader in text.split("JSON Feed")[0], reader  # named with Atom and RSS
    for reader in ("NetNewsWire", "Feedbin", "Miniflux"):
        assert reader in text.split("JSON Feed")[1], reader
    heading = root.xpath("//h2[@id='abonnieren']")[0]
    assert note.xpath("preceding-sibling::h2[1]")[0] is heading
