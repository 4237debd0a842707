"""ledger: the schema and its version, read-only opening that leaves no trace, and a damaged,
foreign or truncated ledger moved aside (never an error)."""

from __future__ import annotations

import errno
import os
import sqlite3
from pathlib import Path

import pytest

from feedpub.ledger import (
    LEDGER_NAME,
    SCHEMA_VERSION,
    as_os_errors,
    get_meta,
    mark_under_way,
    open_for_build,
    read_only,
    set_meta,
)


def made(out: Path) -> Path:
    db, said = open_for_build(out)
    db.close()
    assert said is None
    return out / LEDGER_NAME


def test_a_new_ledger_has_the_schema_and_its_version(tmp_path: Path) -> None:
    (tmp_path / ".feedpub").mkdir()
    path = made(tmp_path)
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master")}
    assert {"meta", "files", "bad", "releases", "documents"} <= tables
    assert oct(path.stat().st_mode & 0o777) == oct(0o600)
    assert [p.name for p in path.parent.iterdir()] == ["ledger.sqlite3"]  # no journal left


def test_read_only_opening_changes_nothing_on_disk(tmp_path: Path) -> None:
    (tmp_path / ".feedpub").mkdir()
    path = made(tmp_path)
    before = [(p.name, p.stat().st_mtime_ns, p.stat().st_size, p.stat().st_ino) for p in
              path.parent.iterdir()]  # fmt: skip
    db = read_only(tmp_path)
    assert db is not None
    with pytest.raises(sqlite3.OperationalError):
        set_meta(db, [("x", "y")])  # read-only indeed
    db.close()
    after = [(p.name, p.stat().st_mtime_ns, p.stat().st_size, p.stat().st_ino) for p in
             path.parent.iterdir()]  # fmt: skip
    assert after == before


def test_read_only_gives_none_when_there_is_no_usable_ledger(tmp_path: Path) -> None:
    assert read_only(tmp_path) is None
    (tmp_path / ".feedpub").mkdir()
    (tmp_path / LEDGER_NAME).write_bytes(b"garbage" * 100)
    assert read_only(tmp_path) is None
    assert (tmp_path / LEDGER_NAME).read_bytes() == b"garbage" * 100  # left for the work path


def _foreign(path: Path) -> None:
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE t (x)")
        db.execute("PRAGMA user_version=99")


def _truncated(path: Path) -> None:
    db, _ = open_for_build(path.parent.parent)
    db.executemany("INSERT INTO meta VALUES (?, ?)", ((f"k{i}", "v" * 500) for i in range(500)))
    db.close()
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _empty_schema(path: Path) -> None:
    with sqlite3.connect(path) as db:
        db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")  # the version, but no tables


@pytest.mark.parametrize(
    "damage",
    [
        lambda path: path.write_bytes(b"\x00garbage\xff" * 1000),
        lambda path: path.write_bytes(b""[:0] + b"SQLite format 3\x00" + b"\x00" * 50),
        _foreign,
        _truncated,
        _empty_schema,
    ],
    ids=["garbage", "header-only", "foreign-version", "truncated", "no-tables"],
)
def test_a_damaged_ledger_is_moved_aside_with_one_line(tmp_path: Path, damage) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / ".feedpub").mkdir()
    path = tmp_path / LEDGER_NAME
    damage(path)
    damaged = path.read_bytes()
    db, said = open_for_build(tmp_path)
    try:
        assert get_meta(db, "tag_prefix") is None  # a new, empty ledger
    finally:
        db.close()
    assert said is not None and said.startswith(f"{path}: damaged (") and "\n" not in said
    aside = [p for p in path.parent.iterdir() if p.name.startswith("ledger.sqlite3.bad-")]
    assert len(aside) == 1 and aside[0].read_bytes() == damaged
    assert said.endswith(f"moved aside as {aside[0].name}")


def test_no_journal_of_a_damaged_ledger_stays_beside_the_new_one(tmp_path: Path) -> None:
    """A journal must never be applied to the new ledger: SQLite drops one it cannot use,
    feedpub moves any other aside with the damaged file."""
    (tmp_path / ".feedpub").mkdir()
    path = tmp_path / LEDGER_NAME
    path.write_bytes(b"garbage" * 100)
    journal = path.with_name("ledger.sqlite3-journal")
    journal.write_bytes(b"journal" * 100)
    db, said = open_for_build(tmp_path)
    db.close()
    assert said is not None
    names = sorted(p.name for p in path.parent.iterdir())
    assert names[0] == "ledger.sqlite3" and names[1].startswith("ledger.sqlite3.bad-")
    assert names[2:] in ([], [names[1] + "-journal"])


def test_under_way_is_durable_at_once(tmp_path: Path) -> None:
    (tmp_path / ".feedpub").mkdir()
    db, _ = open_for_build(tmp_path)
    mark_under_way(db)
    # Another connection (as after a kill) sees it: committed, not pending.
    other = read_only(tmp_path)
    assert other is not None and get_meta(other, "under_way") == "1"
    other.close()
    db.close()


def test_a_ledger_with_a_hot_journal_is_not_read_without_rollback(tmp_path: Path) -> None:
    """A build killed while committing leaves a journal: read-only opening cannot roll it
    back, so the fast path is not taken; the work path rolls it back."""
    (tmp_path / ".feedpub").mkdir()
    path = made(tmp_path)
    os.chmod(path, 0o600)
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=DELETE")
    db.execute("BEGIN IMMEDIATE")
    set_meta(db, [("tag_prefix", "old")])
    db.execute("COMMIT")
    db.execute("BEGIN IMMEDIATE")
    db.execute("PRAGMA cache_size=1")
    set_meta(db, ((f"k{i}", "v" * 900) for i in range(300)))  # spills into the file
    journal = path.with_name("ledger.sqlite3-journal")
    assert journal.exists()
    saved = journal.read_bytes(), path.read_bytes()
    db.execute("ROLLBACK")
    db.close()
    journal.write_bytes(saved[0])  # as if killed before the commit
    path.write_bytes(saved[1])
    ro = read_only(tmp_path)
    if ro is not None:  # some SQLite builds read around a hot journal: then it must be right
        assert get_meta(ro, "tag_prefix") == "old"
        ro.close()
    db, said = open_for_build(tmp_path)
    assert said is None and get_meta(db, "tag_prefix") == "old"
    assert get_meta(db, "k1") is None
    db.close()


def test_a_ledger_that_cannot_be_opened_is_the_machines_problem_not_damage(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Permissions or a full disk are exit 74 naming the ledger; the ledger stays."""
    (tmp_path / ".feedpub").mkdir()
    path = made(tmp_path)

    def refuse(*args: object, **kwargs: object) -> sqlite3.Connection:
        error = sqlite3.OperationalError("unable to open database file")
        error.sqlite_errorcode = 14  # type: ignore[attr-defined]  # SQLITE_CANTOPEN
        raise error

    monkeypatch.setattr(sqlite3, "connect", refuse)
    with pytest.raises(OSError) as caught, as_os_errors(tmp_path):
        open_for_build(tmp_path)
    assert caught.value.filename == str(path) and caught.value.errno == errno.EACCES
    assert [p.name for p in path.parent.iterdir()] == ["ledger.sqlite3"]
