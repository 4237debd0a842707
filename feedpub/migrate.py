"""The import of the bookkeeping that builds before the ledger kept in files of their own.

An output folder made by such a build has ``feeds/.feedpub/state.json`` (the history: id
prefix, content hashes and correction times, last good versions), ``cache.json`` (what the
fast path needed; nothing of it is history) and, with a WebSub hub, ``websub-pending`` (feed
URLs the hub has not taken yet). The first build with work that finds them copies the history
into the ledger (when the ledger has none) and the pending URLs, and commits; then it removes
the three files (durably). A build killed in between finds the history in the ledger and
only removes them. A damaged ``state.json`` imports nothing (the build says the history was
lost, as for a lost ledger). The manifest and the folder log keep their files and formats,
so they need no import.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from feedpub.state import STATE_NAME, State, load_state
from feedpub.websub import PENDING_NAME

#: The files of builds before the ledger (removed once imported).
OLD_FILES = (STATE_NAME, ".feedpub/cache.json", PENDING_NAME)


def import_old(out_dir: Path, db: sqlite3.Connection, state: State) -> State:
    """The history to build with: ``state`` (the ledger's), or, when the ledger has none and
    an old ``state.json`` is there, that one, imported into the ledger. Removes the old
    files either way."""
    from feedpub.bookkeeping import import_history, read_pending, write_pending
    from feedpub.publish import remove_durably

    if not any((out_dir / name).exists() for name in OLD_FILES):
        return state
    if not state.found:
        old = load_state(out_dir)
        if old.found and old.tag_prefix is not None:
            import_history(db, old)
            state = old
    urls = _old_pending(out_dir)
    if urls:
        write_pending(db, [*read_pending(db), *urls])
    for name in OLD_FILES:
        remove_durably(out_dir / name)
    return state


def _old_pending(out_dir: Path) -> list[str]:
    """The URLs of an old ``websub-pending`` file (public feed URLs, one per line)."""
    try:
        text = (out_dir / PENDING_NAME).read_bytes().decode("utf-8", "replace")
    except OSError:
        return []
    return [line for line in text.splitlines() if line and not line.startswith("#")]
