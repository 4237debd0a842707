"""The ``feedpub`` command: options → :mod:`feedpub.build` → messages and exit code.

No logic lives here. Quiet on success (cron mails whatever a job prints); problems go to
stderr as ``path:line: reason``. Exit codes (README, "Exit codes"): 0 all good, 1 some
releases were skipped or kept from before, 2 usage or configuration error, 74 the output
folder cannot be written, 75 another build holds the lock, 130 interrupted (Ctrl-C).
"""

from __future__ import annotations

import contextlib
import functools
import json
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from feedpub import __version__
from feedpub.config import DEFAULT_PATH, Config, ConfigError, load_config
from feedpub.ledger import LEDGER_NAME
from feedpub.messages import Summary
from feedpub.site import missing_links
from feedpub.static import missing_logo

#: How the history falls back when the ledger was lost (said once, by the build that notices).
_FALLBACK = " (entries' updated times fall back to their stated or publication times)"
#: ... unless the published feeds showed what was published (see feedpub.recover).
_RECOVERED = " from the published feeds ({} published releases and their updated times)"

if TYPE_CHECKING:
    from feedpub.build import Report
    from feedpub.release import Notice, Release, ReleaseError

EXIT_OK = 0
EXIT_BAD_RELEASES = 1
EXIT_USAGE = 2
#: sysexits.h EX_IOERR: the output folder cannot be written.
EXIT_CANNOT_WRITE = 74
#: sysexits.h EX_TEMPFAIL: another build holds the lock; cron simply tries again next time.
EXIT_LOCKED = 75
#: Interrupted (SIGINT, Ctrl-C): 128 + 2, as shells report a command that SIGINT ended.
EXIT_INTERRUPTED = 130

_releases_option = click.option(
    "--releases",
    "releases_dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("releases"),
    show_default=True,
    envvar="FEEDPUB_RELEASES",
    help="Folder with one subfolder per department.",
)
_config_option = click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    envvar="FEEDPUB_CONFIG",
    help="Configuration file [default: ./feedpub.toml if present].",
)


class _Group(click.Group):
    """Ctrl-C (SIGINT) is exit 130 with one line, as shells report it, not click's
    "Aborted!" and exit 1 (which means "releases skipped" here). The build has removed its
    temporaries and its second process by then (see :mod:`feedpub.processes`)."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            click.echo("feedpub: interrupted", err=True)
            ctx.exit(EXIT_INTERRUPTED)


@click.group(
    cls=_Group,
    context_settings={"help_option_names": ["-h", "--help"]},
    epilog="""Exit codes: 0 all good (serve: ended with Ctrl-C); 1 some releases were skipped or
are kept from an earlier build (each is on stderr as path:line: reason), or most published
releases vanished at once
(nothing changed); 2 usage or configuration error (serve: the port is taken); 74 the output
folder cannot be written; 75 another build holds the lock (cron tries again next time); 130
interrupted (Ctrl-C; published files stay whole, the next build finishes the work).""",
)
@click.version_option(__version__, prog_name="feedpub")
def cli() -> None:
    """Turn press releases (releases/<Fachdienst>/*.txt) into RSS and Atom feeds."""


def _config(path: Path | None) -> Config:
    try:
        return load_config(path)
    except ConfigError as exc:
        click.echo(f"feedpub: {exc}", err=True)
        sys.exit(EXIT_USAGE)


def _templates_compile(config: Config) -> None:
    if config.templates is None:
        return
    from feedpub.templating import check_templates

    try:
        check_templates(config)
    except ConfigError as exc:
        click.echo(f"feedpub: {exc}", err=True)
        sys.exit(EXIT_USAGE)


def _missing_releases(releases_dir: Path) -> None:
    if not releases_dir.is_dir():
        click.echo(f"feedpub: {releases_dir}: no such folder (see --releases)", err=True)
        sys.exit(EXIT_USAGE)


@cli.command()
@_releases_option
@_config_option
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Print one JSON object per release (or bad file) to stdout.",
)
@click.option(
    "-v",
    "--verbose",
    is_flag=True,
    help="Also say what each date line held besides its date (ignored).",
)
def check(releases_dir: Path, config_path: Path | None, as_json: bool, verbose: bool) -> None:
    """Parse every release and report bad files; write nothing."""
    from feedpub.build import error_record, release_record, scan

    config = _config(config_path)
    _missing_releases(releases_dir)
    _templates_compile(config)
    for warning in missing_links(config) + missing_logo(config):
        # Not in build: cron would mail it every five minutes.
        click.echo(f"{config_path or DEFAULT_PATH}: warning: {warning}", err=True)
    scanned, refused = scan(releases_dir, config)
    bad = 0
    out = sys.stdout
    summary = Summary()
    for error in refused:
        bad += 1
        _say(summary, error)
        if as_json:
            out.write(_json(error_record(error, _relative(error.path, releases_dir))))
    for item in scanned:
        for notice in item.notices:
            _say(summary, notice)
        if isinstance(item.result, Exception):
            bad += 1
            _say(summary, item.result)
            if as_json:
                out.write(_json(error_record(item.result, item.candidate.relative)))
        else:
            if verbose:
                _say_date_line(item.result)
            if as_json:
                out.write(_json(release_record(item.result, item.candidate.relative)))
    _say_the_rest(summary)
    sys.exit(EXIT_BAD_RELEASES if bad else EXIT_OK)


@cli.command(
    epilog="Exit codes: 0 ended with Ctrl-C, 2 usage or configuration error, or the port "
    "is taken (see feedpub --help)."
)
@_releases_option
@_config_option
@click.option("--bind", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8000,
    show_default=True,
    help="Port to listen on (0: any free port).",
)
@click.option(
    "--drafts",
    is_flag=True,
    help="Also show embargoed releases, marked 'Sperrfrist bis ...' (in the preview only).",
)
def serve(releases_dir: Path, config_path: Path | None, bind: str, port: int, drafts: bool) -> None:
    """Preview the site in a browser: build it into a temporary folder (never --out) with
    base_url set to this server's address, serve it, and build again when a release, a
    picture, a template, a static file or the configuration changes. Ctrl-C ends it.
    """
    from feedpub.serve import run, start

    _config(config_path)  # a bad configuration is exit 2 before anything listens
    _missing_releases(releases_dir)
    try:
        preview, server = start(releases_dir, config_path, bind, port, drafts)
    except OSError as exc:
        click.echo(f"feedpub: {bind}:{port}: cannot listen: {exc.strerror or exc}", err=True)
        sys.exit(EXIT_USAGE)
    run(
        preview,
        server,
        say=functools.partial(click.echo, err=True),
        announce=lambda url: click.echo(f"Preview at {url} (Ctrl-C to stop)"),
    )


def _say_date_line(release: Release) -> None:
    """``check -v``: what the date line held besides its date, so an office sees it was read
    as meant (``Stralsund, den`` taken as a place, not as part of the date)."""
    if release.date_ignored:
        ignored = " and ".join(repr(part) for part in release.date_ignored)
        click.echo(
            f"{release.source}: date {release.date_text!r} read; ignored {ignored}", err=True
        )


def _say(summary: Summary, message: ReleaseError | Notice) -> None:
    """``path:line: reason`` on stderr, unless many of its kind were said (see
    :mod:`feedpub.messages`)."""
    if summary.admit(message):
        click.echo(str(message), err=True)


def _say_the_rest(summary: Summary) -> None:
    for line in summary.tail():
        click.echo(line, err=True)


@cli.command(
    epilog="Exit codes: 0 all good, 1 releases skipped or kept, 2 usage, 74 cannot write, "
    "75 locked, 130 interrupted (see feedpub --help)."
)
@_releases_option
@click.option(
    "--out",
    "out_dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("feeds"),
    show_default=True,
    envvar="FEEDPUB_OUT",
    help="Folder the web server publishes.",
)
@_config_option
@click.option(
    "--wait",
    type=click.FloatRange(min=0),
    default=0,
    metavar="SECONDS",
    help="Wait this long for another build to finish instead of exiting with 75 at once.",
)
@click.option("-v", "--verbose", is_flag=True, help="Say what was written and why.")
def build(
    releases_dir: Path, out_dir: Path, config_path: Path | None, wait: float, verbose: bool
) -> None:
    """Write the feeds, release pages, index.html and feeds.opml into --out.

    Quiet on success. Only what changed is rewritten; when no release file changed (by size
    and mtime), nothing is read or written at all. With websub_hub set, the hub is told which
    feeds changed; a hub that fails is reported and tried again by the next build.
    """
    from feedpub.build import IdsWouldChange, MassRemoval
    from feedpub.build import build as run_build
    from feedpub.publish import LockHeld

    config = _config(config_path)
    _missing_releases(releases_dir)
    try:
        with _progress_bar() as progress:
            report = run_build(releases_dir, out_dir, config, wait=wait, progress=progress)
    except LockHeld as exc:
        click.echo(f"feedpub: {exc}; try again later", err=True)
        sys.exit(EXIT_LOCKED)
    except (IdsWouldChange, ConfigError) as exc:  # ConfigError: an office's template
        click.echo(f"feedpub: {exc}", err=True)
        sys.exit(EXIT_USAGE)
    except MassRemoval as exc:
        click.echo(f"feedpub: {exc}", err=True)
        sys.exit(EXIT_BAD_RELEASES)
    except OSError as exc:
        # The output cannot be written (permissions, disk full): a problem of the machine,
        # not of a release and not a bug. What was already published stays as it was.
        where = exc.filename if exc.filename is not None else out_dir
        click.echo(f"feedpub: {where}: cannot write: {exc.strerror or exc}", err=True)
        sys.exit(EXIT_CANNOT_WRITE)
    fallback = _RECOVERED.format(report.recovered) if report.recovered else _FALLBACK
    for line in report.damaged:
        click.echo(f"feedpub: {line}; started a new one{fallback}", err=True)
    if report.state_lost and not report.damaged:
        click.echo(
            f"feedpub: {out_dir / LEDGER_NAME} was missing or unreadable; started a new one"
            f"{fallback}",
            err=True,
        )
    if verbose:
        _explain(report, releases_dir, out_dir)
    summary = Summary()
    for notice in report.notices:
        _say(summary, notice)
    for error in report.errors:
        _say(summary, error)
    _say_the_rest(summary)
    if report.websub is not None:
        # One line per feed, every build until the hub takes it; never a reason to fail: the
        # feeds are published, and readers that poll get them anyway.
        for failure in report.websub.failed:
            click.echo(
                f"feedpub: WebSub: {failure.url}: the hub {report.websub.hub} was not told "
                f"({failure.reason}); the next build tries again",
                err=True,
            )
    sys.exit(EXIT_BAD_RELEASES if report.errors else EXIT_OK)


#: A progress bar only for builds this long (and only on a terminal).
_PROGRESS_MIN = 500


class _Progress:
    """Shows a click progress bar once a build has read ``_PROGRESS_MIN`` releases, on a
    terminal only: cron and pipes get nothing (quiet on success), a short build no flicker."""

    def __init__(self) -> None:
        self._bar: Any = None
        self._done = 0

    def __call__(self, count: int, total: int) -> None:
        self._done += count
        if self._bar is None:
            if self._done < _PROGRESS_MIN:
                return
            self._bar = click.progressbar(
                length=total, label="Reading releases", file=sys.stderr, show_pos=True
            )
            self._bar.__enter__()
            self._bar.update(self._done)
        else:
            self._bar.update(count)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.__exit__(None, None, None)


@contextlib.contextmanager
def _progress_bar() -> Iterator[Callable[[int, int], None] | None]:
    if not sys.stderr.isatty():
        yield None
        return
    progress = _Progress()
    try:
        yield progress
    finally:
        progress.close()


def _explain(report: Report, releases_dir: Path, out_dir: Path) -> None:
    """``-v``: what the build did and why, on stderr (stdout stays empty for cron)."""
    say = functools.partial(click.echo, err=True)
    if report.fast:
        say(
            f"{releases_dir}: no release file changed ({report.releases} releases); nothing written"
        )
    else:
        read = _count(report.read, "release file")
        say(f"{releases_dir}: read {read}, {report.releases} published")
    if report.held_back:
        held = _count(report.held_back, "release")
        say(f"{held} dated in the future held back until their time")
    for relative in report.written:
        why = "new" if relative in report.created else "changed"
        say(f"wrote {out_dir / relative} ({why})")
    for relative in report.removed:
        say(f"removed {out_dir / relative} (its release is gone)")
    if not report.fast:
        say(f"{_count(report.unchanged, 'file')} already up to date")
    if report.websub is not None:
        for url in report.websub.sent:
            again = " (left from an earlier build)" if url in report.websub.earlier else ""
            say(f"told the WebSub hub {report.websub.hub} that {url} changed{again}")


def _count(number: int, noun: str) -> str:
    """``1 file``, ``2 files``: -v is read by people."""
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def _json(record: dict[str, object]) -> str:
    return json.dumps(record, ensure_ascii=False) + "\n"


def _relative(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def main() -> None:
    """Console-script entry point. ``FEEDPUB_RELEASES``, ``FEEDPUB_OUT`` and
    ``FEEDPUB_CONFIG`` set the options of the same name (handy in a crontab)."""
    cli()
