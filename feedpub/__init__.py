"""feedpub: a press office's release text files → RSS 2.0 and Atom 1.0 feeds per department."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from feedpub.release import Caption, Release, ReleaseError

if TYPE_CHECKING:
    from feedpub.dateline import DateLine, find_date_line
    from feedpub.dates import parse_date

__version__ = "0.1.0"

__all__ = [
    "Caption",
    "DateLine",
    "Release",
    "ReleaseError",
    "__version__",
    "find_date_line",
    "parse_date",
]


def __getattr__(name: str) -> Any:
    # parse_date pulls in python-dateutil (30 ms); a cron build that finds nothing changed
    # must not pay for it, so it is imported on first use (PEP 562).
    if name == "parse_date":
        from feedpub.dates import parse_date

        return parse_date
    if name in ("find_date_line", "DateLine"):
        from feedpub import dateline

        return getattr(dateline, name)
    raise AttributeError(f"module 'feedpub' has no attribute {name!r}")
