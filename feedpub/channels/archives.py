"""Channel ``archives``: the RFC 5005 archive documents of every feed, one per month, in Atom
and RSS (``archive/<YYYY-MM>/atom.xml``, ``<slug>/archive/<YYYY-MM>/rss.xml``; which
releases each holds: :mod:`feedpub.archive`).

A document is rendered only when its key (its releases' ids, content hashes and correction
times, and its neighbours) differs from the last build's, so a cron run after one new release
renders the newest archive documents, not 10,000 entries. Each release shown by a document
that is rendered is rendered once per format, for its department's document and the combined
one alike: taken from the spool of the ``entries`` channel when it was read this build, read
again when it is unchanged, and cut from the published document when it is bad now (its last
good version). Months are rendered in two processes when there are many entries
(:func:`feedpub.processes.spread`).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from feedpub.channels.base import Channel, Keys, feed_info
from feedpub.channels.entries import EntriesChannel, Spool
from feedpub.layout import ATOM, RSS, archive_path, feed_path
from feedpub.publish import FileWriter, PublishedFiles
from feedpub.release import Release

if TYPE_CHECKING:
    from feedpub.archive import ArchiveDoc
    from feedpub.channels.view import View
    from feedpub.departments import Department
    from feedpub.feeds import Fragments, Shown
    from feedpub.publish import Publisher


class ArchivesChannel(Channel):
    name: ClassVar[str] = "archives"

    def publish(self, view: View, publisher: Publisher) -> Keys:
        from feedpub.processes import spread

        keys: Keys = {}
        todo: dict[str, list[ArchiveDoc]] = {}
        for slug, chain in view.archive_chains.items():
            for doc in chain:
                atom_path = archive_path(slug, doc.period, ATOM)
                rss_path = archive_path(slug, doc.period, RSS)
                key = keys[atom_path] = view.archive_keys[atom_path]
                if (
                    view.old_keys.get(atom_path) == key
                    and {atom_path, rss_path} <= publisher.previous
                ):
                    publisher.keep(atom_path, check=False)
                    publisher.keep(rss_path, check=False)
                else:
                    todo.setdefault(doc.period, []).append(doc)
        spools = view.made.get(EntriesChannel.name, [])
        months = _Months(
            view,
            todo,
            {department.slug: department for department in view.departments},
            {entry_id: spool for spool in spools for entry_id in spool.index},
        )
        size = sum(len(doc.entries) for docs in todo.values() for doc in docs)
        for record in spread(
            months.render, sorted(todo), size=size, jobs=view.jobs, alternate=True
        ):
            publisher.absorb(record)
        return keys


class _Months:
    """The archive documents to render, by month, and what rendering them needs (a forked
    process gets a copy: see :func:`feedpub.processes.spread`)."""

    def __init__(
        self,
        view: View,
        todo: dict[str, list[ArchiveDoc]],
        departments: dict[str, Department],
        spooled: dict[str, Spool],
    ) -> None:
        self.view, self.todo, self.departments, self.spooled = view, todo, departments, spooled

    def render(self, periods: list[str]) -> PublishedFiles:
        """Render and stage the archive documents of ``periods`` (in this process or a
        forked one). On failure its temporaries are removed: nobody else knows them."""
        record = PublishedFiles()
        writer = FileWriter(self.view.out_dir, record)
        try:
            for period in periods:
                self._month(period, writer)
        except BaseException:
            record.remove_temporaries(self.view.out_dir)
            raise
        return record

    def _month(self, period: str, writer: FileWriter) -> None:
        from feedpub.feeds import History, render_document

        urls = self.view.urls
        shown, fragments = self._entries(self.todo[period])
        for doc in self.todo[period]:
            department = None if doc.slug is None else self.departments.get(doc.slug)
            if doc.slug is not None and department is None:
                continue  # pragma: no cover - a department with archived releases is known
            history = History(
                current=(urls.feed(doc.slug, ATOM), urls.feed(doc.slug, RSS)),
                self_urls=urls.archive(doc.slug, period),
                prev_archive=None if doc.prev is None else urls.archive(doc.slug, doc.prev),
                next_archive=None if doc.next is None else urls.archive(doc.slug, doc.next),
            )
            entries = [shown[e.id] for e in doc.entries if e.id in shown]
            info = feed_info(self.view.config, department)
            atom, rss = render_document(info, entries, fragments, urls, history)
            writer.write(archive_path(doc.slug, period, ATOM), atom)
            writer.write(archive_path(doc.slug, period, RSS), rss)

    def _entries(self, docs: list[ArchiveDoc]) -> tuple[dict[str, Shown], Fragments]:
        """The entries of one month's documents and their fragments: each rendered once
        per format, for the department documents and the combined one alike."""
        from feedpub.feeds import Shown, render_entries
        from feedpub.reading import read_unchanged

        view = self.view
        shown: dict[str, Shown] = {}
        releases: dict[str, Release] = {}
        kept: Fragments = {}
        for doc in docs:
            for entry in doc.entries:
                if entry.id in shown or entry.id in releases:
                    continue
                spool = self.spooled.get(entry.id)
                if spool is not None and not isinstance(entry, Release):
                    # Rendered while it was read this build: no second reading.
                    shown[entry.id] = spool.shown(entry)
                    kept[entry.id] = spool.read(entry.id)
                    continue
                release = (
                    entry
                    if isinstance(entry, Release)
                    else read_unchanged(entry, view.config.tag_prefix, view.seen, None)
                )
                if release is not None:
                    releases[entry.id] = release
                    continue
                # Bad now: its last good version is the one in the published document.
                old = _published_fragment(view.out_dir, doc, entry.id)
                if old is not None:
                    # Its Atom updated is its publication (see release.entry_updated).
                    pictures = b"<media:" in old[0]
                    shown[entry.id] = Shown(entry.id, entry.published, entry.published, pictures)
                    kept[entry.id] = old
        info = feed_info(view.config, None)
        fragments = render_entries(list(releases.values()), view.urls, info)
        fragments.update(kept)
        shown.update((release.id, Shown.of(release)) for release in releases.values())
        return shown, fragments


def _published_fragment(
    out_dir: Path, doc: ArchiveDoc, entry_id: str
) -> tuple[bytes, bytes] | None:
    """An entry as the published archive document of its month shows it (the department's
    or the combined one), or else a published live feed (the entry of a release that was
    live when the ledger was lost: see feedpub.recover), or None."""
    from feedpub.feeds import cut_fragment

    slugs = dict.fromkeys((doc.slug, None))
    places = [(archive_path(s, doc.period, ATOM), archive_path(s, doc.period, RSS)) for s in slugs]
    places += [(feed_path(s, ATOM), feed_path(s, RSS)) for s in slugs]
    for atom_path, rss_path in places:
        try:
            atom = (out_dir / atom_path).read_bytes()
            rss = (out_dir / rss_path).read_bytes()
        except OSError:
            continue
        fragment = cut_fragment(atom, rss, entry_id)
        if fragment is not None:
            return fragment
    return None
