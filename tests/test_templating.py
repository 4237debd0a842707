"""Page templates: the defaults render today's pages (test_golden.py, byte for byte), a site's
own templates override them by name, everything they show is escaped, and a changed
template is a changed configuration (a full build)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from lxml import html

from feedpub.build import build
from feedpub.config import ConfigError, load_config, make_config
from tests.conftest import SAMPLE_RELEASES
from tests.test_feeds import MARKUP_DEPARTMENTS, MARKUP_TITLE

BASE = "https://presse.example.de/feeds/"


def site(tmp_path: Path, templates: dict[str, str], config: str = "") -> Path:
    """A site folder: feedpub.toml (``config`` added) and templates/ with ``templates``."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    (tmp_path / "feedpub.toml").write_text(f'base_url = "{BASE}"\n{config}', "utf-8")
    for name, text in templates.items():
        (tmp_path / "templates" / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "templates" / name).write_text(text, "utf-8")
    return tmp_path / "feedpub.toml"


#: A footer override that shows variables of base.html.
FOOTER = '<footer><p id="who">{{ site.title }} · {{ title }}</p></footer>\n'


def test_a_site_template_overrides_the_default_of_its_name(tmp_path: Path) -> None:
    config = load_config(site(tmp_path, {"footer.html": FOOTER}))
    assert config.templates == tmp_path / "templates"
    out = tmp_path / "feeds"
    assert not build(SAMPLE_RELEASES, out, config).errors
    pages = sorted(out.rglob("*.html"))
    assert len(pages) > 20
    for page in pages:
        footer = html.parse(str(page)).getroot().get_element_by_id("who")
        title = html.parse(str(page)).getroot().findtext(".//title")
        assert footer.text_content() == f"Pressemitteilungen · {title}", page
    # The other templates are still the defaults: the page is otherwise unchanged.
    text = (out / "index.html").read_text("utf-8")
    assert '<a class="skip" href="#neu">' in text and "<h2>Feeds</h2>" in text


def test_an_override_can_extend_a_default_and_fill_its_blocks(tmp_path: Path) -> None:
    release = (
        '{% extends "base.html" %}{% block main %}<h1>{{ release.title }}</h1>\n{% endblock %}'
    )
    config = load_config(site(tmp_path, {"release.html": release}))
    out = tmp_path / "feeds"
    build(SAMPLE_RELEASES, out, config)
    page = next((out / "jobcenter").glob("2026-*.html")).read_text("utf-8")
    assert "<main>\n<h1>Jobcenter zieht Bilanz" in page
    assert '<p class="meta">' not in page  # the default's body is gone
    assert page.startswith("<!DOCTYPE html>\n") and '<nav aria-label="Sie sind hier">' in page


def test_override_templates_escape_every_variable(tmp_path: Path) -> None:
    """The injection strings of test_feeds.py as folder names and site title, shown by an
    office's own template without any filter: text, never markup."""
    releases = tmp_path / "releases"
    for number, name in enumerate(MARKUP_DEPARTMENTS):
        (releases / name).mkdir(parents=True)
        (releases / name / "x.txt").write_text(
            f"1{number}.07.2024\n\n{name} <script>alert(1)</script>\n\nText.\n", "utf-8"
        )
    release = (
        '{% extends "base.html" %}{% block main %}<h1>{{ release.title }}</h1>'
        '<p title="{{ department }}">{{ site.title }} {{ department }}</p>\n{% endblock %}'
    )
    config_path = site(tmp_path, {"release.html": release}, f"title = {MARKUP_TITLE!r}\n")
    out = tmp_path / "feeds"
    assert not build(releases, out, load_config(config_path)).errors
    pages = [p for p in out.rglob("*.html") if p.name == "x.html"]
    assert len(pages) == len(MARKUP_DEPARTMENTS)
    for page in pages:
        root = html.parse(str(page)).getroot()
        assert not root.xpath("//img | //b | //script | //*[@onerror]"), page
        heading = root.findtext(".//h1")
        assert heading in {f"{name} <script>alert(1)</script>" for name in MARKUP_DEPARTMENTS}
        paragraph = root.find(".//main/p")
        assert paragraph.text_content().startswith(MARKUP_TITLE + " ")
        assert paragraph.get("title") in MARKUP_DEPARTMENTS


def test_the_templates_folder_is_relative_to_the_config_file(tmp_path: Path) -> None:
    path = site(tmp_path / "a", {"x/footer.html": FOOTER}, 'templates = "templates/x"\n')
    assert load_config(path).templates == tmp_path / "a" / "templates" / "x"
    # Without the folder: the defaults; a configured folder that is missing is an error.
    assert load_config(site(tmp_path / "b", {})).templates is None
    with pytest.raises(ConfigError, match=r"templates: no such folder: .*nowhere"):
        load_config(site(tmp_path / "c", {}, 'templates = "nowhere"\n'))


def test_a_changed_template_is_a_changed_configuration(tmp_path: Path) -> None:
    """The digest of the templates is part of the config's fingerprint: a changed, added or
    removed template means a full build; the same templates elsewhere do not."""
    path = site(tmp_path, {"footer.html": FOOTER})
    out = tmp_path / "feeds"
    build(SAMPLE_RELEASES, out, load_config(path))
    assert build(SAMPLE_RELEASES, out, load_config(path)).fast
    footer = tmp_path / "templates" / "footer.html"
    footer.write_text(FOOTER.replace("·", "|"), "utf-8")
    report = build(SAMPLE_RELEASES, out, load_config(path))
    assert not report.fast and "index.html" in report.written
    assert " | " in (out / "index.html").read_text("utf-8")
    digests = {load_config(path).templates_digest}
    (tmp_path / "templates" / "style.css").write_text("body{color:#000}", "utf-8")
    digests.add(load_config(path).templates_digest)
    footer.unlink()
    digests.add(load_config(path).templates_digest)
    (tmp_path / "templates" / ".footer.html.swp").write_text("x", "utf-8")  # hidden: ignored
    digests.add(load_config(path).templates_digest)
    assert len(digests) == 3
    moved = tmp_path / "moved"
    shutil.copytree(tmp_path / "templates", moved / "templates")
    (moved / "feedpub.toml").write_text(path.read_text("utf-8"), "utf-8")
    assert repr(load_config(moved / "feedpub.toml")) == repr(load_config(path))


def test_without_templates_the_config_has_no_digest() -> None:
    config = make_config({}, Path("/nonexistent/feedpub.toml"))
    assert (config.templates, config.templates_digest) == (None, "")


BROKEN = {
    "a syntax error": "<footer>{% if x %}</footer>\n",
    "a filter that does not exist": "<footer>{{ title | nosuchfilter }}</footer>\n",
    "an error while rendering": "<footer>{{ 1 // 0 }}</footer>\n",
}


@pytest.mark.parametrize("text", list(BROKEN.values()), ids=list(BROKEN))
@pytest.mark.parametrize("processes", [1, 2])
def test_a_broken_site_template_is_a_configuration_error(
    tmp_path: Path, text: str, processes: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An office's template is configuration: exit 2 naming the template, no traceback, and
    the same when the pages are rendered in the second process."""
    from click.testing import CliRunner

    from feedpub import processes as processes_module
    from feedpub.cli import EXIT_USAGE, cli

    monkeypatch.setattr(processes_module, "PARALLEL_MIN", 1 if processes == 2 else 10**9)
    config = site(tmp_path, {"footer.html": text})
    args = ["--releases", str(SAMPLE_RELEASES), "--config", str(config)]
    runner = CliRunner()
    built = runner.invoke(cli, ["build", "--out", str(tmp_path / "feeds"), *args])
    assert built.exit_code == EXIT_USAGE, built.output
    assert "footer.html" in built.stderr and "Traceback" not in built.stderr
    assert len(built.stderr.splitlines()) == 1
    checked = runner.invoke(cli, ["check", *args])
    if "1 // 0" in text:
        return  # compiles; only rendering finds it
    assert checked.exit_code == EXIT_USAGE, checked.output
    assert "footer.html:1:" in checked.stderr
