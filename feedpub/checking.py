"""``feedpub check`` without ``--json``: every release parsed, in one process or two (see
:func:`feedpub.processes.spread`), and only what is said about each file handed back.

With ``--json`` every release is printed whole, so :func:`feedpub.build.scan` reads them
lazily in one process (handing 50,000 parsed releases from a second process back would cost
more than it saves). Without it, the second process returns per file just its error or its
notices and what its date line held besides the date (``check -v``): a few bytes a file.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import NamedTuple

from feedpub.config import Config
from feedpub.discover import ReleaseFile, find_releases
from feedpub.plan import unique_urls
from feedpub.reading import parse_all
from feedpub.release import Notice, Release, ReleaseError


class DateRead(NamedTuple):
    """What ``check -v`` says of a good release: its date line's text and what was ignored."""

    source: Path
    date_text: str
    date_ignored: tuple[str, ...]


class Checked(NamedTuple):
    """What ``check`` says of one file: its error, or its notices and its date line."""

    candidate: ReleaseFile
    error: ReleaseError | None
    notices: tuple[Notice, ...] = ()
    date: DateRead | None = None


def check_releases(
    releases_dir: Path, config: Config, *, jobs: int | None = None
) -> tuple[list[Checked], list[ReleaseError]]:
    """Every release under ``releases_dir`` parsed, in path order, and what discovery
    refused."""
    from feedpub.processes import spread

    candidates, refused = find_releases(releases_dir)
    duplicates = unique_urls(candidates)
    work = functools.partial(_check, config=config, duplicates=duplicates)
    parts = spread(work, candidates, jobs=jobs)
    return [item for part in parts for item in part], refused


def _check(
    candidates: list[ReleaseFile], config: Config, duplicates: dict[str, ReleaseError]
) -> list[Checked]:
    checked: list[Checked] = []
    for item in parse_all(candidates, duplicates, config):
        result = item.result
        if isinstance(result, Release):
            read = DateRead(result.source, result.date_text, result.date_ignored)
            checked.append(Checked(item.candidate, None, item.notices, read))
        else:
            checked.append(Checked(item.candidate, result, item.notices))
    return checked
