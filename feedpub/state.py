"""What the last build published: the releases its feeds show, so that none is lost.

A release that a press officer breaks while editing (a typo in the date line, a half-saved
file) must not vanish from the feeds until someone notices the cron mail. The build therefore
records every release its feeds show in ``feeds/.feedpub-state.json`` and, when a file fails
to parse, shows its last good version instead. Only what the feeds show is recorded (at most
``max_entries`` per feed), so the file stays small. Reading and encoding only: publish writes.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from feedpub.dates import BERLIN
from feedpub.release import Caption, Release

STATE_NAME = ".feedpub-state.json"
_VERSION = 1


@dataclass(frozen=True, slots=True)
class State:
    """What the previous build recorded."""

    #: The start of every entry id it published (config ``tag_authority``/``tag_date``), or
    #: None when unknown.
    tag_prefix: str | None
    #: The releases its feeds showed, by id.
    releases: dict[str, Release]


EMPTY = State(None, {})


def load_state(out_dir: Path) -> State:
    """What the previous build recorded; :data:`EMPTY` when there is nothing usable.

    A missing, unreadable or foreign state file is not an error: it only means nothing can be
    restored or checked this time.
    """
    try:
        data = json.loads((out_dir / STATE_NAME).read_text("utf-8"))
        if data.get("version") != _VERSION:
            return EMPTY
        releases = (_from_record(record) for record in data["releases"])
        prefix = data.get("tag_prefix")
        return State(
            prefix if isinstance(prefix, str) else None,
            {release.id: release for release in releases},
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return EMPTY


def dump_state(tag_prefix: str, releases: Iterable[Release]) -> bytes:
    """Encode the releases the feeds show, sorted by id so equal states give equal bytes."""
    unique = {release.id: release for release in releases}
    records = [_to_record(unique[key]) for key in sorted(unique)]
    state = {"version": _VERSION, "tag_prefix": tag_prefix, "releases": records}
    text = json.dumps(state, ensure_ascii=False, indent=1)
    return (text + "\n").encode("utf-8")


def _to_record(release: Release) -> dict[str, Any]:
    return {
        "source": release.source.as_posix(),
        "department": release.department,
        "slug": release.slug,
        "stem": release.stem,
        "id": release.id,
        "published": release.published.isoformat(),
        "has_time": release.has_time,
        "title": release.title,
        "teaser": release.teaser,
        "captions": [[c.text, c.credit] for c in release.captions],
        "paragraphs": list(release.paragraphs),
        "authors": list(release.authors),
    }


def _from_record(record: dict[str, Any]) -> Release:
    published = datetime.fromisoformat(record["published"])
    if published.tzinfo is None:
        raise ValueError("naive datetime in state")
    published = published.astimezone(BERLIN)
    return Release(
        source=Path(record["source"]),
        department=str(record["department"]),
        slug=str(record["slug"]),
        stem=str(record["stem"]),
        id=str(record["id"]),
        published=published,
        has_time=bool(record["has_time"]),
        title=str(record["title"]),
        teaser=None if record["teaser"] is None else str(record["teaser"]),
        captions=tuple(
            Caption(str(t), None if c is None else str(c)) for t, c in record["captions"]
        ),
        paragraphs=tuple(str(p) for p in record["paragraphs"]),
        authors=tuple(str(a) for a in record["authors"]),
    )
