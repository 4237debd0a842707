"""The command line: exit codes, quiet success, ``path:line: reason`` on stderr, --json."""

from __future__ import annotations

import importlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

import feedpub.bookkeeping
from feedpub import __version__
from feedpub.cli import (
    EXIT_BAD_RELEASES,
    EXIT_CANNOT_WRITE,
    EXIT_LOCKED,
    EXIT_OK,
    EXIT_USAGE,
    cli,
)
from feedpub.ledger import LEDGER_NAME
from feedpub.messages import SHOWN_PER_KIND
from feedpub.publish import LOCK_NAME, Lock
from tests.conftest import ROOT, SAMPLE_CONFIG

JSON_KEYS = {
    "path",
    "department",
    "slug",
    "id",
    "published",
    "date_only",
    "date_text",
    "updated",
    "correction",
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


def test_check_verbose_says_what_each_date_line_held_besides_its_date(
    sample_releases: Path,
) -> None:
    result = run("check", "-v", "--releases", sample_releases, "--config", SAMPLE_CONFIG)
    assert (result.exit_code, result.stdout) == (EXIT_OK, "")
    lines = result.stderr.splitlines()
    assert (
        "releases/Amt für Bau und Planung/2026-04-15-bebauungsplan-am-muehlenbach.txt: "
        "date '15. April 2026' read; ignored 'Musterstadt, den'"
    ) in [line.replace(str(sample_releases), "releases") for line in lines]
    assert any("ignored '| Presseinfo der Kreisvolkshochschule'" in line for line in lines)
    assert any("ignored 'Pressemitteilung Nr. 27/2025 –'" in line for line in lines)
    # Only releases whose date line held more than the date: the title read from a date
    # line is no "ignored" text.
    assert len(lines) == 4


def test_check_json_prints_one_object_per_release(sample_releases: Path) -> None:
    result = run("check", "--json", "--releases", sample_releases, "--config", SAMPLE_CONFIG)
    assert result.exit_code == EXIT_OK
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(records) == 22
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
    # The date line is "Stand: 04.06.2025, 14:30 Uhr": the exact text read as the date.
    assert seed_like["date_text"] == "04.06.2025, 14:30 Uhr"
    umlaut = by_path["Amt für Bau und Planung/2024-11-27-digitaler-bauantrag.txt"]
    assert umlaut["slug"] == "amt-fuer-bau-und-planung"
    assert umlaut["date_only"] is True
    assert umlaut["published"] == "2024-11-27T00:00:00+01:00"
    assert umlaut["updated"] is None
    corrected = by_path["Jobcenter/2025-01-15-sprechstunde-beispielhausen.txt"]
    assert corrected["updated"] == "2025-01-16T11:20:00+01:00"
    assert corrected["correction"] is None
    noted = by_path["Straßenverkehrsamt/2025-11-14-zulassungsstelle-geschlossen.txt"]
    assert noted["correction"] == (
        "Anders als zunächst gemeldet ist die Außenstelle in Nordheim am Freitag, "
        "21. November 2025, geöffnet."
    )
    assert all("Korrektur" not in p for p in noted["paragraphs"])
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
    assert len(records) == 24


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
        ("max_entries = 10000\n", "max_entries"),
        ('base_url = "feeds/"\n', "base_url"),
        ('base_url = "https://presse:geheim@presse.example.de/feeds/"\n', "base_url"),
        ('link_template = "https://x.example/{slug[5]}/{stem}"\n', "link_template"),
        ('link_template = "https://x.example/{slug:>300000000}/{stem}"\n', "link_template"),
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
        assert result.stderr.count("\n") == 1 and len(result.stderr) < 500, result.stderr
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
    ("command", "where"),
    [
        ("build", "feedpub.build.build"),
        ("check", "feedpub.checking.check_releases"),
        ("check --json", "feedpub.build.scan"),
    ],
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
    args = ["--out", tmp_path / "feeds"] if command == "build" else command.split()[1:]
    result = run(command.split()[0], "--releases", sample_releases, *args)
    assert result.exit_code == EXIT_INTERRUPTED
    assert result.stderr == "feedpub: interrupted\n"
    assert result.stdout == ""


def test_verbose_says_what_was_written_and_why(sample_releases: Path, tmp_path: Path) -> None:
    out = tmp_path / "feeds"
    first = run("build", "--releases", sample_releases, "--out", out, "-v")
    assert first.exit_code == EXIT_OK and first.stdout == ""
    assert f"wrote {out / 'atom.xml'} (new)" in first.stderr
    assert "read 22 release files, 22 published" in first.stderr
    again = run("build", "--releases", sample_releases, "--out", out, "-v")
    assert "no release file changed (22 releases); nothing written" in again.stderr
    path = sample_releases / "Jobcenter" / "2026-02-11-jahresbilanz-2025.txt"
    path.write_text(path.read_text("utf-8").replace("Jobcenter", "Das Jobcenter", 1), "utf-8")
    third = run("build", "--releases", sample_releases, "--out", out, "-v")
    assert f"wrote {out / 'jobcenter' / 'atom.xml'} (changed)" in third.stderr
    assert "read 1 release file, 22 published" in third.stderr
    # Without -v the same kind of run is silent.
    path.write_text(path.read_text("utf-8").replace("Das Jobcenter", "Jobcenter", 1), "utf-8")
    quiet = run("build", "--releases", sample_releases, "--out", out)
    assert (quiet.exit_code, quiet.stdout, quiet.stderr) == (EXIT_OK, "", "")


def test_a_lost_state_file_is_said_once(sample_releases: Path, tmp_path: Path) -> None:
    out = tmp_path / "feeds"
    assert run("build", "--releases", sample_releases, "--out", out).stderr == ""
    (out / LEDGER_NAME).unlink()
    lost = run("build", "--releases", sample_releases, "--out", out)
    assert lost.exit_code == EXIT_OK
    assert lost.stderr == (
        f"feedpub: {out / LEDGER_NAME} was missing or unreadable; started a new one from the "
        "published feeds (22 published releases and their updated times)\n"
    )
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


@pytest.mark.parametrize(
    ("folder", "name", "char"),
    [("Amt\ufffe", "a.txt", "U+FFFE"), ("Amt", "a\uffff.txt", "U+FFFF")],
)
def test_names_that_xml_cannot_carry_are_refused_by_check_and_build_alike(
    sample_releases: Path, tmp_path: Path, folder: str, name: str, char: str
) -> None:
    bad = sample_releases / folder / name
    bad.parent.mkdir(exist_ok=True)
    bad.write_text("10.07.2024\n\nTitel\n\nText.\n", "utf-8")
    # The folder's error names no line (a folder has none); the file's names its line 1.
    shown = f"{bad.parent}: " if folder != "Amt" else f"{bad}:1: "
    expected = f"{shown}name contains {char}, which is no character (feeds cannot carry it)"
    checked = run("check", "--releases", sample_releases, "--config", SAMPLE_CONFIG)
    assert (checked.exit_code, checked.stderr) == (EXIT_BAD_RELEASES, f"{expected}; rename it\n")
    out = tmp_path / "feeds"
    built = run("build", "--releases", sample_releases, "--out", out, "--config", SAMPLE_CONFIG)
    assert (built.exit_code, built.stderr) == (EXIT_BAD_RELEASES, checked.stderr)
    assert (out / "jobcenter" / "atom.xml").exists()
    assert "Titel" not in (out / "atom.xml").read_text("utf-8")


@pytest.fixture
def deep_folder(sample_releases: Path) -> Iterator[str]:
    """A folder nested 100 deeper than the recursion limit (1,100 with Python's default)
    below the Jobcenter folder, removed afterwards: pytest's clean-up of old temporary
    folders (shutil.rmtree) recurses and would fail on it in every later run."""
    top = folder = os.path.join(sample_releases, "Jobcenter")
    depth = sys.getrecursionlimit() + 100
    for _ in range(depth):  # not os.makedirs: it recurses
        folder = os.path.join(folder, "j")
        os.mkdir(folder)
    try:
        yield folder
    finally:
        for name in os.listdir(folder):
            os.unlink(os.path.join(folder, name))
        while folder != top:
            os.rmdir(folder)
            folder = os.path.dirname(folder)


def test_folders_nested_deeper_than_the_recursion_limit(
    sample_releases: Path, tmp_path: Path, deep_folder: str
) -> None:
    with open(os.path.join(deep_folder, "tief.txt"), "w", encoding="utf-8") as handle:
        handle.write("10.07.2024\n\nGanz tief unten\n\nText.\n")
    checked = run("check", "--json", "--releases", sample_releases, "--config", SAMPLE_CONFIG)
    assert (checked.exit_code, checked.stderr) == (EXIT_OK, "")
    assert "Ganz tief unten" in checked.stdout
    out = tmp_path / "feeds"
    built = run("build", "--releases", sample_releases, "--out", out, "--config", SAMPLE_CONFIG)
    assert (built.exit_code, built.stderr) == (EXIT_OK, "")
    assert "Ganz tief unten" in (out / "jobcenter" / "tief.html").read_text("utf-8")


def test_a_releases_folder_below_a_name_that_is_not_utf8(
    sample_releases: Path, tmp_path: Path
) -> None:
    # An old Latin-1 mount point: the path holds the byte 0xe4 ("ä" in Latin-1).
    releases = Path(os.fsdecode(os.path.join(os.fsencode(tmp_path), b"l\xe4tin", b"releases")))
    releases.parent.mkdir()
    sample_releases.rename(releases)
    out = tmp_path / "feeds"
    args = ("build", "--releases", releases, "--out", out, "--config", SAMPLE_CONFIG)
    built = run(*args)
    assert (built.exit_code, built.stderr) == (EXIT_OK, "")
    with sqlite3.connect(out / LEDGER_NAME) as db:  # the JSON escape of the byte's surrogate
        records = [row[0] for row in db.execute("SELECT last_good FROM releases") if row[0]]
    assert records and all("/l\\udce4tin/releases/" in record for record in records)
    assert (run(*args).exit_code, run(*args).stderr) == (EXIT_OK, "")  # nothing changed
    edited = releases / "Jobcenter" / "2024-09-18-jobmesse-musterstadt.txt"
    edited.write_text(edited.read_text("utf-8").replace("Jobmesse", "Job-Messe"), "utf-8")
    (releases / "Jobcenter" / "leer.txt").write_bytes(b"")
    again = run(*args)
    shown = os.fsencode(releases).decode("utf-8", "backslashreplace")
    assert "\\xe4tin" in shown
    assert again.exit_code == EXIT_BAD_RELEASES
    assert again.stderr.startswith(f"{shown}/Jobcenter/leer.txt:1: ")
    assert "Job-Messe" in (out / "jobcenter" / f"{edited.stem}.html").read_text("utf-8")
    checked = run("check", "--releases", releases, "--config", SAMPLE_CONFIG)
    assert (checked.exit_code, checked.stderr) == (EXIT_BAD_RELEASES, again.stderr)


def test_a_file_name_too_long_for_the_output_is_refused_by_check_and_build(
    sample_releases: Path, tmp_path: Path
) -> None:
    # 250 bytes of UTF-8, a valid name here; its URL name "aeae…" is 250 characters, and the
    # page's temporary ".<stem>.html.<pid>.tmp" would not fit into 255 bytes.
    long = sample_releases / "Jobcenter" / ("ä" * 123 + ".txt")
    long.write_text("10.07.2024\n\nTitel\n\nText.\n", "utf-8")
    assert len(long.name.encode()) == 250
    expected = (
        f"{long}:1: file name too long: its URL name has 246 characters, the output takes at "
        "most 234; shorten the file name\n"
    )
    checked = run("check", "--releases", sample_releases, "--config", SAMPLE_CONFIG)
    assert (checked.exit_code, checked.stderr) == (EXIT_BAD_RELEASES, expected)
    out = tmp_path / "feeds"
    args = ("build", "--releases", sample_releases, "--out", out, "--config", SAMPLE_CONFIG)
    built = run(*args)
    assert (built.exit_code, built.stderr) == (EXIT_BAD_RELEASES, expected)
    assert (out / "jobcenter" / "atom.xml").exists()
    again = run(*args)  # the no-change path says it too
    assert (again.exit_code, again.stderr) == (EXIT_BAD_RELEASES, expected)


def test_many_errors_of_one_kind_are_summed_up_but_json_lists_all(
    sample_releases: Path, tmp_path: Path
) -> None:
    folder = sample_releases / "Jobcenter" / "Sync"
    folder.mkdir()
    for number in range(SHOWN_PER_KIND + 70):
        (folder / f"leer-{number:03}.txt").write_bytes(b"")
    bad = sample_releases / "Jobcenter" / "kaputt.txt"
    bad.write_text("Seiteninhalt\nheute\n\nTitel\n\nText.\n", "utf-8")
    checked = run("check", "--json", "--releases", sample_releases, "--config", SAMPLE_CONFIG)
    assert checked.exit_code == EXIT_BAD_RELEASES
    lines = checked.stderr.splitlines()
    empty = [f"{folder}/leer-{n:03}.txt:1: " for n in range(SHOWN_PER_KIND)]
    assert [line[: len(start)] for line, start in zip(lines, empty, strict=False)] == empty
    assert lines[SHOWN_PER_KIND].startswith(f"{bad}:2: ")
    assert lines[SHOWN_PER_KIND + 1 :] == [
        "feedpub: … and 70 more files with the error: "
        "expected a date line such as …, then a title; got an empty file"
    ]
    records = [json.loads(line) for line in checked.stdout.splitlines()]
    assert sum("error" in record for record in records) == SHOWN_PER_KIND + 71
    out = tmp_path / "feeds"
    args = ("build", "--releases", sample_releases, "--out", out, "--config", SAMPLE_CONFIG)
    for _ in range(2):  # a build that reads everything, then one that finds nothing changed
        built = run(*args)
        assert (built.exit_code, built.stderr) == (EXIT_BAD_RELEASES, checked.stderr)


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


@pytest.mark.parametrize("damage", ["garbage", "truncated", "foreign"])
def test_a_damaged_ledger_is_moved_aside_with_one_line(
    sample_releases: Path, tmp_path: Path, damage: str
) -> None:
    out = tmp_path / "feeds"
    assert run("build", "--releases", sample_releases, "--out", out).stderr == ""
    ledger = out / LEDGER_NAME
    if damage == "garbage":
        ledger.write_bytes(b"\x00not a database\xff" * 200)
    elif damage == "truncated":
        ledger.write_bytes(ledger.read_bytes()[: ledger.stat().st_size // 2])
    else:
        with sqlite3.connect(ledger) as db:
            db.execute("PRAGMA user_version=7")
    damaged = run("build", "--releases", sample_releases, "--out", out)
    assert damaged.exit_code == EXIT_OK and "Traceback" not in damaged.stderr
    [line] = damaged.stderr.splitlines()
    assert line.startswith(f"feedpub: {ledger}: damaged (")
    assert "; moved aside as ledger.sqlite3.bad-" in line and "started a new one" in line
    assert len(list(ledger.parent.glob("ledger.sqlite3.bad-*"))) == 1
    assert run("build", "--releases", sample_releases, "--out", out).stderr == ""


def test_a_vanished_releases_folder_is_exit_1_and_changes_nothing(
    sample_releases: Path, tmp_path: Path
) -> None:
    out = tmp_path / "feeds"
    assert run("build", "--releases", sample_releases, "--out", out).exit_code == EXIT_OK
    for folder in list(sample_releases.iterdir()):
        shutil.rmtree(folder)
    result = run("build", "--releases", sample_releases, "--out", out)
    assert result.exit_code == EXIT_BAD_RELEASES
    assert result.stderr == (
        f"feedpub: {sample_releases}: 22 of 22 published releases are gone at once; nothing "
        "was changed (is the folder mounted?). To withdraw them on purpose, remove at most "
        "half of them per build\n"
    )
    assert (out / "jobcenter" / "2024-09-18-jobmesse-musterstadt.html").exists()


def test_a_build_whose_lock_file_is_removed_exits_75_and_changes_nothing(
    sample_releases: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "feeds"
    assert run("build", "--releases", sample_releases, "--out", out).exit_code == EXIT_OK
    path = sample_releases / "Jobcenter" / "2026-02-11-jahresbilanz-2025.txt"
    path.write_text(path.read_text("utf-8").replace("Jobcenter", "Das Jobcenter", 1), "utf-8")
    before = (out / "jobcenter" / "atom.xml").read_bytes()
    real_stage = feedpub.bookkeeping.stage

    def stage(*args: Any) -> None:
        (out / LOCK_NAME).unlink()
        real_stage(*args)

    monkeypatch.setattr(feedpub.bookkeeping, "stage", stage)
    result = run("build", "--releases", sample_releases, "--out", out)
    assert result.exit_code == EXIT_LOCKED
    assert result.stderr == (
        f"feedpub: {out / LOCK_NAME}: the lock file was removed or replaced during this build; "
        "another build may be running, nothing was changed; try again later\n"
    )
    assert (out / "jobcenter" / "atom.xml").read_bytes() == before
