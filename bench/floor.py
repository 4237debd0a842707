"""The plain-read floor: list, read and decode every release file, nothing else.

Usage: python bench/floor.py RELEASES

What any Python program that publishes these releases must at least do, timed by
``bench.py --ratios`` the way feedpub is (the wall time of a fresh process): list the
department folders, read each ``.txt`` file in 64 KiB chunks (as feedpub does) and decode it
as UTF-8 (BOM cut off), falling back to Windows-1252 like feedpub. No parsing, no output.
Standard library only; prints nothing, exits 1 when it found no release file.
"""

from __future__ import annotations

import os
import sys

_CHUNK = 64 * 1024
_BOM = b"\xef\xbb\xbf"


def read(path: str) -> bytes:
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
    try:
        chunks = [os.read(fd, _CHUNK)]
        while len(chunks[-1]) == _CHUNK:
            chunks.append(os.read(fd, _CHUNK))
    finally:
        os.close(fd)
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def decode(data: bytes) -> str:
    """UTF-8 (without its BOM), else Windows-1252, as feedpub reads a release."""
    bom = 3 if data.startswith(_BOM) else 0
    try:
        return data[bom:].decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def read_all(root: str) -> tuple[int, int]:
    """(files, characters) of every ``*.txt`` in the department folders under root."""
    files = characters = 0
    for folder in os.scandir(root):
        if not folder.is_dir():
            continue
        for entry in os.scandir(folder.path):
            if entry.name.lower().endswith(".txt"):
                characters += len(decode(read(entry.path)))
                files += 1
    return files, characters


def main() -> None:
    if len(sys.argv) != 2:
        sys.exit(__doc__.splitlines()[2])
    files, _ = read_all(sys.argv[1])
    if files == 0:
        sys.exit(f"{sys.argv[1]}: no release files found")


if __name__ == "__main__":
    main()
