"""How many problems are printed: not 50,000 lines for 50,000 files with the same fault.

A sync tool gone wrong can leave 50,000 empty files in ``releases/``, and cron mails whatever
a build prints, every five minutes. So ``build`` and ``check`` print the first
:data:`SHOWN_PER_KIND` messages of each kind as ``path:line: reason``, and then one line per
kind that had more (one line; wrapped here)::

    feedpub: … and 49,950 more files with the error: expected a date line such as …,
    then a title; got an empty file

The **kind** of a message is its reason with the particulars of the one file left out: quoted
text, numbers, byte values (``0x9f``) and code points (``U+000C``) become ``…``. Errors and
warnings are counted apart. ``check --json`` still prints every file on stdout, and the exit
code is the same as with every line printed.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import TYPE_CHECKING

from feedpub.release import ReleaseError

if TYPE_CHECKING:
    from feedpub.release import Notice

#: Messages of one kind printed before the rest is summed up in one line.
SHOWN_PER_KIND = 50

# Quoted text (repr() quotes with ' or "), byte values, code points, numbers (10.07.2024,
# 1.5, 246; not those in names such as UTF-8): what differs between two files with the same
# fault.
_PARTICULARS = re.compile(
    r"'[^']*'|\"[^\"]*\"|0x[0-9a-fA-F]+|U\+[0-9A-F]{4,6}|(?<![\w-])\d+(?:[.,:]\d+)*"
)


@lru_cache(maxsize=1024)
def kind(reason: str) -> str:
    """The reason without its particulars (see the module docstring); cached, as the reasons
    of many files are the same string."""
    return _PARTICULARS.sub("…", reason)


class Summary:
    """Decides which messages are printed and sums up the rest (see the module docstring)."""

    def __init__(self, shown: int = SHOWN_PER_KIND) -> None:
        self._shown = shown
        #: Messages seen per (is an error, kind), in the order the kinds first came.
        self._counts: dict[tuple[bool, str], int] = {}

    def admit(self, message: ReleaseError | Notice) -> bool:
        """Count ``message``; whether it is among the first of its kind, to be printed."""
        key = (isinstance(message, ReleaseError), kind(message.reason))
        count = self._counts.get(key, 0) + 1
        self._counts[key] = count
        return count <= self._shown

    def tail(self) -> list[str]:
        """One line for each kind with more messages than were printed."""
        return [
            f"feedpub: … and {count - self._shown:,} more "
            f"{'files with the error' if error else 'warnings'}: {text}"
            for (error, text), count in self._counts.items()
            if count > self._shown
        ]
