"""The entry points: :func:`build` (``feedpub build``) and :func:`scan` (``feedpub check``).

A build is a :class:`feedpub.pipeline.Build`; see there for its phases and error policy.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from feedpub.config import Config
from feedpub.discover import find_releases
from feedpub.guards import MASS_REMOVAL_MIN, IdsWouldChange, MassRemoval
from feedpub.pipeline import OUTPUT_FORMAT, Build
from feedpub.plan import unique_urls
from feedpub.release import Release, ReleaseError
from feedpub.report import Report

if TYPE_CHECKING:
    from feedpub.reading import Scanned
    from feedpub.websub import Timing

__all__ = [
    "MASS_REMOVAL_MIN",
    "OUTPUT_FORMAT",
    "IdsWouldChange",
    "MassRemoval",
    "Report",
    "build",
    "error_record",
    "release_record",
    "scan",
]


def build(  # noqa: PLR0913 - the public entry point: its keyword-only options are the CLI's
    releases_dir: Path,
    out_dir: Path,
    config: Config,
    *,
    jobs: int | None = None,
    now: datetime | None = None,
    wait: float = 0.0,
    progress: Callable[[int, int], None] | None = None,
    websub: Timing | None = None,
) -> Report:
    """Build every feed, page, the index and the OPML file into ``out_dir``.

    ``now`` is the clock (tests inject it; it never appears in the output): releases dated
    later are held back until a build after their time. ``wait`` seconds to wait for another
    build's lock. ``jobs`` is the number of processes for reading releases and writing pages
    and for rendering archive months: None uses two when the machine has two cores and
    there is enough work (see :func:`feedpub.processes.spread`); the output is the same
    bytes either way. ``progress(n, total)`` is called as
    releases are read (n more of total). With ``config.websub_hub``, the hub is then told
    which feeds changed (and what earlier builds could not tell it), under the lock, within
    ``websub``'s time budget; a failing hub is in ``report.websub`` and fails nothing.
    Raises :class:`feedpub.publish.LockHeld` when another build runs on ``out_dir``,
    :class:`IdsWouldChange`, :class:`MassRemoval`, and FileNotFoundError when
    ``releases_dir`` is missing. Any OSError while writing leaves what was published as it
    was.
    """
    run = Build(releases_dir, out_dir, config, now=now, jobs=jobs)
    run.wait, run.progress, run.websub = wait, progress, websub
    return run.run()


def scan(releases_dir: Path, config: Config) -> tuple[Iterator[Scanned], list[ReleaseError]]:
    """Parse every release under ``releases_dir`` lazily, in path order.

    Returns the per-file results as an iterator (so 50,000 releases are never all in memory)
    and the entries that discovery refused.
    """
    from feedpub.reading import parse_all

    candidates, refused = find_releases(releases_dir)
    return parse_all(candidates, unique_urls(candidates), config), refused


def release_record(release: Release, relative: str) -> dict[str, Any]:
    """The JSON object ``feedpub check --json`` prints for a good release."""
    folder = relative.rpartition("/")[0] + "/"
    return {
        "path": relative,
        "department": release.department,
        "slug": release.slug,
        "id": release.id,
        "published": release.published.isoformat(),
        "date_only": not release.has_time,
        # The exact text of the date line read as the date (and its time).
        "date_text": release.date_text,
        # As the Aktualisiert: line states it (00:00 for a date-only one), or None.
        "updated": release.updated.isoformat() if release.updated else None,
        # The text of the Korrektur: line, or None.
        "correction": release.correction,
        "title": release.title,
        "teaser": release.teaser,
        "authors": list(release.authors),
        "captions": [{"text": c.text, "credit": c.credit} for c in release.captions],
        "paragraphs": list(release.paragraphs),
        "images": [
            {
                "path": folder + unicodedata.normalize("NFC", image.source.name),
                "number": image.number,
                "name": image.name,
                "type": image.media_type,
                "length": image.length,
                "width": image.width,
                "height": image.height,
                "alt": image.alt,
                "credit": image.credit,
            }
            for image in release.images
        ],
    }


def error_record(error: ReleaseError, relative: str) -> dict[str, Any]:
    """The JSON object ``feedpub check --json`` prints for a bad file."""
    return {"path": relative, "line": error.line, "error": error.reason}
