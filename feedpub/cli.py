"""The ``feedpub`` command: options → :mod:`feedpub.build` → messages and exit code.

No logic lives here. Quiet on success (cron mails whatever a job prints); problems go to
stderr as ``path:line: reason``. Exit codes (README, "Exit codes"): 0 all good, 1 some
releases were skipped, 2 usage or configuration error, 3 another build holds the lock,
4 the output folder cannot be written.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from feedpub import __version__
from feedpub.config import Config, ConfigError, load_config

EXIT_OK = 0
EXIT_BAD_RELEASES = 1
EXIT_USAGE = 2
EXIT_LOCKED = 3
EXIT_CANNOT_WRITE = 4

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


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="feedpub")
def cli() -> None:
    """Turn press releases (releases/<Fachdienst>/*.txt) into RSS and Atom feeds."""


def _config(path: Path | None) -> Config:
    try:
        return load_config(path)
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
def check(releases_dir: Path, config_path: Path | None, as_json: bool) -> None:
    """Parse every release and report bad files; write nothing."""
    from feedpub.build import error_record, release_record, scan

    config = _config(config_path)
    _missing_releases(releases_dir)
    scanned, refused = scan(releases_dir, config)
    bad = 0
    out = sys.stdout
    for error in refused:
        bad += 1
        click.echo(str(error), err=True)
        if as_json:
            out.write(_json(error_record(error, _relative(error.path, releases_dir))))
    for item in scanned:
        for notice in item.notices:
            click.echo(str(notice), err=True)
        if isinstance(item.result, Exception):
            bad += 1
            click.echo(str(item.result), err=True)
            if as_json:
                out.write(_json(error_record(item.result, item.candidate.relative)))
        elif as_json:
            out.write(_json(release_record(item.result, item.candidate.relative)))
    sys.exit(EXIT_BAD_RELEASES if bad else EXIT_OK)


@cli.command()
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
def build(releases_dir: Path, out_dir: Path, config_path: Path | None) -> None:
    """Write the feeds, release pages, index.html and feeds.opml into --out."""
    from feedpub.build import IdsWouldChange
    from feedpub.build import build as run_build
    from feedpub.publish import LockHeld

    config = _config(config_path)
    _missing_releases(releases_dir)
    try:
        report = run_build(releases_dir, out_dir, config)
    except LockHeld as exc:
        click.echo(f"feedpub: {exc}; try again later", err=True)
        sys.exit(EXIT_LOCKED)
    except IdsWouldChange as exc:
        click.echo(f"feedpub: {exc}", err=True)
        sys.exit(EXIT_USAGE)
    except OSError as exc:
        # The output cannot be written (permissions, disk full): a problem of the machine,
        # not of a release and not a bug. What was already published stays as it was.
        where = exc.filename if exc.filename is not None else out_dir
        click.echo(f"feedpub: {where}: cannot write: {exc.strerror or exc}", err=True)
        sys.exit(EXIT_CANNOT_WRITE)
    for notice in report.notices:
        click.echo(str(notice), err=True)
    for error in report.errors:
        click.echo(str(error), err=True)
    sys.exit(EXIT_BAD_RELEASES if report.errors else EXIT_OK)


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
