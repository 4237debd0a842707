"""The history (:class:`feedpub.state.State`) and the cache (:class:`feedpub.state.Cache`)
read from and written to the ledger (see :mod:`feedpub.ledger` for its tables).

Reading and encoding only; a build calls :func:`stage` before the outputs are put into place
and commits the ledger's transaction after them (see :func:`feedpub.build.build`).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from feedpub.corrections import NoticeRecord, by_release
from feedpub.ledger import (
    LEDGER_NAME,
    decode_path,
    encode_path,
    get_meta,
    move_aside,
    open_for_build,
    set_meta,
)
from feedpub.release import Release
from feedpub.state import Cache, FileRow, Seen, State, from_record, to_record

_BERLIN = ZoneInfo("Europe/Berlin")


def load_cache(db: sqlite3.Connection, fingerprint: str) -> Cache | None:
    """The cache of the last complete build with the same fingerprint, else None (also when
    a build was under way: it may have changed outputs the ledger does not know)."""
    if get_meta(db, "under_way") is not None or get_meta(db, "fingerprint") != fingerprint:
        return None
    files = load_files(db)
    docs = {str(path): str(key) for path, key in db.execute("SELECT path, key FROM documents")}
    bad = {str(key): (line, str(reason)) for key, line, reason in db.execute("SELECT * FROM bad")}
    held = frozenset((get_meta(db, "held") or "").split())
    due = get_meta(db, "next_due")
    return Cache(fingerprint, files, docs, bad, held, int(due) if due else None)


def load_files(db: sqlite3.Connection) -> dict[str, FileRow]:
    """What the ledger knows of each published release file: signature, publication time
    and (when read) URL name."""
    # FileRow without its Python-level __new__: a third less for the rows a no-change build
    # loads (10,000: 1 ms).
    new = tuple.__new__
    return {
        decode_path(path): new(FileRow, (signature, published, stem))
        for path, signature, published, stem in db.execute(
            "SELECT path, signature, published, stem FROM files"
        )
    }


def published_paths(db: sqlite3.Connection) -> set[str]:
    """The release files the last build published (whatever its configuration, and also when
    a build was under way since): they own their URLs and ids."""
    return {decode_path(row[0]) for row in db.execute("SELECT path FROM files")}


def load_state(db: sqlite3.Connection) -> State:
    """The history of every published release and the last good versions the feeds show.
    ``found`` is False when no build ever completed with this ledger."""
    prefix = get_meta(db, "tag_prefix")
    seen: dict[str, Seen] = {}
    releases: dict[str, Release] = {}
    rows = db.execute("SELECT id, hash, updated, last_good, first FROM releases")
    for release_id, digest, updated, last_good, first in rows:
        seen[release_id] = Seen(
            str(digest),
            None if updated is None else _datetime(updated),
            None if first is None else _datetime(first),
        )
        if last_good is not None:
            releases[release_id] = from_record(json.loads(last_good))
    return State(prefix is not None, prefix, seen, releases, load_notices(db))


def load_notices(db: sqlite3.Connection) -> dict[str, list[NoticeRecord]]:
    """The correction notices published, by release id."""
    return by_release(
        NoticeRecord(str(i), str(r), _datetime(t), str(ti), str(n), str(d), str(sl), str(st))
        for i, r, t, ti, n, d, sl, st in db.execute("SELECT * FROM notices")
    )


def write_notices(db: sqlite3.Connection, records: Sequence[NoticeRecord]) -> None:
    """Make the ``notices`` table ``records``, in the transaction :func:`stage` began (rows
    never change: they are only added or removed)."""
    old = {str(row[0]) for row in db.execute("SELECT id FROM notices")}
    new = {record.id for record in records}
    db.executemany("DELETE FROM notices WHERE id = ?", ((key,) for key in old - new))
    db.executemany(
        "INSERT OR REPLACE INTO notices VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            (r.id, r.release, r.time.isoformat(), r.title, r.note, r.department, r.slug, r.stem)
            for r in records
            if r.id not in old
        ),
    )


def open_history(out_dir: Path) -> tuple[sqlite3.Connection, State, list[str]]:
    """The ledger opened for a build with work, with its history, and the lines to say about
    damage found (and moved aside): a ledger whose rows cannot be read is missing bookkeeping,
    never an error of every build from now on."""
    db, said = open_for_build(out_dir)
    lines = [said] if said is not None else []
    try:
        return db, load_state(db), lines
    except (sqlite3.Error, ValueError, KeyError, TypeError, AttributeError, IndexError) as exc:
        db.close()
        reason = str(exc) or type(exc).__name__
    path = out_dir / LEDGER_NAME
    lines.append(f"{path}: damaged ({reason}); moved aside as {move_aside(path)}")
    db, _ = open_for_build(out_dir)
    return db, load_state(db), lines


def remember_held(out_dir: Path, held: set[str], due: int | None) -> None:
    """Record the files held back and when the first is due (see Cache.held), in a ledger
    that the caller found usable (a build with nothing else to do)."""
    db, _ = open_for_build(out_dir)
    try:
        db.execute("BEGIN IMMEDIATE")
        _set_held(db, held, due)
        db.execute("COMMIT")
    finally:
        if db.in_transaction:
            db.execute("ROLLBACK")
        db.close()


def _set_held(db: sqlite3.Connection, held: Collection[str], due: int | None) -> None:
    """The ``held`` and ``next_due`` rows of ``meta`` (see Cache.held), or none."""
    db.execute("DELETE FROM meta WHERE key IN ('held', 'next_due')")
    if held and due is not None:
        set_meta(db, [("held", " ".join(sorted(held))), ("next_due", str(due))])


def stage(
    db: sqlite3.Connection,
    tag_prefix: str,
    seen: Mapping[str, Seen],
    shown: Iterable[Release],
    cache: Cache,
    before: tuple[State, Cache] | None = None,
) -> None:
    """Begin the transaction that records a build's results (history, last good versions,
    cache) and clears ``under_way``; the caller commits it once the outputs are in place, or
    rolls it back. ``before``: what the ledger holds now (its history and a usable cache):
    then only the rows that differ are written (a one-change build touches a few rows),
    else every table is written anew."""
    db.execute("BEGIN IMMEDIATE")
    try:
        if before is None:
            for table in ("files", "bad", "releases", "documents"):
                db.execute(f"DELETE FROM {table}")  # noqa: S608 - a fixed table name
            empty = Cache(cache.fingerprint, {})
            before = State(False, None, {}, {}), empty
        _update(db, before, seen, shown, cache)
        set_meta(db, [("tag_prefix", tag_prefix), ("fingerprint", cache.fingerprint)])
        db.execute("DELETE FROM meta WHERE key = 'under_way'")
        _set_held(db, cache.held, cache.next_due)
    except BaseException:
        db.execute("ROLLBACK")
        raise


def _update(
    db: sqlite3.Connection,
    before: tuple[State, Cache],
    seen: Mapping[str, Seen],
    shown: Iterable[Release],
    cache: Cache,
) -> None:
    """Write the rows that differ from ``before`` and delete those that are gone."""
    state, old = before
    last_good = {release.id: release for release in shown}
    db.executemany(
        "DELETE FROM releases WHERE id = ?", ((key,) for key in state.seen.keys() - seen.keys())
    )
    db.executemany(
        "INSERT OR REPLACE INTO releases VALUES (?, ?, ?, ?, ?)",
        (
            (key, value.hash, _iso(value.updated), _record(last_good.get(key)), _iso(value.first))
            for key, value in seen.items()
            if state.seen.get(key) != value or state.releases.get(key) != last_good.get(key)
        ),
    )
    gone = old.files.keys() - cache.files.keys()
    db.executemany("DELETE FROM files WHERE path = ?", ((encode_path(p),) for p in gone))
    db.executemany(
        "INSERT OR REPLACE INTO files VALUES (?, ?, ?, ?)",
        (
            (encode_path(path), *row)
            for path, row in cache.files.items()
            if old.files.get(path) != row
        ),
    )
    for table, rows, before_rows in (
        ("documents", cache.docs, old.docs),
        ("bad", cache.bad, old.bad),
    ):
        column = "path" if table == "documents" else "key"
        db.executemany(
            f"DELETE FROM {table} WHERE {column} = ?",  # noqa: S608 - fixed names
            ((key,) for key in before_rows.keys() - rows.keys()),
        )
        db.executemany(
            f"INSERT OR REPLACE INTO {table} VALUES (?, ?{', ?' if table == 'bad' else ''})",  # noqa: S608 - fixed names
            (_row(key, value) for key, value in rows.items() if before_rows.get(key) != value),
        )


def _row(key: str, value: object) -> tuple[object, ...]:
    return (key, *value) if isinstance(value, tuple) else (key, value)


def import_history(db: sqlite3.Connection, state: State) -> None:
    """Record the history of builds before the ledger (see :mod:`feedpub.migrate`) in one
    transaction: id prefix, history, last good versions; the cache stays empty."""
    assert state.tag_prefix is not None
    db.execute("BEGIN IMMEDIATE")
    try:
        db.execute("DELETE FROM releases")
        _insert_history(db, state.seen, state.releases.values())
        set_meta(db, [("tag_prefix", state.tag_prefix)])
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


def _insert_history(
    db: sqlite3.Connection, seen: Mapping[str, Seen], shown: Iterable[Release]
) -> None:
    last_good = {release.id: release for release in shown}
    db.executemany(
        "INSERT INTO releases VALUES (?, ?, ?, ?, ?)",
        (
            (key, value.hash, _iso(value.updated), _record(last_good.get(key)), _iso(value.first))
            for key, value in seen.items()
        ),
    )


def read_pending(db: sqlite3.Connection) -> list[str]:
    """The WebSub pending URLs, in the order they were recorded."""
    return [str(row[0]) for row in db.execute("SELECT url FROM pending ORDER BY rowid")]


def write_pending(db: sqlite3.Connection, urls: Sequence[str]) -> None:
    """Replace the WebSub pending URLs in one transaction (nothing is written when they are
    the same)."""
    unique = list(dict.fromkeys(urls))
    if read_pending(db) == unique:
        return
    db.execute("BEGIN IMMEDIATE")
    try:
        db.execute("DELETE FROM pending")
        db.executemany("INSERT INTO pending (url) VALUES (?)", ((url,) for url in unique))
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


def read_outputs(db: sqlite3.Connection) -> list[str]:
    """The manifest: every file the last build published (relative paths)."""
    return [decode_path(row[0]) for row in db.execute("SELECT path FROM outputs")]


def add_outputs(db: sqlite3.Connection, paths: Iterable[str]) -> None:
    """Add files to the manifest in a transaction of their own (before they appear)."""
    db.execute("BEGIN IMMEDIATE")
    try:
        db.executemany(
            "INSERT OR IGNORE INTO outputs VALUES (?)", ((encode_path(p),) for p in paths)
        )
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


def set_outputs(db: sqlite3.Connection, paths: set[str], *, transaction: bool) -> None:
    """Make the manifest ``paths``: in the transaction :func:`stage` began, or, with
    ``transaction``, in one of its own."""
    if transaction:
        db.execute("BEGIN IMMEDIATE")
    try:
        listed = set(read_outputs(db))
        db.executemany(
            "DELETE FROM outputs WHERE path = ?", ((encode_path(p),) for p in listed - paths)
        )
        db.executemany(
            "INSERT INTO outputs VALUES (?)", ((encode_path(p),) for p in paths - listed)
        )
    except BaseException:
        if transaction:
            db.execute("ROLLBACK")
        raise
    if transaction:
        db.execute("COMMIT")


def commit(db: sqlite3.Connection) -> None:
    """Commit what :func:`stage` began: the last step of a build."""
    db.execute("COMMIT")


def _record(release: Release | None) -> str | None:
    # ensure_ascii: a department folder named in bytes that are not UTF-8 holds lone
    # surrogates, which SQLite's TEXT cannot carry; the JSON escape can, and loads back.
    return None if release is None else json.dumps(to_record(release), separators=(",", ":"))


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _datetime(text: str) -> datetime:
    value = datetime.fromisoformat(text)
    if value.tzinfo is None:
        raise ValueError("naive datetime in the ledger")
    return value.astimezone(_BERLIN)
