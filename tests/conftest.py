"""Shared fixtures and the ``--update-golden`` option (see README, "Golden files")."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).resolve().parent / "data"
SAMPLE_RELEASES = ROOT / "releases"
SAMPLE_CONFIG = ROOT / "feedpub.toml"
#: The real scraped page; present on the team's machines, absent elsewhere.
SEEDS = ROOT.parent / "shared" / "seeds"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        default=False,
        help="Rewrite tests/data/golden/ from the current code instead of comparing.",
    )


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden"))


@pytest.fixture
def sample_releases(tmp_path: Path) -> Path:
    """A private copy of the sample releases that a test may change."""
    target = tmp_path / "releases"
    shutil.copytree(SAMPLE_RELEASES, target)
    return target
