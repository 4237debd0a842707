"""feedpub: a press office's release text files → RSS 2.0 and Atom 1.0 feeds per department."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from feedpub.release import Caption, Release, ReleaseError

if TYPE_CHECKING:
    from feedpub.dates import parse_date

__version__ = "0.1.0"

__all__ = ["Caption", "Release", "ReleaseError", "__version__", "parse_date"]


def __getattr__(name: str) -> Any:
    # parse_date pulls in python-dateutil (30 ms); a cron build that finds nothing changed
    # must not pay for it, so it is imported on first use (PEP 562).
    if name == "parse_date":
        from feedpub.dates import parse_date

        return parse_date
    raise AttributeError(f"module 'feedpub' has no attribute {name!r}")
