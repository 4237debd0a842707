"""Faults a cron job meets (issue point 8): a build killed at any moment, two builds started
together, a full disk, a release folder that cannot be read, the empty folders a failed or
killed build made, Ctrl-C, and a build whose first process alone is killed. Each must leave
every published file whole, and the next build must leave exactly what a clean build would
(README, "Running it from cron", "Exit codes").

Black-box: the CLI runs as a subprocess, or in-process through click's runner where a fault
has to be injected. Every path below the output folder with a hidden part (a name starting with
".") is bookkeeping: it is never compared, only its JSON must parse. Temporaries are hidden
names ending in ".tmp". Edits state their correction time (see corrected()). Randomness is
seeded, and the kill test's messages name the seed and the delay, so a failure reproduces.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import fcntl
import importlib.util
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from functools import cache
from html.parser import HTMLParser
from pathlib import Path
from types import ModuleType

import pytest
from click.testing import CliRunner, Result

from feedpub.cli import cli
from feedpub.processes import can_fork, cores
from feedpub.publish import LOCK_NAME, temporary_name
from tests.conftest import ROOT, SAMPLE_RELEASES

EXIT_OK = 0
EXIT_BAD_RELEASES = 1
EXIT_CANNOT_WRITE = 74
EXIT_LOCKED = 75
#: Every wait for a subprocess is bounded: a guard against a hang, not a timing assertion.
TIMEOUT = 30.0
_SCRIPT = Path(sys.executable).with_name("feedpub")
#: The venv's console script (what cron runs); ``python -m feedpub`` where there is none.
FEEDPUB = [str(_SCRIPT)] if _SCRIPT.exists() else [sys.executable, "-m", "feedpub"]
CONFIG = """\
base_url = "https://presse.example.de/feeds/"
title = "Pressemitteilungen des Landkreises Musterland"
publisher = "Landkreis Musterland, Pressestelle"
tag_authority = "presse.example.de"
tag_date = "2024-01-01"
max_entries = 20
"""
#: A paragraph inserted before the authors line: an edit that changes a release's page.
ADDENDUM = "Ergänzung der Redaktion: Die Sprechzeiten gelten auch in den Schulferien."

Variant = dict[str, bytes]


# ---------------------------------------------------------------------------------------------
# Inputs


@cache
def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("generate", ROOT / "bench" / "generate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def read_tree(folder: Path) -> Variant:
    """Every file below ``folder`` (releases and their pictures) by relative path."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }


def generated(tmp_path: Path, count: int, seed: int) -> Variant:
    """``count`` synthetic releases (bench/generate.py, 12 departments, some cp1252/CRLF/BOM),
    without those dated within two days of today: a release whose time comes during the test
    would make two builds of the same input differ (releases dated later are held back)."""
    folder = tmp_path / f"generated-{count}-{seed}"
    _generator().generate(folder, count, seed)
    today = _today()
    return {
        name: data for name, data in read_tree(folder).items() if abs((_day(name) - today).days) > 2
    }


def _today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def _day(name: str) -> dt.date:
    """The release day, from the generated file name (``YYYY-MM-DD-word-i.txt``)."""
    return dt.date.fromisoformat(name.rsplit("/", 1)[-1][:10])


def corrected(base: Variant, every: int) -> tuple[Variant, Variant]:
    """Two versions of ``base`` that differ in every ``every``-th release (of those dated at
    least four days ago): the second has one more paragraph. Both state a correction time
    (``Aktualisiert:`` below the date line, one and two days after the release), because a
    build that sees an unstated edit shows it as updated at that moment, which no clean build
    reproduces; a stated time is the same whatever the history."""
    first, second = dict(base), dict(base)
    today = _today()
    chosen = [name for name in sorted(base) if (today - _day(name)).days > 3][::every]
    for name in chosen:
        data = base[name]
        newline = b"\r\n" if b"\r\n" in data else b"\n"
        encoding = "utf-8" if _is_utf8(data) else "cp1252"
        for version, days in ((first, 1), (second, 2)):
            version[name] = _stated(data, _day(name) + dt.timedelta(days=days), newline)
        at = second[name].rindex(b"Autor/in:")
        addendum = ADDENDUM.encode(encoding) + newline * 2
        second[name] = second[name][:at] + addendum + second[name][at:]
    return first, second


def _stated(data: bytes, day: dt.date, newline: bytes = b"\n") -> bytes:
    """``data`` with ``Aktualisiert: <day>`` below its date line (the line after the optional
    page label ``Seiteninhalt``)."""
    lines = data.split(newline)
    at = 2 if lines[0].removeprefix(b"\xef\xbb\xbf") == b"Seiteninhalt" else 1
    lines.insert(at, f"Aktualisiert: {day:%d.%m.%Y}".encode())
    return newline.join(lines)


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def reshuffled(base: Variant, extra: Variant, every: int) -> Variant:
    """``base`` without every ``every``-th release, plus ``extra`` under new names: most in the
    existing departments, one department's share in a new department folder."""
    result = {name: data for i, (name, data) in enumerate(sorted(base.items())) if i % every}
    first = min(name.split("/", 1)[0] for name in extra)
    for name, data in extra.items():
        department, rest = name.split("/", 1)
        if department == first:
            result[f"Kreisarchiv/{rest}"] = data
        else:
            result[f"{department}/neu-{rest}"] = data
    return result


def materialize(variant: Variant, folder: Path) -> None:
    """Make ``folder`` hold exactly ``variant``: files that are already right are left alone
    (their mtimes stay), empty folders go."""
    folder.mkdir(parents=True, exist_ok=True)
    for path in sorted(folder.rglob("*")):
        if path.is_file() and path.relative_to(folder).as_posix() not in variant:
            path.unlink()
    for name, data in variant.items():
        path = folder / name
        if not path.exists() or path.read_bytes() != data:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
    for path in sorted(folder.rglob("*"), reverse=True):
        if path.is_dir() and not any(path.iterdir()):
            path.rmdir()


def write_config(tmp_path: Path) -> Path:
    path = tmp_path / "feedpub.toml"
    path.write_text(CONFIG, "utf-8")
    return path


# ---------------------------------------------------------------------------------------------
# Running feedpub


def _environment() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("FEEDPUB_")}


def _command(releases: Path, out: Path, config: Path, *extra: str) -> list[str]:
    args = ["build", "--releases", str(releases), "--out", str(out), "--config", str(config)]
    return [*FEEDPUB, *args, *extra]


@contextlib.contextmanager
def _sessions(cwd: Path) -> Iterator[Callable[[list[str]], subprocess.Popen[str]]]:
    """Start commands in sessions of their own; whatever is left of those sessions (a
    forked second process of a killed build) is killed at the end."""
    started: list[subprocess.Popen[str]] = []

    def start(command: list[str]) -> subprocess.Popen[str]:
        process = subprocess.Popen(
            command,
            cwd=cwd,
            env=_environment(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        started.append(process)
        return process

    try:
        yield start
    finally:
        for process in started:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.communicate(timeout=TIMEOUT)


@pytest.fixture
def spawn(tmp_path: Path) -> Iterator[Callable[..., subprocess.Popen[str]]]:
    """Start ``feedpub build`` in a session of its own; whatever is left of the sessions
    started here (a forked second process of a killed build) is killed at the end."""
    with _sessions(tmp_path) as session:
        yield lambda releases, out, config, *extra: session(_command(releases, out, config, *extra))


def run_build(
    releases: Path, out: Path, config: Path, *extra: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        _command(releases, out, config, *extra),
        cwd=config.parent,
        env=_environment(),
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )


def build_ok(releases: Path, out: Path, config: Path, context: str = "") -> float:
    """A build that must succeed silently; returns its wall time (start-up included)."""
    start = time.monotonic()
    result = run_build(releases, out, config)
    elapsed = time.monotonic() - start
    assert (result.returncode, result.stdout, result.stderr) == (EXIT_OK, "", ""), context
    return elapsed


def repair(releases: Path, out: Path, config: Path, context: str) -> None:
    """The build after a killed one. Exit 75 is allowed for a few seconds only: a second
    process of the killed build may need a moment to notice and end."""
    deadline = time.monotonic() + 10
    while True:
        result = run_build(releases, out, config)
        if result.returncode != EXIT_LOCKED or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert (result.returncode, result.stdout, result.stderr) == (EXIT_OK, "", ""), (
        f"{context}: the build after the kill failed"
    )


def clean_builds(variants: dict[str, Variant], tmp_path: Path, config: Path) -> dict[str, Variant]:
    """What clean builds of ``variants`` into fresh folders publish (run side by side)."""
    started: dict[str, subprocess.Popen[str]] = {}
    try:
        for name, variant in variants.items():
            releases = tmp_path / f"clean-{name}" / "releases"
            materialize(variant, releases)
            started[name] = subprocess.Popen(
                _command(releases, releases.parent / "feeds", config),
                cwd=config.parent,
                env=_environment(),
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
        outputs = {}
        for name, process in started.items():
            stdout, stderr = process.communicate(timeout=TIMEOUT)
            assert (process.returncode, stdout, stderr) == (EXIT_OK, "", ""), name
            outputs[name] = published(tmp_path / f"clean-{name}" / "feeds")
        return outputs
    finally:
        for process in started.values():
            if process.poll() is None:
                process.kill()
                process.communicate(timeout=TIMEOUT)


def invoke(*args: str | Path) -> Result:
    """The CLI in this process (so that a fault can be patched in)."""
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


# ---------------------------------------------------------------------------------------------
# Looking at the output


def _hidden(relative: Path) -> bool:
    return any(part.startswith(".") for part in relative.parts)


def published(out: Path) -> Variant:
    """Every published (non-hidden) file below ``out`` with its bytes."""
    return {
        path.relative_to(out).as_posix(): path.read_bytes()
        for path in sorted(out.rglob("*"))
        if path.is_file() and not _hidden(path.relative_to(out))
    }


def temporaries(out: Path) -> list[str]:
    return sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.name.endswith(".tmp"))


def assert_same(actual: Variant, expected: Variant, context: str) -> None:
    missing = sorted(expected.keys() - actual.keys())
    extra = sorted(actual.keys() - expected.keys())
    differ = sorted(k for k in expected.keys() & actual.keys() if actual[k] != expected[k])
    assert not (missing or extra or differ), (
        f"{context}: not what a clean build publishes: {len(missing)} missing {missing[:3]}, "
        f"{len(extra)} extra {extra[:3]}, {len(differ)} with other bytes {differ[:3]}"
    )


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.starts: list[str] = []
        self.ends: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.starts.append(tag)

    def handle_endtag(self, tag: str) -> None:
        self.ends.append(tag)


def check_whole(path: Path, relative: str) -> None:
    """One published file is complete and well-formed (raises AssertionError if not)."""
    data = path.read_bytes()
    assert data, f"{relative} is empty"
    if path.suffix in (".xml", ".opml"):
        try:
            root = ET.fromstring(data)
        except ET.ParseError as exc:
            raise AssertionError(f"{relative} is not well-formed XML: {exc}") from None
        expected = {
            "atom.xml": "{http://www.w3.org/2005/Atom}feed",
            "rss.xml": "rss",
            "feeds.opml": "opml",
        }.get(path.name)
        assert expected is None or root.tag == expected, f"{relative}: root {root.tag}"
    elif path.suffix == ".html":
        text = data.decode("utf-8")
        assert text.rstrip().endswith("</html>"), f"{relative} does not end with </html>"
        tags = _Tags()
        tags.feed(text)
        tags.close()
        assert {"html", "head", "body"} <= set(tags.starts), f"{relative}: {tags.starts[:5]}"
        assert {"head", "body"} <= set(tags.ends), f"{relative} is cut short"
        assert tags.ends[-1] == "html", f"{relative} does not end with </html>"


class Inspector:
    """Checks that every file in an output folder is whole; a file already checked with the
    same inode, size and mtime is not parsed again (a kill loop sees thousands of them)."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self._good: set[tuple[str, int, int, int]] = set()

    def check(self, context: str) -> None:
        for path in sorted(self.out.rglob("*")):
            relative = path.relative_to(self.out)
            if not path.is_file() or path.name.endswith(".tmp"):
                continue  # a killed build's temporary: the next build removes it
            if _hidden(relative) and path.suffix != ".json":
                continue
            stat = path.stat()
            key = (relative.as_posix(), stat.st_ino, stat.st_size, stat.st_mtime_ns)
            if key in self._good:
                continue
            try:
                if _hidden(relative):
                    json.loads(path.read_bytes())
                else:
                    check_whole(path, relative.as_posix())
            except (AssertionError, ValueError) as exc:
                raise AssertionError(f"{context}: {relative}: {exc}") from None
            self._good.add(key)


# ---------------------------------------------------------------------------------------------
# 1. Killed builds


KILL_SEED = 20261126
KILLS = 16
KILL_RELEASES = 500


def test_a_build_killed_at_any_moment_leaves_whole_files_and_is_repaired(
    tmp_path: Path, spawn: Callable[..., subprocess.Popen[str]]
) -> None:
    """SIGKILL ``feedpub build`` after a random delay within a build's duration, again and
    again, while the input switches between variants (edits, deletions, additions, a new
    department): after every kill each published file is whole; after every other kill the
    next build must leave exactly a clean build's output, the kills in between pile damage on
    damage; in the end nothing is left but a clean build's files."""
    rng = random.Random(KILL_SEED)
    config = write_config(tmp_path)
    first, second = corrected(generated(tmp_path, KILL_RELEASES, 1), 3)
    variants = {
        "first": first,
        "edited": second,
        "reshuffled": reshuffled(first, generated(tmp_path, KILL_RELEASES // 6, 2), 5),
    }
    releases, out = tmp_path / "releases", tmp_path / "feeds"
    materialize(first, releases)
    build_ok(releases, out, config)
    references = {"first": published(out)}  # that was a clean build into a fresh folder
    references |= clean_builds(
        {name: variants[name] for name in ("edited", "reshuffled")}, tmp_path, config
    )
    # The kinds of build that get killed, each timed (start-up included).
    duration = 0.0
    for current in ("edited", "reshuffled"):
        materialize(variants[current], releases)
        duration = max(duration, build_ok(releases, out, config, current))
        assert_same(published(out), references[current], f"an uninterrupted build of {current}")
    inspector = Inspector(out)
    landed = 0
    for kill in range(KILLS):
        current = rng.choice(sorted(set(variants) - {current}))
        materialize(variants[current], releases)
        share = rng.random()
        delay = share * duration
        context = (
            f"seed {KILL_SEED}, kill {kill}: a build of {current!r} killed after {delay:.3f} s "
            f"({share:.2f} of {duration:.3f} s)"
        )
        process = spawn(releases, out, config)
        time.sleep(delay)
        if process.poll() is None:
            landed += 1
            process.send_signal(signal.SIGKILL)
        stdout, stderr = process.communicate(timeout=TIMEOUT)
        assert process.returncode in (EXIT_OK, -signal.SIGKILL), f"{context}: {stderr}"
        if process.returncode == EXIT_OK:
            assert (stdout, stderr) == ("", ""), context
        inspector.check(context)
        if kill % 2:
            repair(releases, out, config, context)
            assert_same(published(out), references[current], f"{context}, then a build")
            inspector.check(f"{context}, then a build")
    assert landed >= KILLS // 3, f"only {landed} of {KILLS} kills hit a running build"
    repair(releases, out, config, "the final build")
    assert_same(published(out), references[current], "the final build")
    assert temporaries(out) == [], "temporary files of killed builds were left"
    build_ok(releases, out, config, "a build with nothing changed")
    assert_same(published(out), references[current], "a build with nothing changed")
    assert temporaries(out) == []


# ---------------------------------------------------------------------------------------------
# 2. Two builds at once


def test_two_builds_started_together_one_builds_the_other_exits_75(
    tmp_path: Path, spawn: Callable[..., subprocess.Popen[str]]
) -> None:
    config = write_config(tmp_path)
    for attempt, count in enumerate((400, 1500, 4000)):
        variant = generated(tmp_path, count, 3)
        reference = clean_builds({f"race-{count}": variant}, tmp_path, config)[f"race-{count}"]
        releases, out = tmp_path / f"releases-{count}", tmp_path / f"feeds-{count}"
        materialize(variant, releases)
        processes = [spawn(releases, out, config), spawn(releases, out, config)]
        results = [(p.communicate(timeout=TIMEOUT), p.returncode) for p in processes]
        codes = sorted(code for _, code in results)
        if codes == [EXIT_OK, EXIT_OK] and attempt < 2:
            continue  # one was done before the other started: try again with more to build
        assert codes == [EXIT_OK, EXIT_LOCKED], f"{count} releases: {results}"
        for (stdout, stderr), code in results:
            assert stdout == ""
            if code == EXIT_OK:
                assert stderr == ""
            else:
                lines = stderr.splitlines()
                assert len(lines) == 1 and "lock" in lines[0].lower(), stderr
        assert_same(published(out), reference, f"{count} releases, two builds")
        assert temporaries(out) == []
        return


def _lock_file(out: Path) -> Path:
    """The lock of a built output folder: the one hidden path named like a lock."""
    found = [
        path
        for path in out.rglob("*")
        if path.is_file() and _hidden(path.relative_to(out)) and "lock" in path.name.lower()
    ]
    assert len(found) == 1, f"expected one lock file below {out}, found {found}"
    return found[0]


def test_wait_waits_for_the_lock_and_gives_up_after_its_time(
    tmp_path: Path, spawn: Callable[..., subprocess.Popen[str]]
) -> None:
    config = write_config(tmp_path)
    releases, out = tmp_path / "releases", tmp_path / "feeds"
    shutil.copytree(SAMPLE_RELEASES, releases)
    reference = clean_builds({"reference": read_tree(releases)}, tmp_path, config)["reference"]
    build_ok(releases, out, config)
    (releases / "Jobcenter" / "2024-09-18-jobmesse-musterstadt.txt").unlink()
    changed = clean_builds({"changed": read_tree(releases)}, tmp_path, config)["changed"]
    lock = os.open(_lock_file(out), os.O_RDWR)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        refused = run_build(releases, out, config)
        assert refused.returncode == EXIT_LOCKED, f"not refused while the lock is held: {refused}"
        start = time.monotonic()
        gave_up = run_build(releases, out, config, "--wait", "0.3")
        waited = time.monotonic() - start
        assert gave_up.returncode == EXIT_LOCKED, gave_up
        assert waited >= 0.3, f"gave up after {waited:.2f} s"
        lines = gave_up.stderr.splitlines()
        assert len(lines) == 1 and "lock" in lines[0].lower(), gave_up.stderr
        start = time.monotonic()
        waiting = spawn(releases, out, config, "--wait", "5")
        time.sleep(1.0)
        assert waiting.poll() is None, f"--wait 5 did not wait: {waiting.communicate()}"
        assert_same(published(out), reference, "while --wait 5 waits")
    finally:
        os.close(lock)  # releases the flock
    stdout, stderr = waiting.communicate(timeout=TIMEOUT)
    assert (waiting.returncode, stdout, stderr) == (EXIT_OK, "", "")
    assert time.monotonic() - start >= 1.0
    assert_same(published(out), changed, "after --wait 5")


# ---------------------------------------------------------------------------------------------
# 3. A full disk


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 16 MiB tmpfs mounted in tmp_path (root only; skipped where it cannot be mounted)."""
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    disk = tmp_path / "disk"
    disk.mkdir()
    try:
        mounted = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=16m,mode=0755", "tmpfs", str(disk)],
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
            check=False,
        )
    except OSError as exc:
        pytest.skip(f"cannot run mount: {exc}")
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    try:
        yield disk
    finally:
        subprocess.run(["umount", "-l", str(disk)], capture_output=True, timeout=TIMEOUT)


def fill(disk: Path, leave: int) -> Path:
    """Fill ``disk`` until about ``leave`` bytes are free."""
    stat = os.statvfs(disk)
    size = max(0, stat.f_bavail * stat.f_frsize - leave)
    filler = disk / "filler"
    chunk = b"\0" * (1 << 20)
    with open(filler, "wb") as handle:
        with contextlib.suppress(OSError):
            while size > 0:
                size -= handle.write(chunk[: min(size, len(chunk))])
            handle.flush()
    return filler


def test_a_full_disk_keeps_what_was_published(tmp_path: Path, small_disk: Path) -> None:
    """On a real full file system (a small tmpfs filled to leave 0 %, 30 % and 60 % of the
    space the changed files need), a build exits 74 saying that there is no space, and every
    published file keeps its old bytes; with space again, the next build publishes
    everything. The input switches back and forth, so both growing and shrinking are
    tried."""
    config = write_config(tmp_path)
    old, edited = corrected(generated(tmp_path, 120, 4), 2)
    inputs = {"old": old, "new": reshuffled(edited, generated(tmp_path, 30, 5), 7)}
    outputs = clean_builds(inputs, tmp_path, config)
    releases, out = tmp_path / "releases", small_disk / "feeds"
    current = "old"
    materialize(inputs[current], releases)
    build_ok(releases, out, config)
    failures = 0
    for share in (0.0, 0.3, 0.6):
        target = "new" if current == "old" else "old"
        need = sum(
            len(data)
            for name, data in outputs[target].items()
            if outputs[current].get(name) != data
        )
        context = f"{target} releases, {int(share * need)} bytes free for {need} bytes"
        materialize(inputs[target], releases)
        filler = fill(small_disk, int(share * need))
        result = run_build(releases, out, config)
        if result.returncode == EXIT_CANNOT_WRITE:
            failures += 1
            assert result.stdout == "" and "Traceback" not in result.stderr, context
            # README: "the message names the file"; for ENOSPC from write(2), which carries
            # no file name, it names the output folder: accepted here (reported).
            assert str(out) in result.stderr, f"{context}: names nothing: {result.stderr}"
            assert "No space left on device" in result.stderr, f"{context}: {result.stderr}"
            assert_same(published(out), outputs[current], f"{context}: after exit 74")
            assert temporaries(out) == [], f"{context}: temporaries left"
        else:
            assert result.returncode == EXIT_OK, f"{context}: {result}"
            assert_same(published(out), outputs[target], f"{context}: after exit 0")
        filler.unlink()
        build_ok(releases, out, config, f"{context}: with space again")
        assert_same(published(out), outputs[target], f"{context}: with space again")
        assert temporaries(out) == []
        current = target
    assert failures >= 1, "no build ran out of space"


@pytest.fixture
def faulty_disk(tmp_path: Path) -> tuple[Path, Path, Path, Variant, Variant]:
    """Releases changed since the output was built, both outputs' clean bytes and the config:
    (releases, built output, config, old output, new output)."""
    config = write_config(tmp_path)
    old, edited = corrected(generated(tmp_path, 60, 6), 2)
    new = reshuffled(edited, generated(tmp_path, 15, 7), 5)
    outputs = clean_builds({"old": old, "new": new}, tmp_path, config)
    old_output, new_output = outputs["old"], outputs["new"]
    releases, built = tmp_path / "releases", tmp_path / "built"
    materialize(old, releases)
    built_once = invoke("build", "--releases", releases, "--out", built, "--config", config)
    assert built_once.exit_code == EXIT_OK, built_once.stderr
    materialize(new, releases)
    return releases, built, config, old_output, new_output


class Faults:
    """Builds into copies of one built output folder while ``os.write`` (or ``os.replace``
    and ``os.rename``) on files in the copy fails with ENOSPC at its N-th call."""

    def __init__(
        self,
        tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch,
        disk: tuple[Path, Path, Path, Variant, Variant],
        names: tuple[str, ...],
    ) -> None:
        self.tmp_path, self.monkeypatch, self.names = tmp_path, monkeypatch, names
        self.releases, self.built, self.config, self.old, self.new = disk
        self.real = {name: getattr(os, name) for name in names}

    def build(self, out: Path) -> Result:
        return invoke("build", "--releases", self.releases, "--out", out, "--config", self.config)

    def attempt(self, fail_at: int | None) -> tuple[Result, list[tuple[str, str]], Path]:
        """A build into a fresh copy of the built output whose ``fail_at``-th call fails
        (None: none); returns the result, the calls made as (name, path relative to the
        output folder; for a rename its target) and the output folder."""
        out = self.tmp_path / f"out-{fail_at}"
        shutil.copytree(self.built, out, symlinks=True)
        prefix = os.path.realpath(out) + os.sep
        calls: list[tuple[str, str]] = []

        def relative(path: object) -> str | None:
            if isinstance(path, int):
                where = _target(path)
            elif isinstance(path, str | Path):
                where = os.path.realpath(path)
            else:
                return None
            return where[len(prefix) :] if where.startswith(prefix) else None

        def wrap(name: str) -> Callable[..., object]:
            real = self.real[name]

            def faulty(first: object, *args: object, **kwargs: object) -> object:
                where = relative(first if name == "write" else args[0] if args else None)
                if where is not None:
                    if len(calls) == fail_at:
                        raise _no_space(name, first, *args)
                    calls.append((name, where))
                return real(first, *args, **kwargs)

            return faulty

        with self.monkeypatch.context() as patch:
            for name in self.names:
                patch.setattr(os, name, wrap(name))
            result = self.build(out)
        return result, calls, out

    def check_failed(self, fail_at: int, context: str) -> Path:
        """The build whose ``fail_at``-th call fails exits 74, says why and leaves no
        temporaries; then the next build publishes exactly the new output."""
        result, _, out = self.attempt(fail_at)
        assert result.exit_code == EXIT_CANNOT_WRITE, f"{context}: {result.exit_code}"
        assert result.stdout == "", context
        # README: "the message names the file". For ENOSPC from write(2), which carries no
        # file name, it names the output folder: accepted here (reported).
        assert str(out) in result.stderr, f"{context}: names nothing: {result.stderr}"
        assert "No space left on device" in result.stderr, f"{context}: {result.stderr}"
        assert temporaries(out) == [], f"{context}: temporaries left"
        return out

    def check_repaired(self, out: Path, context: str) -> None:
        repaired = self.build(out)
        assert repaired.exit_code == EXIT_OK, f"{context}, then a build: {repaired.stderr}"
        assert_same(published(out), self.new, f"{context}, then a build")
        assert temporaries(out) == []


def _no_space(call: str, *args: object) -> OSError:
    """ENOSPC as the real call raises it: os.write names no file, a rename both."""
    message = os.strerror(errno.ENOSPC)
    if call == "write":
        return OSError(errno.ENOSPC, message)
    return OSError(errno.ENOSPC, message, str(args[0]), None, str(args[1]))


def _target(fd: int) -> str:
    try:
        return os.readlink(f"/proc/self/fd/{fd}")
    except OSError:
        return ""


def _spread(indexes: list[int]) -> list[int]:
    """The first, second, last, one before the last and the quartiles of ``indexes``."""
    if not indexes:
        return []
    picks = {0, 1, len(indexes) // 4, len(indexes) // 2, 3 * len(indexes) // 4}
    picks |= {len(indexes) - 2, len(indexes) - 1}
    return sorted({indexes[i] for i in picks if 0 <= i < len(indexes)})


def _publishing_renames(calls: list[tuple[str, str]]) -> list[int]:
    """Indexes of the renames that put a published (non-hidden) file into place."""
    return [
        i for i, (name, where) in enumerate(calls) if name != "write" and not _hidden(Path(where))
    ]


@pytest.mark.parametrize(
    "phase",
    [
        "before the renames",
        "after the renames",
    ],
)
def test_a_failing_write_keeps_what_was_published(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    faulty_disk: tuple[Path, Path, Path, Variant, Variant],
    phase: str,
) -> None:
    """No root needed: ``os.write`` to a file in the output folder fails with ENOSPC at its
    N-th call, for N spread over the writes of the build before the first published file is
    renamed into place (staging) or after the last (bookkeeping). A build that exits 74 has
    changed no published file, leaves no temporaries, and the next build publishes
    exactly the new output."""
    faults = Faults(tmp_path, monkeypatch, faulty_disk, ("write", "replace", "rename"))
    probe, calls, out = faults.attempt(None)
    assert probe.exit_code == EXIT_OK, probe.stderr
    assert_same(published(out), faults.new, "the build without a fault")
    writes = [i for i, (name, _) in enumerate(calls) if name == "write"]
    renames = _publishing_renames(calls)
    assert writes and renames, f"no os.write or no os.replace/os.rename seen: {calls[:5]}"
    if phase == "before the renames":
        chosen = [i for i in writes if i < renames[0]]
        assert chosen, "nothing is written before the renames"
    else:
        chosen = [i for i in writes if i > renames[-1]]
    for fail_at in _spread(chosen):
        context = f"call {fail_at} of {len(calls)} ({calls[fail_at][1]}) fails, {phase}"
        out = faults.check_failed(fail_at, context)
        assert_same(published(out), faults.old, context)
        faults.check_repaired(out, context)


def test_a_failing_rename_leaves_old_or_new_files(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    faulty_disk: tuple[Path, Path, Path, Variant, Variant],
) -> None:
    """``os.replace``/``os.rename`` into the output folder fails with ENOSPC (a folder that
    cannot grow) at its N-th call, for N spread over all of them. Renames done cannot be
    undone, so each published file may be old or new, but never anything else; the build
    exits 74, leaves no temporaries, and the next build publishes exactly the new output."""
    faults = Faults(tmp_path, monkeypatch, faulty_disk, ("replace", "rename"))
    probe, calls, out = faults.attempt(None)
    assert probe.exit_code == EXIT_OK, probe.stderr
    assert calls, "os.replace/os.rename is never called: the fault needs another hook"
    for fail_at in _spread(list(range(len(calls)))):
        context = f"rename {fail_at} of {len(calls)} ({calls[fail_at][1]}) fails"
        out = faults.check_failed(fail_at, context)
        torn = [
            name
            for name, data in published(out).items()
            if data not in (faults.old.get(name), faults.new.get(name))
        ]
        assert torn == [], f"{context}: neither old nor new bytes: {torn[:3]}"
        faults.check_repaired(out, context)


# ---------------------------------------------------------------------------------------------
# 4. A release folder that cannot be read


@pytest.mark.parametrize("blocked", ["Gesundheitsamt", "Gesundheitsamt/2026"])
def test_an_unreadable_release_folder_is_an_error_for_that_folder_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, blocked: str
) -> None:
    """Root reads any folder, so the failure is simulated: listing one department's folder
    (or a year folder in it) raises PermissionError. The build reports that folder alone
    (exit 1, one line), publishes every other department's changes and keeps everything the
    department published; once the folder can be read again, its changes are published."""
    config = write_config(tmp_path)
    releases, out = tmp_path / "releases", tmp_path / "feeds"
    shutil.copytree(SAMPLE_RELEASES, releases)
    health = releases / "Gesundheitsamt"
    (health / "2026").mkdir()
    for path in sorted(health.glob("2026-*.txt")):
        path.rename(health / "2026" / path.name)
    old = read_tree(releases)
    assert invoke("build", "--releases", releases, "--out", out, "--config", config).exit_code == 0
    before = published(out)
    # Changes in a readable department and in the department that will be unreadable.
    jobcenter = releases / "Jobcenter" / "2024-09-18-jobmesse-musterstadt.txt"
    edit = _stated(jobcenter.read_bytes(), dt.date(2024, 9, 19))  # stated: see corrected()
    at = edit.rindex(b"Autor/in:")
    jobcenter.write_bytes(edit[:at] + f"{ADDENDUM}\n\n".encode() + edit[at:])
    for path in sorted((releases / blocked).glob("*.txt"))[:1]:
        path.unlink()
    (releases / blocked / "2025-10-20-neue-sprechzeiten.txt").write_text(
        "20.10.2025\n\nNeue Sprechzeiten im Gesundheitsamt\n\nAb Dezember länger geöffnet.\n",
        "utf-8",
    )
    new = read_tree(releases)
    # Expected while blocked: the readable changes, the blocked folder as it was.
    hidden_part = {k: v for k, v in old.items() if k.startswith(f"{blocked}/")}
    shown = {k: v for k, v in new.items() if not k.startswith(f"{blocked}/")} | hidden_part
    outputs = clean_builds({"blocked": shown, "all": new}, tmp_path, config)
    while_blocked, after_all = outputs["blocked"], outputs["all"]

    folder = os.path.realpath(releases / blocked)
    real_scandir, real_listdir = os.scandir, os.listdir

    def refuse(path: object) -> None:
        if isinstance(path, str | Path) and os.path.realpath(path) == folder:
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(path))

    def scandir(path: object = ".") -> object:
        refuse(path)
        return real_scandir(path)  # type: ignore[call-overload]

    def listdir(path: object = ".") -> object:
        refuse(path)
        return real_listdir(path)  # type: ignore[call-overload]

    with monkeypatch.context() as patch:
        patch.setattr(os, "scandir", scandir)
        patch.setattr(os, "listdir", listdir)
        result = invoke("build", "--releases", releases, "--out", out, "--config", config)
    assert result.exit_code == EXIT_BAD_RELEASES, result.stderr
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert str(releases / blocked) in lines[0] and os.strerror(errno.EACCES) in lines[0], lines
    after = published(out)
    kept = {k: v for k, v in before.items() if k.startswith("gesundheitsamt/")}
    assert {k: v for k, v in after.items() if k.startswith("gesundheitsamt/")} == kept
    page = "jobcenter/2024-09-18-jobmesse-musterstadt.html"
    assert after[page] != before[page]
    assert_same(after, while_blocked, f"{blocked} unreadable")
    assert invoke("build", "--releases", releases, "--out", out, "--config", config).exit_code == 0
    assert_same(published(out), after_all, f"{blocked} readable again")


# ---------------------------------------------------------------------------------------------
# 5. No empty folders left behind

#: ``feedpub`` as a program with a hook: the code of argv[1] runs first, then the command
#: line argv[2:]. Real builds, real signals, real forks; the hook only slows a build down or
#: kills it at a chosen step, so that a test needs no lucky timing. SIGINT is set as a
#: terminal leaves it, also where the tests run with it ignored (started with ``&``).
_HOOKED = (
    "import signal, sys; signal.signal(signal.SIGINT, signal.default_int_handler); "
    "exec(sys.argv[1]); from feedpub.cli import cli; cli(sys.argv[2:])"
)
#: The build kills itself (SIGKILL) when it is about to write its first file into the folder
#: of the department Kreisarchiv, which it has just created.
KILLED_IN_KREISARCHIV = """
import os, signal
_open = os.open
def _open_or_die(path, *args, **kwargs):
    if "/kreisarchiv/" in str(path) and str(path).endswith(".tmp"):
        os.kill(os.getpid(), signal.SIGKILL)
    return _open(path, *args, **kwargs)
os.open = _open_or_die
"""


def folders(out: Path) -> list[str]:
    return sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_dir())


def empty_folders(out: Path) -> list[str]:
    return [name for name in folders(out) if not any((out / name).iterdir())]


@pytest.fixture
def hooked(tmp_path: Path) -> Iterator[Callable[..., subprocess.Popen[str]]]:
    """Start ``feedpub build`` with a hook (see _HOOKED) in a session of its own, like
    ``spawn``; whatever is left of those sessions is killed at the end."""
    with _sessions(tmp_path) as session:

        def start(hook: str, releases: Path, out: Path, config: Path) -> subprocess.Popen[str]:
            args = ["build", "--releases", releases, "--out", out, "--config", config]
            return session([sys.executable, "-c", _HOOKED, hook, *map(str, args)])

        yield start


@pytest.fixture
def with_new_department(tmp_path: Path) -> tuple[Path, Path, Path]:
    """The sample releases built, two folders an admin made in the output (one empty, one
    in a department's folder), then a new department Kreisarchiv: (releases, out, config)."""
    config = write_config(tmp_path)
    releases, out = tmp_path / "releases", tmp_path / "feeds"
    shutil.copytree(SAMPLE_RELEASES, releases)
    build_ok(releases, out, config)
    (out / "downloads").mkdir()
    (out / "jobcenter" / "extra").mkdir()
    (releases / "Kreisarchiv").mkdir()
    (releases / "Kreisarchiv" / "2025-05-05-archivtag.txt").write_text(
        "05.05.2025\n\nTag der offenen Tür im Kreisarchiv\n\nAm Samstag öffnet das Archiv.\n",
        "utf-8",
    )
    return releases, out, config


def test_a_failing_build_removes_the_folders_it_created(
    monkeypatch: pytest.MonkeyPatch, with_new_department: tuple[Path, Path, Path]
) -> None:
    """The first write into the new department's folder fails (ENOSPC): exit 74, and the
    folder that build created is gone again; the admin's folders, feeds/ and feeds/.feedpub
    stay, and every published file is as it was."""
    releases, out, config = with_new_department
    before, before_folders = published(out), folders(out)
    assert "downloads" in before_folders and "jobcenter/extra" in before_folders
    real_write = os.write

    def write(fd: int, data: bytes) -> int:
        if "/kreisarchiv/" in _target(fd):
            raise _no_space("write", fd)
        return real_write(fd, data)

    with monkeypatch.context() as patch:
        patch.setattr(os, "write", write)
        result = invoke("build", "--releases", releases, "--out", out, "--config", config)
    assert result.exit_code == EXIT_CANNOT_WRITE, result.stderr
    assert folders(out) == before_folders
    assert temporaries(out) == []
    assert_same(published(out), before, "after the failed build")


def test_the_build_after_a_killed_one_removes_the_empty_folders_it_left(
    tmp_path: Path,
    hooked: Callable[..., subprocess.Popen[str]],
    with_new_department: tuple[Path, Path, Path],
) -> None:
    """A build is killed (SIGKILL) right after it created the new department's folder; then
    the department is deleted again. The next build removes that empty folder, keeps the
    admin's empty folders, and leaves exactly a clean build's files."""
    releases, out, config = with_new_department
    before_folders = folders(out)
    killed = hooked(KILLED_IN_KREISARCHIV, releases, out, config)
    killed.communicate(timeout=TIMEOUT)
    assert killed.returncode == -signal.SIGKILL
    assert empty_folders(out) == ["downloads", "jobcenter/extra", "kreisarchiv"]
    shutil.rmtree(releases / "Kreisarchiv")
    build_ok(releases, out, config, "the build after the killed one")
    assert folders(out) == before_folders
    assert temporaries(out) == []
    reference = clean_builds({"sample": read_tree(releases)}, tmp_path, config)["sample"]
    assert_same(published(out), reference, "the build after the killed one")


# ---------------------------------------------------------------------------------------------
# 6. Ctrl-C, and a build whose first process is killed

EXIT_INTERRUPTED = 130
#: Enough releases for a build in two processes (feedpub.processes.PARALLEL_MIN is 2,000).
TWO_PROCESS_RELEASES = 2100
#: Every release takes 2 ms longer to read: the second process of a build of
#: TWO_PROCESS_RELEASES works for at least two seconds, on any machine.
SLOW = """
import time, feedpub.parse
_read = feedpub.parse.read_release
def _slow(*args, **kwargs):
    time.sleep(0.002)
    return _read(*args, **kwargs)
feedpub.parse.read_release = _slow
"""


def small_releases(folder: Path, count: int) -> Path:
    """``count`` short releases in six departments, dated 2020 to 2023 (written directly:
    thousands in a fraction of a second)."""
    start = dt.date(2020, 1, 1)
    for i in range(count):
        day = start + dt.timedelta(days=i % 1400)
        path = folder / f"Amt {i % 6}" / f"{day:%Y-%m-%d}-meldung-{i}.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"{day:%d.%m.%Y}\n\nMeldung {i}\n\nText der Meldung {i}.\n", "utf-8")
    return folder


def second_process(first: subprocess.Popen[str], out: Path) -> int:
    """The id of the build's second process, once it has staged a file in ``out`` (read from
    Linux's /proc; skips elsewhere)."""
    children = Path(f"/proc/{first.pid}/task/{first.pid}/children")
    if not children.exists():
        pytest.skip("no /proc/PID/task/PID/children here")
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        assert first.poll() is None, f"the build ended first: {first.communicate()}"
        for pid in children.read_text().split():
            mark = temporary_name("", "", int(pid))[1:]  # ".fp<pid>.tmp"
            staged = [n for _, _, names in os.walk(out) for n in names if n.endswith(mark)]
            if staged:
                return int(pid)
        time.sleep(0.01)
    raise AssertionError("no second process staged anything")


two_processes = pytest.mark.skipif(
    not can_fork() or cores() < 2, reason="a build uses one process here"
)


@two_processes
@pytest.mark.parametrize("to", ["both processes", "the first process"])
def test_ctrl_c_exits_130_and_leaves_the_output_as_it_was(
    tmp_path: Path, hooked: Callable[..., subprocess.Popen[str]], to: str
) -> None:
    """SIGINT while both processes of a build work (from a terminal, Ctrl-C reaches the
    whole process group; ``kill -INT`` the first process only): exit 130 with one line, no
    temporaries of either process, no folder the build made, and every published file as it
    was (README, "Exit codes": Ctrl-C waits while files are being put into place)."""
    config = write_config(tmp_path)
    out = tmp_path / "feeds"
    sample = shutil.copytree(SAMPLE_RELEASES, tmp_path / "sample")
    build_ok(sample, out, config)
    before, before_folders = published(out), folders(out)
    # The published releases stay (else the build would refuse to unpublish all of them).
    releases = small_releases(shutil.copytree(sample, tmp_path / "releases"), TWO_PROCESS_RELEASES)
    first = hooked(SLOW, releases, out, config)
    second_process(first, out)
    if to == "both processes":
        os.killpg(first.pid, signal.SIGINT)
    else:
        first.send_signal(signal.SIGINT)
    stdout, stderr = first.communicate(timeout=TIMEOUT)
    assert (first.returncode, stdout, stderr) == (EXIT_INTERRUPTED, "", "feedpub: interrupted\n")
    assert temporaries(out) == []
    assert folders(out) == before_folders
    assert_same(published(out), before, "after Ctrl-C")


@two_processes
@pytest.mark.parametrize("signum", [signal.SIGKILL, signal.SIGTERM], ids=lambda s: s.name)
def test_a_killed_first_process_frees_the_lock_at_once(
    tmp_path: Path, hooked: Callable[..., subprocess.Popen[str]], signum: int
) -> None:
    """``kill -9`` (or ``kill``) of a build's first process alone, while its second process
    has seconds of work left: the second process ends at once, so the lock is free within a
    second (it was held until the second process finished its half, about 2 s), and a build
    started right after succeeds (not 75) and leaves exactly a clean build's files."""
    config = write_config(tmp_path)
    out = tmp_path / "feeds"
    first = hooked(SLOW, small_releases(tmp_path / "releases", TWO_PROCESS_RELEASES), out, config)
    second_process(first, out)
    lock = os.open(out / LOCK_NAME, os.O_RDWR)
    try:
        first.send_signal(signum)
        killed = time.monotonic()
        first.communicate(timeout=TIMEOUT)
        while True:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                assert time.monotonic() - killed < TIMEOUT, "the lock is never freed"
                time.sleep(0.005)
        free = time.monotonic() - killed
    finally:
        os.close(lock)
    assert free < 1.0, f"the lock was free {free:.2f} s after the kill"
    sample = shutil.copytree(SAMPLE_RELEASES, tmp_path / "sample")
    build_ok(sample, out, config, f"the build right after the kill ({free:.3f} s)")
    reference = clean_builds({"sample": read_tree(sample)}, tmp_path, config)["sample"]
    assert_same(published(out), reference, "the build after the kill")
    assert temporaries(out) == []
    assert empty_folders(out) == []
