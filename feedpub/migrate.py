"""The import of the bookkeeping that builds before the ledger kept in files of their own.

An output folder made by such a build has ``feeds/.feedpub/state.json`` (the history: id
prefix, content hashes and correction times, last good versions), ``cache.json`` (what the
fast path needed; nothing of it is history) and, with a WebSub hub, ``websub-pending`` (feed
URLs the hub has not taken yet) and ``manifest`` (the files published). The first build with
work that finds them copies the history into the ledger (when the ledger has none), the
pending URLs and the manifest, and commits; then it removes the four files (durably). A build
killed in between finds the history in the ledger and only removes them. A damaged
``state.json`` imports nothing (the build says the history was lost, as for a lost ledger).
The folder log keeps its file and format, so it needs no import.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from feedpub.state import STATE_NAME, State, load_state
from feedpub.websub import PENDING_NAME

#: The manifest of builds before the ledger: the files they published, one per line.
MANIFEST_NAME = ".feedpub/manifest"
#: The files of builds before the ledger (removed once imported).
OLD_FILES = (STATE_NAME, ".feedpub/cache.json", PENDING_NAME, MANIFEST_NAME)


def import_old(out_dir: Path, db: sqlite3.Connection, state: State) -> State:
    """The history to build with: ``state`` (the ledger's), or, when the ledger has none and
    an old ``state.json`` is there, that one, imported into the ledger. Removes the old
    files either way."""
    from feedpub.bookkeeping import add_outputs, import_history, read_pending, write_pending
    from feedpub.publish import remove_durably

    if not any((out_dir / name).exists() for name in OLD_FILES):
        return state
    if not state.found:
        old = load_state(out_dir)
        if old.found and old.tag_prefix is not None:
            import_history(db, old)
            state = old
    urls = _old_lines(out_dir / PENDING_NAME)
    if urls:
        write_pending(db, [*read_pending(db), *urls])
    paths = _old_lines(out_dir / MANIFEST_NAME)
    if paths:
        add_outputs(db, paths)  # normalised where they are read (feedpub.publish)
    for name in OLD_FILES:
        remove_durably(out_dir / name)
    return state


def _old_lines(path: Path) -> list[str]:
    """The lines of an old ``websub-pending`` or ``manifest`` (URLs or paths, one per line;
    ``#`` comments), or none."""
    try:
        text = path.read_bytes().decode("utf-8", "surrogateescape")
    except OSError:
        return []
    return [line for line in text.splitlines() if line and not line.startswith("#")]
