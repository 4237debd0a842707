"""Time feedpub.content.body_html over generate.py's releases: the cost of the HTML content.

Usage: python bench/bodies.py [N] [--repeat R] [--seed S]   (from the repository root)

Parses N generated releases once, then renders every body R times and prints the best time
(CPU time of this process, so other load on the machine disturbs it less). The parser's
cache is emptied before each round, as a fresh build process starts with it empty. Two
corpora: the generated releases as they are (a year-less date in every teaser, no digits in
the paragraphs), and the same with a date sentence added to every paragraph (numeric, named,
with weekday and time range, year-less, a range of days, and a telephone number), which is
where finding dates (the ``<time>`` marks) costs most.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from feedpub import dates  # noqa: E402
from feedpub.config import make_config  # noqa: E402
from feedpub.content import body_html  # noqa: E402
from feedpub.discover import find_releases  # noqa: E402
from feedpub.layout import Urls  # noqa: E402
from feedpub.parse import read_release  # noqa: E402
from feedpub.release import Release  # noqa: E402

sys.path.insert(0, str(ROOT / "bench"))
from generate import MONTHS, WEEKDAYS, generate  # noqa: E402


def date_sentence(rng: random.Random, published: dt.date) -> str:
    day = published + dt.timedelta(days=rng.randint(-30, 90))
    end = day + dt.timedelta(days=2)
    when = rng.choice(
        [
            f"am {day:%d.%m.%Y}",
            f"am {day.day}. {MONTHS[day.month - 1]} {day.year} um {rng.randint(8, 20)} Uhr",
            f"am {WEEKDAYS[day.weekday()]}, {day:%d.%m.%Y}, von {rng.randint(8, 12)}:00 bis "
            f"{rng.randint(13, 18)}:00 Uhr",
            f"ab dem {day.day}. {MONTHS[day.month - 1]}",
            f"vom {day.day}. bis {end.day}. {MONTHS[end.month - 1]} {end.year}",
        ]
    )
    phone = f"01234 567-{rng.randint(100, 999)}"
    return f"Die Veranstaltung findet {when} im Kreishaus statt, Telefon {phone}."


def best_time(releases: list[Release], repeat: int) -> float:
    urls = Urls(make_config({}, None))
    best = float("inf")
    for _ in range(repeat):
        dates.parse_parts.cache_clear()
        start = time.process_time()
        for release in releases:
            body_html(release, urls)
        best = min(best, time.process_time() - start)
    return best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("n", type=int, nargs="?", default=10_000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="feedpub-bodies-") as tmp:
        generate(Path(tmp), args.n, args.seed)
        candidates, _ = find_releases(Path(tmp))
        releases = [
            read_release(Path(c.folder, c.name), department=c.department, tag_prefix="tag:x,2024:")[
                0
            ]
            for c in candidates
        ]
    rng = random.Random(args.seed)
    dated = [
        dataclasses.replace(
            r,
            paragraphs=tuple(
                p if p.startswith("- ") else f"{p} {date_sentence(rng, r.published.date())}"
                for p in r.paragraphs
            ),
        )
        for r in releases
    ]
    # Counted only where there is something to count: the script also times older commits
    # (find_dates was in feedpub.dates before feedpub.textdates, and before that nowhere).
    try:
        from feedpub.textdates import find_dates as find
    except ImportError:
        find = getattr(dates, "find_dates", lambda text, reference: [])
    found = sum(len(find(p, reference=r.published.date())) for r in dated for p in r.paragraphs)
    print(f"{len(releases)} bodies as generated: best {best_time(releases, args.repeat):.3f} s")
    print(
        f"{len(dated)} bodies with a date in every paragraph ({found} dates): "
        f"best {best_time(dated, args.repeat):.3f} s"
    )


if __name__ == "__main__":
    main()
