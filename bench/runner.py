"""What bench.py's table and its side-by-side ratios share: running a timed child, the
cached corpora, the one-release edit.

A child runs without ``PYTHONDONTWRITEBYTECODE`` (which this machine's shells set): cron's
Python writes and reuses ``.pyc`` files, so a benchmark must not pay for compiling
feedpub's modules on every run.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from generate import generate

# Bump when generate.py changes output, so stale cached corpora are not reused.
GENERATOR_VERSION = 1
REPO = Path(__file__).resolve().parent.parent
CACHE = Path(tempfile.gettempdir()) / "feedpub-bench"
CONFIG = 'base_url = "https://presse.example.de/feeds/"\n'
#: Corpora this run generated: the only ones it deletes at the end (without --keep). The
#: cache folder is shared by every worktree on the machine, and another run may be using or
#: keeping its own corpora there.
GENERATED: list[Path] = []
#: The children's environment: as cron's, which writes .pyc files.
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


@dataclass(frozen=True)
class Timing:
    """One run of a child process."""

    wall: float  #: seconds, start-up included
    cpu: float  #: user + system seconds of the child and of the processes it waited for
    rss_mb: float  #: peak RSS (MiB) of the largest single one of those processes


def run(cmd: list[str]) -> tuple[float, float]:
    """Run cmd, return (wall seconds, peak RSS in MB); exit(1) on failure or output."""
    timing = timed(cmd)
    return timing.wall, timing.rss_mb


def timed(cmd: list[str]) -> Timing:
    """Run cmd and time it; exit(1) on failure or output on stdout."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=err, env=ENV)
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - t0
        proc.returncode = code = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    if code != 0 or stdout:
        sys.exit(
            f"FAILED: {' '.join(cmd)}\nexit code {code}\n"
            f"--- stdout ---\n{stdout.decode(errors='replace')[-2000:]}"
            f"--- stderr ---\n{stderr.decode(errors='replace')[-2000:]}"
        )
    # ru_maxrss: KiB on Linux, bytes on macOS.
    rss = usage.ru_maxrss / (1024 * 1024 if sys.platform == "darwin" else 1024)
    return Timing(elapsed, usage.ru_utime + usage.ru_stime, rss)


def corpus(size: int, seed: int) -> Path:
    """Return a releases dir with `size` files, generating it unless cached."""
    base = CACHE / f"v{GENERATOR_VERSION}-n{size}-s{seed}"
    releases, done = base / "releases", base / "complete"
    if not done.exists():
        shutil.rmtree(base, ignore_errors=True)
        t0 = time.perf_counter()
        GENERATED.append(base)
        generate(releases, size, seed)
        done.touch()
        print(f"generated {size} releases in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    return releases


def drop_generated() -> None:
    """Delete the corpora (and their Hugo sites) that this run generated."""
    for base in GENERATED:
        shutil.rmtree(base, ignore_errors=True)


def one_change(build: list[str], releases: Path) -> Timing:
    """Edit the newest published release (a correction: one more sentence; not one dated in
    the future, which is held back), time the build, and put the file back as it was (the
    corpus is cached between runs)."""
    today = time.strftime("%Y-%m-%d")
    newest = max((p for p in releases.rglob("*.txt") if p.name[:10] <= today), key=lambda p: p.name)
    original = newest.read_bytes()
    try:
        newest.write_bytes(original + b"\nKorrektur: Die Uhrzeit war falsch angegeben.\n")
        return timed(build)
    finally:
        newest.write_bytes(original)
        run(build)  # back to the corpus as generated, so the next case starts from it


def cpu_pressure() -> float | None:
    """Linux's CPU pressure, "some avg10": the share of the last 10 s in which a task waited
    for a core (other jobs on this shared machine); None where there is no PSI."""
    try:
        line = Path("/proc/pressure/cpu").read_text().splitlines()[0]
    except (OSError, IndexError):
        return None
    return float(line.split()[1].split("=")[1])


def wait_for_cpu(below: float = 10.0, limit: float = 60.0) -> float | None:
    """Wait (at most ``limit`` s) until the CPU pressure is below ``below`` %; the last value.

    Other helpers share this 2-core machine: a run that starts while they compile or test
    measures them too. Waiting does not keep them out, but makes a quiet run likelier.
    """
    deadline = time.monotonic() + limit
    pressure = cpu_pressure()
    while pressure is not None and pressure >= below and time.monotonic() < deadline:
        time.sleep(2.0)
        pressure = cpu_pressure()
    return pressure
