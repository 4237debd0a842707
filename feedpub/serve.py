"""``feedpub serve``: a preview of the site on this machine, rebuilt as its sources change.

The build goes into a new temporary folder (never ``feeds/``) with ``base_url`` set to the
server's own address, so every link and picture works in a browser. Python's threading HTTP
server serves that folder; the main thread builds again about once a second. Each round
reads the configuration again (which lists the site's templates and static files, see
:mod:`feedpub.site` and :mod:`feedpub.static`) and calls :func:`feedpub.build.build`, whose
no-change fast path decides whether anything changed: a release, a picture, a template, a
static file or ``feedpub.toml``. With ``drafts``, embargoed releases are built too and their
pages say "Sperrfrist bis …" (:attr:`Config.drafts`). Ctrl-C stops the server and removes the
temporary folder.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import ipaddress
import os
import shutil
import signal
import socket
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from types import FrameType
from typing import Any
from urllib.parse import unquote

from feedpub.config import Config, ConfigError, load_config
from feedpub.static import FAVICON, PUBLISHED

#: Seconds between two looks at the sources.
POLL = 1.0
#: Media types by file name, as docs/deployment.md serves them.
_TYPES = {
    "atom.xml": "application/atom+xml; charset=utf-8",
    "rss.xml": "application/rss+xml; charset=utf-8",
    "feed.json": "application/feed+json; charset=utf-8",
}
_ENDINGS = {
    ".html": "text/html; charset=utf-8",
    ".opml": "text/x-opml; charset=utf-8",
    ".css": "text/css",
    ".svg": "image/svg+xml",
    ".ico": "image/x-icon",
    ".webp": "image/webp",
}


class _Handler(http.server.SimpleHTTPRequestHandler):
    """Serves the preview folder: no hidden path (the ledger, a build's temporaries), the
    feeds by their media types, nothing cached by the browser (it would show a stale page
    after a rebuild), ``/favicon.ico`` from ``static/`` or 204, and no log lines."""

    def do_GET(self) -> None:
        if self._refused():
            return
        super().do_GET()

    def do_HEAD(self) -> None:
        if self._refused():
            return
        super().do_HEAD()

    def _refused(self) -> bool:
        path = self.path.split("?", 1)[0].split("#", 1)[0]
        if any(part.startswith(".") for part in unquote(path).split("/")):
            self.send_error(404)
            return True
        if path == "/" + FAVICON:
            if not os.path.isfile(os.path.join(self.directory, PUBLISHED, FAVICON)):
                self.send_response(204)
                self.end_headers()
                return True
            self.path = f"/{PUBLISHED}/{FAVICON}"
        return False

    def guess_type(self, path: str | os.PathLike[str]) -> str:
        name = os.path.basename(path)
        kind = _TYPES.get(name) or _ENDINGS.get(os.path.splitext(name)[1])
        return kind or super().guess_type(path)

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-cache")
        super().end_headers()

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base's name
        pass


def own_url(bind: str, port: int) -> str:
    """The preview's ``base_url``: ``http://<bind>:<port>/`` (an IPv6 address in brackets;
    for ``0.0.0.0`` or ``::``, which are no address to visit, ``localhost``)."""
    host = bind
    with contextlib.suppress(ValueError):
        address = ipaddress.ip_address(bind)
        if address.is_unspecified:
            host = "localhost"
        elif address.version == 6:
            host = f"[{bind}]"
    return f"http://{host}:{port}/"


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True


class _Server6(_Server):
    address_family = socket.AF_INET6


def listen(bind: str, port: int, folder: Path) -> http.server.ThreadingHTTPServer:
    """A threading HTTP server for ``folder`` on ``bind``:``port`` (0: a free port).
    Raises OSError when it cannot listen there (the port is taken)."""
    handler = functools.partial(_Handler, directory=str(folder))
    return (_Server6 if ":" in bind else _Server)((bind, port), handler)


class Preview:
    """One ``feedpub serve`` session: builds into its temporary folder on request."""

    def __init__(self, releases_dir: Path, config_path: Path | None, drafts: bool) -> None:
        self.releases_dir = releases_dir
        self.config_path = config_path
        self.drafts = drafts
        #: A new temporary folder, never ``feeds/``: nothing of a preview is published.
        self.folder = Path(tempfile.mkdtemp(prefix="feedpub-serve-"))
        #: The server's own address (see :func:`start`).
        self.base_url = ""
        #: The last problem said (a configuration error), so that it is said once.
        self._said: str | None = None

    def config(self) -> Config:
        """The site's configuration as the preview builds it."""
        config = load_config(self.config_path)
        return replace(config, base_url=self.base_url, drafts=self.drafts)

    def round(self, say: Callable[[str], None]) -> None:
        """Build once, if anything changed; say the problems of a build with work (bad
        releases) and, once, an error that stops the build (a configuration error: the last
        good build stays served)."""
        from feedpub.build import IdsWouldChange, MassRemoval, build

        try:
            config = self.config()
            try:
                report = build(self.releases_dir, self.folder, config)
            except (IdsWouldChange, MassRemoval):
                # Guards for readers of feeds/ (other ids, most releases gone at once); the
                # preview has no readers: it starts again from nothing.
                self._empty()
                report = build(self.releases_dir, self.folder, config)
        except (ConfigError, OSError) as exc:
            if str(exc) != self._said:
                say(f"feedpub: {exc}")
            self._said = str(exc)
            return
        self._said = None
        if not report.fast:
            for problem in (*report.errors, *report.notices):
                say(str(problem))

    def _empty(self) -> None:
        for entry in os.scandir(self.folder):
            if entry.is_dir(follow_symlinks=False):
                shutil.rmtree(entry.path)
            else:
                os.unlink(entry.path)

    def remove(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


def start(
    releases_dir: Path, config_path: Path | None, bind: str, port: int, drafts: bool
) -> tuple[Preview, http.server.ThreadingHTTPServer]:
    """The preview's folder and its server, listening (not serving yet). Raises OSError
    when it cannot listen on ``bind``:``port`` (nothing is left behind then)."""
    preview = Preview(releases_dir, config_path, drafts)
    try:
        server = listen(bind, port, preview.folder)
    except BaseException:
        preview.remove()
        raise
    preview.base_url = own_url(bind, server.server_address[1])
    return preview, server


@contextlib.contextmanager
def _terminated_as_interrupt() -> Iterator[None]:
    """SIGTERM ends the preview as Ctrl-C does (the temporary folder is removed)."""

    def interrupt(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    before = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, before)


def run(
    preview: Preview,
    server: http.server.ThreadingHTTPServer,
    say: Callable[[str], None],
    announce: Callable[[str], None],
    poll: float = POLL,
) -> None:
    """Build, serve and rebuild until Ctrl-C (or SIGTERM); then stop the server and remove
    the temporary folder, and return (the preview ended as asked: exit 0)."""
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    try:
        with _terminated_as_interrupt():
            preview.round(say)
            thread.start()
            announce(preview.base_url)
            while True:
                time.sleep(poll)
                preview.round(say)
    except KeyboardInterrupt:
        pass
    finally:
        if thread.is_alive():
            server.shutdown()
        server.server_close()
        preview.remove()
