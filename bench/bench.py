"""Benchmark the feedpub CLI (check, build, no-change and one-change rebuild) on generated corpora.

Usage: python bench/bench.py [--sizes 1000,10000,50000] [--repeat 3]
                             [--feedpub PATH] [--only check|build] [--seed S] [--keep]
       python bench/bench.py --ratios [--ratio-size 10000] [--memory-size 50000 | --no-memory]
                             [--repeat 5] [--hugo PATH] [--feedpub PATH] [--keep]

The second form prints issue #12's targets: feedpub side by side with the plain-read floor
(bench/floor.py) and Hugo (bench/hugo_site.py), as ratios; see bench/ratios.py.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from runner import CACHE, CONFIG, REPO, corpus, drop_generated, one_change, run

# (label, size, metric, limit)
TARGETS = [
    ("check 10,000 < 1.0 s (median)", 10_000, "check", 1.0),
    # Issue #6 raised it from 1.5 s: archives (RFC 5005), JSON Feed and department pages.
    ("build 10,000 < 3.0 s (median)", 10_000, "build", 3.0),
    ("build peak RSS at 50,000 < 150 MB", 50_000, "rss", 150.0),
    ("no-change build 10,000 < 0.3 s (median)", 10_000, "rebuild", 0.3),
    ("one-change build 10,000 < 0.5 s (median)", 10_000, "onechange", 0.5),
]


@dataclass
class Result:
    size: int
    check: list[float] = field(default_factory=list)
    build: list[float] = field(default_factory=list)
    rss_mb: list[float] = field(default_factory=list)
    rebuild: list[float] = field(default_factory=list)
    #: A build after the newest release was edited (it is in every feed that shows it).
    onechange: list[float] = field(default_factory=list)
    #: A build after one new release (dated today): seconds, and what it rewrote.
    onenew: list[float] = field(default_factory=list)
    rewritten: list[str] = field(default_factory=list)
    #: Plain Python creating the same number of ~5 KB files (temp file + rename) in the same
    #: place, right before the build: what the disk alone costs at that moment.
    disk: list[float] = field(default_factory=list)


def bench_size(exe: str, size: int, args: argparse.Namespace, work: Path) -> Result:
    releases = str(corpus(size, args.seed))
    cfg = work / "config.toml"
    cfg.write_text(CONFIG, encoding="utf-8")
    res = Result(size)
    for i in range(args.repeat):
        if args.only in (None, "check"):
            res.check.append(run([exe, "check", "--releases", releases])[0])
        if args.only in (None, "build"):
            # A new folder per run, all deleted at the very end: this disk is mounted with
            # `discard`, and deleting 10,000 files right before a timed build slows the
            # build's file creation 10-30x while the discards drain (measured: 20 µs vs
            # 600 µs per created file). Settle writeback before timing, too.
            out = work / f"out-{size}-{i}"
            out.mkdir()
            settle()
            res.disk.append(disk_baseline(work / f"disk-{size}-{i}", size))
            settle()
            build = [exe, "build", "--releases", releases, "--out", str(out), "--config", str(cfg)]
            secs, rss = run(build)
            res.build.append(secs)
            res.rss_mb.append(rss)
            res.rebuild.append(run(build)[0])
            res.onechange.append(one_change(build, Path(releases)).wall)
            seconds, written = one_new(build, Path(releases), out)
            res.onenew.append(seconds)
            res.rewritten = written
        print(f"size {size}: run {i + 1}/{args.repeat} done", file=sys.stderr)
    return res


def one_new(build: list[str], releases: Path, out: Path) -> tuple[float, list[str]]:
    """Add one release dated today to the biggest department, time the build, list what it
    rewrote (files whose mtime changed), and remove the release again."""
    department = max(
        (d for d in releases.iterdir() if d.is_dir()), key=lambda d: len(list(d.iterdir()))
    )
    new = department / f"{time.strftime('%Y-%m-%d')}-bench-neu.txt"
    before = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}
    new.write_text(
        f"Seiteninhalt\n{time.strftime('%d.%m.%Y')}\n\nNeue Meldung\n\nText der Meldung.\n", "utf-8"
    )
    try:
        seconds = run(build)[0]
        written = sorted(
            p.relative_to(out).as_posix()
            for p in out.rglob("*")
            if p.is_file()
            and before.get(p) != p.stat().st_mtime_ns
            and not p.relative_to(out).as_posix().startswith(".feedpub/")
        )
        return seconds, written
    finally:
        new.unlink()
        run(build)  # back to the corpus as generated, for the next run


def settle(limit: float = 60.0) -> None:
    """Flush writeback and wait until the disk is idle (Linux PSI "some avg10" below 1 %).

    This VM's disk is mounted with `discard`: after many files are deleted, creating files is
    10-30x slower for a minute. Timing a build then measures the disk's past, not feedpub.
    """
    os.sync()
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        try:
            line = Path("/proc/pressure/io").read_text().splitlines()[0]
        except OSError:
            break
        if float(line.split()[1].split("=")[1]) < 1.0:
            break
        time.sleep(2.0)
    time.sleep(1.0)


def disk_baseline(folder: Path, count: int) -> float:
    """Seconds for plain Python to create ``count`` 5 KB files atomically in 12 folders."""
    folders = [folder / f"d{i}" for i in range(12)]
    for each in folders:
        each.mkdir(parents=True)
    data = b"x" * 5000
    started = time.perf_counter()
    for i in range(count):
        target = folders[i % 12] / f"f{i}.html"
        temporary = folders[i % 12] / f".f{i}.html.tmp"
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        os.write(fd, data)
        os.close(fd)
        os.replace(temporary, target)
    return time.perf_counter() - started


def fmt(xs: list[float], median: bool = True) -> str:
    if not xs:
        return "–"
    return f"{min(xs):.3f} / {statistics.median(xs):.3f}" if median else f"{min(xs):.3f}"


def version(cmd: list[str]) -> str:
    try:
        ver = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    return ver.stdout.strip() if ver.returncode == 0 else f"unknown ({cmd[-1]} failed)"


def machine(exe: str, hugo: str | None = None) -> None:
    """The machine, Python, feedpub (and Hugo): what the figures were measured on."""
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else "?"
    print(f"- nproc: {os.cpu_count()} (usable: {usable})")
    print(f"- python: {platform.python_version()} ({platform.platform()})")
    print(f"- feedpub: {version([exe, '--version'])} ({exe})")
    if hugo:
        print(f"- hugo: {version([hugo, 'version'])} ({hugo})")


def report(exe: str, results: list[Result]) -> None:
    machine(exe)
    print()
    cols = ["size", "check best / median s", "build best / median s"]
    cols += ["build peak RSS MB", "no change best / median s", "one change best / median s"]
    cols += ["one new release best / median s"]
    cols += ["disk alone best / median s"]
    print("| " + " | ".join(cols) + " |")
    print("|" + " ---: |" * len(cols))
    for r in results:
        rss = f"{max(r.rss_mb):.1f}" if r.rss_mb else "–"
        row = [f"{r.size:,}", fmt(r.check), fmt(r.build), rss, fmt(r.rebuild), fmt(r.onechange)]
        row.append(fmt(r.onenew))
        row.append(fmt(r.disk))
        print("| " + " | ".join(row) + " |")
    for r in results:
        if r.rewritten:
            print(f"\nOne new release at {r.size:,} rewrote {len(r.rewritten)} files:")
            for path in r.rewritten:
                print(f"- {path}")
    print("\nTargets:")
    by_size = {r.size: r for r in results}
    for label, size, metric, limit in TARGETS:
        found = by_size.get(size)
        values = (
            {
                "check": found.check,
                "build": found.build,
                "rss": found.rss_mb,
                "rebuild": found.rebuild,
                "onechange": found.onechange,
            }[metric]
            if found
            else []
        )
        if not values:
            print(f"- {label}: not measured")
            continue
        value = max(values) if metric == "rss" else statistics.median(values)
        print(f"- {label}: {value:.3f} -> {'OK' if value < limit else 'MISSED'}")


def parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="1000,10000,50000")
    ap.add_argument("--repeat", type=int, default=None, help="default 3, with --ratios 5")
    ap.add_argument("--feedpub", default=str(REPO / ".venv" / "bin" / "feedpub"))
    ap.add_argument("--only", choices=["check", "build"])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument(
        "--keep", action="store_true", help=f"keep the corpora this run generates in {CACHE}"
    )
    ap.add_argument(
        "--out-dir",
        default=None,
        help="where the builds write (default: the temp dir, with --ratios /dev/shm); "
        "/dev/shm takes the disk out",
    )
    side = ap.add_argument_group("side by side (issue #12's ratios)")
    side.add_argument(
        "--ratios",
        action="store_true",
        help="instead of the table: feedpub against the plain-read floor and Hugo, as ratios",
    )
    side.add_argument("--ratio-size", type=int, default=10_000, help="releases (10,000)")
    side.add_argument("--memory-size", type=int, default=50_000, help="releases (50,000)")
    side.add_argument("--no-memory", action="store_true", help="skip the (slow) memory build")
    side.add_argument("--hugo", default="hugo", help="the hugo executable (default: hugo)")
    return ap


def main() -> None:
    args = parser().parse_args()
    exe = shutil.which(args.feedpub)
    if exe is None:
        sys.exit(f"feedpub executable not found: {args.feedpub} (use --feedpub PATH)")
    if args.repeat is None:
        args.repeat = 5 if args.ratios else 3
    if args.repeat < 1:
        sys.exit("--repeat must be >= 1")
    if args.ratios and args.out_dir is None:
        args.out_dir = "/dev/shm" if Path("/dev/shm").is_dir() else tempfile.gettempdir()
    try:
        if args.ratios:
            import ratios

            ratios.main(exe, args)
            print()
            machine(exe, shutil.which(args.hugo))
            return
        sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
        with tempfile.TemporaryDirectory(prefix="feedpub-bench-", dir=args.out_dir) as tmp:
            results = [bench_size(exe, n, args, Path(tmp)) for n in sizes]
    finally:
        if not args.keep:
            drop_generated()
    report(exe, results)


if __name__ == "__main__":
    main()
