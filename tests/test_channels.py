"""channels: the spool of feed entries rendered while releases are read; the registry: a
channel added there publishes without a change to the pipeline."""

from __future__ import annotations

import pickle
from collections.abc import Iterable
from pathlib import Path
from typing import Any, ClassVar

import pytest

from feedpub import channels
from feedpub.build import build
from feedpub.channels.base import Channel, Keys, releases_key
from feedpub.channels.entries import Spool
from feedpub.channels.view import Earlier, Outlet, View
from feedpub.config import Config, load_config
from feedpub.feeds import render_entries
from feedpub.layout import Urls
from feedpub.ledger import LEDGER_NAME
from feedpub.parse import read_release
from feedpub.publish import Publisher
from feedpub.release import Release
from tests.conftest import SAMPLE_CONFIG, SAMPLE_RELEASES, manifest_of


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
    from feedpub.channels.base import feed_info

    expected = render_entries(
        releases, urls, feed_info(config, None), {r.id: "<p>body</p>" for r in releases}
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


# --- the registry: a channel is a module and a line in feedpub.channels ---------------------


class ListChannel(Channel):
    """A collection channel as a next issue would add one: ``ids.txt``, the ids the combined
    live feed shows, rendered only when its key changed."""

    name: ClassVar[str] = "ids"
    rendered = 0

    def publish(self, view: View, publisher: Publisher) -> Keys:
        ids = [release.id for release in view.feeds[None]]
        key = releases_key(view.feeds[None], view.seen)
        if view.old_keys.get("ids.txt") == key and "ids.txt" in publisher.previous:
            publisher.keep("ids.txt", check=False)
        else:
            ListChannel.rendered += 1
            publisher.write("ids.txt", "".join(f"{i}\n" for i in ids).encode())
        return {"ids.txt": key}


class TitleChannel:
    """A per-release channel: ``<slug>/<stem>.txt``, the release's title, made as it is read."""

    name: ClassVar[str] = "titles"

    def open(self, outlet: Outlet) -> TitleSink:
        return TitleSink(outlet)

    def kept(self, config: Config, slug: str, stem: str, earlier: Earlier) -> Iterable[str]:
        return [f"{slug}/{stem}.txt"]

    def discard(self, result: Any) -> None:
        pass


class TitleSink:
    def __init__(self, outlet: Outlet) -> None:
        self.outlet = outlet

    def on_release(self, release: Release, body: str) -> None:
        assert body.startswith("<")  # the body HTML, made once for every channel
        self.outlet.writer.write(f"{release.slug}/{release.stem}.txt", release.title.encode())

    def close(self) -> None:
        return None

    def abort(self) -> None:
        pass


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_registered_channel_publishes_keeps_and_is_removed_with_its_files(
    sample_releases: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, jobs: int
) -> None:
    config = load_config(SAMPLE_CONFIG)
    out = tmp_path / "feeds"
    monkeypatch.setattr(channels, "CHANNELS", (*channels.CHANNELS, ListChannel()))
    monkeypatch.setattr(channels, "RELEASE_CHANNELS", (*channels.RELEASE_CHANNELS, TitleChannel()))
    ListChannel.rendered = 0
    report = build(sample_releases, out, config, jobs=jobs)
    shown = (out / "ids.txt").read_text("utf-8").split()
    assert len(shown) == config.max_entries and ListChannel.rendered == 1
    titles = sorted(out.glob("*/*.txt"))
    assert len(titles) == report.releases == 22
    assert "ids.txt" in manifest_of(out)
    # The oldest release edited (not in the combined live feed): the list keeps its key and
    # is not rendered; the title of every release not read is kept (the channel named it),
    # the edited one's is rendered again.
    path = sample_releases / "Kreisvolkshochschule" / "2024-08-14-herbstprogramm.txt"
    path.write_text(path.read_text("utf-8").replace("\n\n", "\n\nNeu: ", 1), "utf-8")
    old = shown
    report = build(sample_releases, out, config, jobs=jobs)
    assert report.read == 1 and sorted(out.glob("*/*.txt")) == titles
    assert (out / "ids.txt").read_text("utf-8").split() == old and ListChannel.rendered == 1
    title = out / "kreisvolkshochschule" / "2024-08-14-herbstprogramm.txt"
    assert title.read_text("utf-8").startswith("Neu: ")
    # Unregistered: the next build with work removes its files, as anything nothing makes.
    monkeypatch.undo()
    path.write_text(path.read_text("utf-8").replace("Neu: ", "", 1), "utf-8")
    report = build(sample_releases, out, config, jobs=jobs)
    assert "ids.txt" in report.removed and not (out / "ids.txt").exists()
    assert list(out.glob("*/*.txt")) == []


class ChainsProbe(Channel):
    """A channel registered after ``archives`` that looks at the archive plan (as the HTML
    archive and the sitemap do)."""

    name: ClassVar[str] = "probe"
    views: ClassVar[list[View]] = []
    periods: ClassVar[list[str]] = []

    def publish(self, view: View, publisher: Publisher) -> Keys:
        assert view.archive_chains is view.archive_chains  # computed once per build
        ChainsProbe.views.append(view)
        ChainsProbe.periods = [doc.period for doc in view.archive_chains[None]]
        return {}


def test_later_channels_see_the_archive_plan_and_keys_then_it_is_dropped(
    sample_releases: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sqlite3

    config = load_config(SAMPLE_CONFIG)
    out = tmp_path / "feeds"
    monkeypatch.setattr(channels, "CHANNELS", (*channels.CHANNELS, ChainsProbe()))
    ChainsProbe.views = []
    build(sample_releases, out, config)
    [view] = ChainsProbe.views
    # The keys later channels see are those the archives channel recorded in the ledger.
    with sqlite3.connect(out / LEDGER_NAME) as db:
        recorded = dict(db.execute("SELECT path, key FROM documents"))
    archived = {p: k for p, k in recorded.items() if "archive/" in p and p.endswith("atom.xml")}
    assert archived and view.archive_keys == archived
    # The plan was there for them, and is gone once the channels ran (the ledger's rows are
    # encoded without every archived entry alive).
    assert "archive_chains" not in vars(view)
    periods = sorted(p.split("/")[-2] for p in archived if p.startswith("archive/"))
    assert ChainsProbe.periods == periods
