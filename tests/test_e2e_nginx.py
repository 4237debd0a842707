"""End to end with a real web server: nginx serves a build with the configuration of
docs/deployment.md, and readers' conditional requests follow the builds.

The site is laid out as the deployment guide's ``/srv/presse`` (``releases/``,
``feedpub.toml``, ``feeds/``) and built as its crontab line does: ``feedpub build`` in that
folder, under ``umask 077`` to show that the web server can read the output anyway. nginx runs
the guide's ``server`` block unchanged but for ``listen`` and ``root``, with its own pid, logs
and temporary folders. Started as root (CI), its workers run as ``nobody`` like a real
deployment's, so the site lives in a 0755 folder of its own: pytest's ``tmp_path`` is 0700.
"""

from __future__ import annotations

import contextlib
import grp
import gzip
import http.client
import os
import pwd
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

import pytest

from tests.conftest import ROOT, SAMPLE_RELEASES, WIDE_CONFIG_TEXT

NGINX = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/usr/local/sbin")
needs_nginx = pytest.mark.skipif(
    NGINX is None, reason="nginx not installed: apt-get install nginx (done by .ci/run)"
)
SYSTEMD_ANALYZE = shutil.which("systemd-analyze")

GUIDE = ROOT / "docs" / "deployment.md"
HOST = "presse.example.de"
#: The release the change test edits, and the files that must change with it.
EDITED = "Jobcenter/2025-01-15-sprechstunde-beispielhausen.txt"
EDITED_SENTENCE = "über das Onlineportal vereinbart werden."
NEW_TEXT = "Ab März gibt es die Sprechstunde auch in Musterdorf."
CHANGED_BY_EDIT = {
    "/feeds/atom.xml",
    "/feeds/rss.xml",
    "/feeds/feed.json",
    "/feeds/jobcenter/atom.xml",
    "/feeds/jobcenter/rss.xml",
    "/feeds/jobcenter/feed.json",
    "/feeds/jobcenter/2025-01-15-sprechstunde-beispielhausen.html",
}
#: feedpub's bookkeeping, where it is now and where it moves (feeds/.feedpub/).
BOOKKEEPING = [
    ".feedpub.lock",
    ".feedpub-state.json",
    ".feedpub-manifest",
    ".feedpub/lock",
    ".feedpub/state.json",
    ".feedpub/manifest",
    ".feedpub/",
]
SECRET = "Sperrfrist bis Montag 10:00 Uhr"
#: Temporary files as a running build leaves them (``.<name>.<pid>.tmp``), and a feed in a
#: hidden folder (the hidden-path rule must win over the feed-type rules), with SECRET inside.
PLANTED = [
    ".atom.xml.4242.tmp",
    "jobcenter/.2099-01-01-geheim.html.4242.tmp",
    ".draft/atom.xml",
]


def fenced(language: str, text: str) -> list[str]:
    """The contents of the fenced code blocks of ``language`` in Markdown ``text``."""
    return [str(b) for b in re.findall(rf"^```{language}\n(.*?)^```$", text, flags=re.M | re.S)]


def guide_server_block() -> str:
    """The one ``nginx`` block of docs/deployment.md."""
    blocks = fenced("nginx", GUIDE.read_text("utf-8"))
    assert len(blocks) == 1, "docs/deployment.md must have exactly one ```nginx block"
    return blocks[0]


def nginx_config(site: Path, work: Path, port: int) -> str:
    """The guide's server block on 127.0.0.1:``port`` serving ``site``, inside a main
    configuration that keeps everything nginx writes in ``work``."""
    server = guide_server_block()
    server, roots = re.subn(
        r"^(\s*)root /srv/presse;$", lambda m: f"{m[1]}root {site};", server, flags=re.M
    )
    assert roots == 1, "the guide's block must have one `root /srv/presse;`"
    listens = re.findall(r"^\s*listen [^;]*;\n", server, flags=re.M)
    assert listens, "the guide's block has no listen line"
    server = server.replace(listens[0], f"    listen 127.0.0.1:{port};\n", 1)
    for line in listens[1:]:
        server = server.replace(line, "", 1)
    user = ""
    if os.geteuid() == 0:
        # Workers of a root master drop to an unprivileged user, as in production.
        nobody = pwd.getpwnam("nobody")
        user = f"user nobody {grp.getgrgid(nobody.pw_gid).gr_name};"
    temp_paths = "\n".join(
        f"    {kind}_temp_path {work}/{kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return f"""\
daemon off;
master_process on;
worker_processes 1;
{user}
pid {work}/nginx.pid;
lock_file {work}/nginx.lock;
error_log {work}/error.log warn;
events {{
    worker_connections 64;
}}
http {{
    access_log {work}/access.log;
{temp_paths}
{server}
}}
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def public_tempdir() -> Iterator[Path]:
    """A temporary folder that every user may enter (0755), removed afterwards."""
    path = Path(tempfile.mkdtemp(prefix="feedpub-nginx-"))
    try:
        path.chmod(0o755)
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


@contextlib.contextmanager
def running_nginx(site: Path, work: Path) -> Iterator[int]:
    """nginx serving ``site`` with the guide's configuration; yields its port. Always stopped."""
    assert NGINX is not None
    for _attempt in range(3):
        port = free_port()
        (work / "nginx.conf").write_text(nginx_config(site, work, port), "utf-8")
        with open(work / "stderr.log", "wb") as stderr:
            process = subprocess.Popen(
                [NGINX, "-e", f"{work}/error.log", "-p", f"{work}/", "-c", f"{work}/nginx.conf"],
                stdin=subprocess.DEVNULL,
                stdout=stderr,
                stderr=stderr,
            )
        try:
            deadline = time.monotonic() + 10
            while process.poll() is None and time.monotonic() < deadline:
                with (
                    contextlib.suppress(OSError),
                    socket.create_connection(("127.0.0.1", port), timeout=1),
                ):
                    break
                time.sleep(0.02)
            else:
                log = "".join(
                    (work / name).read_text("utf-8", "replace")
                    for name in ("stderr.log", "error.log")
                    if (work / name).exists()
                )
                if process.poll() is not None and "Address already in use" in log:
                    continue  # another program took the free port first: try another one
                pytest.fail(f"nginx did not start (exit {process.poll()}):\n{log}")
            # The guide's block must load without a warning (error_log at level warn).
            warnings = (work / "error.log").read_text("utf-8", "replace")
            assert not warnings, f"nginx warns about the guide's configuration:\n{warnings}"
            yield port
            return
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
    pytest.fail("nginx found no free port in three attempts")


@dataclass(frozen=True)
class Response:
    status: int
    #: Header names in lower case.
    headers: dict[str, str]
    body: bytes


def get(port: int, path: str, **headers: str) -> Response:
    """GET ``path`` exactly as given (no normalising), as a reader would send it."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request("GET", path, headers={"Host": HOST, **headers})
        response = connection.getresponse()
        body = response.read()
        return Response(response.status, {k.lower(): v for k, v in response.getheaders()}, body)
    finally:
        connection.close()


def build_site(site: Path) -> None:
    """``feedpub build`` in ``site``, as the guide's crontab line runs it: must be quiet.

    The code of this checkout runs (``python -m feedpub`` with it first on the path), whatever
    the venv has installed; ``umask 077`` as a careless cron environment might set."""
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    }
    done = subprocess.run(
        [sys.executable, "-m", "feedpub", "build"],
        cwd=site,
        env=env,
        umask=0o077,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert (done.returncode, done.stdout, done.stderr) == (0, "", ""), done.stderr


#: The sample site's static/ folder in this test (README, "Static files").
STATIC = {
    "favicon.ico": b"\x00\x00\x01\x00 an icon",
    "amt.css": b"body{color:#222}",
    "img/wappen.svg": b'<svg xmlns="http://www.w3.org/2000/svg"/>',
}


def make_site(root: Path) -> Path:
    """The guide's /srv/presse: the sample releases and config, built once."""
    site = root / "presse"
    site.mkdir(mode=0o755)
    site.chmod(0o755)
    shutil.copytree(SAMPLE_RELEASES, site / "releases")
    # Every sample release in the live feeds (the sample's own max_entries is small to show
    # archives), so that the edit below changes exactly the live feeds that show it.
    (site / "feedpub.toml").write_text(WIDE_CONFIG_TEXT, "utf-8")
    for name, data in STATIC.items():  # the office's own files, to feeds/static/
        (site / "static" / name).parent.mkdir(parents=True, exist_ok=True)
        (site / "static" / name).write_bytes(data)
    build_site(site)
    return site


def public_urls(site: Path) -> list[str]:
    """The URL of every file of the build that readers may fetch (no hidden part)."""
    out = site / "feeds"
    files = [
        p.relative_to(out)
        for p in out.rglob("*")
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(out).parts)
    ]
    return sorted("/feeds/" + quote(f.as_posix()) for f in files)


def hidden_files(site: Path) -> list[str]:
    """Every file below feeds/ with a hidden part, relative to feeds/."""
    out = site / "feeds"
    return sorted(
        p.relative_to(out).as_posix()
        for p in out.rglob("*")
        if p.is_file() and any(part.startswith(".") for part in p.relative_to(out).parts)
    )


def expected_type(url: str) -> str:
    name = url.rsplit("/", 1)[1]
    if name == "atom.xml":
        return "application/atom+xml; charset=utf-8"
    if name == "rss.xml":
        return "application/rss+xml; charset=utf-8"
    if name == "feed.json":
        return "application/feed+json; charset=utf-8"
    if name.endswith(".opml"):
        return "text/x-opml; charset=utf-8"
    for ending, kind in (
        (".jpg", "image/jpeg"),
        (".png", "image/png"),
        (".webp", "image/webp"),
        (".css", "text/css"),
        (".svg", "image/svg+xml"),
        (".ico", "image/x-icon"),
    ):
        if name.endswith(ending):
            return kind  # binary, or CSS: no charset (UTF-8 as the page's)
    assert name.endswith(".html"), f"unexpected file {url} in the build"
    return "text/html; charset=utf-8"


def on_disk(site: Path, url: str) -> bytes:
    return (site / unquote(url.removeprefix("/"))).read_bytes()


@dataclass(frozen=True)
class Server:
    site: Path
    port: int


@pytest.fixture(scope="module")
def served() -> Iterator[Server]:
    """The sample build behind nginx, for tests that do not change it."""
    with public_tempdir() as root:
        site = make_site(root)
        work = root / "nginx"
        work.mkdir(mode=0o755)
        with running_nginx(site, work) as port:
            yield Server(site, port)


@needs_nginx
def test_every_file_is_served_with_its_type_validators_and_max_age(served: Server) -> None:
    urls = public_urls(served.site)
    assert {
        "/feeds/atom.xml",
        "/feeds/rss.xml",
        "/feeds/feed.json",
        "/feeds/index.html",
        "/feeds/feeds.opml",
        "/feeds/feeds-json.opml",
    } <= set(urls)
    departments = [p for p in SAMPLE_RELEASES.iterdir() if p.is_dir()]
    for name in ("atom.xml", "rss.xml", "feed.json"):
        live = [url for url in urls if url.endswith(f"/{name}") and "/archive/" not in url]
        assert len(live) == len(departments) + 1, name
    for url in urls:
        response = get(served.port, url)
        assert response.status == 200, url
        assert response.body == on_disk(served.site, url), url
        assert response.headers["content-type"] == expected_type(url), url
        assert re.fullmatch(r'"[0-9a-f]+-[0-9a-f]+"', response.headers["etag"]), url
        assert response.headers["last-modified"].endswith(" GMT"), url
        assert response.headers["cache-control"] == "max-age=60", url
    index = get(served.port, "/feeds/")
    assert index.status == 200
    assert index.body == (served.site / "feeds" / "index.html").read_bytes()
    # A department's folder shows its page, as the subscription page does for feeds/.
    department = get(served.port, "/feeds/jobcenter/")
    assert department.status == 200
    assert department.body == (served.site / "feeds" / "jobcenter" / "index.html").read_bytes()


@needs_nginx
def test_hidden_paths_and_everything_outside_feeds_answer_404(served: Server) -> None:
    out = served.site / "feeds"
    for relative in PLANTED:
        (out / relative).parent.mkdir(parents=True, exist_ok=True)
        (out / relative).write_text(f"<p>{SECRET}</p>", "utf-8")
    hidden = hidden_files(served.site)
    assert set(PLANTED) < set(hidden), "feedpub keeps no hidden bookkeeping in feeds/?"
    paths = [f"/feeds/{quote(h)}" for h in sorted({*hidden, *BOOKKEEPING})]
    # The same files spelt as a client might, to slip past a rule on the raw URL.
    paths += [
        "/feeds/%2Eatom.xml.4242.tmp",
        "/feeds/jobcenter/../.atom.xml.4242.tmp",
        "//feeds//.atom.xml.4242.tmp",
        "/feeds/./.atom.xml.4242.tmp",
        "/feeds/.feedpub",
        # Outside feeds/: the sources and the configuration.
        "/",
        "/feedpub.toml",
        "/releases/",
        "/releases/" + quote(EDITED),
        "/feeds/../feedpub.toml",
    ]
    for path in paths:
        response = get(served.port, path)
        assert response.status == 404, f"{path}: {response.status}"
        assert SECRET.encode() not in response.body, path


@needs_nginx
def test_feeds_without_its_slash_redirects_and_the_favicon_is_no_error(served: Server) -> None:
    """Readers ask for /feeds (no slash) and browsers for /favicon.ico (issue 13): the site's
    static/favicon.ico, or 204 without one."""
    redirect = get(served.port, "/feeds")
    assert redirect.status == 301
    assert redirect.headers["location"].endswith("/feeds/")
    assert get(served.port, urlsplit(redirect.headers["location"]).path).status == 200
    icon = get(served.port, "/favicon.ico")
    assert (icon.status, icon.body) == (200, STATIC["favicon.ico"])
    assert icon.headers["content-type"] == "image/x-icon"
    # A site without static/favicon.ico: a clean "no content".
    published = served.site / "feeds" / "static" / "favicon.ico"
    published.rename(published.with_name("kept"))
    try:
        icon = get(served.port, "/favicon.ico")
        assert (icon.status, icon.body) == (204, b"")
    finally:
        published.with_name("kept").rename(published)


@needs_nginx
@pytest.mark.parametrize("url", ["/feeds/atom.xml", "/feeds/feed.json", "/feeds/feeds.opml"])
def test_compressed_feeds_answer_conditional_requests(served: Server, url: str) -> None:
    plain = get(served.port, url)
    zipped = get(served.port, url, **{"Accept-Encoding": "gzip"})
    assert zipped.status == 200
    assert zipped.headers["content-encoding"] == "gzip"
    assert zipped.headers["content-type"] == expected_type(url)
    assert gzip.decompress(zipped.body) == plain.body
    # nginx marks the ETag of a compressed answer weak; either form must give 304.
    assert zipped.headers["etag"] == "W/" + plain.headers["etag"]
    for etag in (zipped.headers["etag"], plain.headers["etag"]):
        again = get(served.port, url, **{"Accept-Encoding": "gzip", "If-None-Match": etag})
        assert again.status == 304, etag
        assert again.body == b""


def conditional(port: int, url: str, first: Response) -> tuple[Response, Response]:
    """``url`` asked with ``first``'s ETag, and again with its Last-Modified."""
    by_etag = get(port, url, **{"If-None-Match": first.headers["etag"]})
    by_date = get(port, url, **{"If-Modified-Since": first.headers["last-modified"]})
    return by_etag, by_date


@needs_nginx
def test_conditional_requests_answer_304_until_a_release_changes() -> None:
    with public_tempdir() as root:
        site = make_site(root)
        work = root / "nginx"
        work.mkdir(mode=0o755)
        with running_nginx(site, work) as port:
            urls = public_urls(site)
            first = {url: get(port, url) for url in urls}
            assert all(r.status == 200 for r in first.values())

            build_site(site)  # nothing changed
            assert public_urls(site) == urls
            for url in urls:
                by_etag, by_date = conditional(port, url, first[url])
                assert by_etag.status == 304, f"{url}: If-None-Match after a no-change build"
                assert by_date.status == 304, f"{url}: If-Modified-Since after a no-change build"
                assert by_etag.headers["etag"] == first[url].headers["etag"], url

            # nginx's Last-Modified (and the mtime in its ETag) has whole seconds: a file
            # rewritten within the second of its first version would keep its Last-Modified
            # and give a wrong 304 (docs/deployment.md, the limit). Cron runs minutes apart;
            # here, wait for the next second instead of setting mtimes by hand, which would
            # test the test and not feedpub.
            newest = max((site / u.removeprefix("/")).stat().st_mtime for u in urls)
            time.sleep(max(0.0, int(newest) + 1.05 - time.time()))
            release = site / "releases" / EDITED
            text = release.read_text("utf-8")
            assert text.count(EDITED_SENTENCE) == 1
            release.write_text(
                text.replace(EDITED_SENTENCE, f"{EDITED_SENTENCE} {NEW_TEXT}"), "utf-8"
            )
            build_site(site)
            assert public_urls(site) == urls

            changed = set()
            for url in urls:
                by_etag, by_date = conditional(port, url, first[url])
                if by_etag.status == 304:
                    assert by_date.status == 304, f"{url}: same ETag, but a newer Last-Modified"
                    continue
                changed.add(url)
                assert by_etag.status == 200, url
                assert by_etag.body == on_disk(site, url), url
                assert NEW_TEXT.encode() in by_etag.body, url
                assert by_etag.headers["etag"] != first[url].headers["etag"], url
                assert by_date.status == 200, f"{url}: changed, but If-Modified-Since gave 304"
            # Exactly the edited release's department feeds, the feeds of all departments and
            # its page. index.html and its department's page list titles, dates and teasers,
            # not the body text that changed, and the OPML files list feeds: they stay 304.
            assert changed == CHANGED_BY_EDIT


def test_readme_shows_the_guides_crontab_line() -> None:
    readme = (ROOT / "README.md").read_text("utf-8").split("\n## Deployment\n", 1)[1]
    section = readme.split("\n## ", 1)[0]
    assert "(docs/deployment.md)" in section
    assert fenced("cron", section) == fenced("cron", GUIDE.read_text("utf-8"))


@pytest.mark.skipif(SYSTEMD_ANALYZE is None, reason="systemd-analyze not installed")
def test_systemd_units_of_the_guide_verify(tmp_path: Path) -> None:
    service, timer = fenced("ini", GUIDE.read_text("utf-8"))
    assert "ExecStart=/srv/presse/.venv/bin/feedpub build\n" in service
    assert "SuccessExitStatus=75\n" in service and "OnCalendar=*:0/5\n" in timer
    # verify insists that ExecStart exists: /bin/true stands in for the venv's feedpub.
    (tmp_path / "feedpub.service").write_text(
        service.replace("/srv/presse/.venv/bin/feedpub build", "/bin/true"), "utf-8"
    )
    (tmp_path / "feedpub.timer").write_text(timer, "utf-8")
    assert SYSTEMD_ANALYZE is not None
    done = subprocess.run(
        [SYSTEMD_ANALYZE, "verify", "feedpub.service", "feedpub.timer"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert (done.returncode, done.stdout + done.stderr) == (0, "")
