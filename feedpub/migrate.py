"""The import of the bookkeeping that builds before the ledger kept in JSON files.

An output folder made by such a build has ``feeds/.feedpub/state.json`` (the history: id
prefix, content hashes and correction times, last good versions) and ``cache.json`` (what the
fast path needed; nothing of it is history). The first build with work that finds them, and a
ledger without history, copies the history into the ledger and commits it; then it removes
both files (durably). A build killed in between finds the history in the ledger and only
removes them. A damaged ``state.json`` imports nothing (the build says the history was lost,
as for a lost ledger). The manifest, the folder log and ``websub-pending`` keep their files
and formats, so they need no import.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from feedpub.state import STATE_NAME, State, load_state

#: The JSON files of builds before the ledger (removed once imported).
OLD_FILES = (STATE_NAME, ".feedpub/cache.json")


def import_old(out_dir: Path, db: sqlite3.Connection, state: State) -> State:
    """The history to build with: ``state`` (the ledger's), or, when the ledger has none and
    an old ``state.json`` is there, that one, imported into the ledger. Removes the old
    files either way."""
    from feedpub.bookkeeping import import_history
    from feedpub.publish import remove_durably

    if not any((out_dir / name).exists() for name in OLD_FILES):
        return state
    if not state.found:
        old = load_state(out_dir)
        if old.found and old.tag_prefix is not None:
            import_history(db, old)
            state = old
    for name in OLD_FILES:
        remove_durably(out_dir / name)
    return state
