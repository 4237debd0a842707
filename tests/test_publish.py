"""publish.py: the lock, skip-if-identical, atomic replace, and manifest-based removal."""

from __future__ import annotations

import errno
import fcntl
import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from feedpub.ledger import LEDGER_NAME
from feedpub.publish import (
    LOCK_NAME,
    Lock,
    LockHeld,
    Publisher,
    Scratch,
    is_leftover,
    temporary_name,
)
from tests.conftest import manifest_of, write_manifest


def all_files(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if not p.is_dir())


def manifest(folder: Path) -> list[str]:
    return manifest_of(folder)


def publish(out: Path, files: dict[str, bytes], keep: tuple[str, ...] = ()) -> Publisher:
    """One build that writes ``files`` and keeps ``keep``."""
    publisher = Publisher(out)
    for relative, data in files.items():
        publisher.write(relative, data)
    for relative in keep:
        publisher.keep(relative)
    publisher.commit()
    return publisher


@pytest.fixture
def umask_022() -> Iterator[None]:
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


# --- Lock ----------------------------------------------------------------------------------


def test_lock_creates_folder_and_lock_file(tmp_path: Path) -> None:
    out = tmp_path / "feeds" / "deep"
    with Lock(out) as lock:
        assert lock.path == out / LOCK_NAME
        assert lock.path.is_file()


def test_second_lock_in_same_process_is_refused(tmp_path: Path) -> None:
    # flock belongs to the open file description, so a second open() conflicts even here.
    with Lock(tmp_path):
        with pytest.raises(LockHeld) as info:
            with Lock(tmp_path):
                pytest.fail("second lock taken")  # pragma: no cover
        assert str(tmp_path / LOCK_NAME) in str(info.value)
        # A refused attempt does not break the held lock.
        with pytest.raises(LockHeld):
            Lock(tmp_path).__enter__()
    with Lock(tmp_path):
        pass  # released after exit


def test_lock_released_when_body_raises(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError):
        with Lock(tmp_path):
            raise RuntimeError("boom")
    with Lock(tmp_path):
        pass


def test_lock_is_per_folder(tmp_path: Path) -> None:
    with Lock(tmp_path / "a"), Lock(tmp_path / "b"):
        pass


HOLD_LOCK = """
import fcntl, os, sys
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o644)
fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
print("locked", flush=True)
sys.stdin.read()
"""


@pytest.mark.parametrize("ending", ["exit", "kill"])
def test_lock_held_by_other_process(tmp_path: Path, ending: str) -> None:
    (tmp_path / LOCK_NAME).parent.mkdir()
    with subprocess.Popen(
        [sys.executable, "-I", "-c", HOLD_LOCK, str(tmp_path / LOCK_NAME)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    ) as process:
        assert process.stdout is not None and process.stdin is not None
        try:
            assert process.stdout.readline() == "locked\n"
            with pytest.raises(LockHeld):
                with Lock(tmp_path):
                    pytest.fail("lock taken while another process holds it")  # pragma: no cover
        finally:
            if ending == "kill":
                process.kill()  # the kernel drops the lock of a dead process
            else:
                process.stdin.close()
            process.wait(timeout=10)
    with Lock(tmp_path):
        pass


# --- Publisher.write -----------------------------------------------------------------------


def test_write_creates_folders_and_file(tmp_path: Path, umask_022: None) -> None:
    out = tmp_path / "feeds"
    publisher = Publisher(out)
    assert publisher.write("jobcenter/atom.xml", b"<feed/>") is True
    target = out / "jobcenter" / "atom.xml"
    assert not target.exists()  # staged: nothing appears before commit()
    publisher.commit()
    assert target.read_bytes() == b"<feed/>"
    assert target.stat().st_mode & 0o777 == 0o644
    assert publisher.written == ["jobcenter/atom.xml"]
    assert publisher.unchanged == 0


def test_identical_bytes_are_not_touched(tmp_path: Path) -> None:
    publish(tmp_path, {"a/rss.xml": b"same"})
    target = tmp_path / "a" / "rss.xml"
    os.utime(target, ns=(1_000_000_000, 1_000_000_000))  # so a rewrite would show
    before = target.stat()
    publisher = Publisher(tmp_path)
    assert publisher.write("a/rss.xml", b"same") is False
    after = target.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    assert publisher.written == []
    assert publisher.unchanged == 1


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (b"old bytes", b"new bytes"),  # same length
        (b"old", b"old and more"),  # old is a prefix of new
        (b"old and more", b"old"),  # new is a prefix of old
        (b"something", b""),  # emptied
        (b"", b"filled"),
    ],
)
def test_changed_bytes_replace_via_new_inode(
    tmp_path: Path, umask_022: None, old: bytes, new: bytes
) -> None:
    target = tmp_path / "atom.xml"
    target.write_bytes(old)
    os.chmod(target, 0o600)
    before = target.stat()
    with target.open("rb") as reader:  # a web server reading the old file meanwhile
        publisher = Publisher(tmp_path)
        assert publisher.write("atom.xml", new) is True
        assert target.read_bytes() == old  # staged, not yet replaced
        publisher.commit()
        assert reader.read() == old  # it keeps the complete old file
    after = target.stat()
    assert target.read_bytes() == new
    assert after.st_ino != before.st_ino
    assert after.st_mode & 0o777 == 0o644
    assert all_files(tmp_path) == [LEDGER_NAME, "atom.xml"]  # no temporary left


def test_large_file_is_written_completely(tmp_path: Path) -> None:
    data = bytes(range(256)) * 40_000  # 10 MB: more than one os.write may take
    publish(tmp_path, {"big.xml": data})
    assert (tmp_path / "big.xml").read_bytes() == data


def fail_write(monkeypatch: pytest.MonkeyPatch) -> None:
    def write(fd: int, data: object) -> int:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "write", write)


def fail_replace(monkeypatch: pytest.MonkeyPatch) -> None:
    def replace(src: object, dst: object) -> None:
        raise OSError(errno.EXDEV, "Invalid cross-device link")

    monkeypatch.setattr(os, "replace", replace)


@pytest.mark.parametrize("breaker", [fail_write, fail_replace], ids=["write", "replace"])
def test_failing_write_leaves_old_file_and_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, breaker: Callable[[pytest.MonkeyPatch], None]
) -> None:
    # Root ignores read-only folders, so the failure is injected instead.
    target = tmp_path / "jobcenter" / "atom.xml"
    target.parent.mkdir()
    target.write_bytes(b"old")
    publisher = Publisher(tmp_path)
    breaker(monkeypatch)
    with pytest.raises(OSError):
        publisher.write("jobcenter/atom.xml", b"new")
        publisher.write("jobcenter/rss.xml", b"new")
        publisher.commit()
    monkeypatch.undo()
    assert target.read_bytes() == b"old"
    assert all_files(tmp_path) == [LEDGER_NAME, "jobcenter/atom.xml"]  # no temporary


# --- manifest ------------------------------------------------------------------------------


def test_manifest_lists_written_and_unchanged_files(tmp_path: Path) -> None:
    publish(tmp_path, {"atom.xml": b"1", "a/atom.xml": b"2"})
    assert manifest(tmp_path) == ["a/atom.xml", "atom.xml"]
    publish(tmp_path, {"atom.xml": b"1", "a/atom.xml": b"2"})  # all unchanged
    assert manifest(tmp_path) == ["a/atom.xml", "atom.xml"]


def test_files_not_written_again_are_removed_with_empty_folders(tmp_path: Path) -> None:
    publish(
        tmp_path,
        {
            "atom.xml": b"all",
            "a/atom.xml": b"a",
            "a/2024/x.html": b"x",
            "b/atom.xml": b"b",
            "b/y.html": b"y",
        },
    )
    (tmp_path / "robots.txt").write_text("User-agent: *\n")  # the admin's own files
    (tmp_path / "b" / "README.txt").write_text("von Hand\n")
    second = publish(tmp_path, {"atom.xml": b"all"})
    assert second.removed == ["a/2024/x.html", "a/atom.xml", "b/atom.xml", "b/y.html"]
    assert all_files(tmp_path) == [LEDGER_NAME, "atom.xml", "b/README.txt", "robots.txt"]
    assert not (tmp_path / "a").exists()  # emptied folders go, including a/2024
    assert (tmp_path / "b").is_dir()  # a folder with the admin's file stays
    assert manifest(tmp_path) == ["atom.xml"]


def test_files_outside_manifest_are_never_removed(tmp_path: Path) -> None:
    (tmp_path / "robots.txt").write_text("User-agent: *\n")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "old.html").write_text("from before feedpub\n")
    publish(tmp_path, {"atom.xml": b"1"})
    publish(tmp_path, {})
    assert (tmp_path / "robots.txt").is_file()
    assert (tmp_path / "sub" / "old.html").is_file()
    assert not (tmp_path / "atom.xml").exists()


def test_keep_preserves_a_previous_file(tmp_path: Path) -> None:
    publish(tmp_path, {"a/x.html": b"x", "a/y.html": b"y"})
    second = publish(tmp_path, {"a/y.html": b"y"}, keep=("a/x.html",))
    assert second.removed == []
    assert (tmp_path / "a" / "x.html").read_bytes() == b"x"
    assert manifest(tmp_path) == ["a/x.html", "a/y.html"]
    # Once no longer kept, it goes.
    third = publish(tmp_path, {"a/y.html": b"y"})
    assert third.removed == ["a/x.html"]


def test_keep_does_not_adopt_files_feedpub_never_wrote(tmp_path: Path) -> None:
    (tmp_path / "robots.txt").write_text("User-agent: *\n")
    publish(tmp_path, {"atom.xml": b"1"}, keep=("robots.txt",))
    assert manifest(tmp_path) == ["atom.xml"]
    publish(tmp_path, {})
    assert (tmp_path / "robots.txt").is_file()


def test_previous_file_already_gone_is_not_reported(tmp_path: Path) -> None:
    publish(tmp_path, {"a.xml": b"1", "b.xml": b"2"})
    (tmp_path / "a.xml").unlink()
    second = publish(tmp_path, {})
    assert second.removed == ["b.xml"]
    assert manifest(tmp_path) == []


def test_unchanged_manifest_is_not_rewritten(tmp_path: Path) -> None:
    publish(tmp_path, {"atom.xml": b"1"})
    before = (tmp_path / LEDGER_NAME).stat()
    publish(tmp_path, {"atom.xml": b"1"})
    after = (tmp_path / LEDGER_NAME).stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)


def test_no_manifest_when_nothing_was_ever_written(tmp_path: Path) -> None:
    publish(tmp_path, {})
    assert manifest(tmp_path) == []


def test_empty_manifest_paths_are_ignored(tmp_path: Path) -> None:
    (tmp_path / "x.xml").write_text("x")
    write_manifest(tmp_path, ["", "x.xml"])
    assert publish(tmp_path, {}).removed == ["x.xml"]


def test_files_are_readable_by_the_web_server_under_a_strict_umask(tmp_path: Path) -> None:
    old = os.umask(0o077)
    try:
        publish(tmp_path, {"a/feed.xml": b"<x/>"})
    finally:
        os.umask(old)
    assert (tmp_path / "a" / "feed.xml").stat().st_mode & 0o777 == 0o644


def test_a_damaged_manifest_never_reaches_outside_the_folder(tmp_path: Path) -> None:
    out = tmp_path / "feeds"
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me", "utf-8")
    write_manifest(out, ["../victim.txt", str(victim), "sub/../../victim.txt"])
    publisher = Publisher(out)
    publisher.commit()
    assert victim.read_text("utf-8") == "keep me"
    assert publisher.removed == []


# --- Folders a build created -----------------------------------------------------------------


def folders(out: Path) -> list[str]:
    return sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_dir())


@pytest.mark.parametrize("ending", ["fail", "commit"])
def test_a_build_removes_the_folders_it_created_that_stayed_empty(
    tmp_path: Path, ending: str
) -> None:
    """A failed build (its temporaries removed) or a finished one whose new folder got no
    file (a picture that could not be read) leaves no empty folder it made; folders it did
    not make stay, empty or not, and so do feeds/ and feeds/.feedpub/."""
    out = tmp_path / "feeds"
    publish(out, {"jobcenter/rss.xml": b"<rss/>"})
    (out / "downloads").mkdir()  # an admin's folder: not feedpub's, though empty
    (out / "jobcenter" / "extra").mkdir()
    before = folders(out)
    publisher = Publisher(out)
    publisher.write("kreisarchiv/archive/2025-06/rss.xml", b"<rss/>")
    publisher.write("jobcenter/extra/new/page.html", b"<html/>")
    assert "kreisarchiv/archive/2025-06" in folders(out)
    if ending == "fail":
        publisher.fail()
    else:
        publisher.abort()  # the staged files cannot be put into place ...
        publisher.commit()  # ... and the build finishes without them
    assert folders(out) == before
    assert (out / "downloads").is_dir() and (out / ".feedpub").is_dir()


def test_the_next_build_removes_what_a_killed_build_left_empty(tmp_path: Path) -> None:
    """The folder log outlives a killed build: the next build (which looks for a killed
    build's temporaries) removes the logged folders that are empty, keeps the others."""
    out = tmp_path / "feeds"
    publish(out, {"jobcenter/rss.xml": b"<rss/>"})
    killed = Publisher(out)
    killed.write("jobcenter/rss.xml", b"<rss>neu</rss>")
    killed.write("kreisarchiv/archive/2025-06/rss.xml", b"<rss/>")
    killed.write("amt/rss.xml", b"<rss/>")
    (out / "amt" / "README.txt").write_text("a file of the admin's", "utf-8")
    # Killed here: temporaries, and folders that hold nothing else.
    assert (out / ".feedpub" / "folders").exists()
    Publisher(out)
    assert folders(out) == [".feedpub", "amt", "jobcenter"]
    assert not (out / ".feedpub" / "folders").exists()
    assert all_files(out) == [LEDGER_NAME, "amt/README.txt", "jobcenter/rss.xml"]


def test_a_damaged_folder_log_removes_nothing_a_build_does_not_make(tmp_path: Path) -> None:
    """Only plain relative paths below the output folder, never the output folder itself,
    the hidden folder or anything outside (``..``, absolute paths)."""
    out = tmp_path / "feeds"
    publish(out, {"a.xml": b"<x/>"})
    (out / ".feedpub" / "empty").mkdir()
    (tmp_path / "outside").mkdir()
    (out / ".feedpub" / "folders").write_bytes(
        b"\n.\n.feedpub\n.feedpub/empty\n..\n../outside\n"
        + os.fsencode(tmp_path / "outside")
        + b"\nsub/../../outside\n"
    )
    Publisher(out)
    assert (out / ".feedpub" / "empty").is_dir() and (tmp_path / "outside").is_dir()
    assert out.is_dir() and (out / ".feedpub").is_dir()


def test_ctrl_c_while_files_are_put_into_place_waits_until_all_are(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SIGINT arrives at the second rename: the KeyboardInterrupt comes after the commit, so
    every file is new and the manifest lists them, instead of one new and four old."""
    out = tmp_path / "feeds"
    old = {f"amt/{i}.html": b"<html>alt</html>" for i in range(5)}
    publish(out, old)
    publisher = Publisher(out)
    for relative in old:
        publisher.write(relative, b"<html>neu</html>")
    real_replace = os.replace
    signalled: list[str] = []

    def replace(source: str, target: str) -> None:
        signalled.append(target)
        if len(signalled) == 2:
            os.kill(os.getpid(), signal.SIGINT)
        real_replace(source, target)

    monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(KeyboardInterrupt):
        publisher.commit()
    assert len(signalled) >= 5
    assert {(out / relative).read_bytes() for relative in old} == {b"<html>neu</html>"}
    assert all_files(out) == sorted([LEDGER_NAME, *old])


def test_only_feedpubs_own_temporaries_of_ended_processes_are_leftovers() -> None:
    ended = subprocess.Popen([sys.executable, "-c", ""])
    ended.wait()
    assert is_leftover(temporary_name("atom.xml", "", os.getpid()))
    assert is_leftover(temporary_name("atom.xml", ".last", ended.pid))
    assert not is_leftover(temporary_name("atom.xml", "", os.getppid()))  # still running
    for name in (".atom.xml.4711.tmp", ".x.tmp", "atom.xml", ".a.fp.tmp", ".a.fpZZ.tmp"):
        assert not is_leftover(name), name
    assert temporary_name("a", "", 4_194_304) == ".a.fp2hwcg.tmp"  # as long as the decimal pid


def test_a_lock_file_replaced_while_waiting_is_not_trusted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The file was locked, but meanwhile another one took its place at the path: the lock
    is taken again, on the file at the path."""
    real_flock = fcntl.flock
    calls: list[int] = []

    def flock(fd: int, operation: int) -> None:
        real_flock(fd, operation)
        calls.append(fd)
        if len(calls) == 1:
            path = tmp_path / LOCK_NAME
            path.unlink()
            path.write_bytes(b"")

    monkeypatch.setattr(fcntl, "flock", flock)
    with Lock(tmp_path) as lock:
        assert len(calls) == 2
        lock.check()  # the file at the path is the locked one
        (tmp_path / LOCK_NAME).unlink()
        with pytest.raises(LockHeld, match="removed or replaced during this build"):
            lock.check()


def test_manifest_paths_are_normalised_and_never_name_bookkeeping(tmp_path: Path) -> None:
    publish(tmp_path, {"atom.xml": b"1"})
    (tmp_path / ".feedpub" / "state.json").write_bytes(b"{}")
    paths = ["./.feedpub/state.json", ".feedpub//lock", "a/../.feedpub/ledger.sqlite3"]
    write_manifest(tmp_path, [*paths, "./atom.xml", "x//./y.html", ".hidden.xml"])
    publisher = Publisher(tmp_path)
    assert publisher.previous == {"atom.xml", "x/y.html"}
    publisher.commit()  # publishes nothing: removes what the manifest lists
    assert (tmp_path / ".feedpub" / "state.json").exists()
    assert (tmp_path / LEDGER_NAME).exists() and not (tmp_path / "atom.xml").exists()


def test_a_manifest_line_that_names_a_folder_removes_nothing(tmp_path: Path) -> None:
    publish(tmp_path, {"a/atom.xml": b"1"})
    write_manifest(tmp_path, ["a", "a/atom.xml"])
    publisher = publish(tmp_path, {"a/atom.xml": b"2"})
    assert publisher.removed == [] and (tmp_path / "a" / "atom.xml").read_bytes() == b"2"


def test_a_scratch_file_is_hidden_read_back_in_a_copy_and_removed(tmp_path: Path) -> None:
    """Scratch: a build's own hidden file (the spool of feed entries), written by this
    module, named as a temporary (a killed build's is removed by the next one)."""
    import pickle

    scratch = Scratch(tmp_path, "entries")
    path = Path(scratch.path)
    assert path.parent == tmp_path / ".feedpub" and is_leftover(path.name)
    scratch.append(b"atom")
    scratch.append(b"rss")
    scratch.close()
    copy = pickle.loads(pickle.dumps(scratch))  # as a build's second process hands it back
    assert copy.read(0, 4) == b"atom" and copy.read(4, 3) == b"rss"
    assert scratch.read(2, 4) == b"omrs"
    copy.remove()
    scratch.remove()
    assert not path.exists()
