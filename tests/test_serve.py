"""``feedpub serve``: started in a subprocess on a free port, fetched over HTTP, rebuilt when a
release, a template, a static file or the configuration changes; ``--drafts`` shows an
embargoed release with its marker and nothing of it reaches ``feeds/``; Ctrl-C ends it with
exit 0 and no temporary folder left; option errors through CliRunner."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from feedpub.cli import cli
from feedpub.serve import own_url
from tests.conftest import SAMPLE_CONFIG, SAMPLE_RELEASES

FEEDPUB = Path(sys.executable).with_name("feedpub")
EMBARGOED = "Jobcenter/2099-01-01-geheime-meldung.txt"
SECRET_TITLE = "Geheime Meldung unter Sperrfrist"
#: Long enough for a poll (1 s) and a build on a busy machine.
PATIENCE = 30.0


def make_site(root: Path) -> Path:
    """The sample site with one embargoed release, and a feeds/ built from it."""
    site = root / "site"
    shutil.copytree(SAMPLE_RELEASES, site / "releases")
    shutil.copy(SAMPLE_CONFIG, site / "feedpub.toml")
    (site / "releases" / EMBARGOED).write_text(
        f"01.01.2099, 10:00 Uhr\n\n{SECRET_TITLE}\n\nErst 2099 zu lesen.\n", "utf-8"
    )
    result = subprocess.run(
        [FEEDPUB, "build"], cwd=site, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    return site


@dataclass
class Running:
    process: subprocess.Popen[str]
    url: str
    tmp: Path
    stderr: list[str]

    def get(self, path: str) -> tuple[int, str]:
        try:
            with urllib.request.urlopen(self.url + path, timeout=10) as response:
                return response.status, response.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as exc:
            return exc.code, ""

    def until(self, path: str, check: Callable[[int, str], bool]) -> str:
        """The body of ``path`` once ``check(status, body)`` holds (a rebuild came)."""
        deadline = time.monotonic() + PATIENCE
        while time.monotonic() < deadline:
            status, body = self.get(path)
            if check(status, body):
                return body
            assert self.process.poll() is None, self.stderr
            time.sleep(0.2)
        raise AssertionError(f"{path}: no rebuild seen; stderr: {self.stderr}")

    def stop(self, signum: int = signal.SIGINT) -> int:
        self.process.send_signal(signum)
        return self.process.wait(timeout=PATIENCE)


@pytest.fixture
def start(tmp_path: Path) -> Iterator[Callable[..., Running]]:
    started: list[tuple[subprocess.Popen[str], threading.Thread]] = []

    def run(site: Path, *options: str) -> Running:
        tmp = tmp_path / "tmp"
        tmp.mkdir(exist_ok=True)
        process = subprocess.Popen(
            [FEEDPUB, "serve", "--port", "0", *options],
            cwd=site,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "TMPDIR": str(tmp)},
        )
        stderr: list[str] = []
        assert process.stderr is not None and process.stdout is not None
        reader = threading.Thread(target=lambda: stderr.extend(process.stderr or ()), daemon=True)
        reader.start()
        started.append((process, reader))
        line = process.stdout.readline()
        assert line.startswith("Preview at http://127.0.0.1:"), (line, stderr)
        url = line.split()[2]
        return Running(process, url, tmp, stderr)

    yield run
    for process, reader in started:
        if process.poll() is None:
            process.kill()
        process.wait()
        reader.join(timeout=PATIENCE)
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()


def snapshot(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and ".feedpub" not in p.parts
    }


def test_serve_builds_serves_and_rebuilds_what_changed(
    tmp_path: Path, start: Callable[..., Running]
) -> None:
    site = make_site(tmp_path)
    feeds = snapshot(site / "feeds")
    served = start(site)
    # Built for its own address: links and pictures lead to the preview, not base_url.
    status, index = served.get("")
    assert status == 200 and f'href="{served.url}jobcenter/index.html"' in index
    assert "presse.example.de/feeds" not in index
    page_path = "amt-fuer-bau-und-planung/2025-09-19-richtfest-berufsschulzentrum.html"
    status, page = served.get(page_path)
    assert status == 200 and f'src="{served.url}amt-fuer-bau-und-planung/' in page
    assert (
        served.get("amt-fuer-bau-und-planung/2025-09-19-richtfest-berufsschulzentrum.jpg")[0] == 200
    )
    # Without --drafts the embargoed release is nowhere; hidden paths are never served.
    assert served.get("jobcenter/2099-01-01-geheime-meldung.html")[0] == 404
    assert SECRET_TITLE not in served.get("atom.xml")[1]
    assert served.get(".feedpub/lock")[0] == 404
    assert served.get("%2Efeedpub/lock")[0] == 404
    assert served.get("favicon.ico")[0] == 204
    # A release changed: its page shows the new title.
    release = site / "releases" / "Jobcenter" / "2026-02-11-jahresbilanz-2025.txt"
    text = release.read_text("utf-8")
    release.write_text(
        text.replace("Jobcenter zieht Bilanz", "Jobcenter zieht neue Bilanz"), "utf-8"
    )
    served.until("jobcenter/2026-02-11-jahresbilanz-2025.html", lambda s, b: "neue Bilanz" in b)
    # A template, a static file, the configuration.
    (site / "templates").mkdir()
    (site / "templates" / "footer.html").write_text("<footer>Vorschau-Fuß</footer>\n", "utf-8")
    served.until("", lambda s, b: "Vorschau-Fuß" in b)
    (site / "static").mkdir()
    (site / "static" / "favicon.ico").write_bytes(b"\x00\x00\x01\x00icon")
    served.until("favicon.ico", lambda s, b: s == 200 and "icon" in b)
    config = site / "feedpub.toml"
    config.write_text(config.read_text("utf-8").replace("des Landkreises", "des Kreises"), "utf-8")
    served.until("", lambda s, b: "Pressemitteilungen des Kreises Musterland" in b)
    # A broken configuration is said once, the last build stays served; fixed, it goes on.
    good = config.read_text("utf-8")
    config.write_text(good + "max_entries = 0\n", "utf-8")
    time.sleep(3)
    assert served.get("")[0] == 200
    assert len([line for line in served.stderr if "max_entries" in line]) == 1, served.stderr
    config.write_text(good.replace("des Kreises", "im Kreis"), "utf-8")
    served.until("", lambda s, b: "Pressemitteilungen im Kreis Musterland" in b)
    # Ctrl-C: exit 0, the temporary folder is gone, feeds/ was never touched.
    assert served.stop() == 0
    assert list(served.tmp.iterdir()) == []
    assert snapshot(site / "feeds") == feeds


def test_drafts_shows_the_embargoed_release_in_the_preview_only(
    tmp_path: Path, start: Callable[..., Running]
) -> None:
    site = make_site(tmp_path)
    feeds = snapshot(site / "feeds")
    served = start(site, "--drafts")
    status, page = served.get("jobcenter/2099-01-01-geheime-meldung.html")
    assert status == 200 and f"<h1>{SECRET_TITLE}</h1>" in page
    assert "<strong>Sperrfrist bis 01.01.2099, 10:00 Uhr</strong>" in page
    assert SECRET_TITLE in served.get("jobcenter/index.html")[1]
    # A published release has no marker.
    status, page = served.get("jobcenter/2026-02-11-jahresbilanz-2025.html")
    assert status == 200 and "Sperrfrist" not in page
    assert served.stop(signal.SIGTERM) == 0
    assert list(served.tmp.iterdir()) == []
    assert snapshot(site / "feeds") == feeds
    for name, data in feeds.items():
        assert b"geheime-meldung" not in data and SECRET_TITLE.encode() not in data, name


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--port", "70000"], "70000 is not in the range 0<=x<=65535"),
        (["--port", "acht"], "'acht' is not a valid integer"),
        (["--releases", "nowhere"], "nowhere: no such folder"),
        (["--config", "missing.toml"], "missing.toml: file not found"),
        (["--bind", "192.0.2.1"], "192.0.2.1:0: cannot listen"),
    ],
)
def test_option_errors_are_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, options: list[str], message: str
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "releases").mkdir()
    result = CliRunner().invoke(cli, ["serve", "--port", "0", *options])
    assert result.exit_code == 2, result.output
    assert message in result.stderr


def test_a_taken_port_is_exit_2_with_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "releases").mkdir()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = CliRunner().invoke(cli, ["serve", "--port", str(port)])
    assert result.exit_code == 2
    assert result.stderr == f"feedpub: 127.0.0.1:{port}: cannot listen: Address already in use\n"


@pytest.mark.parametrize(
    ("bind", "url"),
    [
        ("127.0.0.1", "http://127.0.0.1:8000/"),
        ("0.0.0.0", "http://localhost:8000/"),  # noqa: S104 - the address under test
        ("::", "http://localhost:8000/"),
        ("::1", "http://[::1]:8000/"),
        ("presse.local", "http://presse.local:8000/"),
    ],
)
def test_the_preview_is_built_for_its_own_address(bind: str, url: str) -> None:
    assert own_url(bind, 8000) == url
