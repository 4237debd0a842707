"""The office's identity and the links every page of a public body needs: configured in
feedpub.toml, shown in every page's footer, and missing ones warned about by check."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from lxml import html

from feedpub.build import build
from feedpub.cli import cli
from feedpub.config import ConfigError, load_config, make_config
from tests.conftest import SAMPLE_CONFIG, SAMPLE_RELEASES

BASE = "https://presse.example.de/feeds/"
LINKS = {
    "impressum": "https://www.example.de/impressum",
    "datenschutz": "https://www.example.de/datenschutz",
    "barrierefreiheit": "https://www.example.de/barrierefreiheit",
}


def config(**values: Any) -> Any:
    return make_config({"base_url": BASE, **values}, None)


@pytest.mark.parametrize(
    ("values", "footer"),
    [
        ({}, []),
        (LINKS, [("Impressum", LINKS["impressum"]), ("Datenschutz", LINKS["datenschutz"]),
                 ("Barrierefreiheit", LINKS["barrierefreiheit"])]),
        ({"feedback": "barrieren@example.de"}, [("Feedback", "mailto:barrieren@example.de")]),
        ({"feedback": "https://www.example.de/form"}, [("Feedback", "https://www.example.de/form")]),
        (
            {"datenschutz": LINKS["datenschutz"],
             "footer_links": [{"title": "Kontakt", "url": "https://www.example.de/k"}]},
            [("Datenschutz", LINKS["datenschutz"]), ("Kontakt", "https://www.example.de/k")],
        ),
    ],
)  # fmt: skip
def test_the_footer_lists_what_is_configured_in_a_fixed_order(
    values: dict[str, Any], footer: list[tuple[str, str]]
) -> None:
    assert [(link.title, link.url) for link in config(**values).footer] == footer


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"impressum": "/impressum"}, "impressum: must be an absolute http(s) URL"),
        ({"datenschutz": "javascript:alert(1)"}, "datenschutz: must be an absolute http(s)"),
        ({"barrierefreiheit": "https://u:pw@example.de/"}, "must not contain a user name"),
        ({"feedback": "nobody"}, "feedback: must be an absolute http(s) URL or an e-mail"),
        ({"logo": "../secret.png"}, "logo: must be a path under static/"),
        ({"logo": "/logo.svg"}, "logo: must be a path under static/"),
        ({"logo": "ftp://example.de/logo.svg"}, "logo: must be an absolute http(s) URL or a"),
        ({"footer_links": {"title": "x"}}, "footer_links: must be a list"),
        ({"footer_links": [{"title": "x"}]}, "footer_links[1]: must be a table"),
        ({"footer_links": [{"title": "", "url": BASE}]}, "footer_links[1].title: must be a non"),
        ({"footer_links": [{"title": "x", "url": "x"}]}, "footer_links[1].url: must be an abs"),
        ({"site_name": 3}, "site_name: must be a non-empty string"),
    ],
)
def test_bad_identity_values_are_errors_that_name_the_key(
    values: dict[str, Any], message: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        config(**values)
    assert message in str(caught.value)


def test_a_logo_path_is_under_static_and_a_logo_url_elsewhere_may_load() -> None:
    assert config(logo="bilder/wappen ö.svg").logo == f"{BASE}static/bilder/wappen%20%C3%B6.svg"
    assert config(logo="https://www.example.de/logo.svg").logo == "https://www.example.de/logo.svg"


@pytest.fixture(scope="module")
def sample_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site") / "feeds"
    assert not build(SAMPLE_RELEASES, out, load_config(SAMPLE_CONFIG)).errors
    return out


def test_every_page_of_the_sample_has_the_footer(sample_build: Path) -> None:
    expected = [(link.title, link.url) for link in load_config(SAMPLE_CONFIG).footer]
    assert [title for title, _ in expected] == [
        "Impressum",
        "Datenschutz",
        "Barrierefreiheit",
        "Feedback",
        "Kontakt",
    ]
    pages = sorted(sample_build.rglob("*.html"))
    assert len(pages) > 25  # release, department and index pages
    for page in pages:
        root = html.parse(str(page)).getroot()
        (footer,) = root.xpath("/html/body/footer")
        assert footer.getprevious().tag == "main", page
        assert footer.findtext("p[@class='site']") == "Landkreis Musterland"
        (nav,) = footer.xpath("nav[@aria-label='Rechtliches']")
        assert [(a.text, a.get("href")) for a in nav.iterfind("ul/li/a")] == expected, page


def test_without_identity_the_pages_have_no_footer(tmp_path: Path) -> None:
    build(SAMPLE_RELEASES, tmp_path, config())
    assert not any(b"<footer" in page.read_bytes() for page in tmp_path.rglob("*.html"))


def test_a_logo_on_another_host_may_load_and_nothing_else(tmp_path: Path) -> None:
    logo = "https://www.landkreis.example.de/wappen.svg"
    build(SAMPLE_RELEASES, tmp_path, config(logo=logo))
    root = html.parse(str(tmp_path / "index.html")).getroot()
    (image,) = root.xpath("//footer/p[@class='site']/img")
    assert (image.get("src"), image.get("alt")) == (logo, "Pressemitteilungen")
    (policy,) = root.xpath("//meta[@http-equiv='Content-Security-Policy']/@content")
    assert "img-src 'self' https://presse.example.de https://www.landkreis.example.de;" in policy


def write_config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "feedpub.toml"
    path.write_text(f'base_url = "{BASE}"\n{text}', "utf-8")
    return path


@pytest.mark.parametrize("missing", [(), ("impressum",), ("datenschutz", "barrierefreiheit")])
def test_check_warns_about_each_missing_required_link(
    tmp_path: Path, missing: tuple[str, ...]
) -> None:
    text = "".join(f'{key} = "{url}"\n' for key, url in LINKS.items() if key not in missing)
    path = write_config(tmp_path, text)
    result = CliRunner().invoke(
        cli, ["check", "--releases", str(SAMPLE_RELEASES), "--config", str(path)]
    )
    assert result.exit_code == 0, result.output
    lines = result.stderr.splitlines()
    assert len(lines) == len(missing)
    for key, line in zip(missing, lines, strict=True):
        assert line.startswith(f"{path}: warning: {key} is not set: every page of a public body")


def test_check_names_feedpub_toml_when_there_is_no_config_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["check", "--releases", str(SAMPLE_RELEASES)])
    assert result.exit_code == 0
    assert [line.split(" is not set")[0] for line in result.stderr.splitlines()] == [
        "feedpub.toml: warning: impressum",
        "feedpub.toml: warning: datenschutz",
        "feedpub.toml: warning: barrierefreiheit",
    ]


def test_build_says_nothing_about_missing_links(tmp_path: Path) -> None:
    path = write_config(tmp_path, "")
    out = tmp_path / "feeds"
    result = CliRunner().invoke(
        cli,
        ["build", "--releases", str(SAMPLE_RELEASES), "--out", str(out), "--config", str(path)],
    )
    assert (result.exit_code, result.stderr, result.stdout) == (0, "", "")
