"""End to end in a real browser: the sample build, served over HTTP on 127.0.0.1, as headless
Chromium shows it, and audited with axe-core for BITV 2.0 / WCAG 2.1 AA.

- ``chromium --headless --dump-dom`` (the plain command line) renders index.html, a
  department page and a release page: autodiscovery links, German text, the newest releases.
- One Chromium driven over the DevTools protocol (tests/chromium.py) loads every page: each
  ``<img>`` has an alt text and loads, the page requests nothing from another host and breaks
  no rule of its Content-Security-Policy, and axe-core (pinned, from the npm registry) finds
  no violation and nothing it could not decide.
- Without a browser: no page references another host in anything a browser loads.

Each check also runs on a deliberately bad page to show that it can fail. Chromium and npm are
installed by .ci/run; without them the browser tests skip and say why.
"""

from __future__ import annotations

import functools
import http.server
import re
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest
from lxml import html

from feedpub.build import build
from feedpub.config import load_config
from feedpub.parse import read_release
from feedpub.release import slugify
from tests.chromium import CHROMIUM, CHROMIUM_FLAGS, Browser, Unavailable, axe_source
from tests.conftest import SAMPLE_CONFIG, SAMPLE_RELEASES, overriding_site

needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="chromium not installed: apt-get install chromium (done by .ci/run)"
)

CONFIG = load_config(SAMPLE_CONFIG)
RELEASE_PAGES = sorted(
    f"{slugify(p.parent.name)}/{slugify(p.stem)}.html" for p in SAMPLE_RELEASES.glob("*/*.txt")
)
SLUGS = sorted({page.split("/")[0] for page in RELEASE_PAGES})
DEPARTMENT_PAGES = [f"{slug}/index.html" for slug in SLUGS]
PAGES = ["index.html", *DEPARTMENT_PAGES, *RELEASE_PAGES]
#: What --dump-dom renders: the subscription page, a department page, a release page.
DUMPED = ["index.html", "jobcenter/index.html", "jobcenter/2026-02-11-jahresbilanz-2025.html"]

#: Pages the tests write next to the build, each breaking what one check looks for.
#: ``{other}`` is another host on the loopback (nothing listens there: nothing leaves).
BAD_PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>kaputt</title>
<link rel="stylesheet" href="{other}/fremd.css"></head>
<body><img src="{other}/fremd.png" alt="fremd"><img src="fehlt.png" alt="fehlt">
<img src="ok.png"><a href="#"></a></body></html>
"""
#: A built page with an image from another host: its policy must block the request.
POLICY_PROBE = '<img src="{other}/fremd.png" alt="fremd">'
#: A 1×1 PNG, for the bad page's image without alt text (it loads, the alt is missing).
PIXEL = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c63f8cfc0f01f0005000201e5274de40000000049454e44ae426082"
)


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@dataclass(frozen=True)
class Site:
    """The build, served: ``base`` is its base_url (below ``origin``), ``out`` its folder."""

    origin: str
    base: str
    out: Path

    @property
    def other(self) -> str:
        """Another host on the loopback, same port: for the bad pages only."""
        return self.origin.replace("127.0.0.1", "127.0.0.2")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    root = tmp_path_factory.mktemp("site")
    handler = functools.partial(_QuietHandler, directory=str(root))
    # Port 0: the kernel picks a free port before the build needs the URL. Served below
    # /feeds/ as in docs/deployment.md, so /favicon.ico is outside the build.
    with http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler) as server:
        origin = f"http://127.0.0.1:{server.server_address[1]}"
        config = replace(CONFIG, base_url=f"{origin}/feeds/")
        out = root / "feeds"
        report = build(SAMPLE_RELEASES, out, config)
        assert not report.errors, "\n".join(map(str, report.errors))
        served = Site(origin, config.base_url, out)
        probes = root / "probe"
        probes.mkdir()
        (probes / "bad.html").write_text(BAD_PAGE.format(other=served.other), "utf-8")
        (probes / "ok.png").write_bytes(PIXEL)
        page = (out / RELEASE_PAGES[0]).read_text("utf-8")
        probe = page.replace("</h1>\n", "</h1>\n" + POLICY_PROBE.format(other=served.other), 1)
        assert probe != page
        (probes / "policy.html").write_text(probe, "utf-8")
        thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
        thread.start()
        try:
            yield served
        finally:
            server.shutdown()
            thread.join(timeout=10)


@pytest.fixture(scope="module")
def custom_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """The sample built with a site's own templates (tests.conftest.site_overrides), served
    like :func:`site`."""
    root = tmp_path_factory.mktemp("custom")
    handler = functools.partial(_QuietHandler, directory=str(root / "served"))
    with http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler) as server:
        origin = f"http://127.0.0.1:{server.server_address[1]}"
        config = overriding_site(root / "site", f"{origin}/feeds/")
        out = root / "served" / "feeds"
        report = build(SAMPLE_RELEASES, out, config)
        assert not report.errors, "\n".join(map(str, report.errors))
        thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
        thread.start()
        try:
            yield Site(origin, config.base_url, out)
        finally:
            server.shutdown()
            thread.join(timeout=10)


def newest_titles(slug: str | None) -> list[str]:
    """The titles a page must list, newest first, from the release files themselves (not from
    the build): the same rule as the feeds, newest publication first, then by id."""
    releases = []
    for path in SAMPLE_RELEASES.glob("*/*.txt"):
        release, _ = read_release(path, department=path.parent.name, tag_prefix="t:")
        if slug is None or release.slug == slug:
            releases.append(release)
    releases.sort(key=lambda r: (-r.published.timestamp(), r.id))
    return [r.title for r in releases[: CONFIG.max_entries]]


# --- chromium --dump-dom: what a browser shows -------------------------------------------


def dump_dom(url: str) -> html.HtmlElement:
    assert CHROMIUM is not None
    with tempfile.TemporaryDirectory() as profile:
        done = subprocess.run(
            [CHROMIUM, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--dump-dom", url],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert done.returncode == 0 and done.stdout.strip(), done.stderr[-2000:]
    return html.document_fromstring(done.stdout)


@needs_chromium
@pytest.mark.parametrize("page", DUMPED)
def test_chromium_shows_feeds_and_german_text(site: Site, page: str) -> None:
    root = dump_dom(site.base + page)
    assert root.get("lang") == "de"
    slug = page.split("/")[0] if "/" in page else None
    folder = site.base + (f"{slug}/" if slug else "")
    for kind, name in (("application/atom+xml", "atom.xml"), ("application/rss+xml", "rss.xml")):
        hrefs = root.xpath(f"//head/link[@rel='alternate'][@type='{kind}']/@href")
        assert hrefs == [folder + name], f"{page}: {kind} autodiscovery: {hrefs}"
    text = root.text_content()
    if page.endswith("/index.html") or page == "index.html":
        assert "Wie abonniere ich?" in [h.text_content() for h in root.iter("h2")], page
        assert "Neueste Pressemitteilungen" in [h.text_content() for h in root.iter("h2")]
        listed = root.xpath("//ol[@class='releases']/li")
        titles = [item.findtext(".//h3/a") for item in listed]
        assert titles == newest_titles(slug), f"{page}: the newest releases, newest first"
        for item in listed:
            link = item.xpath(".//h3/a/@href")[0]
            assert link.startswith(site.base) and link.endswith(".html"), link
            assert (site.out / link.removeprefix(site.base)).is_file(), link
            assert item.xpath(".//time/@datetime"), f"{page}: a listed release without date"
            assert re.fullmatch(r"\d\d\.\d\d\.\d{4}(, \d\d:\d\d Uhr)?", item.findtext(".//time"))
        for feed in (folder + "atom.xml", folder + "rss.xml"):
            assert feed in root.xpath("//main//a/@href"), f"{page}: no visible link to {feed}"
    else:
        h1 = root.findtext(".//h1")
        assert h1 == "Jobcenter zieht Bilanz: Mehr Menschen in Arbeit vermittelt"
        assert "Bedarfsgemeinschaften" in text and "Autor/in:" in text
        assert root.xpath("//header//a/@href") == [site.base + "index.html", folder + "index.html"]


RICHTFEST = "amt-fuer-bau-und-planung/2025-09-19-richtfest-berufsschulzentrum"
#: The README's screenshots (docs/): the subscription page and a release page with pictures.
SCREENSHOTS = {
    "index.html": "screenshot-index.png",
    f"{RICHTFEST}.html": "screenshot-release.png",
}


def screenshot(url: str, target: Path) -> None:
    """``chromium --headless --screenshot`` of ``url``: a phone-wide window (the pages are
    narrow), as tall as the README shows."""
    assert CHROMIUM is not None
    with tempfile.TemporaryDirectory() as profile:
        done = subprocess.run(
            [
                CHROMIUM,
                *CHROMIUM_FLAGS,
                f"--user-data-dir={profile}",
                "--hide-scrollbars",
                "--window-size=760,1100",
                f"--screenshot={target}",
                url,
            ],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert done.returncode == 0 and target.is_file(), done.stderr[-2000:]


@needs_chromium
def test_screenshots_of_the_readme(site: Site, tmp_path: Path) -> None:
    """The README's screenshots are made here: a PNG of the right size that is not blank.
    ``FEEDPUB_SCREENSHOTS=1`` writes them to docs/ (then review and commit them)."""
    import os
    import struct

    from tests.conftest import ROOT

    for page, name in SCREENSHOTS.items():
        target = tmp_path / name
        screenshot(site.base + page, target)
        data = target.read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n"
        width, height = struct.unpack(">II", data[16:24])
        assert (width, height) == (760, 1100), page
        # Compressed image data: a page with text compresses far worse than a blank one.
        chunks = data.split(b"IDAT")[1:]
        assert sum(len(chunk) for chunk in chunks) > 20_000, f"{page}: blank?"
        if os.environ.get("FEEDPUB_SCREENSHOTS") == "1":
            (ROOT / "docs" / name).write_bytes(data)


# --- DevTools protocol: images, requests, axe ----------------------------------------------

#: In the page: every image (lazy ones made to load, at most 5 s), with what it showed.
IMAGES = """(async () => {
  const images = Array.from(document.images);
  for (const img of images) img.loading = "eager";
  const settled = Promise.all(images.map((img) => img.decode().catch(() => null)));
  await Promise.race([settled, new Promise((done) => setTimeout(done, 5000))]);
  return images.map((img) => ({src: img.currentSrc || img.src, alt: img.getAttribute("alt"),
                               width: img.naturalWidth}));
})()"""

#: In the page: axe-core's default rules (WCAG 2.0/2.1 A and AA, best practices), and the
#: tags of the rules that ran, to prove the run covered WCAG 2.1 AA.
AXE_RUN = """axe.run(document, {resultTypes: ["violations", "incomplete"]}).then((r) => ({
  violations: r.violations.map((v) => ({id: v.id, help: v.help,
                                        nodes: v.nodes.map((n) => n.html).slice(0, 3)})),
  incomplete: r.incomplete.map((v) => ({id: v.id, help: v.help,
                                        nodes: v.nodes.map((n) => n.html).slice(0, 3)})),
  tags: Array.from(new Set([].concat(...[r.passes, r.violations, r.incomplete, r.inapplicable]
                                         .flat().map((rule) => rule.tags)))),
}))"""


@dataclass
class Visit:
    """What one page load showed and did."""

    images: list[dict[str, Any]]
    #: Every URL the page requested (itself included), not counting blocked ones.
    requested: list[str]
    #: Console messages: policy violations, failed loads, script errors.
    messages: list[str]
    axe: dict[str, Any] | None = None


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Browser, str]]:
    try:
        chromium = Browser(tmp_path_factory.mktemp("chromium"))
    except Unavailable as exc:
        pytest.skip(str(exc))
    try:
        yield chromium, chromium.open_page()
    finally:
        chromium.close()


@pytest.fixture(scope="module")
def axe() -> str:
    try:
        return axe_source()
    except Unavailable as exc:
        pytest.skip(str(exc))


def visit(browser: tuple[Browser, str], url: str, axe: str | None = None) -> Visit:
    chromium, session = browser
    chromium.navigate(session, url)
    images = chromium.evaluate(session, IMAGES, timeout=15)
    audit = None
    if axe is not None:
        chromium.evaluate(session, axe)
        audit = chromium.evaluate(session, AXE_RUN, timeout=30)
    # A request that the page's policy (or the browser) blocked is announced too, then fails
    # with a blockedReason: it never left the browser.
    blocked = {
        p["requestId"]
        for m, p, _ in chromium.events
        if m == "Network.loadingFailed" and p.get("blockedReason")
    }
    requested = [
        p["request"]["url"]
        for m, p, _ in chromium.events
        if m == "Network.requestWillBeSent" and p["requestId"] not in blocked
    ]
    messages = []
    for method, params, _ in chromium.events:
        if method == "Log.entryAdded":
            entry = params["entry"]
            if urlsplit(entry.get("url", "")).path == "/favicon.ico":
                continue  # the browser's own request, outside the build (404 there)
            messages.append(f"{entry['level']}: {entry['text']} {entry.get('url', '')}".strip())
        elif method == "Runtime.exceptionThrown":
            messages.append(f"exception: {params['exceptionDetails'].get('text')}")
    return Visit(images, requested, messages, audit)


def all_pages(site: Site) -> list[str]:
    """:data:`PAGES` and the HTML archive pages of the build (archive.html): every template
    that makes a page."""
    archive = sorted(str(p.relative_to(site.out)) for p in site.out.glob("**/archive/*/index.html"))
    assert len(archive) == 32  # months of all departments and of single ones
    return [*PAGES, *archive]


def image_problems(visit: Visit) -> list[str]:
    problems = []
    for image in visit.images:
        if image["alt"] is None:
            problems.append(f"{image['src']}: no alt attribute")
        if not image["width"]:
            problems.append(f"{image['src']}: did not load")
    return problems


def foreign_requests(visit: Visit, origin: str) -> list[str]:
    return [url for url in visit.requested if not url.startswith(origin + "/")]


def audit_problems(visit: Visit) -> list[str]:
    assert visit.axe is not None
    return [
        f"{kind}: {v['id']} ({v['help']}): {v['nodes']}"
        for kind in ("violations", "incomplete")
        for v in visit.axe[kind]
    ]


@needs_chromium
def test_every_page_shows_its_images_and_asks_only_this_site(
    site: Site, browser: tuple[Browser, str]
) -> None:
    """Each page: every image has an alt text and loads (there may be none), every request
    stays on this site, and the console is clean (no policy violation, no failed load)."""
    problems: dict[str, list[str]] = {}
    for page in all_pages(site):
        seen = visit(browser, site.base + page)
        assert site.base + page in seen.requested, f"{page}: not loaded from the server?"
        found = (
            image_problems(seen)
            + [f"request to another host: {url}" for url in foreign_requests(seen, site.origin)]
            + [f"console: {m}" for m in seen.messages]
        )
        if found:
            problems[page] = found
    assert problems == {}


@needs_chromium
def test_every_page_passes_the_axe_audit(
    site: Site, browser: tuple[Browser, str], axe: str
) -> None:
    """axe-core's default rules, WCAG 2.0/2.1 A and AA among them: no violation, and nothing
    that axe could not decide (that would need a person to look)."""
    problems: dict[str, list[str]] = {}
    for page in all_pages(site):
        seen = visit(browser, site.base + page, axe)
        assert seen.axe is not None
        assert {"wcag2a", "wcag2aa", "wcag21a", "wcag21aa"} <= set(seen.axe["tags"]), page
        if found := audit_problems(seen):
            problems[page] = found
    assert problems == {}


@needs_chromium
def test_a_site_with_its_own_templates_passes_the_same_checks(
    custom_site: Site, browser: tuple[Browser, str], axe: str
) -> None:
    """Every page of a site whose footer, style and archive page are its own, with its own
    static files (a logo and a style sheet from static/): the overrides show, the static
    files load (a failed load or a blocked style sheet is a console message), nothing loads
    from another host, and axe finds nothing."""
    problems: dict[str, list[str]] = {}
    pages = all_pages(custom_site)
    for page in pages:
        text = (custom_site.out / page).read_text("utf-8")
        assert "Musterstraße 1" in text and ".amt{" in text, page
        assert f'href="{custom_site.base}static/amt.css"' in text, page
        assert f'src="{custom_site.base}static/logo.svg"' in text, page
        assert ("Das Archiv des Landkreises" in text) == ("archive/" in page), page
        seen = visit(browser, custom_site.base + page, axe)
        found = (
            image_problems(seen)
            + [f"request to another host: {u}" for u in foreign_requests(seen, custom_site.origin)]
            + [f"console: {m}" for m in seen.messages]
            + audit_problems(seen)
        )
        if found:
            problems[page] = found
    assert problems == {}


@needs_chromium
def test_the_browser_checks_do_fail_on_a_bad_page(site: Site, browser: tuple[Browser, str]) -> None:
    """The same checks on a page made to break them: they see every fault."""
    seen = visit(browser, f"{site.origin}/probe/bad.html")
    assert sorted(image_problems(seen)) == sorted(
        [
            f"{site.other}/fremd.png: did not load",
            f"{site.origin}/probe/fehlt.png: did not load",
            f"{site.origin}/probe/ok.png: no alt attribute",
        ]
    )
    assert sorted(set(foreign_requests(seen, site.origin))) == [
        f"{site.other}/fremd.css",
        f"{site.other}/fremd.png",
    ]
    assert any("fehlt.png" in m for m in seen.messages), seen.messages


@needs_chromium
def test_the_axe_audit_does_fail_on_a_bad_page(
    site: Site, browser: tuple[Browser, str], axe: str
) -> None:
    seen = visit(browser, f"{site.origin}/probe/bad.html", axe)
    ids = {line.split(": ")[1].split(" ")[0] for line in audit_problems(seen)}
    assert {"html-has-lang", "image-alt", "link-name"} <= ids, ids


@needs_chromium
def test_the_pages_policy_blocks_other_hosts(site: Site, browser: tuple[Browser, str]) -> None:
    """A built page given an image from another host (say, pasted into a future template):
    its Content-Security-Policy keeps the browser from asking that host at all, and the
    console says so, which the test above would report."""
    seen = visit(browser, f"{site.origin}/probe/policy.html")
    assert foreign_requests(seen, site.origin) == []
    assert any("Content Security Policy" in m for m in seen.messages), seen.messages
    assert image_problems(seen) == [f"{site.other}/fremd.png: did not load"]


# --- without a browser: what the pages could make a browser load --------------------------

#: Attributes whose URL a browser loads by itself (``<a href>`` is followed only on a click).
_LOADED = {
    ("img", "src"),
    ("img", "srcset"),
    ("source", "src"),
    ("source", "srcset"),
    ("script", "src"),
    ("iframe", "src"),
    ("frame", "src"),
    ("embed", "src"),
    ("object", "data"),
    ("video", "src"),
    ("video", "poster"),
    ("audio", "src"),
    ("track", "src"),
    ("input", "src"),
    ("link", "href"),
    ("base", "href"),
    ("form", "action"),
}
_CSS_URL = re.compile(r"""url\(\s*['"]?([^'")\s]+)|@import\s+['"]([^'"]+)""", re.IGNORECASE)


def foreign_references(page: bytes, page_url: str, base: str) -> list[str]:
    """Every URL in ``page`` that a browser would load from somewhere other than this site:
    neither relative nor on ``base``'s host (data: URLs count as foreign too; the policy
    blocks them)."""
    root = html.document_fromstring(page)
    found: list[str] = []
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        for name, value in element.attrib.items():
            if (element.tag, name) in _LOADED:
                urls = [part.split()[0] for part in value.split(",") if part.strip()]
                if name != "srcset":
                    urls = [value.strip()]
                found.extend(f"<{element.tag} {name}>: {url}" for url in urls)
            elif name == "style":
                found.extend(f"style attribute: {url}" for url in _css_urls(value))
        if element.tag == "style":
            found.extend(f"<style>: {url}" for url in _css_urls(element.text or ""))
        if element.tag == "meta" and (element.get("http-equiv") or "").lower() == "refresh":
            target = (element.get("content") or "").partition("=")[2].strip()
            if target:
                found.append(f"<meta refresh>: {target}")
    return [ref for ref in found if not _own(ref.rsplit(": ", 1)[1], page_url, base)]


def _css_urls(css: str) -> list[str]:
    return [a or b for a, b in _CSS_URL.findall(css)]


def _own(url: str, page_url: str, base: str) -> bool:
    """Same origin as ``base`` (relative URLs resolve against the page)."""
    target, site = urlsplit(urljoin(page_url, url)), urlsplit(base)
    return (target.scheme, target.netloc) == (site.scheme, site.netloc)


def test_no_page_references_another_host(tmp_path: Path) -> None:
    out = tmp_path / "feeds"
    build(SAMPLE_RELEASES, out, CONFIG)
    pages = sorted(p.relative_to(out).as_posix() for p in out.rglob("*.html"))
    assert pages == sorted(all_pages(Site("", CONFIG.base_url, out)))
    problems = {
        page: found
        for page in pages
        if (
            found := foreign_references(
                (out / page).read_bytes(), CONFIG.base_url + page, CONFIG.base_url
            )
        )
    }
    assert problems == {}


@pytest.mark.parametrize(
    ("snippet", "expected"),
    [
        ('<img src="https://cdn.example.com/a.png" alt="">', ["<img src>: https://cdn."]),
        ('<img srcset="a.png 1x, //cdn.example.com/b.png 2x" alt="">', ["<img srcset>: //cdn"]),
        ('<script src="https://tracker.example.net/t.js"></script>', ["<script src>: https"]),
        ('<link rel="stylesheet" href="https://fonts.example.com/css">', ["<link href>: https"]),
        ("<style>@import 'https://fonts.example.com/x.css';</style>", ["<style>: https"]),
        ("<style>p{background:url(http://example.org/bg.png)}</style>", ["<style>: http://"]),
        ("<p style=\"background:url('https://x.example/bg.png')\">x</p>", ["style attribute"]),
        ('<iframe src="https://video.example.com/embed"></iframe>', ["<iframe src>: https"]),
        ('<img src="data:image/png;base64,AAAA" alt="">', ["<img src>: data:"]),
        ('<meta http-equiv="refresh" content="0; url=https://x.example/">', ["<meta refresh>"]),
        # Fine: this site, relative URLs, and links (a click, not a load).
        ('<img src="https://presse.example.de/feeds/jobcenter/a.jpg" alt="">', []),
        ('<img src="a.jpg" alt=""><img src="../b.jpg" alt=""><p style="color:red">x</p>', []),
        ('<a href="https://www.example.org/">extern</a>', []),
        ('<link rel="alternate" href="https://presse.example.de/feeds/atom.xml">', []),
    ],
)
def test_the_host_check_finds_what_would_load(snippet: str, expected: list[str]) -> None:
    page = f"<!DOCTYPE html><html><head></head><body>{snippet}</body></html>".encode()
    base = "https://presse.example.de/feeds/"
    found = foreign_references(page, base + "jobcenter/x.html", base)
    assert len(found) == len(expected), found
    for line, start in zip(found, expected, strict=True):
        assert line.startswith(start), found
