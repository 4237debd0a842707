"""plan: what a build does with each listed file, decided before any release is read (pure),
and the fast path's answer when nothing changed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from feedpub.build import build
from feedpub.config import Config
from feedpub.discover import ReleaseFile
from feedpub.plan import make_plan, unpublished
from feedpub.release import ReleaseError, make_id
from feedpub.state import UNREAD, Cache, FileRow, Seen, State
from tests.conftest import wide_config

PREFIX = "tag:x,2024:"


def listed(relative: str, signature: str = "1/2/3") -> ReleaseFile:
    department, _, name = relative.rpartition("/")
    return ReleaseFile(f"releases/{department}", name, relative, department, signature).named()


def history(*relatives: str) -> State:
    ids = {make_id(PREFIX, listed(r).slug, listed(r).stem): Seen("h", None) for r in relatives}
    return State(True, PREFIX, ids, {})


ROW = FileRow("1/2/3", "2024-07-10T00:00:00+02:00", "a")


@pytest.mark.parametrize(
    ("files", "cached", "published", "unchanged", "to_read", "gone"),
    [
        # Same signature as the ledger's: not read.
        (["Amt/a.txt"], {"Amt/a.txt": ROW}, ["Amt/a.txt"], ["Amt/a.txt"], [], 0),
        # Another signature, or not in the ledger: read.
        (["Amt/a.txt"], {"Amt/a.txt": ROW._replace(signature="9")}, ["Amt/a.txt"], [], ["a"], 0),
        (["Amt/a.txt", "Amt/b.txt"], {"Amt/a.txt": ROW}, ["Amt/a.txt"], ["Amt/a.txt"], ["b"], 0),
        # A published release whose file is gone is counted.
        (["Amt/a.txt"], {"Amt/a.txt": ROW}, ["Amt/a.txt", "Amt/c.txt"], ["Amt/a.txt"], [], 1),
        # The ledger's files and history disagree: everything is read.
        (["Amt/a.txt"], {"Amt/a.txt": ROW}, [], [], ["a"], 0),
    ],
)
def test_the_plan_reads_only_what_changed(
    files: list[str],
    cached: dict[str, FileRow],
    published: list[str],
    unchanged: list[str],
    to_read: list[str],
    gone: int,
) -> None:
    candidates = [listed(f) for f in files]
    plan = make_plan(candidates, cached, {}, set(), history(*published), PREFIX)
    assert [c.relative for c in plan.unchanged] == unchanged
    assert [c.stem for c in plan.to_read] == to_read
    assert plan.gone == gone


def test_a_file_whose_url_is_taken_is_read_whatever_its_signature() -> None:
    a = listed("Amt/a.txt")
    duplicates = {"Amt/a.txt": ReleaseError(a.source, 1, "same URL")}
    plan = make_plan([a], {"Amt/a.txt": ROW}, duplicates, set(), history("Amt/a.txt"), PREFIX)
    assert plan.unchanged == [] and plan.to_read == [a]


def test_published_releases_of_a_folder_that_cannot_be_listed_are_not_gone() -> None:
    plan = make_plan([], {}, {}, {"amt"}, history("Amt/a.txt", "Jobs/b.txt"), PREFIX)
    assert plan.gone == 1  # Jobs/b.txt; Amt's are kept


def test_the_fast_path_sees_a_change_a_new_file_and_a_gone_one() -> None:
    cache = Cache("fp", {"Amt/a.txt": ROW, "Amt/b.txt": FileRow(UNREAD, "")})
    same, bad = listed("Amt/a.txt"), listed("Amt/b.txt", "7/7/7")
    assert unpublished([same, bad], cache) == [bad]  # a bad file: looked at, not work
    assert unpublished([same, bad, listed("Amt/n.txt")], cache) == [bad, listed("Amt/n.txt")]
    assert unpublished([listed("Amt/a.txt", "9/9/9"), bad], cache) is None  # changed
    assert unpublished([bad], cache) is None  # a.txt is gone


def test_unique_urls_runs_once_when_the_fast_path_gives_up(
    sample_releases: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A new file makes the fast path look for URL clashes; when it then finds work, the
    build uses that answer (the same owners: the ledger's files) instead of asking again."""
    import feedpub.pipeline

    config: Config = wide_config()
    out = tmp_path / "feeds"
    build(sample_releases, out, config)
    (sample_releases / "Jobcenter" / "2024-12-01-neu.txt").write_text(
        "01.12.2024\n\nNeu\n\nText.\n", "utf-8"
    )
    calls: list[int] = []
    real = feedpub.pipeline.unique_urls

    def counted(*args: Any) -> dict[str, ReleaseError]:
        calls.append(1)
        return real(*args)

    monkeypatch.setattr(feedpub.pipeline, "unique_urls", counted)
    report = build(sample_releases, out, config)
    assert not report.fast and report.read == 1 and len(calls) == 1
