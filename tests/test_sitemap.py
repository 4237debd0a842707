"""sitemap.xml (feedpub.sitemap): every page for people with its lastmod, valid against the
sitemaps.org schema (tests/data/sitemaps/, written from the protocol), split into a sitemap
index beyond the URL limit, and nothing of an embargoed release."""

from __future__ import annotations

import shutil
import subprocess
import xml.etree.ElementTree as ET
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from lxml import etree, html

from feedpub import sitemap
from feedpub.build import build
from feedpub.config import Config, load_config
from feedpub.dates import BERLIN
from feedpub.layout import Urls
from feedpub.sitemap import Page, sitemap_files
from tests.conftest import DATA, SAMPLE_CONFIG, SAMPLE_RELEASES

BASE = "https://presse.example.de/feeds/"
NOW = datetime(2026, 11, 26, 12, 0, tzinfo=BERLIN)
SM = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
A = "{http://www.w3.org/2005/Atom}"
SCHEMAS = DATA / "sitemaps"


@pytest.fixture
def config() -> Config:
    return load_config(SAMPLE_CONFIG)


def schema_problems(document: Path, schema: str) -> list[str]:
    """What the sitemaps.org schema ``schema`` finds wrong in ``document``: lxml's
    XMLSchema, and xmllint's too where it is installed."""
    xsd = etree.XMLSchema(etree.parse(str(SCHEMAS / schema)))
    problems = []
    if not xsd.validate(etree.parse(str(document))):
        problems += [str(error) for error in xsd.error_log]
    xmllint = shutil.which("xmllint")
    if xmllint is not None:
        result = subprocess.run(
            [xmllint, "--noout", "--schema", str(SCHEMAS / schema), str(document)],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        if result.returncode != 0:
            problems.append(result.stderr)
    return problems


def listed(document: Path) -> dict[str, str]:
    """loc → lastmod of a sitemap."""
    root = ET.parse(document).getroot()
    return {u.findtext(f"{SM}loc", ""): u.findtext(f"{SM}lastmod", "") for u in root}


def atom_updated(out: Path) -> dict[str, str]:
    """Every entry's link → Atom ``updated``, from the combined feed and its archive."""
    found = {}
    for feed in [out / "atom.xml", *out.glob("archive/*/atom.xml")]:
        for entry in ET.parse(feed).getroot().iter(f"{A}entry"):
            link = entry.find(f"{A}link[@rel='alternate']")
            assert link is not None
            if "#" not in link.get("href", ""):  # a correction notice links its release
                found[link.get("href", "")] = entry.findtext(f"{A}updated", "")
    return found


def page_modified(out: Path, url: str) -> str:
    """The correction time a release page shows (its article:modified_time)."""
    root = html.parse(str(out / url[len(BASE) :])).getroot()
    (modified,) = root.xpath("//meta[@property='article:modified_time']/@content")
    return str(modified)


def test_the_sample_sitemap_lists_every_page_and_is_valid(tmp_path: Path, config: Config) -> None:
    out = tmp_path / "feeds"
    build(SAMPLE_RELEASES, out, config, now=NOW)
    assert schema_problems(out / "sitemap.xml", "sitemap.xsd") == []
    urls = listed(out / "sitemap.xml")
    pages = {BASE + str(p.relative_to(out)) for p in out.rglob("*.html")}
    assert set(urls) == pages and len(urls) == 60  # 22 releases, 6 lists, 32 archive months
    # A release page's lastmod is its entry's updated time in the feeds.
    entries = atom_updated(out)
    assert len(entries) == 22
    for url in entries:
        assert urls[url] == page_modified(out, url), url
    # A list's is the newest of what it shows: index.html, the newest of all.
    newest = max((urls[u] for u in entries), key=datetime.fromisoformat)
    assert urls[BASE + "index.html"] == newest
    # index.html names it for crawlers.
    root = html.parse(str(out / "index.html")).getroot()
    assert root.xpath("//head/link[@rel='sitemap']/@href") == [BASE + "sitemap.xml"]


def test_a_correction_moves_lastmod(sample_releases: Path, tmp_path: Path, config: Config) -> None:
    out = tmp_path / "feeds"
    build(sample_releases, out, config, now=NOW)
    path = sample_releases / "Jobcenter" / "2024-09-18-jobmesse-musterstadt.txt"  # archived
    text = path.read_text("utf-8")
    path.write_text(text.replace("\n\n", "\nAktualisiert: 20.11.2026, 10:15 Uhr\n\n", 1), "utf-8")
    build(sample_releases, out, config, now=NOW)
    urls = listed(out / "sitemap.xml")
    assert urls[BASE + "jobcenter/2024-09-18-jobmesse-musterstadt.html"] == (
        "2026-11-20T10:15:00+01:00"
    )
    assert urls[BASE + "archive/2024-09/index.html"] == "2026-11-20T10:15:00+01:00"
    for url in atom_updated(out):
        assert urls[url] == page_modified(out, url), url


def test_nothing_of_an_embargoed_release(
    sample_releases: Path, tmp_path: Path, config: Config
) -> None:
    later = sample_releases / "Jobcenter" / "2026-12-01-sperrfrist.txt"
    later.write_text("01.12.2026, 09:00 Uhr\n\nGeheim bis Dezember\n\nNoch nicht.\n", "utf-8")
    out = tmp_path / "feeds"
    build(sample_releases, out, config, now=NOW)
    text = (out / "sitemap.xml").read_text("utf-8")
    assert "sperrfrist" not in text and "2026-12-01" not in text
    build(sample_releases, out, config, now=NOW + timedelta(days=6))
    urls = listed(out / "sitemap.xml")
    assert urls[BASE + "jobcenter/2026-12-01-sperrfrist.html"] == "2026-12-01T09:00:00+01:00"
    assert urls[BASE + "index.html"] == "2026-12-01T09:00:00+01:00"


def test_with_link_template_no_release_pages(tmp_path: Path, config: Config) -> None:
    """The entries link the office's site: a sitemap lists only URLs below its folder."""
    out = tmp_path / "feeds"
    template = "https://www.landkreis.example/presse/{slug}/{stem}"
    build(SAMPLE_RELEASES, out, replace(config, link_template=template), now=NOW)
    urls = listed(out / "sitemap.xml")
    assert all(url.startswith(BASE) and url.endswith("index.html") for url in urls)
    assert len(urls) == 1 + 5 + 32


def test_beyond_the_limit_a_sitemap_index(tmp_path: Path, config: Config) -> None:
    out = tmp_path / "feeds"
    build(SAMPLE_RELEASES, out, config, now=NOW)
    pages = [Page(loc, lastmod) for loc, lastmod in listed(out / "sitemap.xml").items()]
    files = sitemap_files(pages, Urls(config).base, limit=20)
    assert sorted(files) == ["sitemap-1.xml", "sitemap-2.xml", "sitemap-3.xml", "sitemap.xml"]
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    assert schema_problems(tmp_path / "sitemap.xml", "siteindex.xsd") == []
    index = listed(tmp_path / "sitemap.xml")
    assert list(index) == [f"{BASE}sitemap-{n}.xml" for n in (1, 2, 3)]
    parts: dict[str, str] = {}
    for number in (1, 2, 3):
        part = tmp_path / f"sitemap-{number}.xml"
        assert schema_problems(part, "sitemap.xsd") == []
        mine = listed(part)
        assert len(mine) == 20  # 60 pages
        assert index[f"{BASE}sitemap-{number}.xml"] == max(
            mine.values(), key=datetime.fromisoformat
        )
        parts |= mine
    assert parts == {page.loc: page.lastmod for page in pages}
    # At the limit, still one sitemap.
    assert list(sitemap_files(pages, BASE, limit=len(pages))) == ["sitemap.xml"]


@pytest.mark.parametrize(
    ("good", "bad"),
    [
        ("<lastmod>2024-07-10T14:30:00+02:00</lastmod>", "<lastmod>10.07.2024</lastmod>"),
        (f"<loc>{BASE}index.html</loc>", "<loc>index.html</loc>"),
        ("<url><loc>", "<url><priority>0.5</priority><loc>"),
    ],
)
def test_the_schema_does_find_faults(tmp_path: Path, good: str, bad: str) -> None:
    document = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"<url><loc>{BASE}index.html</loc><lastmod>2024-07-10T14:30:00+02:00</lastmod></url>"
        "</urlset>\n"
    )
    path = tmp_path / "sitemap.xml"
    path.write_text(document, "utf-8")
    assert schema_problems(path, "sitemap.xsd") == []
    assert good in document
    path.write_text(document.replace(good, bad), "utf-8")
    assert schema_problems(path, "sitemap.xsd") != []


def test_an_edit_reads_only_the_archive_month_whose_key_changed(
    sample_releases: Path, tmp_path: Path, config: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The other months' times come from the published sitemap: the same bytes as a full
    build, with one archive document of all departments read, not every one."""
    out = tmp_path / "feeds"
    build(sample_releases, out, config, now=NOW)
    read: list[bytes] = []
    real = sitemap.read_updated
    monkeypatch.setattr(sitemap, "read_updated", lambda doc: read.append(doc) or real(doc))
    path = sample_releases / "Jobcenter" / "2024-09-18-jobmesse-musterstadt.txt"  # archived
    text = path.read_text("utf-8")
    path.write_text(text.replace("\n\n", "\nAktualisiert: 20.11.2026, 10:15 Uhr\n\n", 1), "utf-8")
    report = build(sample_releases, out, config, now=NOW)
    assert "sitemap.xml" in report.written
    assert len(read) == 1 and b"<id>tag:" in read[0] and b"/2024-09/" in read[0]
    full = tmp_path / "full"
    read.clear()
    build(sample_releases, full, config, now=NOW)
    assert len(read) == len(list(full.glob("archive/*/atom.xml"))) > 1
    assert (out / "sitemap.xml").read_bytes() == (full / "sitemap.xml").read_bytes()


def test_the_published_sitemap_is_read_back_also_as_an_index(tmp_path: Path) -> None:
    pages = [Page(f"{BASE}a/{n}.html?x=1&y=2", f"2024-0{n}-01T10:00:00+02:00") for n in range(1, 8)]
    for limit in (3, 7):
        files = sitemap_files(pages, BASE, limit=limit)
        assert len(files) == (4 if limit == 3 else 1)
        got = sitemap.published_lastmods(files.get, BASE)
        assert got == {page.loc: page.lastmod for page in pages}
    # A part outside the folder is not feedpub's; no sitemap at all: nothing.
    index = sitemap_files(pages, BASE, limit=3)
    foreign = {**index, "sitemap.xml": index["sitemap.xml"].replace(b"feeds/", b"other/")}
    assert sitemap.published_lastmods(foreign.get, BASE) == {}
    assert sitemap.published_lastmods({}.get, BASE) == {}
