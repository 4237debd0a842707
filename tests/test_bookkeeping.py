"""bookkeeping: history and cache survive a round trip through the ledger; the cache is only
used when it belongs to the same configuration and no build was under way; rows that cannot
be read are missing bookkeeping."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

from feedpub.bookkeeping import load_cache, load_state, open_history, stage
from feedpub.ledger import LEDGER_NAME, mark_under_way, read_only
from feedpub.state import Cache, FileRow, Seen
from tests.test_state import EDITED, PREFIX, RELEASE, WITH_PICTURE

FILES = {
    "Amt/a.txt": FileRow("10/20/30", "2024-10-27T02:30:00+02:00", "a"),
    os.fsdecode(b"Pre\xdfe/b.txt"): FileRow("unread", "2024-10-28T00:00:00+01:00"),
}
CACHE = Cache("fp", FILES, docs={"archive/1.xml": "k1"}, bad={"0123abcd": (None, "empty")})


def saved(out: Path, cache: Cache = CACHE) -> None:
    (out / ".feedpub").mkdir(exist_ok=True)
    db, state, said = open_history(out)
    assert not state.found and said == []
    seen = {RELEASE.id: EDITED, "tag:x:a/b": Seen("ff" * 12, None)}
    stage(db, PREFIX, seen, [RELEASE, RELEASE], cache)
    db.execute("COMMIT")
    db.close()


def test_history_and_last_good_versions_survive_a_round_trip(tmp_path: Path) -> None:
    saved(tmp_path)
    db, state, said = open_history(tmp_path)
    db.close()
    assert said == [] and state.found and state.tag_prefix == PREFIX
    assert state.seen == {RELEASE.id: EDITED, "tag:x:a/b": Seen("ff" * 12, None)}
    assert state.releases == {RELEASE.id: RELEASE}
    restored = state.releases[RELEASE.id]
    assert restored.published.utcoffset() == RELEASE.published.utcoffset()


def test_paths_that_are_not_utf8_survive_a_round_trip(tmp_path: Path) -> None:
    root = os.fsdecode(b"/mnt/pre\xdfe/releases/")
    release = dataclasses.replace(
        WITH_PICTURE,
        source=Path(root + "Amt für Bau und Planung/2024-10-27-nacht.txt"),
        images=tuple(
            dataclasses.replace(image, source=Path(root + image.source.name))
            for image in WITH_PICTURE.images
        ),
    )
    (tmp_path / ".feedpub").mkdir()
    db, _, _ = open_history(tmp_path)
    stage(db, PREFIX, {release.id: EDITED}, [release], CACHE)
    db.execute("COMMIT")
    db.close()
    db, state, _ = open_history(tmp_path)
    cache = load_cache(db, "fp")
    db.close()
    assert state.releases == {release.id: release}
    assert cache is not None and cache.files == FILES


def test_the_cache_needs_the_same_fingerprint_and_no_build_under_way(tmp_path: Path) -> None:
    saved(tmp_path)
    db = read_only(tmp_path)
    assert db is not None
    assert load_cache(db, "fp") == CACHE
    assert load_cache(db, "other") is None
    db.close()
    db, _, _ = open_history(tmp_path)
    mark_under_way(db)
    assert load_cache(db, "fp") is None
    assert load_state(db).seen  # the history stays trusted: it is replaced only at the end
    db.close()


def test_a_staged_result_that_is_rolled_back_leaves_the_ledger_as_it_was(tmp_path: Path) -> None:
    saved(tmp_path)
    db, _, _ = open_history(tmp_path)
    mark_under_way(db)
    stage(db, "tag:other:", {}, [], dataclasses.replace(CACHE, files={}))
    db.execute("ROLLBACK")
    db.close()
    db, state, _ = open_history(tmp_path)
    assert state.tag_prefix == PREFIX and load_cache(db, "fp") is None  # still under way
    db.close()


def test_rows_that_cannot_be_read_are_moved_aside_with_the_file(tmp_path: Path) -> None:
    saved(tmp_path)
    db, _, _ = open_history(tmp_path)
    db.execute("UPDATE releases SET updated = 'not a time'")
    db.close()
    db, state, said = open_history(tmp_path)
    db.close()
    assert not state.found and state.seen == {}
    path = tmp_path / LEDGER_NAME
    assert len(said) == 1 and said[0].startswith(f"{path}: damaged (")
    assert len(list(path.parent.glob("ledger.sqlite3.bad-*"))) == 1


def test_an_update_writes_what_differs_and_gives_what_a_rewrite_gives(tmp_path: Path) -> None:
    saved(tmp_path)
    db, state, _ = open_history(tmp_path)
    old = load_cache(db, "fp")
    assert old is not None
    files = {
        "Amt/a.txt": FileRow("11/20/30", "2024-10-27T02:30:00+02:00", "a"),
        "Amt/c.txt": FileRow("1", "x"),
    }
    new = Cache("fp", files, docs={"archive/2.xml": "k2"}, bad={})
    seen = {RELEASE.id: Seen("ee" * 12, None)}
    changes = db.total_changes
    stage(db, PREFIX, seen, [], new, (state, old))
    db.execute("COMMIT")
    # Rows written: 2 of releases (one gone, one edited), 3 of files (one gone, one touched,
    # one new), 2 of documents, 1 of bad, plus the two meta rows; none for what stayed.
    assert db.total_changes - changes == 8 + 2
    assert load_cache(db, "fp") == new and load_state(db).seen == seen
    assert load_state(db).releases == {}
    db.close()
