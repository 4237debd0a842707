"""The style gates run with the tests, so the one test command enforces them."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.conftest import ROOT

CHECKS = {
    "ruff check": [sys.executable, "-m", "ruff", "check", "feedpub", "tests", "bench"],
    "ruff format": [sys.executable, "-m", "ruff", "format", "--check", "feedpub", "tests", "bench"],
    "mypy --strict": [sys.executable, "-m", "mypy", "--strict", "feedpub"],
}


@pytest.mark.parametrize("name", list(CHECKS))
def test_code_is_clean(name: str) -> None:
    result = subprocess.run(CHECKS[name], cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0, f"{name} failed:\n{result.stdout}\n{result.stderr}"
