"""Two feedpub commands' full builds, side by side in one run (issue 14's Jinja cost).

    .venv/bin/python bench/pair.py BEFORE AFTER [--size 2000] [--repeat 15]

BEFORE and AFTER are feedpub executables (e.g. a script that puts another checkout first on
``sys.path``). Each repetition runs BEFORE's full build, then AFTER's, into fresh folders in
memory (``/dev/shm``), each after waiting for a quiet CPU (see :func:`runner.wait_for_cpu`),
so that load from other jobs falls on both alike; the order alternates between repetitions.
Printed: best and median wall and CPU time of each, and AFTER's cost over BEFORE's as the
ratio of the bests (and of the medians, and of the best CPU times).
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

from runner import CONFIG, Timing, corpus, drop_generated, run, timed, wait_for_cpu


def builds(exes: list[str], size: int, repeat: int, out_dir: Path) -> list[list[Timing]]:
    """``repeat`` full builds of each executable at ``size`` releases, interleaved."""
    releases = corpus(size, 1)
    work = Path(tempfile.mkdtemp(prefix="feedpub-pair-", dir=out_dir))
    try:
        cfg = work / "config.toml"
        cfg.write_text(CONFIG, encoding="utf-8")

        def build(exe: str, out: Path) -> list[str]:
            return [
                exe,
                "build",
                "--releases",
                str(releases),
                "--out",
                str(out),
                "--config",
                str(cfg),
            ]

        for index, exe in enumerate(exes):  # untimed: page cache, .pyc files
            run(build(exe, work / f"warm-{index}"))
            shutil.rmtree(work / f"warm-{index}")
        timings: list[list[Timing]] = [[] for _ in exes]
        for i in range(repeat):
            order = list(range(len(exes)))
            if i % 2:
                order.reverse()
            for index in order:
                out = work / f"out-{index}"
                wait_for_cpu(limit=30.0)
                timings[index].append(timed(build(exes[index], out)))
                shutil.rmtree(out)
            print(f"run {i + 1}/{repeat} done", file=sys.stderr)
        return timings
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before")
    parser.add_argument("after")
    parser.add_argument("--size", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--out-dir", type=Path, default=Path("/dev/shm"))
    args = parser.parse_args()
    try:
        before, after = builds([args.before, args.after], args.size, args.repeat, args.out_dir)
    finally:
        drop_generated()
    print(f"full build at {args.size:,} releases, {args.repeat} runs each (best / median, s)")
    for label, runs in (("before", before), ("after", after)):
        wall = [t.wall for t in runs]
        cpu = [t.cpu for t in runs]
        print(
            f"{label:>6}: wall {min(wall):.3f} / {statistics.median(wall):.3f}"
            f"  cpu {min(cpu):.3f} / {statistics.median(cpu):.3f}"
        )

    def ratio(pick: str) -> float:
        pair = [[getattr(t, pick) for t in runs] for runs in (before, after)]
        return min(pair[1]) / min(pair[0])

    medians = statistics.median(t.wall for t in after) / statistics.median(t.wall for t in before)
    print(
        f"after / before: {ratio('wall'):.3f} (bests), {medians:.3f} (medians), "
        f"{ratio('cpu'):.3f} (best CPU times)"
    )


if __name__ == "__main__":
    main()
