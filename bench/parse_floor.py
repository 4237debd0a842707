"""The least any parser of these releases must do: the plain-read floor plus cutting each text
into blocks and finding its ``dd.mm.yyyy`` date.

Usage: python bench/parse_floor.py RELEASES

``bench.py --ratios`` times it beside ``feedpub check`` to show how much of ``check``'s ratio
to the plain-read floor (bench/floor.py) no parser written in Python can avoid: every release
is read, decoded, split into blank-line blocks with their whitespace collapsed, and its first
block searched for a date. No titles, authors, captions, pictures, no date grammar, no output.
One process, as the floor. Prints nothing; exits 1 when it found no release file.
"""

from __future__ import annotations

import os
import re
import sys

from floor import decode, read

_DATE = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})")


def parse(text: str) -> tuple[re.Match[str] | None, list[str]]:
    blocks = [" ".join(b.split()) for b in text.replace("\r\n", "\n").split("\n\n")]
    blocks = [b for b in blocks if b]
    return (_DATE.search(blocks[0]) if blocks else None), blocks


def parse_all(root: str) -> int:
    files = 0
    for folder in os.scandir(root):
        if not folder.is_dir():
            continue
        for entry in os.scandir(folder.path):
            if entry.name.lower().endswith(".txt"):
                parse(decode(read(entry.path)))
                files += 1
    return files


if __name__ == "__main__":
    sys.exit(0 if parse_all(sys.argv[1]) else 1)
