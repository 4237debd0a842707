"""A fresh build of the sample releases, byte for byte against reviewed output.

``tests/data/golden/`` is the expected build of ``releases/`` with ``feedpub.toml``. When a
change to the code or to the samples is meant to change the output, regenerate it with
``pytest tests/test_golden.py --update-golden`` and review the diff like code: every changed
byte reaches subscribers. Never regenerate to silence a failure you do not understand.

The committed ``feeds/`` folder at the repository root is the same build, made with
``feedpub build`` in the repository root; it must not go stale either.

A golden match is not proof that the feeds are valid: test_feeds.py and test_pages.py check
them with feedparser and lxml.
"""

from __future__ import annotations

import difflib
import shutil
from pathlib import Path

import pytest

from feedpub.build import build
from feedpub.config import load_config
from tests.conftest import DATA, ROOT, SAMPLE_CONFIG, SAMPLE_RELEASES

GOLDEN = DATA / "golden"
COMMITTED = ROOT / "feeds"


def published_files(root: Path) -> dict[str, bytes]:
    """Every file below ``root`` by relative path, without hidden bookkeeping files
    (``.feedpub.lock``, ``.feedpub-manifest``) and hidden folders."""
    files = {}
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if path.is_file() and not any(part.startswith(".") for part in relative.parts):
            files[relative.as_posix()] = path.read_bytes()
    return files


def fresh_build(out: Path) -> dict[str, bytes]:
    report = build(SAMPLE_RELEASES, out, load_config(SAMPLE_CONFIG))
    assert not report.errors, "\n".join(map(str, report.errors))
    return published_files(out)


def first_difference(name: str, expected: bytes, actual: bytes) -> str:
    diff = difflib.unified_diff(
        expected.decode("utf-8", "replace").splitlines(),
        actual.decode("utf-8", "replace").splitlines(),
        f"expected/{name}",
        f"built/{name}",
        n=1,
        lineterm="",
    )
    lines = [line[:160] for line in diff]
    return "\n".join(lines[:16] + (["…"] if len(lines) > 16 else []))


def assert_same_files(expected: dict[str, bytes], actual: dict[str, bytes], fix: str) -> None:
    missing = sorted(expected.keys() - actual.keys())
    extra = sorted(actual.keys() - expected.keys())
    changed = sorted(k for k in expected.keys() & actual.keys() if expected[k] != actual[k])
    if not (missing or extra or changed):
        return
    report = [f"the build differs from the expected files ({fix})"]
    if missing:
        report.append(f"not built any more: {missing}")
    if extra:
        report.append(f"new files: {extra}")
    if changed:
        report.append(f"{len(changed)} changed: {changed}")
        report.extend(first_difference(k, expected[k], actual[k]) for k in changed[:3])
    pytest.fail("\n".join(report), pytrace=False)


def test_build_matches_golden_files(tmp_path: Path, update_golden: bool):
    built = fresh_build(tmp_path / "out")
    if update_golden:
        if GOLDEN.exists():
            shutil.rmtree(GOLDEN)
        for relative, data in built.items():
            target = GOLDEN / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        pytest.skip("golden files updated")
    assert GOLDEN.is_dir(), "no golden files yet: run pytest tests/test_golden.py --update-golden"
    assert_same_files(
        published_files(GOLDEN),
        built,
        "if the change is intended: pytest tests/test_golden.py --update-golden, review the diff",
    )


def test_committed_feeds_folder_is_up_to_date(tmp_path: Path):
    assert COMMITTED.is_dir(), "feeds/ is missing: run `feedpub build` in the repository root"
    assert_same_files(
        published_files(COMMITTED),
        fresh_build(tmp_path / "out"),
        "feeds/ is stale: run `feedpub build` in the repository root and commit feeds/",
    )


def test_comparison_sees_every_kind_of_difference(tmp_path: Path):
    """The helper itself: a missing, an extra and a changed file each fail."""
    good = {"a.xml": b"<a/>\n", "b/c.html": b"x\n"}
    assert_same_files(good, dict(good), "")
    for bad in (
        {"a.xml": b"<a/>\n"},
        {**good, "d.xml": b""},
        {**good, "b/c.html": b"y\n"},
    ):
        with pytest.raises(pytest.fail.Exception):
            assert_same_files(good, bad, "")
    (tmp_path / ".hidden").write_bytes(b"")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / ".feedpub.lock").write_bytes(b"")
    (tmp_path / "sub" / "x.xml").write_bytes(b"1")
    assert published_files(tmp_path) == {"sub/x.xml": b"1"}
