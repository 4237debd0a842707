"""Headless Chromium for the end-to-end tests, driven over the DevTools protocol with the
standard library only, and axe-core fetched from the npm registry.

Chromium runs with ``--remote-debugging-pipe``: it reads commands from file descriptor 3 and
writes answers and events to 4, as JSON messages each ended by a NUL byte (what Puppeteer's
``pipe: true`` does). No port, no websocket client, no extra Python package. Every wait has a
deadline, so a hung browser fails a test instead of hanging CI.

axe-core is not in the repository: :func:`axe_source` runs ``npm pack`` for the pinned
version into ``.cache/`` (git ignores it), checks the tarball against the pinned integrity
hash and takes ``axe.min.js`` from it. ``FEEDPUB_AXE=/path/to/axe.min.js`` uses a copy at
hand instead (offline machines).
"""

from __future__ import annotations

import base64
import fcntl
import hashlib
import json
import os
import select
import shutil
import subprocess
import tarfile
import time
from pathlib import Path
from typing import Any

from tests.conftest import ROOT

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
NPM = shutil.which("npm")

#: The flags the issue names, plus a private profile and the protocol pipe.
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
]

#: axe-core, pinned: a new version may bring new rules, so it is a change to review like any
#: other. The integrity is the registry's (``npm view axe-core@VERSION dist.integrity``).
AXE_VERSION = "4.14.1"
AXE_INTEGRITY = (
    "sha512-FHfa+lmNjQZfJz1q8wKqIDwC6DExcHt/pkjNQb09a3NPjCKg2rhu5qb2S4r76ASyFNNtuFooJpZe37Ogud"
    "VGtQ=="
)
AXE_CACHE = ROOT / ".cache" / f"axe-core-{AXE_VERSION}"


class Unavailable(Exception):
    """A tool the test needs cannot be had here: the test skips with this reason."""


def axe_source() -> str:
    """The source of axe.min.js (pinned version), fetched with npm once and cached."""
    override = os.environ.get("FEEDPUB_AXE")
    if override:
        return Path(override).read_text("utf-8")
    script = AXE_CACHE / "axe.min.js"
    if not script.is_file():
        _fetch_axe(script)
    return script.read_text("utf-8")


def _fetch_axe(script: Path) -> None:
    if NPM is None:
        raise Unavailable("npm not installed: axe-core comes from the npm registry (.ci/run)")
    AXE_CACHE.mkdir(parents=True, exist_ok=True)
    try:
        done = subprocess.run(
            [NPM, "pack", f"axe-core@{AXE_VERSION}", "--pack-destination", str(AXE_CACHE)],
            cwd=AXE_CACHE,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise Unavailable("npm pack axe-core took over 120 s (no registry?)") from exc
    tarball = AXE_CACHE / f"axe-core-{AXE_VERSION}.tgz"
    if done.returncode != 0 or not tarball.is_file():
        raise Unavailable(f"npm pack axe-core@{AXE_VERSION} failed: {done.stderr.strip()[-300:]}")
    data = tarball.read_bytes()
    integrity = "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()
    # Not a skip: a tarball that differs from the pinned one must never run unnoticed.
    assert integrity == AXE_INTEGRITY, f"axe-core {AXE_VERSION} tarball is not the pinned one"
    with tarfile.open(tarball) as archive:
        member = archive.extractfile("package/axe.min.js")
        assert member is not None
        source = member.read()
    temporary = script.with_suffix(".tmp")
    temporary.write_bytes(source)
    temporary.replace(script)  # whole or not at all, for a run killed half-way
    tarball.unlink()


def _above_nine(fd: int) -> int:
    moved = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10)
    os.close(fd)
    return moved


class ProtocolError(Exception):
    """Chromium answered a command with an error, sent nothing in time, or quit."""


class Browser:
    """One headless Chromium and its DevTools protocol pipe.

    ``send`` runs a command and returns its result; events that arrive meanwhile are kept in
    ``events`` (method, params, sessionId) for the caller to read and clear.
    """

    def __init__(self, profile: Path, timeout: float = 20.0) -> None:
        if CHROMIUM is None:
            raise Unavailable("chromium not installed: apt-get install chromium (.ci/run)")
        self.timeout = timeout
        self.events: list[tuple[str, dict[str, Any], str | None]] = []
        self._next_id = 0
        self._buffer = b""
        commands_read, self._commands = os.pipe()
        self._answers, answers_write = os.pipe()
        # bash (dash knows only fds 0-9) puts the two pipe ends on 3 and 4, where Chromium
        # looks for them; moved above 9 first, so that neither is 3 or 4 already.
        commands_read, answers_write = (
            _above_nine(commands_read),
            _above_nine(answers_write),
        )
        self._log = (profile / "chromium.log").open("wb")
        self.process = subprocess.Popen(
            [
                "bash",
                "-c",
                'r=$1 w=$2; shift 2; exec "$@" 3<&"$r" 4>&"$w"',
                "sh",
                str(commands_read),
                str(answers_write),
                CHROMIUM,
                *CHROMIUM_FLAGS,
                "--remote-debugging-pipe",
                f"--user-data-dir={profile}",
                "about:blank",
            ],
            pass_fds=(commands_read, answers_write),
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=self._log,
        )
        os.close(commands_read)
        os.close(answers_write)

    def log_tail(self) -> str:
        self._log.flush()
        text = Path(self._log.name).read_text("utf-8", "replace")
        return "\n".join(text.splitlines()[-15:])

    def send(self, method: str, params: dict[str, Any] | None = None, **kw: Any) -> Any:
        """Run one command (``session=`` a page's session id) and return its result."""
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params or {}}
        if kw.get("session"):
            message["sessionId"] = kw["session"]
        try:
            os.write(self._commands, json.dumps(message).encode() + b"\0")
        except BrokenPipeError as exc:
            raise ProtocolError(f"chromium quit:\n{self.log_tail()}") from exc
        deadline = time.monotonic() + float(kw.get("timeout", self.timeout))
        while True:
            answer = self._receive(deadline, method)
            if answer.get("id") == self._next_id:
                if "error" in answer:
                    raise ProtocolError(f"{method}: {answer['error']}")
                return answer.get("result", {})
            if "method" in answer:
                self.events.append((answer["method"], answer["params"], answer.get("sessionId")))

    def wait_for(self, method: str, session: str, timeout: float | None = None) -> None:
        """Wait until the event ``method`` of ``session`` has arrived (it may have already)."""
        deadline = time.monotonic() + (timeout or self.timeout)
        while not any(m == method and s == session for m, _, s in self.events):
            answer = self._receive(deadline, method)
            if "method" in answer:
                self.events.append((answer["method"], answer["params"], answer.get("sessionId")))

    def _receive(self, deadline: float, waiting_for: str) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                raise ProtocolError(f"no answer to {waiting_for} in time:\n{self.log_tail()}")
            ready, _, _ = select.select([self._answers], [], [], left)
            if not ready:
                continue
            chunk = os.read(self._answers, 1 << 20)
            if not chunk:
                raise ProtocolError(f"chromium quit:\n{self.log_tail()}")
            self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        result: dict[str, Any] = json.loads(message)
        return result

    def open_page(self) -> str:
        """A new tab; returns the session id its commands go to."""
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session: str = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})[
            "sessionId"
        ]
        for domain in ("Page", "Network", "Runtime", "Log"):
            self.send(f"{domain}.enable", session=session)
        return session

    def navigate(self, session: str, url: str) -> None:
        """Load ``url`` and wait for its load event; ``events`` then holds only this load's."""
        self.events.clear()
        answer = self.send("Page.navigate", {"url": url}, session=session)
        if answer.get("errorText"):
            raise ProtocolError(f"{url}: {answer['errorText']}")
        self.wait_for("Page.loadEventFired", session)

    def evaluate(self, session: str, expression: str, timeout: float | None = None) -> Any:
        """Run JavaScript in the page (a Promise is awaited) and return its JSON value."""
        answer = self.send(
            "Runtime.evaluate",
            {"expression": expression, "awaitPromise": True, "returnByValue": True},
            session=session,
            timeout=timeout or self.timeout,
        )
        if "exceptionDetails" in answer:
            details = answer["exceptionDetails"]
            text = details.get("exception", {}).get("description") or details.get("text")
            raise ProtocolError(f"JavaScript failed: {text}")
        return answer["result"].get("value")

    def close(self) -> None:
        try:
            self.send("Browser.close", timeout=5)
        except (ProtocolError, OSError):
            pass
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
        os.close(self._commands)
        os.close(self._answers)
        self._log.close()
