"""The command line: exit codes, quiet success, ``path:line: reason`` on stderr, --json."""

from __future__ import annotations

import importlib
import io
import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from feedpub import __version__
from feedpub.cli import (
    EXIT_BAD_RELEASES,
    EXIT_CANNOT_WRITE,
    EXIT_LOCKED,
    EXIT_OK,
    EXIT_USAGE,
    cli,
)
from feedpub.publish import Lock
from feedpub.state import STATE_NAME
from tests.conftest import ROOT, SAMPLE_CONFIG

JSON_KEYS = {
    "path",
    "department",
    "slug",
    "id",
    "published",
    "date_only",
    "updated",
    "title",
    "teaser",
    "authors",
    "captions",
    "paragraphs",
    "images",
}


def run(*args: str | Path) -> Result:
    runner = CliRunner()
    return runner.invoke(cli, [str(a) for a in args], catch_exceptions=False)


@pytest.mark.parametrize("command", [[], ["check"], ["build"]])
def test_every_command_has_help(command: list[str]) -> None:
    result = run(*command, "--help")
    assert result.exit_code == 0
    assert "Usage:" in result.stdout
    assert "--releases" in result.stdout or not command


def test_version() -> None:
    result = run("--version")
    assert result.exit_code == 0
    assert __version__ in result.stdout


def test_check_samples_is_silent_and_succeeds(sample_releases: Path) -> None:
    result = run("check", "--releases", sample_releases, "--config", SAMPLE_CONFIG)
    assert (result.exit_code, result.stdout, result.stderr) == (EXIT_OK, "", "")


def test_check_json_prints_one_object_per_release(sample_releases: Path) -> None:
    result = run("check", "--json", "--releases", sample_releases, "--config", SAMPLE_CONFIG)
    assert result.exit_code == EXIT_OK
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(records) == 21
    for record in records:
        assert set(record) == JSON_KEYS
    by_path = {r["path"]: r for r in records}
    seed_like = by_path["Jobcenter/2025-06-04-ausbildungsbonus-betriebe.txt"]
    assert seed_like["department"] == "Jobcenter"
    assert seed_like["slug"] == "jobcenter"
    assert seed_like["id"] == (
        "tag:presse.example.de,2024-01-01:jobcenter/2025-06-04-ausbildungsbonus-betriebe"
    )
    assert seed_like["published"] == "2025-06-04T14:30:00+02:00"
    assert seed_like["date_only"] is False
    umlaut = by_path["Amt für Bau und Planung/2024-11-27-digitaler-bauantrag.txt"]
    assert umlaut["slug"] == "amt-fuer-bau-und-planung"
    assert umlaut["date_only"] is True
    assert umlaut["published"] == "2024-11-27T00:00:00+01:00"
    assert umlaut["updated"] is None
    corrected = by_path["Jobcenter/2025-01-15-sprechstunde-beispielhausen.txt"]
    assert corrected["updated"] == "2025-01-16T11:20:00+01:00"
    assert all(isinstance(c, dict) and set(c) == {"text", "credit"} for c in umlaut["captions"])
    assert umlaut["images"] == []
    pictured = by_path["Amt für Bau und Planung/2025-09-19-richtfest-berufsschulzentrum.txt"]
    assert pictured["images"] == [
        {
            "path": "Amt für Bau und Planung/2025-09-19-richtfest-berufsschulzentrum.jpg",
            "number": 1,
            "name": "2025-09-19-richtfest-berufsschulzentrum.jpg",
            "type": "image/jpeg",
            "length": (sample_releases / pictured["images"][0]["path"]).stat().st_size,
            "width": 640,
            "height": 427,
            "alt": "Landrätin Annette Berger und Polier Stefan Krüger beim traditionellen "
            "Richtspruch",
            "credit": "Landkreis Musterland / Jana Wolff",
        },
        {
            "path": "Amt für Bau und Planung/2025-09-19-richtfest-berufsschulzentrum-3.webp",
            "number": 3,
            "name": "2025-09-19-richtfest-berufsschulzentrum_3.webp",
            "type": "image/webp",
            "length": (sample_releases / pictured["images"][1]["path"]).stat().st_size,
            "width": 640,
            "height": 400,
            "alt": "Luftbild der Baustelle an der Nordheimer Straße",
            "credit": "Luftbild Meyer, Musterstadt",
        },
    ]


def test_check_reports_bad_files_and_exits_1(sample_releases: Path) -> None:
    bad = sample_releases / "Jobcenter" / "kaputt.txt"
    bad.write_text("Seiteninhalt\nheute\n\nTitel\n\nText.\n", "utf-8")
    empty = sample_releases / "Gesundheitsamt" / "leer.txt"
    empty.write_bytes(b"")
    result = run("check", "--json", "--releases", sample_releases, "--config", SAMPLE_CONFIG)
    assert result.exit_code == EXIT_BAD_RELEASES
    errors = result.stderr.splitlines()
    assert len(errors) == 2
    assert errors[0].startswith(f"{empty}:1: ")
    assert "empty file" in errors[0]
    assert errors[1].startswith(f"{bad}:2: ")
    assert "the date line 'heute' is relative" in errors[1]
    records = [json.loads(line) for line in result.stdout.splitlines()]
    bad_records = [r for r in records if "error" in r]
    assert bad_records == [
        {"path": "Gesundheitsamt/leer.txt", "line": 1, "error": bad_records[0]["error"]},
        {"path": "Jobcenter/kaputt.txt", "line": 2, "error": bad_records[1]["error"]},
    ]
    assert len(records) == 23


def test_check_reports_refused_symlinks_in_json(sample_releases: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside.txt"
    outside.write_text("10.07.2024\n\nTitel\n\nText.\n", "utf-8")
    (sample_releases / "Jobcenter" / "link.txt").symlink_to(outside)
    result = run("check", "--json", "--releases", sample_releases, "--config", SAMPLE_CONFIG)
    assert result.exit_code == EXIT_BAD_RELEASES
    assert "symlink points outside the releases folder" in result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert {"path": "Jobcenter/link.txt", "line": 1}.items() <= next(
        r for r in records if "error" in r
    ).items()


def test_build_is_silent_on_success(sample_releases: Path, tmp_path: Path) -> None:
    out = tmp_path / "feeds"
    result = run("build", "--releases", sample_releases, "--out", out, "--config", SAMPLE_CONFIG)
    assert (result.exit_code, result.stdout, result.stderr) == (EXIT_OK, "", "")
    assert (out / "atom.xml").exists()


def test_build_with_a_bad_release_writes_feeds_and_exits_1(
    sample_releases: Path, tmp_path: Path
) -> None:
    bad = sample_releases / "Jobcenter" / "kaputt.txt"
    bad.write_text("Seiteninhalt\n\n\nNur ein Titel\n", "utf-8")
    out = tmp_path / "feeds"
    result = run("build", "--releases", sample_releases, "--out", out, "--config", SAMPLE_CONFIG)
    assert result.exit_code == EXIT_BAD_RELEASES
    assert result.stdout == ""
    assert result.stderr.startswith(f"{bad}:4: ")
    assert (out / "jobcenter" / "atom.xml").exists()


def test_warnings_go_to_stderr_but_do_not_fail(sample_releases: Path, tmp_path: Path) -> None:
    path = sample_releases / "Jobcenter" / "2024-09-18-jobmesse-musterstadt.txt"
    text = path.read_text("utf-8").replace("Musterstadt", "Muster\x0cstadt", 1)
    path.write_text(text, "utf-8")
    result = run("check", "--releases", sample_releases, "--config", SAMPLE_CONFIG)
    assert result.exit_code == EXIT_OK
    assert result.stderr.startswith(f"{path}:")
    assert "warning: removed 1 control character(s) (U+000C)" in result.stderr


@pytest.mark.parametrize(
    ("config_text", "key"),
    [
        ("max_entries = 0\n", "max_entries"),
        ('base_url = "feeds/"\n', "base_url"),
        ('colour = "blau"\n', "colour"),
    ],
)
def test_bad_config_names_the_key_and_exits_2(
    sample_releases: Path, tmp_path: Path, config_text: str, key: str
) -> None:
    config = tmp_path / "feedpub.toml"
    config.write_text(config_text, "utf-8")
    for command in ("check", "build"):
        result = run(command, "--releases", sample_releases, "--config", config)
        assert result.exit_code == EXIT_USAGE
        assert result.stderr.startswith(f"feedpub: {config}: {key}: ")
        assert result.stdout == ""


def test_missing_config_file_is_a_usage_error(sample_releases: Path, tmp_path: Path) -> None:
    result = run("check", "--releases", sample_releases, "--config", tmp_path / "nope.toml")
    assert result.exit_code == EXIT_USAGE
    assert "file not found" in result.stderr


def test_missing_releases_folder_is_a_usage_error(tmp_path: Path) -> None:
    for command in ("check", "build"):
        result = run(command, "--releases", tmp_path / "nope")
        assert result.exit_code == EXIT_USAGE
        assert "no such folder" in result.stderr


def test_unknown_option_is_a_usage_error() -> None:
    assert run("build", "--colour").exit_code == EXIT_USAGE


def test_a_locked_output_folder_exits_75_with_one_line(
    sample_releases: Path, tmp_path: Path
) -> None:
    out = tmp_path / "feeds"
    with Lock(out):
        result = run("build", "--releases", sample_releases, "--out", out)
    assert result.exit_code == EXIT_LOCKED == 75  # sysexits EX_TEMPFAIL: cron retries
    assert "another feedpub build is running" in result.stderr
    assert len(result.stderr.splitlines()) == 1
    assert result.stdout == ""


def test_wait_takes_the_lock_when_the_other_build_ends(
    sample_releases: Path, tmp_path: Path
) -> None:
    out = tmp_path / "feeds"
    held = Lock(out).__enter__()
    threading.Timer(0.3, held.__exit__, (None, None, None)).start()
    result = run("build", "--releases", sample_releases, "--out", out, "--wait", "20")
    assert result.exit_code == EXIT_OK, result.stderr
    with Lock(out):
        result = run("build", "--releases", sample_releases, "--out", out, "--wait", "0.2")
    assert result.exit_code == EXIT_LOCKED
    assert "waited 0.2 s" in result.stderr


#: Ctrl-C, as shells report it (128 + SIGINT); README, "Exit codes".
EXIT_INTERRUPTED = 130


def test_help_documents_the_exit_codes() -> None:
    text = " ".join(run("--help").stdout.split())
    codes = (EXIT_OK, EXIT_BAD_RELEASES, EXIT_USAGE, EXIT_CANNOT_WRITE, EXIT_LOCKED)
    for code in (*codes, EXIT_INTERRUPTED):
        assert f"{code} " in text
    assert "Exit codes" in text
    assert "130 interrupted (Ctrl-C" in text
    build_help = " ".join(run("build", "--help").stdout.split())
    assert "--wait SECONDS" in build_help
    assert "130 interrupted" in build_help


@pytest.mark.parametrize(
    ("command", "where"), [("build", "feedpub.build.build"), ("check", "feedpub.build.scan")]
)
def test_ctrl_c_exits_130_with_one_line(
    sample_releases: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: str, where: str
) -> None:
    """SIGINT is 130 as shells report it, not click's "Aborted!" and 1 (which means
    "releases skipped" here). The real signal, with the build's second process, is in
    tests/test_processes.py."""
    module, name = where.rsplit(".", 1)

    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(importlib.import_module(module), name, interrupted)
    args = ["--out", tmp_path / "feeds"] if command == "build" else []
    result = run(command, "--releases", sample_releases, *args)
    assert result.exit_code == EXIT_INTERRUPTED
    assert result.stderr == "feedpub: interrupted\n"
    assert result.stdout == ""


def test_verbose_says_what_was_written_and_why(sample_releases: Path, tmp_path: Path) -> None:
    out = tmp_path / "feeds"
    first = run("build", "--releases", sample_releases, "--out", out, "-v")
    assert first.exit_code == EXIT_OK and first.stdout == ""
    assert f"wrote {out / 'atom.xml'} (new)" in first.stderr
    assert "read 21 release files, 21 published" in first.stderr
    again = run("build", "--releases", sample_releases, "--out", out, "-v")
    assert "no release file changed (21 releases); nothing written" in again.stderr
    path = sample_releases / "Jobcenter" / "2026-02-11-jahresbilanz-2025.txt"
    path.write_text(path.read_text("utf-8").replace("Jobcenter", "Das Jobcenter", 1), "utf-8")
    third = run("build", "--releases", sample_releases, "--out", out, "-v")
    assert f"wrote {out / 'jobcenter' / 'atom.xml'} (changed)" in third.stderr
    assert "read 1 release file, 21 published" in third.stderr
    # Without -v the same kind of run is silent.
    path.write_text(path.read_text("utf-8").replace("Das Jobcenter", "Jobcenter", 1), "utf-8")
    quiet = run("build", "--releases", sample_releases, "--out", out)
    assert (quiet.exit_code, quiet.stdout, quiet.stderr) == (EXIT_OK, "", "")


def test_a_lost_state_file_is_said_once(sample_releases: Path, tmp_path: Path) -> None:
    out = tmp_path / "feeds"
    assert run("build", "--releases", sample_releases, "--out", out).stderr == ""
    (out / STATE_NAME).unlink()
    lost = run("build", "--releases", sample_releases, "--out", out)
    assert lost.exit_code == EXIT_OK
    assert f"{out / STATE_NAME} was missing or unreadable" in lost.stderr
    assert run("build", "--releases", sample_releases, "--out", out).stderr == ""


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_progress_bar_only_on_a_terminal_and_only_for_long_builds(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from feedpub.cli import _progress_bar

    monkeypatch.setattr(sys, "stderr", io.StringIO())
    with _progress_bar() as progress:
        assert progress is None  # cron, pipes: nothing
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    with _progress_bar() as progress:
        assert progress is not None
        progress(100, 2000)
        assert terminal.getvalue() == ""  # a short build: no flicker
        for _ in range(10):
            progress(100, 2000)
    assert "Reading releases" in terminal.getvalue()
    assert "1100/2000" in terminal.getvalue()


def test_defaults_read_releases_and_config_from_the_working_directory(
    sample_releases: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "feedpub.toml").write_text('base_url = "https://amt.example.org/presse/"\n')
    result = run("build")
    assert result.exit_code == EXIT_OK, result.stderr
    assert "https://amt.example.org/presse/atom.xml" in (tmp_path / "feeds/atom.xml").read_text()


def test_options_can_come_from_the_environment(
    sample_releases: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "elsewhere"
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("FEEDPUB_RELEASES", str(sample_releases))
    monkeypatch.setenv("FEEDPUB_OUT", str(out))
    monkeypatch.setenv("FEEDPUB_CONFIG", str(SAMPLE_CONFIG))
    result = run("build")
    assert result.exit_code == EXIT_OK, result.stderr
    assert (out / "rss.xml").exists()
    assert not (tmp_path / "feeds").exists()


def test_python_dash_m_runs_the_same_command() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "feedpub", "--version"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        check=False,
    )
    assert result.returncode == 0
    assert __version__ in result.stdout


def test_check_json_stays_valid_utf8_with_a_non_utf8_file_name(sample_releases: Path) -> None:
    name = os.path.join(os.fsencode(sample_releases / "Jobcenter"), b"Stra\xdfe.txt")
    with open(name, "w", encoding="utf-8") as handle:
        handle.write("10.07.2024\n\nTitel\n\nText.\n")
    result = run("check", "--json", "--releases", sample_releases, "--config", SAMPLE_CONFIG)
    assert result.exit_code == EXIT_BAD_RELEASES
    result.stdout_bytes.decode("utf-8")  # strict: raises on invalid UTF-8
    bad = [json.loads(line) for line in result.stdout.splitlines() if '"error"' in line]
    assert bad == [{"path": "Jobcenter/Stra\\xdfe.txt", "line": 1, "error": bad[0]["error"]}]
    assert "name is not UTF-8" in bad[0]["error"]


def test_a_build_that_cannot_write_exits_4(
    sample_releases: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import feedpub.build

    def refuse(*args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied", str(tmp_path / "feeds" / "jobcenter"))

    monkeypatch.setattr(feedpub.build, "build", refuse)
    result = run("build", "--releases", sample_releases, "--out", tmp_path / "feeds")
    assert result.exit_code == EXIT_CANNOT_WRITE
    assert result.stderr == (
        f"feedpub: {tmp_path / 'feeds' / 'jobcenter'}: cannot write: Permission denied\n"
    )


def test_an_unreadable_releases_folder_is_a_usage_error(
    sample_releases: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """click's Path type checks this (os.access); root passes any check, so it is faked."""
    monkeypatch.setattr(os, "access", lambda path, mode, **kwargs: False)
    for command in ("check", "build"):
        result = run(command, "--releases", sample_releases)
        assert result.exit_code == EXIT_USAGE
        assert "is not readable" in result.stderr


def test_a_config_that_would_change_every_id_exits_2(sample_releases: Path, tmp_path: Path) -> None:
    out = tmp_path / "feeds"
    assert run("build", "--releases", sample_releases, "--out", out, "--config", SAMPLE_CONFIG)
    other = tmp_path / "other.toml"
    other.write_text('tag_authority = "anders.example.org"\n', "utf-8")
    result = run("build", "--releases", sample_releases, "--out", out, "--config", other)
    assert result.exit_code == EXIT_USAGE
    assert "every reader would show every release again" in result.stderr
