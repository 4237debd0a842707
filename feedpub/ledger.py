"""The ledger: what earlier builds knew, in one SQLite file, ``feeds/.feedpub/ledger.sqlite3``.

Tables (schema version :data:`SCHEMA_VERSION`, kept in ``PRAGMA user_version``):

* ``meta(key, value)``: the id prefix the feeds were published with (``tag_prefix``), the
  fingerprint of the configuration and feedpub version of the last complete build
  (``fingerprint``), and ``under_way``, set and committed before a build changes any output
  and cleared by the transaction that commits its results: a ledger that still says so
  belongs to a build that died, and the next build is a full one.
* ``files(path, signature, published, stem)``: per published release file its signature
  (size/mtime/ctime), publication time and URL name: a build whose files all match needs to
  read no release (the no-change build reads this table and nothing else).
* ``bad(key, line, reason)``: files that are bad by their bytes, keyed by a digest of path
  and signature (see :func:`feedpub.state.bad_key`): the ledger names no file that is not
  published.
* ``releases(id, hash, updated, last_good, first)``: per published release its content hash,
  the time a build first saw that content (the correction time pages show), for those the
  feeds show the last good version (a JSON record), which a release that turns bad keeps
  showing, and when a build first published it on its day (the time of day of a date-only
  release, see :mod:`feedpub.daytime`; NULL for releases published before version 3).
* ``documents(path, key)``: what each document a channel keys (archive documents, live
  feeds, department pages) was rendered from (its key; see :mod:`feedpub.channels`).
* ``pending(url)``: feed URLs the WebSub hub has not taken yet, in the order to send them
  (rowid); public URLs only (see :mod:`feedpub.websub`).
* ``outputs(path)``: the manifest, every file feedpub published below ``feeds/``: only
  those are ever deleted (see :mod:`feedpub.publish`).
* ``notices(id, release, time, title, note, department, slug, stem)``: every correction
  notice published (see :mod:`feedpub.corrections`), kept while its release is published.

A ledger of an older schema version is upgraded in place (:data:`_UPGRADES`: version 1 had
no ``notices``, version 2 no ``releases.first``), so an installation keeps its history; only
a ledger that is no ledger of a known version is moved aside.

Nothing in it names a release that is not published (an embargoed or bad new file), as the
JSON files before it. Journal: the rollback journal (``journal_mode=DELETE``), not WAL: a
no-change build opens the ledger read-only and must leave no trace, and a read-only WAL
database needs its ``-shm`` file (which it would create or write); a rollback journal exists
only while a build commits, in ``feeds/.feedpub/``, which the web server denies. Only this
module and :mod:`feedpub.bookkeeping` talk SQL.
"""

from __future__ import annotations

import contextlib
import errno
import os
import sqlite3
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

LEDGER_NAME = ".feedpub/ledger.sqlite3"
#: Bump when the tables change, with an upgrade from the version before in _UPGRADES; a
#: ledger of an unknown version is moved aside (full build).
SCHEMA_VERSION = 3

_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE files (
    path BLOB PRIMARY KEY, signature TEXT NOT NULL, published TEXT NOT NULL, stem TEXT
) WITHOUT ROWID;
CREATE TABLE bad (key TEXT PRIMARY KEY, line INTEGER, reason TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE releases (
    id TEXT PRIMARY KEY, hash TEXT NOT NULL, updated TEXT, last_good TEXT
) WITHOUT ROWID;
CREATE TABLE documents (path TEXT PRIMARY KEY, key TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE pending (url TEXT PRIMARY KEY);
CREATE TABLE outputs (path BLOB PRIMARY KEY) WITHOUT ROWID;
"""
_NOTICES = """
CREATE TABLE notices (
    id TEXT PRIMARY KEY, release TEXT NOT NULL, time TEXT NOT NULL, title TEXT NOT NULL,
    note TEXT NOT NULL, department TEXT NOT NULL, slug TEXT NOT NULL, stem TEXT NOT NULL
) WITHOUT ROWID;
"""
_TABLES = frozenset(
    {"meta", "files", "bad", "releases", "documents", "pending", "outputs", "notices"}
)
#: Version → the statements that make a ledger of that version one of the next. A new
#: ledger is made as version 1 (:data:`_SCHEMA`) and brought up through all of them.
_UPGRADES = {1: _NOTICES, 2: "ALTER TABLE releases ADD COLUMN first TEXT;"}


#: SQLite's result codes for a problem of the machine, as the errno they stand for: the
#: build fails with exit 74 naming the ledger, as for any other file it cannot write.
_OS_ERRORS = {
    13: errno.ENOSPC,  # SQLITE_FULL
    10: errno.EIO,  # SQLITE_IOERR
    8: errno.EACCES,  # SQLITE_READONLY
    3: errno.EACCES,  # SQLITE_PERM
    14: errno.EACCES,  # SQLITE_CANTOPEN
}


@contextlib.contextmanager
def as_os_errors(out_dir: Path) -> Iterator[None]:
    """Raise a full disk, an I/O error or missing permissions met by SQLite as the OSError
    they are, naming the ledger."""
    try:
        yield
    except sqlite3.Error as exc:
        code = _os_error(exc)
        if code is None:
            raise
        raise OSError(code, os.strerror(code), str(out_dir / LEDGER_NAME)) from exc


def _os_error(exc: BaseException) -> int | None:
    """The errno a SQLite error stands for, or None (see :data:`_OS_ERRORS`)."""
    return _OS_ERRORS.get(getattr(exc, "sqlite_errorcode", -1) & 0xFF)


class Damaged(Exception):
    """The ledger file is not a ledger of this version (garbage, truncated, foreign)."""


def encode_path(relative: str) -> bytes:
    """A relative path as stored: UTF-8, with the bytes of a name that is not UTF-8 kept
    (``surrogateescape``), which SQLite's TEXT could not carry."""
    return relative.encode("utf-8", "surrogateescape")


def decode_path(stored: bytes) -> str:
    return bytes(stored).decode("utf-8", "surrogateescape")


def read_only(out_dir: Path) -> sqlite3.Connection | None:
    """The ledger opened read-only, or None when there is none or it is not usable as it is
    (then the build has work to do, and :func:`open_for_build` repairs it). Opening it so
    changes nothing on disk: no journal, no mtime."""
    path = out_dir / LEDGER_NAME
    if not path.is_file():
        return None
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, isolation_level=None)
    except sqlite3.Error:
        return None
    try:
        _check(db, thorough=False)
    except (sqlite3.Error, Damaged):
        db.close()
        return None
    return db


def open_for_build(out_dir: Path) -> tuple[sqlite3.Connection, str | None]:
    """The ledger opened for a build with work, created when missing. A damaged one (see
    :class:`Damaged`) is moved aside as ``ledger.sqlite3.bad-<UTC time>`` and a new one made;
    then the second value is the line to say (else None)."""
    path = out_dir / LEDGER_NAME
    said = None
    if path.exists() or _journal(path).exists():
        try:
            return _open(path, create=False), None
        except (sqlite3.Error, Damaged) as exc:
            if _os_error(exc) is not None:
                raise  # the machine's problem (permissions, full disk), not the file's
            said = f"{path}: damaged ({_reason(exc)}); moved aside as {move_aside(path)}"
    return _open(path, create=True), said


def _open(path: Path, *, create: bool) -> sqlite3.Connection:
    db = sqlite3.connect(path, isolation_level=None)
    try:
        db.execute("PRAGMA journal_mode=DELETE")
        db.execute("PRAGMA synchronous=FULL")
        if create and _version(db) == 0 and not _tables(db):
            db.executescript(f"BEGIN; {_SCHEMA} PRAGMA user_version=1; COMMIT;")
        _upgrade(db)
        _check(db, thorough=True)
    except BaseException:
        db.close()
        raise
    os.chmod(path, 0o600)  # machine state: nobody else needs to read it
    return db


def _upgrade(db: sqlite3.Connection) -> None:
    """Bring a ledger of an older version up to :data:`SCHEMA_VERSION`, in place, one
    transaction per step (a ledger of a version without an upgrade is left to _check)."""
    version = _version(db)
    while version in _UPGRADES and version < SCHEMA_VERSION:
        db.executescript(
            f"BEGIN IMMEDIATE; {_UPGRADES[version]} PRAGMA user_version={version + 1}; COMMIT;"
        )
        version = _version(db)


def _check(db: sqlite3.Connection, *, thorough: bool) -> None:
    """Raise :class:`Damaged` (or sqlite3.Error) unless ``db`` is a ledger of this version.
    ``thorough`` also checks every page (a work build; the no-change build reads only what it
    needs, and any damage there raises when read)."""
    version = _version(db)
    if version != SCHEMA_VERSION:
        raise Damaged(f"schema version {version}, expected {SCHEMA_VERSION}")
    if not _TABLES <= _tables(db):
        raise Damaged("tables missing")
    if thorough:
        result = db.execute("PRAGMA quick_check").fetchone()
        if result is None or result[0] != "ok":
            raise Damaged(f"quick_check: {result[0] if result else 'no answer'}")


def _version(db: sqlite3.Connection) -> int:
    row = db.execute("PRAGMA user_version").fetchone()
    return int(row[0])


def _tables(db: sqlite3.Connection) -> set[str]:
    return {str(row[0]) for row in db.execute("SELECT name FROM sqlite_master")}


def _reason(exc: BaseException) -> str:
    return str(exc) or type(exc).__name__


def _journal(path: Path) -> Path:
    return path.with_name(path.name + "-journal")


def move_aside(path: Path) -> str:
    """Rename the damaged ledger (and a journal of it, which must never be applied to the
    new one) to ``<name>.bad-<UTC time>``; returns the new name."""
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    aside = path.with_name(f"{path.name}.bad-{stamp}")
    number = 1
    while aside.exists():  # a second damaged ledger within the same second
        number += 1
        aside = path.with_name(f"{path.name}.bad-{stamp}-{number}")
    for source, target in ((path, aside), (_journal(path), Path(f"{aside}-journal"))):
        with contextlib.suppress(FileNotFoundError):
            os.replace(source, target)
    return aside.name


def set_meta(db: sqlite3.Connection, items: Iterable[tuple[str, str]]) -> None:
    db.executemany("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", items)


def get_meta(db: sqlite3.Connection, key: str) -> str | None:
    row = db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    return None if row is None else str(row[0])


def mark_under_way(db: sqlite3.Connection) -> None:
    """Say, durably, that a build is changing the output: until the transaction that records
    its results commits, the ledger is not trusted (the next build is a full one)."""
    db.execute("BEGIN IMMEDIATE")
    set_meta(db, [("under_way", "1")])
    db.execute("COMMIT")
