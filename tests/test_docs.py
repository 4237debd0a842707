"""The README is the newcomer's first contact: its two commands must be the real ones."""

from __future__ import annotations

import re

from feedpub.cli import (
    EXIT_BAD_RELEASES,
    EXIT_CANNOT_WRITE,
    EXIT_INTERRUPTED,
    EXIT_LOCKED,
    EXIT_OK,
    EXIT_USAGE,
)
from tests.conftest import ROOT

README = (ROOT / "README.md").read_text("utf-8")


def quick_start_commands() -> list[str]:
    section = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```sh\n(.+?)\n```", section)


def test_quick_start_has_exactly_two_commands() -> None:
    commands = quick_start_commands()
    assert len(commands) == 2
    assert commands[0].endswith("feedpub build")
    assert commands[1].endswith("python -m pytest")


def test_ci_runs_the_readme_test_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text("utf-8")
    assert quick_start_commands()[1] in ci.splitlines()


def test_exit_codes_are_documented() -> None:
    table = README.split("### Exit codes", 1)[1]
    codes = (EXIT_OK, EXIT_BAD_RELEASES, EXIT_USAGE, EXIT_LOCKED, EXIT_CANNOT_WRITE)
    for code in (*codes, EXIT_INTERRUPTED):
        assert f"| {code} |" in table


def test_every_config_key_is_documented() -> None:
    from feedpub.config import _TOP_KEYS

    section = README.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    for key in _TOP_KEYS - {"departments"}:
        assert f"`{key}`" in section, key
