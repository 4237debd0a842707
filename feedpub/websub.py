"""WebSub (W3C Recommendation, https://www.w3.org/TR/websub/): tell the hub which feeds changed,
so that subscribed readers get a new release within seconds instead of at their next poll.

A WebSub publisher does two things. Its feeds name the hub beside their own URL (``rel="hub"``
and ``rel="self"``, section 4; written by :mod:`feedpub.feeds`). And it informs the hub when a
feed changed (section 6), by a mechanism the spec leaves to the hub; every public hub
(Google's pubsubhubbub.appspot.com, Superfeedr, WebSub.rocks) takes the form POST
``hub.mode=publish&hub.url=<feed URL>`` of PubSubHubbub, sent here once per changed feed.

A hub that fails never fails a build: the feeds are published before the hub is told. Each
feed URL the hub did not take (after a few tries with growing pauses, within a fixed time
budget) is kept in the ledger (``feeds/.feedpub/ledger.sqlite3``, table ``pending``) and
sent again by the next build, also by one with nothing else to do, until the hub takes it.
Those rows hold public feed URLs only.

This module knows which files are feeds, keeps the pending list (through
:mod:`feedpub.bookkeeping`) and sends the requests (stdlib urllib, imported only when
sending). It renders nothing.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from feedpub import __version__

if TYPE_CHECKING:
    import sqlite3

#: File names of the feeds readers subscribe to, at the top of ``feeds/`` or one folder down
#: (``feeds/<slug>/``); matched by name, so a format another module adds (``feed.json``) is
#: announced too, and files deeper down (archive documents, pages) are not.
FEED_NAMES = frozenset({"atom.xml", "rss.xml", "feed.json"})
#: Where builds before the ledger kept the feed URLs the hub had not taken yet, one per line
#: (imported by :mod:`feedpub.migrate`).
PENDING_NAME = ".feedpub/websub-pending"
USER_AGENT = f"feedpub/{__version__} (WebSub publisher)"
#: Statuses worth another try within the same build: the hub is busy or briefly broken
#: (besides these, every 5xx but 501 Not Implemented and 505). Any other failure (a 4xx:
#: wrong hub URL, a refused topic) would get the same answer again now.
_RETRY_STATUSES = frozenset({408, 425, 429})
_FINAL_5XX = frozenset({501, 505})
#: How much of an answer's body a message quotes.
_BODY_LIMIT = 2048
_MESSAGE_LIMIT = 160


@dataclass(frozen=True, slots=True, kw_only=True)
class Timing:
    """How long one build spends on the hub at most. Tests shorten every value."""

    #: Seconds for one request (connect and answer).
    timeout: float = 10.0
    #: Tries per feed URL in one build.
    attempts: int = 3
    #: Pause before the second round of tries; doubled before each further round.
    backoff: float = 1.0
    #: Seconds for all requests and pauses of one build together: a cron run never hangs on
    #: a hub. What is not sent by then stays pending for the next build.
    budget: float = 30.0


DEFAULT_TIMING = Timing()


class NoAnswer(Exception):
    """The hub could not be reached or gave no HTTP answer (refused, timed out, TLS error)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


#: Sends one form body to the hub within the timeout: returns the HTTP status and a short
#: text for messages, or raises :class:`NoAnswer`.
Send = Callable[[str, bytes, float], tuple[int, str]]


@dataclass(frozen=True, slots=True)
class Failure:
    """A feed URL the hub did not take, and why."""

    url: str
    reason: str


@dataclass
class Outcome:
    """What telling the hub did."""

    hub: str
    #: Feed URLs the hub took (a 2xx answer), in the order sent.
    sent: list[str] = field(default_factory=list)
    #: Feed URLs it did not take; they are pending for the next build.
    failed: list[Failure] = field(default_factory=list)
    #: Those of all URLs that were pending from an earlier build.
    earlier: frozenset[str] = frozenset()


def is_feed(relative: str) -> bool:
    """Whether a published file (path relative to ``feeds/``) is a feed readers subscribe to."""
    folder, _, name = relative.rpartition("/")
    return name in FEED_NAMES and "/" not in folder


def feed_urls(base_url: str, written: Iterable[str]) -> list[str]:
    """The URLs of the feeds among the files a build wrote, in that order."""
    return [base_url + relative for relative in written if is_feed(relative)]


def load_pending(out_dir: Path, base_url: str) -> list[str] | None:
    """The feed URLs earlier builds could not announce and that still name a published feed;
    None when there are none pending.

    One read-only query of the ledger (the no-change build writes nothing). URLs of feeds
    that are gone, or under another ``base_url`` (whose feeds were all rewritten, and
    announced, under the new one), are dropped.
    """
    import sqlite3

    from feedpub.bookkeeping import read_pending
    from feedpub.ledger import read_only

    db = read_only(out_dir)
    if db is None:
        return None
    try:
        lines = read_pending(db)
    except sqlite3.Error:
        return None
    finally:
        db.close()
    if not lines:
        return None
    urls: dict[str, None] = {}
    for line in lines:
        relative = line[len(base_url) :]
        if (
            line.startswith(base_url)
            and is_feed(relative)
            and ".." not in relative.split("/")
            and os.path.isfile(out_dir / relative)
        ):
            urls[line] = None
    return list(urls)


def save_pending(out_dir: Path, urls: Sequence[str]) -> None:
    """Record the pending feed URLs in the ledger, durably (none: the list is emptied)."""
    from feedpub.bookkeeping import write_pending
    from feedpub.ledger import as_os_errors, open_for_build

    if not urls and load_pending_raw(out_dir) == []:
        return  # nothing recorded, nothing to record: no write at all
    with as_os_errors(out_dir):
        db, _ = open_for_build(out_dir)
        try:
            write_pending(db, urls)
        finally:
            db.close()


def load_pending_raw(out_dir: Path) -> list[str]:
    """Every pending URL as recorded (also those :func:`load_pending` drops)."""
    import sqlite3

    from feedpub.bookkeeping import read_pending
    from feedpub.ledger import read_only

    db = read_only(out_dir)
    if db is None:
        return []
    try:
        return read_pending(db)
    except sqlite3.Error:
        return []
    finally:
        db.close()


def expect(db: sqlite3.Connection, urls: Sequence[str]) -> None:
    """Add ``urls`` to the pending list (of the ledger open as ``db``, committed at once)
    before their feeds are put in place: a build killed between publishing and telling the
    hub leaves them for the next build (at worst a hub hears of a feed twice, which costs it
    one fetch)."""
    from feedpub.bookkeeping import read_pending, write_pending

    if urls:
        write_pending(db, [*read_pending(db), *urls])


def announce(
    out_dir: Path,
    hub: str,
    base_url: str,
    changed: Sequence[str],
    *,
    timing: Timing | None = None,
    send: Send | None = None,
) -> Outcome | None:
    """Tell ``hub`` about the ``changed`` feed URLs and those pending from earlier builds;
    record what it did not take as pending. None when there was nothing to tell. The
    requests, tries and pauses are :func:`notify`'s (with the real clock).

    Call it under the build's lock, after the feeds are in place (the hub fetches them at
    once). Never raises for the hub's sake; an OSError writing the pending list propagates.
    """
    earlier = load_pending(out_dir, base_url)
    urls = list(dict.fromkeys([*changed, *(earlier or [])]))
    if not urls:
        if earlier is not None:
            save_pending(out_dir, [])  # only feeds that are gone: nothing left to tell
        return None
    outcome = notify(hub, urls, timing=timing or DEFAULT_TIMING, send=send or post_form)
    outcome.earlier = frozenset(earlier or ()) - set(changed)
    save_pending(out_dir, [failure.url for failure in outcome.failed])
    return outcome


def notify(
    hub: str,
    urls: Sequence[str],
    *,
    timing: Timing = DEFAULT_TIMING,
    send: Send | None = None,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> Outcome:
    """Send ``hub.mode=publish`` for each URL; retry what failed in rounds with growing pauses.

    A round that cannot reach the hub at all stops at the first such URL (the others would
    wait for the same timeout); the next round starts with it again. Everything stops when
    ``timing.budget`` is spent; what is left is reported as failed with its last reason.
    """
    send = send or post_form
    deadline = clock() + timing.budget
    outcome = Outcome(hub)
    reasons: dict[str, str] = {}
    unique = list(dict.fromkeys(urls))
    todo = unique
    given_up: set[str] = set()
    for attempt in range(timing.attempts):
        if attempt:
            pause = timing.backoff * 2 ** (attempt - 1)
            if clock() + pause >= deadline:
                break
            sleep(pause)
        again: list[str] = []
        for index, url in enumerate(todo):
            left = deadline - clock()
            if left <= 0:
                for rest in todo[index:]:
                    reasons.setdefault(rest, f"not sent within the {timing.budget:g} s limit")
                again.extend(todo[index:])
                break
            body = urlencode({"hub.mode": "publish", "hub.url": url}).encode("ascii")
            try:
                status, text = _within(send, hub, body, min(timing.timeout, left))
            except NoAnswer as exc:
                for rest in todo[index:]:
                    reasons[rest] = exc.reason
                again.extend(todo[index:])
                break
            if 200 <= status < 300:
                outcome.sent.append(url)
                reasons.pop(url, None)
                continue
            reasons[url] = text
            if status in _RETRY_STATUSES or (status >= 500 and status not in _FINAL_5XX):
                again.append(url)
            else:
                given_up.add(url)
        todo = again
        if not todo or clock() >= deadline:
            break
    left_over = set(todo) | given_up
    outcome.failed = [Failure(url, reasons[url]) for url in unique if url in left_over]
    return outcome


#: A little longer than the socket's own timeout, so that its clearer message normally wins.
_GRACE = 0.5


def _within(send: Send, hub: str, body: bytes, timeout: float) -> tuple[int, str]:
    """``send`` with a hard limit: the socket timeout bounds each read, not a hub that drips
    its answer a byte at a time. The request runs in a daemon thread that is left behind
    when it overruns (the process ends soon after a build anyway)."""
    result: list[tuple[int, str]] = []
    error: list[BaseException] = []

    def run() -> None:
        try:
            result.append(send(hub, body, timeout))
        except BaseException as exc:  # noqa: BLE001 - handed to the calling thread
            error.append(exc)

    worker = threading.Thread(target=run, name="feedpub-websub", daemon=True)
    worker.start()
    worker.join(timeout + _GRACE)
    if error:
        raise error[0]
    if not result:
        raise NoAnswer(f"no answer within {timeout:g} s")
    return result[0]


def post_form(hub: str, body: bytes, timeout: float) -> tuple[int, str]:
    """POST ``body`` as ``application/x-www-form-urlencoded`` to ``hub`` (the default
    :data:`Send`). Redirects are not followed: urllib would turn the POST into a GET and a
    hub that moved would seem to have taken the ping. Proxies from ``https_proxy`` and
    ``http_proxy`` are used, as by every urllib client."""
    import http.client
    import urllib.error
    import urllib.request

    request = urllib.request.Request(
        hub,
        data=body,
        method="POST",
        headers={"Content-Type": "application/x-www-form-urlencoded", "User-Agent": USER_AGENT},
    )

    class NoRedirects(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: object, **kwargs: object) -> None:
            return None  # urllib then raises HTTPError with the 3xx status

    opener = urllib.request.build_opener(NoRedirects)
    try:
        with opener.open(request, timeout=timeout) as response:
            return response.status, _describe_answer(
                response.status, response.reason, response.read(_BODY_LIMIT), None
            )
    except urllib.error.HTTPError as answer:
        with answer:
            try:
                content = answer.read(_BODY_LIMIT)
            except (OSError, http.client.HTTPException):
                content = b""
            location = answer.headers.get("Location") if answer.headers else None
            return answer.code, _describe_answer(answer.code, answer.reason, content, location)
    except urllib.error.URLError as exc:
        raise NoAnswer(_describe_error(exc.reason)) from None
    except (OSError, http.client.HTTPException) as exc:
        raise NoAnswer(_describe_error(exc)) from None


def _describe_answer(status: int, reason: str, content: bytes, location: str | None) -> str:
    """``HTTP 500 Internal Server Error: <first line of the body>`` for messages."""
    text = f"HTTP {status} {reason}".rstrip()
    if location:
        return f"{text}: the hub moved to {_printable(location)}; set websub_hub to that"
    first = next((line.strip() for line in content.decode("utf-8", "replace").splitlines()), "")
    if first and not first.startswith("<"):  # not an HTML error page
        text += f": {_printable(first)}"
    return text


def _describe_error(reason: object) -> str:
    if isinstance(reason, TimeoutError):
        return "no answer in time"
    strerror = getattr(reason, "strerror", None)
    return _printable(str(strerror or reason)) or type(reason).__name__


def _printable(text: str) -> str:
    clean = "".join(c if c.isprintable() else " " for c in text).strip()
    return clean if len(clean) <= _MESSAGE_LIMIT else clean[: _MESSAGE_LIMIT - 1] + "…"
