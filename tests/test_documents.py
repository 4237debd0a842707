"""documents: the spool of feed entries rendered while releases are read."""

from __future__ import annotations

import pickle
from pathlib import Path

from feedpub.build import build
from feedpub.config import load_config
from feedpub.documents import Spool
from feedpub.feeds import render_entries
from feedpub.layout import Urls
from feedpub.ledger import LEDGER_NAME
from feedpub.parse import read_release
from tests.conftest import SAMPLE_CONFIG, SAMPLE_RELEASES


def test_spooled_entries_are_what_render_entries_gives_and_survive_pickling(
    tmp_path: Path,
) -> None:
    config = load_config(SAMPLE_CONFIG)
    urls = Urls(config)
    paths = sorted(SAMPLE_RELEASES.rglob("*.txt"))
    releases = [
        read_release(
            p, department=p.relative_to(SAMPLE_RELEASES).parts[0], tag_prefix=config.tag_prefix
        )[0]
        for p in paths
    ]
    Spool.BATCH, batch = 4, Spool.BATCH  # several batches
    try:
        spool = Spool.create(tmp_path, config, urls)
        for release in releases:
            spool.add(release, "<p>body</p>")
        spool.close()
    finally:
        Spool.BATCH = batch
    copy = pickle.loads(pickle.dumps(spool))  # as a build's second process hands it back
    from feedpub.documents import _feed_info

    expected = render_entries(
        releases, urls, _feed_info(config, None), {r.id: "<p>body</p>" for r in releases}
    )
    for release in releases:
        assert copy.read(release.id) == expected[release.id]
    copy.remove()
    spool.remove()
    assert not Path(spool.path).exists()


def test_a_build_leaves_no_spool_behind(sample_releases: Path, tmp_path: Path) -> None:
    out = tmp_path / "feeds"
    build(sample_releases, out, load_config(SAMPLE_CONFIG))
    assert not list((out / LEDGER_NAME).parent.glob(".entries.fp*"))
