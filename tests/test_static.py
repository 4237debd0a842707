"""The site's static folder: copied to feeds/static/ only when changed, removed files removed,
the rules of release file names, a template variable for its URL, the favicon, and a change
of it noticed by the no-change fast path."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from feedpub.build import build
from feedpub.cli import cli
from feedpub.config import ConfigError, load_config
from tests.conftest import SAMPLE_RELEASES

BASE = "https://presse.example.de/feeds/"
FILES = {
    "logo.svg": b'<svg xmlns="http://www.w3.org/2000/svg"/>',
    "css/site.css": b"body{color:#123}",
    "favicon.ico": b"\x00\x00\x01\x00icon",
    "Bild mit Ä.png": b"\x89PNG not really",
}


def site(tmp_path: Path, files: dict[str, bytes] = FILES, config: str = "") -> Path:
    """A site folder: feedpub.toml (``config`` added) and static/ with ``files``."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    (tmp_path / "feedpub.toml").write_text(f'base_url = "{BASE}"\n{config}', "utf-8")
    for name, data in files.items():
        (tmp_path / "static" / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "static" / name).write_bytes(data)
    return tmp_path / "feedpub.toml"


def published(out: Path) -> dict[str, bytes]:
    root = out / "static"
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_the_static_folder_is_copied_to_feeds_static(tmp_path: Path) -> None:
    config = load_config(site(tmp_path))
    assert config.static == tmp_path / "static"
    assert config.static_files == tuple(sorted(FILES))
    out = tmp_path / "feeds"
    report = build(SAMPLE_RELEASES, out, config)
    assert not report.errors
    assert published(out) == FILES
    assert {f"static/{name}" for name in FILES} <= set(report.written)


def test_unchanged_static_files_are_not_copied_again(tmp_path: Path) -> None:
    path = site(tmp_path)
    out = tmp_path / "feeds"
    build(SAMPLE_RELEASES, out, load_config(path))
    before = {p: os.stat(p).st_ino for p in (out / "static").rglob("*") if p.is_file()}
    again = build(SAMPLE_RELEASES, out, load_config(path))
    assert again.fast and not again.written
    # A build with work (another release file) leaves them alone too.
    (SAMPLE := tmp_path / "releases").mkdir()
    shutil.copytree(SAMPLE_RELEASES, SAMPLE, dirs_exist_ok=True)
    (SAMPLE / "Jobcenter" / "2026-01-02-neu.txt").write_text(
        "02.01.2026\n\nNeue Meldung\n\nText der Meldung.\n", "utf-8"
    )
    with_work = build(SAMPLE, out, load_config(path))
    assert not with_work.fast and with_work.written
    assert not [name for name in with_work.written if name.startswith("static/")]
    assert before == {p: os.stat(p).st_ino for p in (out / "static").rglob("*") if p.is_file()}


def test_a_change_in_static_is_noticed_and_a_removed_file_removed(tmp_path: Path) -> None:
    path = site(tmp_path)
    out = tmp_path / "feeds"
    build(SAMPLE_RELEASES, out, load_config(path))
    (tmp_path / "static" / "css" / "site.css").write_bytes(b"body{color:#456}")
    changed = build(SAMPLE_RELEASES, out, load_config(path))
    assert not changed.fast
    assert [name for name in changed.written if name.startswith("static/")] == [
        "static/css/site.css"
    ]
    assert (out / "static" / "css" / "site.css").read_bytes() == b"body{color:#456}"
    (tmp_path / "static" / "logo.svg").unlink()
    removed = build(SAMPLE_RELEASES, out, load_config(path))
    assert not removed.fast and "static/logo.svg" in removed.removed
    assert not (out / "static" / "logo.svg").exists()
    (tmp_path / "static" / "new.txt").write_bytes(b"neu")
    added = build(SAMPLE_RELEASES, out, load_config(path))
    assert not added.fast and "static/new.txt" in added.written


def test_a_site_without_static_folder_publishes_none(tmp_path: Path) -> None:
    config = load_config(site(tmp_path, {}))
    assert config.static is None and config.static_digest == ""
    out = tmp_path / "feeds"
    build(SAMPLE_RELEASES, out, config)
    assert not (out / "static").exists()
    assert 'rel="icon"' not in (out / "index.html").read_text("utf-8")


def test_hidden_files_and_editor_backups_stay_out(tmp_path: Path) -> None:
    files = {**FILES, ".htaccess": b"x", "site.css~": b"x", ".git/config": b"x", "a.swp": b"x"}
    config = load_config(site(tmp_path, files))
    assert config.static_files == tuple(sorted(FILES))
    out = tmp_path / "feeds"
    build(SAMPLE_RELEASES, out, config)
    assert published(out) == FILES


def test_the_folder_can_be_moved_and_a_missing_one_is_an_error(tmp_path: Path) -> None:
    path = site(tmp_path, {}, config='static = "assets"\n')
    with pytest.raises(ConfigError, match=r"static: no such folder: .*assets"):
        load_config(path)
    (tmp_path / "assets").mkdir()
    (tmp_path / "assets" / "logo.svg").write_bytes(b"<svg/>")
    config = load_config(path)
    assert config.static == tmp_path / "assets" and config.static_files == ("logo.svg",)


def test_a_symlink_inside_the_folder_is_followed(tmp_path: Path) -> None:
    path = site(tmp_path)
    (tmp_path / "static" / "icon.ico").symlink_to("favicon.ico")
    out = tmp_path / "feeds"
    build(SAMPLE_RELEASES, out, load_config(path))
    assert (out / "static" / "icon.ico").read_bytes() == FILES["favicon.ico"]
    assert not (out / "static" / "icon.ico").is_symlink()


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda s, o: (s / "x.css").symlink_to(o / "secret"), "symlink points outside"),
        (lambda s, o: (s / "x.css").symlink_to(s / "gone"), "symlink is broken"),
        (lambda s, o: (s / "sub").symlink_to(s), "loops back to a parent folder"),
        (lambda s, o: os.mkfifo(s / "x.css"), "not a regular file"),
        (lambda s, o: (s / "a\x07b.css").write_bytes(b""), "control character U\\+0007"),
        (lambda s, o: (s / os.fsdecode(b"\xdf.css")).write_bytes(b""), "not UTF-8"),
        (lambda s, o: (s / ("x" * 250)).write_bytes(b""), "name too long"),
    ],
    ids=["outside", "broken", "loop", "fifo", "control", "not-utf8", "long"],
)
def test_a_static_file_that_breaks_the_rules_is_a_configuration_error(
    tmp_path: Path, make: object, reason: str
) -> None:
    path = site(tmp_path / "site")
    (tmp_path / "secret").write_bytes(b"not public")
    make(tmp_path / "site" / "static", tmp_path)  # type: ignore[operator]
    with pytest.raises(ConfigError, match=reason) as raised:
        load_config(path)
    assert str(raised.value).startswith(str(tmp_path / "site" / "static")), raised.value


def test_the_cli_says_a_bad_static_file_and_exits_2(tmp_path: Path) -> None:
    path = site(tmp_path)
    (tmp_path / "static" / "x.css").symlink_to(tmp_path / "feedpub.toml")
    for command in (["build", "--out", str(tmp_path / "feeds")], ["check"]):
        result = CliRunner().invoke(
            cli, [*command, "--releases", str(SAMPLE_RELEASES), "--config", str(path)]
        )
        assert result.exit_code == 2, result.output
        assert result.stderr.startswith(f"feedpub: {tmp_path / 'static' / 'x.css'}: symlink")
    assert not (tmp_path / "feeds" / "static").exists()


def test_templates_can_reference_static_files_and_the_favicon_is_linked(tmp_path: Path) -> None:
    path = site(tmp_path)
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "footer.html").write_text(
        '<footer><img id="logo" src="{{ static_url }}logo.svg" alt=""></footer>\n', "utf-8"
    )
    out = tmp_path / "feeds"
    build(SAMPLE_RELEASES, out, load_config(path))
    pages = sorted(out.rglob("*.html"))
    assert len(pages) > 20
    for page in pages:
        text = page.read_text("utf-8")
        assert f'<img id="logo" src="{BASE}static/logo.svg" alt="">' in text, page
        assert f'<link rel="icon" href="{BASE}static/favicon.ico">\n' in text, page


def test_a_department_named_static_cannot_share_the_folder(tmp_path: Path) -> None:
    releases = tmp_path / "releases"
    shutil.copytree(SAMPLE_RELEASES / "Jobcenter", releases / "Static")
    out = tmp_path / "feeds"
    with pytest.raises(ConfigError, match="URL name is 'static'"):
        build(releases, out, load_config(site(tmp_path)))
    assert not (out / "static").exists()
    # Without a static folder the department is as any other.
    assert not build(releases, tmp_path / "other", load_config(site(tmp_path / "b", {}))).errors


def test_check_warns_about_a_logo_missing_from_static(tmp_path: Path) -> None:
    path = site(tmp_path, config='logo = "img/logo.svg"\n')
    args = ["check", "--releases", str(SAMPLE_RELEASES), "--config", str(path)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0
    logo = tmp_path / "static" / "img" / "logo.svg"
    assert f"{path}: warning: logo: {logo} does not exist; put the logo there" in result.stderr
    (tmp_path / "static" / "img").mkdir()
    (tmp_path / "static" / "img" / "logo.svg").write_bytes(b"<svg/>")
    assert "warning: logo" not in CliRunner().invoke(cli, args).stderr


def test_style_sheets_in_static_may_load_from_the_site(tmp_path: Path) -> None:
    out = tmp_path / "feeds"
    build(SAMPLE_RELEASES, out, load_config(site(tmp_path)))
    text = (out / "index.html").read_text("utf-8")
    assert "style-src 'self' https://presse.example.de 'unsafe-inline';" in text
    # Without a style sheet in static/ the policy stays as it was: inline style only.
    other = tmp_path / "other"
    build(SAMPLE_RELEASES, other, load_config(site(tmp_path / "b", {"logo.svg": b"<svg/>"})))
    assert "style-src 'unsafe-inline';" in (other / "index.html").read_text("utf-8")
