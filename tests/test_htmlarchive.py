"""The HTML archive (feedpub.htmlarchive): one page per month of each feed's RFC 5005
archive, every release reachable by links from index.html, pages rendered only when they
change, and the same bytes whether a page was made in a full build or a later one."""

from __future__ import annotations

import importlib.util
import shutil
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from urllib.parse import urldefrag

import pytest
from hypothesis import given
from hypothesis import strategies as st
from lxml import html

from feedpub.build import build
from feedpub.config import Config, load_config
from feedpub.content import listing_teaser, summary_text
from feedpub.dates import BERLIN
from feedpub.htmlarchive import Navigation, month_text, navigation, read_atom
from feedpub.parse import read_release
from tests.conftest import ROOT, SAMPLE_CONFIG, SAMPLE_RELEASES
from tests.test_preview import INJECTIONS

BASE = "https://presse.example.de/feeds/"
NOW = datetime(2026, 11, 26, 12, 0, tzinfo=BERLIN)


@pytest.fixture
def config() -> Config:
    config = load_config(SAMPLE_CONFIG)
    assert config.max_entries == 2  # the sample has archives
    return config


def crawl(out: Path, base: str = BASE) -> tuple[set[str], list[str]]:
    """Follow every ``<a href>`` of this site from index.html: the pages reached (relative
    paths) and the links that lead to no file."""
    reached: set[str] = set()
    broken: list[str] = []
    todo = ["index.html"]
    while todo:
        page = todo.pop()
        if page in reached:
            continue
        reached.add(page)
        root = html.parse(str(out / page)).getroot()
        for href in root.xpath("//a/@href"):
            url = urldefrag(str(href))[0]
            if not url.startswith(base):
                continue  # mailto:, the office's own site
            target = url[len(base) :]
            if not (out / target).is_file():
                broken.append(f"{page}: {url}")
            elif target.endswith(".html"):
                todo.append(target)
    return reached, broken


def release_pages(out: Path) -> set[str]:
    """Every release page a build published."""
    return {
        str(p.relative_to(out))
        for p in out.glob("*/*.html")
        if p.name != "index.html" and not p.name.startswith(".")
    }


def generated(tmp_path: Path, count: int) -> Path:
    """``count`` releases from bench/generate.py (12 departments over twelve years)."""
    spec = importlib.util.spec_from_file_location("generate", ROOT / "bench" / "generate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    releases = tmp_path / "generated"
    module.generate(releases, count, 7)
    return releases


def test_every_release_of_the_sample_is_reached_from_index_html(
    tmp_path: Path, config: Config
) -> None:
    out = tmp_path / "feeds"
    report = build(SAMPLE_RELEASES, out, config, now=NOW)
    reached, broken = crawl(out)
    assert broken == []
    pages = release_pages(out)
    assert len(pages) == report.releases == 22
    assert pages <= reached
    # Only through the archive: the live lists show two releases per feed.
    index = html.parse(str(out / "index.html")).getroot()
    assert len(index.xpath("//ol[@class='releases']/li")) == 2
    assert any("/archive/" in page for page in reached)


def test_every_release_of_a_big_build_is_reached(tmp_path: Path, config: Config) -> None:
    releases = generated(tmp_path, 300)
    out = tmp_path / "feeds"
    config = replace(config, max_entries=5)
    report = build(releases, out, config, now=NOW)
    assert not report.errors
    reached, broken = crawl(out)
    assert broken == []
    pages = release_pages(out)
    assert len(pages) == report.releases > 250  # some are dated after NOW: not published
    assert pages <= reached
    assert len({p for p in reached if p.startswith("archive/")}) > 24  # months of twelve years


def test_the_crawl_does_find_a_broken_link(tmp_path: Path, config: Config) -> None:
    """The crawl above can fail: a page that is gone is a broken link, and a release whose
    only link is removed is not reached."""
    out = tmp_path / "feeds"
    build(SAMPLE_RELEASES, out, config, now=NOW)
    month = next(out.glob("gesundheitsamt/archive/*/index.html"))
    month.unlink()
    reached, broken = crawl(out)
    assert any(link.endswith(str(month.relative_to(out))) for link in broken)
    page = out / "index.html"
    page.write_text(page.read_text("utf-8").replace("/archive/", "/nirgends/"), "utf-8")
    reached, broken = crawl(out)
    assert not release_pages(out) <= reached


def test_a_month_page_lists_its_releases_and_links_its_neighbours(
    tmp_path: Path, config: Config
) -> None:
    out = tmp_path / "feeds"
    build(SAMPLE_RELEASES, out, config, now=NOW)
    months = sorted(p.parent.name for p in out.glob("archive/*/index.html"))
    assert months == sorted(p.parent.name for p in out.glob("archive/*/atom.xml"))
    middle = months[1]
    root = html.parse(str(out / "archive" / middle / "index.html")).getroot()
    assert root.xpath("string(//h1)") == f"Archiv: {month_text(middle)}"
    # Exactly the releases of its Atom archive document, in its order, with title and date.
    atom = read_atom((out / "archive" / middle / "atom.xml").read_bytes())
    items = root.xpath("//ol[@class='releases']/li")
    assert [li.xpath("string(.//h3/a/@href)") for li in items] == [e.url for e in atom.values()]
    assert [li.xpath("string(.//h3)") for li in items] == [e.title for e in atom.values()]
    assert [li.xpath("string(.//time/@datetime)") for li in items] == [
        e.published for e in atom.values()
    ]
    pager = {a.text: a.get("href") for a in root.xpath("//nav[@aria-label='Blättern']//a")}
    assert pager == {
        month_text(months[0]): f"{BASE}archive/{months[0]}/index.html",
        month_text(months[2]): f"{BASE}archive/{months[2]}/index.html",
    }
    # Every month of its own year, and every other year by its newest month.
    listed = root.xpath("//nav[@aria-labelledby='monate']//a/@href")
    years = {m[:4]: m for m in months}
    expected = [m for m in months if m[:4] == middle[:4]]
    expected += [years[y] for y in years if y != middle[:4]]
    assert sorted(listed) == sorted(f"{BASE}archive/{m}/index.html" for m in expected)
    assert len(years) == 3 and len(listed) < len(months)
    (current,) = root.xpath("//a[@aria-current='page']/@href")
    assert current == f"{BASE}archive/{middle}/index.html"
    # The archive of all names each release's department; a department's own does not.
    titles = {"kreisvolkshochschule": "Kreisvolkshochschule", "jobcenter": "Jobcenter"}
    for li, entry in zip(items, atom.values(), strict=True):
        department = titles[entry.url.removeprefix(BASE).split("/")[0]]
        assert li.xpath("string(p[@class='meta'])").endswith(f" – {department}")
    dept = html.parse(str(next(out.glob("jobcenter/archive/*/index.html")))).getroot()
    assert "–" not in dept.xpath("string(//ol//p[@class='meta'])")


def test_department_page_and_index_link_the_newest_month(tmp_path: Path, config: Config) -> None:
    out = tmp_path / "feeds"
    build(SAMPLE_RELEASES, out, config, now=NOW)
    for folder, page in (("", "index.html"), ("jobcenter/", "jobcenter/index.html")):
        newest = max(p.parent.name for p in out.glob(f"{folder}archive/*/index.html"))
        root = html.parse(str(out / page)).getroot()
        links = root.xpath("//a[.='Archiv nach Monaten']/@href")
        assert links == [f"{BASE}{folder}archive/{newest}/index.html"], page
    wide = replace(config, max_entries=50)
    build(SAMPLE_RELEASES, out, wide, now=NOW)
    assert not list(out.glob("**/archive/*/index.html"))
    root = html.parse(str(out / "index.html")).getroot()
    assert root.xpath("//a[.='Archiv nach Monaten']") == []


def test_titles_and_teasers_come_back_as_text(tmp_path: Path, config: Config) -> None:
    """What an archive page shows is what the release says, the injection strings of the
    other tests included: read back from the Atom document, shown as text."""
    folder = tmp_path / "releases" / "Amt"
    folder.mkdir(parents=True)
    for number, title in enumerate(INJECTIONS):
        teaser = f"{title} & &amp; <b>fett</b>" + " lang" * 60 * (number % 2)
        (folder / f"r{number}.txt").write_text(
            f"1{number}.0{1 + number % 3}.2024\n\n{title}\n\n{teaser}\n\nDer Text.\n", "utf-8"
        )
    out = tmp_path / "feeds"
    assert not build(folder.parent, out, replace(config, max_entries=1), now=NOW).errors
    expected = {}
    for path in folder.glob("*.txt"):
        release, _ = read_release(path, department="Amt", tag_prefix=config.tag_prefix)
        expected[release.id] = release
    shown: dict[str, tuple[str, str]] = {}
    for page in out.glob("amt/archive/*/index.html"):
        atom = read_atom((page.parent / "atom.xml").read_bytes())
        for entry in atom.values():
            release = expected[entry.id]
            assert (entry.title, entry.summary) == (release.title, summary_text(release))
            # Date-only, first published on a later day: noon of its day (README, "Dates").
            assert entry.published == release.published.replace(hour=12).isoformat()
        root = html.parse(str(page)).getroot()
        assert not root.xpath("//main//b | //main//script | //main//img")
        for li in root.xpath("//ol[@class='releases']/li"):
            teaser = li.xpath("string(p[not(@class)])")
            shown[li.xpath("string(.//h3/a/@href)")] = (li.xpath("string(.//h3)"), teaser)
    assert len(shown) == len(expected) - 1  # the newest is live
    for release in expected.values():
        url = f"{BASE}amt/{release.stem}.html"
        if url in shown:
            assert shown[url] == (release.title, listing_teaser(release))


def test_only_changed_pages_are_rendered_and_bytes_match_a_full_build(
    sample_releases: Path, tmp_path: Path, config: Config
) -> None:
    out = tmp_path / "feeds"
    build(sample_releases, out, config, now=NOW)
    # An archived release is edited: its month's pages (department and all) change, and
    # no other archive page.
    path = sample_releases / "Gesundheitsamt" / "2024-10-07-impfaktion-gesund-durch-den-winter.txt"
    path.write_text(path.read_text("utf-8").replace("Impfaktion", "Die Impfaktion", 1), "utf-8")
    report = build(sample_releases, out, config, now=NOW)
    assert sorted(p for p in report.written if p.endswith("/index.html") and "archive/" in p) == [
        "archive/2024-10/index.html",
        "gesundheitsamt/archive/2024-10/index.html",
    ]
    assert "Die Impfaktion" in (out / "archive/2024-10/index.html").read_text("utf-8")
    # A new month in a year of the archive (December 2024): the pages of that year list it
    # and are made again, and the newest of that year moves (every page links it); the
    # department's pages of other years stay.
    new = sample_releases / "Jobcenter" / "2024-12-02-advent.txt"
    new.write_text("02.12.2024\n\nAdvent im Jobcenter\n\nMit Teaser.\n", "utf-8")
    report = build(sample_releases, out, config, now=NOW)
    pages = sorted(p for p in report.written if p.startswith("jobcenter/archive/"))
    assert [p for p in pages if p.endswith("/index.html")] == [
        "jobcenter/archive/2024-09/index.html",
        "jobcenter/archive/2024-12/index.html",
        "jobcenter/archive/2025-01/index.html",  # its neighbour, and the year's link moved
        "jobcenter/archive/2025-06/index.html",  # the link of 2024 moved
    ]
    # A new year in the archive of all (a release from an empty year far back): every
    # page of that feed lists it, so each is made again; the departments' others stay.
    new = sample_releases / "Jobcenter" / "2023-05-02-alt.txt"
    new.write_text("02.05.2023\n\nEine alte Meldung\n\nMit Teaser.\n", "utf-8")
    report = build(sample_releases, out, config, now=NOW)
    pages = sorted(p for p in report.written if p.endswith("/index.html") and "archive/" in p)
    combined = sorted(str(p.relative_to(out)) for p in out.glob("archive/*/index.html"))
    jobcenter = sorted(str(p.relative_to(out)) for p in out.glob("jobcenter/archive/*/index.html"))
    assert pages == sorted(combined + jobcenter)
    assert report.written and not any(p.startswith("gesundheitsamt/archive/") for p in pages)
    # Nothing changed: nothing written. And the archive pages are the bytes a fresh build
    # makes (release pages differ: only this folder's history knows of the edit).
    assert build(sample_releases, out, config, now=NOW).written == []
    fresh = tmp_path / "fresh"
    build(sample_releases, fresh, config, now=NOW)
    assert sorted(out.glob("**/archive/*/index.html")) == sorted(
        out / p.relative_to(fresh) for p in fresh.glob("**/archive/*/index.html")
    )
    for page in fresh.glob("**/archive/*/index.html"):
        assert page.read_bytes() == (out / page.relative_to(fresh)).read_bytes(), page


def test_an_older_installation_gets_its_archive_pages(
    sample_releases: Path, tmp_path: Path, config: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An older feedpub wrote no archive pages and its cache says "nothing changed": the
    output format in the cache's fingerprint makes the next build a full one that adds
    them, made from the Atom documents in place (whose bytes do not change)."""
    import feedpub.pipeline

    out = tmp_path / "feeds"
    build(sample_releases, out, config, now=NOW)
    pages = {str(p.relative_to(out)): p.read_bytes() for p in out.glob("**/archive/*/index.html")}
    with monkeypatch.context() as patch:
        patch.setattr(feedpub.pipeline, "OUTPUT_FORMAT", feedpub.pipeline.OUTPUT_FORMAT - 1)
        shutil.rmtree(out)
        build(sample_releases, out, config, now=NOW)
        for page in pages:
            (out / page).unlink()  # what the older version's build left
        assert build(sample_releases, out, config, now=NOW).fast
    report = build(sample_releases, out, config, now=NOW)
    assert not report.fast
    assert sorted(report.created) == sorted(pages)
    assert {p: (out / p).read_bytes() for p in pages} == pages


@given(
    st.lists(st.tuples(st.integers(1990, 2040), st.integers(1, 12)), min_size=1, max_size=60).map(
        lambda months: sorted({f"{y:04d}-{m:02d}" for y, m in months})
    ),
    st.data(),
)
def test_the_navigation_made_once_per_feed_is_each_pages_own(
    periods: list[str], data: st.DataObject
) -> None:
    """Per page: the months of its own year, and every year's newest month, newest first."""
    current = data.draw(st.sampled_from(periods))
    own, years = Navigation.of(periods).at(current)
    assert own == [p for p in periods if p.startswith(current[:4])]
    newest = [max(p for p in periods if p[:4] == year) for year in {p[:4] for p in periods}]
    assert years == sorted(newest, reverse=True)
    assert navigation(periods, current) == (own, years)
