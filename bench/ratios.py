"""``bench.py --ratios``: feedpub against the plain-read floor and Hugo, side by side.

The machines vary threefold from day to day, so issue #12's targets are ratios of runs made
in the same minutes: each repetition runs the floor (bench/floor.py), Hugo, then feedpub's
full build, no-change build, one-edit build and ``check``, one after the other, so that load
from other jobs falls on all of them alike. A ratio is best over best (the least disturbed
run of each); the medians' ratio is shown beside it. Outputs go to memory (/dev/shm). Then,
unless skipped, one full build at ``--memory-size`` releases for the peak RSS of the largest
single process (feedpub forks; ``os.wait4`` reports the child and the processes it waited
for, the largest one, not their sum).
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from hugo_site import write_site
from runner import CONFIG, Timing, corpus, one_change, run, timed, wait_for_cpu

HERE = Path(__file__).resolve().parent
# Bump when hugo_site.py changes what it writes, so stale cached sites are not reused.
HUGO_SITE_VERSION = 1
INSTALL_HUGO = "apt-get update && apt-get install -y hugo"
# (label, numerator, denominator, target): issue #12.
RATIOS = [
    ("full build / Hugo's build", "build", "hugo", 1.3),
    ("no-change build / floor", "nochange", "floor", 1.0),
    ("one release edited / floor", "onechange", "floor", 1.5),
    ("check / floor", "check", "floor", 3.0),
]
#: What no program can avoid, as ratios to the floor: Python importing feedgen (which the
#: product owner fixed; a build that renders one entry needs it, and it brings lxml) and
#: Jinja2 (the pages), and the least parse of every release (bench/parse_floor.py). They
#: bound from below what the ratios above can reach: (label, numerator, bounds which ratio).
BOUNDS = [
    ("import feedgen + Jinja2 / floor", "imports", "one release edited / floor"),
    ("least parse / floor", "parse", "check / floor"),
]
MEMORY_TARGET_MB = 100.0
#: CPU pressure (% "some avg10") below which a run counts as started on a quiet machine.
QUIET = 10.0
COMMANDS = {
    "floor": "plain-read floor",
    "hugo": "Hugo build",
    "build": "feedpub full build",
    "nochange": "feedpub no change",
    "onechange": "feedpub one release edited",
    "check": "feedpub check",
    "imports": "python -c 'import feedgen.feed, jinja2'",
    "parse": "least parse (bench/parse_floor.py)",
}


@dataclass
class Side:
    """Each command's runs (one per repetition), all at one size."""

    size: int
    runs: dict[str, list[Timing]] = field(default_factory=lambda: {k: [] for k in COMMANDS})
    #: CPU pressure (% "some avg10") as each run started: other jobs' share of the cores.
    pressure: dict[str, list[float]] = field(default_factory=lambda: {k: [] for k in COMMANDS})


def interpreter(exe: str) -> str:
    """The Python that runs the feedpub script (its ``#!`` line), so that the floor pays the
    same interpreter start-up; else this one."""
    try:
        with open(exe, "rb") as script:
            first = script.readline().decode("utf-8", "replace").strip()
    except OSError:
        return sys.executable
    if first.startswith("#!") and "python" in first and " " not in first[2:].strip():
        return first[2:].strip()
    return sys.executable


def hugo_site(releases: Path) -> Path:
    """The Hugo site of a cached corpus, written next to it unless already there."""
    site = releases.parent / f"hugo-v{HUGO_SITE_VERSION}"
    done = site / "complete"
    if not done.exists():
        shutil.rmtree(site, ignore_errors=True)
        started = time.perf_counter()
        count = write_site(releases, site)
        done.touch()
        print(
            f"converted {count} releases for Hugo in {time.perf_counter() - started:.1f} s",
            file=sys.stderr,
        )
    return site


def _quiet(side: Side, key: str) -> list[Timing]:
    """Wait for a quiet CPU (at most 30 s), note the pressure met; the command's runs."""
    if (pressure := wait_for_cpu(QUIET, limit=30.0)) is not None:
        side.pressure[key].append(pressure)
    return side.runs[key]


def side_by_side(exe: str, hugo: str | None, args: argparse.Namespace, work: Path) -> Side:
    releases = corpus(args.ratio_size, args.seed)
    cfg = work / "config.toml"
    cfg.write_text(CONFIG, encoding="utf-8")
    floor = [interpreter(exe), str(HERE / "floor.py"), str(releases)]
    imports = [interpreter(exe), "-c", "import feedgen.feed, jinja2"]
    parse = [interpreter(exe), str(HERE / "parse_floor.py"), str(releases)]
    check = [exe, "check", "--releases", str(releases)]
    site = hugo_site(releases) if hugo else None

    def build_into(out: Path) -> list[str]:
        return [exe, "build", "--releases", str(releases), "--out", str(out), "--config", str(cfg)]

    def hugo_into(out: Path) -> list[str]:
        assert hugo and site
        return [hugo, "--quiet", "--source", str(site), "--destination", str(out)]

    # Untimed: the corpus into the page cache, .pyc files written, Hugo's binary loaded.
    for cmd in [floor, imports, parse, check, build_into(work / "warm")]:
        run(cmd)
    if hugo:
        run(hugo_into(work / "hugo-warm"))
    for name in ("warm", "hugo-warm"):
        shutil.rmtree(work / name, ignore_errors=True)
    side = Side(args.ratio_size)
    for i in range(args.repeat):
        _quiet(side, "floor").append(timed(floor))
        if hugo:
            _quiet(side, "hugo").append(timed(hugo_into(work / f"hugo-{i}")))
            shutil.rmtree(work / f"hugo-{i}")
        out = work / f"out-{i}"
        out.mkdir()
        build = build_into(out)
        _quiet(side, "build").append(timed(build))
        _quiet(side, "nochange").append(timed(build))
        _quiet(side, "onechange").append(one_change(build, releases))
        _quiet(side, "check").append(timed(check))
        _quiet(side, "imports").append(timed(imports))
        _quiet(side, "parse").append(timed(parse))
        shutil.rmtree(out)
        print(f"side by side: run {i + 1}/{args.repeat} done", file=sys.stderr)
    return side


def peak_memory(exe: str, args: argparse.Namespace, work: Path) -> float:
    """MiB: the largest single process of one full build at ``--memory-size`` releases."""
    releases = corpus(args.memory_size, args.seed)
    cfg = work / "config.toml"
    cfg.write_text(CONFIG, encoding="utf-8")
    out = work / "memory"
    out.mkdir()
    try:
        build = [exe, "build", "--releases", str(releases), "--out", str(out), "--config"]
        return run([*build, str(cfg)])[1]
    finally:
        shutil.rmtree(out)


def _verdict(value: float, target: float) -> str:
    return "pass" if value <= target else "FAIL"


def _best_median(xs: list[float]) -> str:
    return f"{min(xs):.3f} / {statistics.median(xs):.3f}"


def report(side: Side, rss: float | None, args: argparse.Namespace) -> None:
    print(f"\nSide by side at {side.size:,} releases, {args.repeat} runs each, outputs in")
    print(f"{args.out_dir}. Seconds, best / median: wall time of the whole process, and CPU")
    print("time (user + system, with the processes it forked):\n")
    for key, label in COMMANDS.items():
        runs = side.runs[key]
        if not runs:
            print(f"- {label}: not run")
            continue
        wall = _best_median([r.wall for r in runs])
        quiet = sum(p < QUIET for p in side.pressure[key])
        print(
            f"- {label}: {wall} wall, {_best_median([r.cpu for r in runs])} CPU "
            f"({quiet} of {len(runs)} started on a quiet CPU)"
        )
    print("\nRatios of wall times, best / best (medians' ratio; best CPU times' ratio):\n")
    for label, top, bottom, target in RATIOS:
        tops, bottoms = side.runs[top], side.runs[bottom]
        if not bottoms:
            print(f"- {label}: skipped, hugo not found (install it: {INSTALL_HUGO})")
            continue
        best = min(r.wall for r in tops) / min(r.wall for r in bottoms)
        median = statistics.median(r.wall for r in tops) / statistics.median(
            r.wall for r in bottoms
        )
        cpu = min(r.cpu for r in tops) / min(r.cpu for r in bottoms)
        verdict = _verdict(best, target)
        print(f"- {label}: {best:.2f} ({median:.2f}; CPU {cpu:.2f}) (target ≤ {target}) {verdict}")
    print("\nLower bounds (no Python program can do better), best / best:\n")
    floor = min(r.wall for r in side.runs["floor"])
    for label, key, bounds in BOUNDS:
        print(f"- {label}: {min(r.wall for r in side.runs[key]) / floor:.2f} (bounds {bounds})")
    label = f"peak RSS of a full build at {args.memory_size:,}, largest single process"
    if rss is None:
        print(f"- {label}: skipped (--no-memory)")
    else:
        verdict = _verdict(rss, MEMORY_TARGET_MB)
        print(f"- {label}: {rss:.0f} MB (target ≤ {MEMORY_TARGET_MB:.0f} MB) {verdict}")


def main(exe: str, args: argparse.Namespace) -> None:
    hugo = shutil.which(args.hugo)
    if hugo is None:
        print(f"hugo not found ({args.hugo}); install it: {INSTALL_HUGO}", file=sys.stderr)
    Path(args.out_dir).mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="feedpub-bench-", dir=args.out_dir) as tmp:
        side = side_by_side(exe, hugo, args, Path(tmp))
        rss = None if args.no_memory else peak_memory(exe, args, Path(tmp))
    report(side, rss, args)
