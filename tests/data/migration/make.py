"""Makes this folder's ``feeds/`` with feedpub as it was before the ledger (JSON bookkeeping:
state.json, cache.json, manifest), kept for the record; the tests need only the committed
files. Run from a checkout of that version (main at c58c8b0), in this folder:

    /path/to/old/.venv/bin/python make.py

Three builds: the first publishes three releases (max_entries = 2, so one is archived), the
second sees an unstated edit of one (its correction time, 2026-11-27 09:00, is only in
state.json), the third finds the oldest release emptied (bad: its last good version stays in
the feeds, its page and the combined archive).
"""

import shutil
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from feedpub.build import build
from feedpub.config import load_config

BERLIN = ZoneInfo("Europe/Berlin")
HERE = Path(__file__).resolve().parent
RELEASE = "{date}\n\n{title}\n\n{text}\n"


def write(relative: str, date: str, title: str, text: str) -> None:
    path = HERE / "releases" / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(RELEASE.format(date=date, title=title, text=text), "utf-8")


def main() -> None:
    shutil.rmtree(HERE / "releases", ignore_errors=True)
    shutil.rmtree(HERE / "feeds", ignore_errors=True)
    config = load_config(HERE / "feedpub.toml")
    out = HERE / "feeds"
    write("Jobcenter/2026-11-01-messe.txt", "01.11.2026", "Jobmesse", "Die Messe beginnt.")
    write("Jobcenter/2026-11-10-bilanz.txt", "10.11.2026", "Bilanz", "Die Bilanz ist gut.")
    write("Bauamt/2026-11-20-bruecke.txt", "20.11.2026", "Brücke", "Die Brücke ist fertig.")
    build(HERE / "releases", out, config, now=datetime(2026, 11, 26, 12, 0, tzinfo=BERLIN))
    write("Jobcenter/2026-11-10-bilanz.txt", "10.11.2026", "Bilanz", "Die Bilanz ist sehr gut.")
    build(HERE / "releases", out, config, now=datetime(2026, 11, 27, 9, 0, tzinfo=BERLIN))
    (HERE / "releases" / "Jobcenter" / "2026-11-01-messe.txt").write_bytes(b"")
    build(HERE / "releases", out, config, now=datetime(2026, 11, 28, 9, 0, tzinfo=BERLIN))
    (out / ".feedpub" / "lock").unlink()


if __name__ == "__main__":
    main()
