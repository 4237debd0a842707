"""Release pages for search engines and link previews: schema.org NewsArticle JSON-LD and
OpenGraph, and JSON that no text can break out of its <script> element."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from lxml import html

from feedpub.build import build
from feedpub.config import load_config, make_config
from feedpub.preview import script_json
from tests.conftest import SAMPLE_CONFIG, SAMPLE_RELEASES, feed_published
from tests.test_feeds import MARKUP_DEPARTMENTS

CONFIG = load_config(SAMPLE_CONFIG)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("preview") / "feeds"
    assert not build(SAMPLE_RELEASES, out, CONFIG).errors
    return out


def release_pages(out: Path) -> list[Path]:
    return sorted(p for p in out.glob("*/*.html") if p.name != "index.html")


def head_of(page: Path) -> tuple[Any, dict[str, str], dict[str, Any]]:
    """The page's head, its OpenGraph properties and its one JSON-LD object."""
    head = html.parse(str(page)).getroot().find("head")
    og = {m.get("property"): m.get("content") for m in head.iterfind("meta[@property]")}
    (script,) = head.xpath("script[@type='application/ld+json']")
    return head, og, json.loads(script.text)


def test_every_release_page_is_a_news_article(built: Path) -> None:
    records = {
        f"{r['slug']}/{Path(r['path']).stem}": r
        for r in map(json.loads, _check_json().splitlines())
    }
    pages = release_pages(built)
    assert len(pages) == 22
    with_image = 0
    for page in pages:
        head, og, article = head_of(page)
        (canonical,) = head.xpath("link[@rel='canonical']/@href")
        title = head.findtext("title").rsplit(" – ", 1)[0]
        record = next(r for key, r in records.items() if page.as_posix().endswith(key + ".html"))
        assert article["@context"] == "https://schema.org"
        assert article["@type"] == "NewsArticle"
        assert article["headline"] == title == record["title"] == og["og:title"]
        assert article["mainEntityOfPage"] == canonical == og["og:url"]
        published = feed_published(record).isoformat()  # date-only: noon (README, "Dates")
        assert article["datePublished"] == published == og["article:published_time"]
        assert article["dateModified"] == og["article:modified_time"]
        assert article["dateModified"] >= article["datePublished"]
        names = record["authors"] or [CONFIG.publisher]
        assert [a["name"] for a in article["author"]] == names
        assert article["publisher"] == {"@type": "Organization", "name": "Landkreis Musterland"}
        assert og["og:type"] == "article" and og["og:site_name"] == "Landkreis Musterland"
        pictures = [img.get("src") for img in html.parse(str(page)).getroot().iter("img")]
        if pictures:
            with_image += 1
            assert article["image"] == pictures and og["og:image"] == pictures[0]
        else:
            assert "image" not in article and "og:image" not in og
    assert with_image >= 1


def _check_json() -> str:
    from click.testing import CliRunner

    from feedpub.cli import cli

    result = CliRunner().invoke(
        cli, ["check", "--json", "--releases", str(SAMPLE_RELEASES), "--config", str(SAMPLE_CONFIG)]
    )
    return result.stdout


def test_a_corrected_release_says_when_it_was_modified(built: Path) -> None:
    corrected = [p for p in release_pages(built) if b"Aktualisiert am" in p.read_bytes()]
    assert corrected
    for page in corrected:
        _, _, article = head_of(page)
        (time,) = html.parse(str(page)).getroot().xpath("//p[starts-with(., 'Aktualisiert')]/time")
        assert article["dateModified"] == time.get("datetime") > article["datePublished"]


#: Titles that try to end the <script> element or hide the rest of the page in a comment.
INJECTIONS = [
    "</script><script>alert(1)</script>",
    "<!-- <script> Kommentar",
    "Bau </SCRIPT > & Co",
    *MARKUP_DEPARTMENTS,
]


def test_no_title_breaks_out_of_the_json_ld(tmp_path: Path) -> None:
    releases = tmp_path / "releases" / "Amt"
    releases.mkdir(parents=True)
    for number, title in enumerate(INJECTIONS):
        (releases / f"r{number}.txt").write_text(
            f"1{number}.07.2024\n\n{title}\n\n{title}, der Text.\n\nAutor/in: {title}\n", "utf-8"
        )
    config = make_config({"base_url": "https://presse.example.de/feeds/"}, None)
    out = tmp_path / "feeds"
    assert not build(tmp_path / "releases", out, config).errors
    for number, title in enumerate(INJECTIONS):
        page = out / "amt" / f"r{number}.html"
        root = html.parse(str(page)).getroot()
        assert [s.get("type") for s in root.iter("script")] == ["application/ld+json"], title
        assert not root.xpath("//img | //b | //*[@onerror]"), title
        _, og, article = head_of(page)
        assert article["headline"] == og["og:title"] == title
        (line,) = root.xpath("//p[starts-with(., 'Autor/in: ')]")
        names = [a["name"] for a in article["author"] if a["@type"] == "Person"]
        assert ", ".join(names) == line.text_content().removeprefix("Autor/in: ")
        assert title.startswith(names[0])
        assert root.findtext(".//h1") == title  # the page after the head is intact


@given(st.recursive(st.text(), lambda inner: st.lists(inner) | st.dictionaries(st.text(), inner)))
def test_script_json_is_the_same_json_and_never_closes_the_element(data: Any) -> None:
    text = str(script_json(data))
    assert json.loads(text) == data
    assert "<" not in text and ">" not in text and "&" not in text
