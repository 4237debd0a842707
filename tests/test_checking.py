"""feedpub.checking: ``check`` in one process or two says the same, in path order."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from feedpub.checking import check_releases
from feedpub.cli import cli
from feedpub.config import load_config
from tests.conftest import SAMPLE_CONFIG


@pytest.fixture
def releases(sample_releases: Path) -> Path:
    (sample_releases / "Jobcenter" / "leer.txt").write_bytes(b"")
    (sample_releases / "Gesundheitsamt" / "kein-datum.txt").write_text("Titel\n\nText.\n", "utf-8")
    (sample_releases / "jobcenter").mkdir()  # same URL name as Jobcenter
    (sample_releases / "jobcenter" / "2024-01-01-x.txt").write_text(
        "10.01.2024\n\nTitel\n\nText.\n", "utf-8"
    )
    return sample_releases


def test_two_processes_say_what_one_says_in_path_order(releases: Path) -> None:
    config = load_config(SAMPLE_CONFIG)
    one, refused_one = check_releases(releases, config, jobs=1)
    two, refused_two = check_releases(releases, config, jobs=2)
    assert refused_one == refused_two
    assert [c.candidate.relative for c in one] == sorted(c.candidate.relative for c in one)
    assert [(c.candidate, str(c.error), c.notices, c.date) for c in one] == [
        (c.candidate, str(c.error), c.notices, c.date) for c in two
    ]
    assert sum(c.error is not None for c in one) == 3
    assert all(c.date is not None and c.date.date_text for c in one if c.error is None)


def test_check_says_on_stderr_what_check_json_says(releases: Path) -> None:
    runner = CliRunner()
    args = ["check", "--releases", str(releases), "--config", str(SAMPLE_CONFIG), "-v"]
    plain = runner.invoke(cli, args)
    as_json = runner.invoke(cli, [*args, "--json"])
    assert plain.exit_code == as_json.exit_code == 1
    assert plain.stderr == as_json.stderr and "leer.txt" in plain.stderr
    assert plain.stdout == ""
