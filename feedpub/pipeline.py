"""One build, as an object that holds what every phase needs: the configuration, the clock,
the output folder, the ledger, the publisher, the lock and the report.

:meth:`Build.run` is the README's diagram: list files → plan → (nothing to do: done) → read
what changed → render what changed → publish → commit the ledger → announce. Each phase is
a method of a few lines that calls the module doing the work (:mod:`feedpub.discover`,
:mod:`feedpub.plan`, :mod:`feedpub.reading`, :mod:`feedpub.kept`, the channels of
:mod:`feedpub.channels`, :mod:`feedpub.publish`, :mod:`feedpub.bookkeeping`).

Error policy: a bad release (:class:`ReleaseError`) is recorded and skipped, one file at a
time, and the build goes on; every feed is written from the good releases. Nothing published
is lost: a release that was in the feeds and turns bad keeps its last good version in them
and its page stays as it was, until the file is fixed or deleted. Any other exception is a
bug and propagates; the publisher then removes what it staged and nothing published changes.
"""

from __future__ import annotations

import contextlib
import functools
import os
import sqlite3
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from feedpub import __version__
from feedpub.config import Config
from feedpub.discover import ReleaseFile, find_files
from feedpub.plan import (
    Quiet,
    cached_stem,
    known_error,
    known_held,
    quiet,
    unique_urls,
    unpublished,
)
from feedpub.publish import Lock
from feedpub.release import ReleaseError
from feedpub.report import Report
from feedpub.state import Cache, FileRow, State, fingerprint

if TYPE_CHECKING:
    from feedpub.channels.view import Earlier, View
    from feedpub.plan import Plan
    from feedpub.publish import Publisher
    from feedpub.reading import Context, Part
    from feedpub.websub import Timing

# Only what the fast path (nothing changed) needs is imported here; the phases with work
# import their modules where they are used, and feedgen, lxml, dateutil and the parser are
# imported only where something is rendered: importing them costs more than the rest of a
# build that finds nothing changed.

#: Bump when the output changes for the same input and config: the next build is a full one.
OUTPUT_FORMAT = 6
_BERLIN = ZoneInfo("Europe/Berlin")


class Build:
    """One run of ``feedpub build`` (see :func:`feedpub.build.build` for the parameters)."""

    #: Set by :meth:`plan`: what every process of the read phase needs; the departments
    #: whose folder cannot be listed. By :meth:`read`: what the last build published (for
    #: the releases not read this time).
    context: Context
    blocked: set[str]
    earlier: Earlier

    def __init__(
        self,
        releases_dir: Path,
        out_dir: Path,
        config: Config,
        *,
        now: datetime | None = None,
        jobs: int | None = None,
    ) -> None:
        self.releases_dir, self.out_dir, self.config = releases_dir, out_dir, config
        self.now = (now or datetime.now(_BERLIN)).astimezone(_BERLIN).replace(microsecond=0)
        self.jobs = jobs
        self.wait = 0.0
        self.progress: Callable[[int, int], None] | None = None
        self.websub: Timing | None = None
        self.report = Report()
        self.fingerprint = fingerprint(config, __version__, OUTPUT_FORMAT)
        #: Set as the phases go: the ledger's cache (None: not usable), the listed files
        #: with their URL names, the URL errors, the ledger, its history and the publisher.
        self.cache: Cache | None = None
        self.candidates: list[ReleaseFile] = []
        self.duplicates: dict[str, ReleaseError] | None = None
        self.lock: Lock | None = None
        self.db: sqlite3.Connection | None = None
        self.state = State(False, None, {}, {})
        self.publisher: Publisher | None = None
        #: What the per-release channels handed back, by channel name (see View.made).
        self.made: dict[str, list[object]] = {}

    def run(self) -> Report:
        """List the files; under the lock, plan (nothing changed: report, announce, done);
        else, with the ledger open, read what changed, render what changed, publish and
        commit; then announce."""
        found, refused = find_files(self.releases_dir)
        with Lock(self.out_dir, self.wait) as self.lock:
            self.cache = _read_cache(self.out_dir, self.fingerprint)
            done = self.nothing_to_do(found)
            if done is not None:
                self.report_quiet(done, refused)
                self.remember_held(done)
                self.announce([])
                return self.report
            self.list_candidates(found)
            del found  # memory: 50,000 listed files are tens of MB; the candidates say it all
            with self.ledger():
                plan = self.plan(refused)
                publisher = self.open_publisher()
                try:
                    collected = self.read(plan, refused)
                    view, keys = self.render(collected)
                    self.publish(collected, view, keys)
                except BaseException:
                    publisher.fail()
                    raise
            self.report_published(publisher)
            self.announce(self.report.written)
        return self.report

    # --- list files and plan ------------------------------------------------------------

    def nothing_to_do(self, found: list[ReleaseFile]) -> Quiet | None:
        """The fast path: what to report when the ledger shows that nothing changed, or
        None (there is work)."""
        if self.cache is None:
            return None
        unknown = unpublished(found, self.cache)
        if unknown is None:
            return None
        duplicates: dict[str, ReleaseError] = {}
        cache, now = self.cache, self.now
        if any(
            known_error(cache.bad, each) is None and not known_held(cache, each, now)
            for each in unknown
        ):
            # A new file may share a URL with another: that needs every file's URL name.
            self.list_candidates(found)
            duplicates = self.unique_urls(self.cache.files)
        return quiet(found, unknown, duplicates, self.cache, self.config, self.now)

    def report_quiet(self, done: Quiet, refused: list[ReleaseError]) -> None:
        report = self.report
        report.fast = True
        report.releases, report.held_back = done.releases, done.held_back
        report.errors = [*refused, *done.errors]
        report.notices = done.notices

    def remember_held(self, done: Quiet) -> None:
        """Nothing to publish, but the files held back (embargo) are not those the ledger
        knows (one is new, edited or gone): it learns them, so that the next runs need not
        read them before one is due. Digests and one time only (see Cache.held)."""
        from feedpub.bookkeeping import remember_held
        from feedpub.ledger import as_os_errors

        assert self.cache is not None
        if (done.held, done.due) == (set(self.cache.held), self.cache.next_due):
            return
        with as_os_errors(self.out_dir):
            remember_held(self.out_dir, done.held, done.due)

    def list_candidates(self, found: list[ReleaseFile]) -> None:
        """The listed files with their URL names (those of unchanged files from the cache,
        without slugify); once per build."""
        if not self.candidates:
            self.candidates = [f.named(cached_stem(self.cache, f)) for f in found]

    def unique_urls(self, owners: dict[str, FileRow] | set[str]) -> dict[str, ReleaseError]:
        """:func:`feedpub.plan.unique_urls` once per build (the fast path may have asked
        with the same owners: the cache's files)."""
        if self.duplicates is None:
            self.duplicates = unique_urls(self.candidates, owners)
        return self.duplicates

    @contextlib.contextmanager
    def ledger(self) -> Iterator[sqlite3.Connection]:
        """The ledger open for writing (a damaged one is moved aside first: see
        :mod:`feedpub.ledger`), with its history; rolled back and closed at the end."""
        from feedpub.bookkeeping import open_history
        from feedpub.ledger import as_os_errors
        from feedpub.migrate import import_old

        with as_os_errors(self.out_dir):
            db, state, self.report.damaged = open_history(self.out_dir)
        self.db = db
        try:
            with as_os_errors(self.out_dir):
                self.state = import_old(self.out_dir, db, state)
                yield db
        finally:
            if db.in_transaction:
                with contextlib.suppress(sqlite3.Error):  # the error that failed it is the news
                    db.execute("ROLLBACK")
            db.close()

    def plan(self, refused: list[ReleaseError]) -> Plan:
        """Guard the ids, decide what to read, refuse a mass removal."""
        from feedpub.bookkeeping import load_files, published_paths
        from feedpub.guards import guard_ids, refuse_mass_removal
        from feedpub.kept import blocked_departments
        from feedpub.plan import make_plan
        from feedpub.reading import Context
        from feedpub.recover import recover_history, recovered_files

        assert self.db is not None
        config, state, cache = self.config, self.state, self.cache
        guard_ids(self.out_dir, state, config.tag_prefix)
        # A lost ledger: what was published is read back from the published feeds.
        state, recovered = recover_history(self.out_dir, state, config.tag_prefix)
        self.state, self.report.recovered = state, len(recovered)
        # Whoever published a URL keeps it, also when the cache is not usable.
        duplicates = self.unique_urls(cache.files if cache else published_paths(self.db))
        # What the ledger knows of each published file, also when the cache is not usable
        # (a build under way, another configuration): a kept release's publication time.
        known = cache.files if cache is not None else load_files(self.db)
        if recovered and not known:
            known = recovered_files(self.candidates, recovered, config.tag_prefix)
        cached = known if cache is not None and state.found else {}
        blocked = blocked_departments(refused, self.releases_dir)
        plan = make_plan(self.candidates, cached, duplicates, blocked, state, config.tag_prefix)
        refuse_mass_removal(self.releases_dir, plan.gone, len(state.seen))
        bad = cache.bad if cache is not None else {}
        self.context = Context(config, self.out_dir, self.now, duplicates, state, known, bad)
        self.blocked = blocked
        return plan

    def open_publisher(self) -> Publisher:
        """The publisher, and the ledger marked: from here on the output may change."""
        from feedpub.guards import ATOM
        from feedpub.ledger import mark_under_way
        from feedpub.publish import Publisher

        assert self.db is not None
        # A usable cache means the last build finished: no temporaries of a killed one.
        publisher = Publisher(
            self.out_dir, clean=self.cache is None, lock=self.lock, ledger=self.db
        )
        # Published before: a manifest, or (the ledger that holds it lost) a combined feed.
        published_before = bool(publisher.previous) or os.path.isfile(self.out_dir / ATOM)
        self.report.state_lost = not self.state.found and published_before
        publisher.adopt = publisher.lost and self.state.found  # the manifest was lost
        # A build killed from here on leaves the ledger saying so: the next is a full one.
        mark_under_way(self.db)
        self.publisher = publisher
        return publisher

    # --- read what changed --------------------------------------------------------------

    def read(self, plan: Plan, refused: list[ReleaseError]) -> Part:
        """Read what changed and keep what did not, merged into one :class:`Part` (its
        files staged, those of earlier builds kept)."""
        from feedpub.channels.pages import published_pictures
        from feedpub.channels.view import Earlier
        from feedpub.kept import keep_refused, keep_unchanged, keep_unreadable

        assert self.publisher is not None
        context, publisher = self.context, self.publisher
        self.report.read = len(plan.to_read)
        self.earlier = Earlier(
            published_pictures(
                publisher.department_files() if publisher.adopt else publisher.previous
            )
        )
        collected = keep_unchanged(plan.unchanged, context.cached, context.state, self.config)
        unreadable = keep_unreadable(self.blocked, self.candidates, self.releases_dir, context)
        # Memory: the listed files are not needed any more once they are read (the entries
        # hold what the archives need, the ledger rows the rest): the read phase's halves
        # are handed over (see processes.spread), and they go before the peak of a build,
        # when the second process's result arrives.
        plan.unchanged.clear()
        self.candidates = []  # not cleared: it may be the plan's list to read
        parts = [
            collected,
            *self.read_parts(plan.to_read),
            keep_refused(refused, self.releases_dir, context),
        ]
        plan.to_read.clear()
        for part in parts:
            self.take(collected, part)
        del part  # memory: the last part would stay alive with its 50,000 entries
        parts.clear()
        self.report.errors = sorted([*refused, *self.report.errors], key=lambda e: str(e.path))
        self.take(collected, unreadable)
        add_notices(collected, self.state)
        return collected

    def read_parts(self, to_read: list[ReleaseFile]) -> list[Part]:
        """:func:`feedpub.reading.read_part` in one process or two (see
        :func:`feedpub.processes.spread`); progress is reported by this process, for both."""
        from feedpub import reading
        from feedpub.processes import processes_for, spread

        work = functools.partial(reading.read_part, context=self.context)
        here = work
        if self.progress is not None:
            total = len(to_read)
            advance = functools.partial(_advance, self.progress, total)
            if total > 1 and processes_for(total, self.jobs) > 1:
                advance = functools.partial(_twice, advance)
            here = functools.partial(reading.read_part, context=self.context, progress=advance)
        return spread(work, to_read, jobs=self.jobs, here=here)

    def take(self, into: Part, part: Part) -> None:
        """Merge ``part`` into ``into`` and the report; stage its files, keep those of
        earlier builds it keeps (as each per-release channel names them)."""
        from feedpub.channels import RELEASE_CHANNELS

        assert self.publisher is not None
        report, publisher, config = self.report, self.publisher, self.config
        report.releases += part.releases
        report.held_back += part.held_back
        report.errors.extend(part.errors)
        report.notices.extend(part.notices)
        report.read -= part.remembered
        if part is not into:
            into.selection.merge(part.selection)
            into.touched |= part.touched
            into.cached.update(part.cached)
            into.bad.update(part.bad)
            into.held.update(part.held)
            into.seen.update(part.seen)
            into.entries.extend(part.entries)
            into.corrections.extend(part.corrections)
        for name, result in part.made.items():
            if result is not None:
                self.made.setdefault(name, []).append(result)
        publisher.absorb(part.pages)
        check = not part.trusted
        for slug, stem in part.kept:
            for channel in RELEASE_CHANNELS:
                for relative in channel.kept(config, slug, stem, self.earlier):
                    publisher.keep(relative, check=check)
        for slug in part.kept_folders:
            publisher.keep_folder(slug)

    # --- render, publish, commit --------------------------------------------------------

    def render(self, collected: Part) -> tuple[View, dict[str, str]]:
        """Every collection channel stages what changed (see :mod:`feedpub.channels`);
        the keys of their documents. The per-release channels' results are discarded at
        the end, whatever happens."""
        from feedpub.channels import CHANNELS, RELEASE_CHANNELS
        from feedpub.channels.view import View
        from feedpub.layout import Urls

        assert self.publisher is not None
        config, selection, seen = self.config, collected.selection, collected.seen
        from feedpub.materialize import Unchanged, materialize

        unchanged = Unchanged(config.tag_prefix, seen, self.report, self.state.releases)
        feeds = materialize(selection, selection.newest, unchanged)
        # The pages list releases only: the newest max_entries, notices or not.
        pages = (
            materialize(selection, selection.releases, unchanged) if collected.corrections else None
        )
        view = View(
            config,
            Urls(config),
            selection,
            feeds,
            collected.entries,
            seen,
            collected.touched,
            self.cache.docs if self.cache is not None else {},
            self.made,
            self.out_dir,
            self.jobs,
            pages,
        )
        keys: dict[str, str] = {}
        try:
            for channel in CHANNELS:
                keys.update(channel.publish(view, self.publisher))
        finally:
            for release_channel in RELEASE_CHANNELS:
                for result in self.made.pop(release_channel.name, ()):
                    release_channel.discard(result)
        # Memory: what the ledger's rows are made from is all that is needed now.
        collected.entries.clear()
        view.forget()
        return view, keys

    def publish(self, collected: Part, view: View, keys: dict[str, str]) -> None:
        """Let the channels record what must survive a kill (WebSub's pending URLs), record
        the new manifest paths, stage the ledger's rows, put the outputs into place, and
        commit the ledger last."""
        from feedpub.bookkeeping import commit, set_outputs, stage, write_notices
        from feedpub.channels import CHANNELS

        assert self.db is not None and self.publisher is not None
        db, publisher, config = self.db, self.publisher, self.config
        for channel in CHANNELS:
            channel.staged(view, publisher, db)
        publisher.list_new()  # committed before the ledger's last transaction begins
        before = (self.state, self.cache) if self.cache is not None and self.state.found else None
        held = collected.held
        due = min(held.values(), default=None)
        cache = Cache(self.fingerprint, collected.cached, keys, collected.bad, frozenset(held), due)
        shown = {release.id: release for releases in view.feeds.values() for release in releases}
        stage(db, config.tag_prefix, collected.seen, shown.values(), cache, before)
        write_notices(db, collected.corrections)
        set_outputs(db, publisher.files, transaction=False)
        publisher.commit()
        commit(db)  # last: the outputs are in place and durable

    def report_published(self, publisher: Publisher) -> None:
        report = self.report
        report.written = publisher.written
        report.created = publisher.created
        report.unchanged = publisher.unchanged
        report.removed = publisher.removed

    def announce(self, written: list[str]) -> None:
        """The outputs are in place (or nothing changed): tell the channels (WebSub)."""
        from feedpub.channels import CHANNELS
        from feedpub.channels.base import Done

        done = Done(self.out_dir, self.config, written, self.websub)
        for channel in CHANNELS:
            channel.announce(done, self.report)


def _read_cache(out_dir: Path, fingerprint_now: str) -> Cache | None:
    """The cache of the last complete build, read from the ledger opened read-only (a
    no-change build touches no file), or None: no usable ledger, another configuration, a
    build under way, or rows that cannot be read (the work path repairs the ledger)."""
    from feedpub.bookkeeping import load_cache
    from feedpub.ledger import read_only

    db = read_only(out_dir)
    if db is None:
        return None
    try:
        return load_cache(db, fingerprint_now)
    except (sqlite3.Error, ValueError, TypeError):
        return None
    finally:
        db.close()


def _advance(progress: Callable[[int, int], None], total: int, count: int) -> None:
    progress(count, total)


def _twice(advance: Callable[[int], None], count: int) -> None:
    """Progress of the first of two processes counts for both (they run at about the same
    pace; the second cannot report)."""
    advance(2 * count)


def add_notices(collected: Part, state: State) -> None:
    """Put the correction notices the build publishes (those the ledger knows and those the
    read phase made, of the releases still published) into the feeds and archives as
    entries, and into ``collected.corrections`` for the ledger (see
    :mod:`feedpub.corrections`)."""
    from feedpub.corrections import as_entry, published

    collected.corrections = published(state.notices, collected.corrections, collected.seen)
    for notice in map(as_entry, collected.corrections):
        collected.selection.add_notice(notice)  # an entry like a release: max_entries
        collected.entries.append(notice)  # and the archives
