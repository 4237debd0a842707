"""Group releases by department and keep only what the feeds show: the newest ``max_entries``.

Order (the same for every feed, so two builds give the same bytes): newest ``published``
first; releases with the same time (e.g. two date-only releases of one day) by id, which is
department slug, then file name. Only the newest ``max_entries`` per feed are kept in memory,
so a folder of 50,000 releases costs no more memory than one of 500.
"""

from __future__ import annotations

from dataclasses import dataclass

from feedpub.discover import ReleaseFile
from feedpub.release import CorrectionNotice, Release

#: What a Selection holds: a parsed release, or the entry of a release file known to be
#: unchanged (see :meth:`feedpub.discover.ReleaseFile.entry`).
Entry = Release | ReleaseFile


@dataclass(frozen=True, slots=True)
class Department:
    """One department as the feeds and the index show it."""

    #: Folder name as written.
    name: str
    slug: str
    #: Display title (config, else the folder name) and description.
    title: str
    description: str
    #: How many good releases it has in this build.
    count: int


def order_key(release: Entry) -> tuple[float, str]:
    """Sort key for "newest first, then by id"."""
    return (-release.published.timestamp(), release.id)


class _Newest:
    """The ``limit`` smallest releases by :func:`order_key`, kept with bounded memory."""

    __slots__ = ("limit", "items", "count")

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.items: list[tuple[tuple[float, str], Entry]] = []
        self.count = 0

    def add(self, release: Entry) -> None:
        self.count += 1
        self.items.append((order_key(release), release))
        if len(self.items) >= 2 * self.limit + 64:
            self._trim()

    def _trim(self) -> None:
        self.items.sort(key=lambda pair: pair[0])
        del self.items[self.limit :]

    def newest(self) -> list[Entry]:
        self._trim()
        return [release for _, release in self.items]


class Selection:
    """Collects releases one by one; answers which ones each feed shows, in feed order."""

    def __init__(self, max_entries: int) -> None:
        self.max_entries = max_entries
        self._all = _Newest(max_entries)
        self._by_slug: dict[str, _Newest] = {}
        self._names: dict[str, str] = {}
        #: Correction notices, by department slug: entries of the feeds, not releases (see
        #: :meth:`add_notice`). A few per release at most, so all of them are kept.
        self._notices: dict[str, list[CorrectionNotice]] = {}

    def add_notice(self, notice: CorrectionNotice) -> None:
        """A correction notice: in the feeds (:meth:`newest`) like a release, taking one of
        the ``max_entries`` places, but not in :meth:`releases` or :meth:`count`. Its
        department must have a release (the notice's own)."""
        self._notices.setdefault(notice.slug, []).append(notice)

    def add(self, release: Entry) -> None:
        self._all.add(release)
        group = self._by_slug.get(release.slug)
        if group is None:
            group = self._by_slug[release.slug] = _Newest(self.max_entries)
            self._names[release.slug] = release.department
        group.add(release)

    def slugs(self) -> list[str]:
        """Department slugs with at least one good release, sorted."""
        return sorted(self._by_slug)

    def name(self, slug: str) -> str:
        return self._names[slug]

    def count(self, slug: str | None = None) -> int:
        """How many releases (correction notices not counted) a department has, or all."""
        return self._all.count if slug is None else self._by_slug[slug].count

    def newest(self, slug: str | None = None) -> list[Entry]:
        """What the feed of one department (or of all with None) shows, newest first: its
        newest ``max_entries`` releases and correction notices."""
        notices = [n for key, group in self._notices.items() if slug in (None, key) for n in group]
        releases = self.releases(slug)
        if not notices:
            return releases
        return sorted([*releases, *notices], key=order_key)[: self.max_entries]

    def releases(self, slug: str | None = None) -> list[Entry]:
        """The newest ``max_entries`` releases of one department (or of all with None), newest
        first: what its page lists."""
        return self._all.newest() if slug is None else self._by_slug[slug].newest()

    def merge(self, other: Selection) -> None:
        """Take in another Selection's releases and counts (from a build's second process).

        The result is what adding all of both selections' releases here would give: each side
        kept its newest ``max_entries`` per feed, and the newest of the union are among them.
        """
        for slug in other.slugs():
            group = self._by_slug.get(slug)
            if group is None:
                group = self._by_slug[slug] = _Newest(self.max_entries)
                self._names[slug] = other.name(slug)
            theirs = other._by_slug[slug]
            for release in theirs.newest():
                group.add(release)
            group.count += theirs.count - len(theirs.items)
        for release in other._all.newest():
            self._all.add(release)
        self._all.count += other._all.count - len(other._all.items)
        for notices in other._notices.values():
            for notice in notices:
                self.add_notice(notice)
