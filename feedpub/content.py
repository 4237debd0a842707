"""A release's text → the HTML fragment that feeds and pages show as its full content.

Every piece of text is escaped exactly once, here; callers put the fragment into XML (which
escapes it again as the ``type="html"`` rules demand) or straight into a page. No I/O.
Links and dates in the text are marked up (``<a>``, ``<time>``; :mod:`feedpub.textdates` finds
the dates); the visible text never changes.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime
from html import escape
from typing import TYPE_CHECKING

from feedpub.dates import BERLIN
from feedpub.release import CorrectionNotice, Image, Release
from feedpub.textdates import find_dates

if TYPE_CHECKING:
    from feedpub.layout import Urls

# URLs and e-mail addresses in running text become links. Trailing punctuation belongs to the
# sentence, not the URL ("Mehr unter https://example.de/info." → link without the dot).
# Every repetition inside a match is bounded by what DNS and mail allow (labels of 63
# characters, local parts of 64): unbounded ones made the regex quadratic, and a 40 KB line
# like "x@a.a.a.…" took seconds while the build held the lock.
_LINKABLE = re.compile(
    r"(?P<url>\bhttps?://[^\s<>\"„“”«»]+"
    r"|\bwww\.[a-z0-9-]{1,63}(?:\.[a-z0-9-]{1,63}){1,8}[^\s<>\"„“”«»]*)"
    r"|(?P<mail>\b[\w.+-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63}){0,8}\.[a-z]{2,24}\b)",
    re.IGNORECASE,
)
# Text without any of these has nothing to link ("Www." starts a sentence).
_LINK_MARKERS = ("@", "://", "www.", "Www.", "WWW.")
_TRAILING = ".,;:!?)]}'’“”"

# What html2text (the converter of rss2email and feed2exec) escapes at the start of each piece
# of text between two tags, taking it for Markdown list syntax: a number with a dot and a
# space ("22. Mai" in a <time> becomes "22\. Mai"), a "-" or "+" and a space.
_MARKDOWN_START = re.compile(r">(\s*)(?:(\d+)\.(?=\s)|-(?=[\s-])|\+(?=\s))")
_MARKDOWN_SAFE = {"-": "&#45;", "+": "&#43;"}

#: At most this many dates of one release (teaser and text together) become ``<time>``
#: elements; the rest stay plain text. The sample releases name at most 4 dates and
#: bench/generate.py's at most one; a year's waste collection calendar for a dozen towns
#: might name 300. Each mark costs about 40 bytes in the page and in six feed documents, and
#: finding dates costs time: a 1 MB release of "1.2. 1.2. …" made 73 MB of output.
MAX_MARKED_DATES = 500


class DateBudget:
    """How many more dates one release may mark (see :data:`MAX_MARKED_DATES`)."""

    __slots__ = ("left",)

    def __init__(self, left: int = MAX_MARKED_DATES) -> None:
        self.left = left


def html_datetime(value: datetime, *, has_time: bool) -> str:
    """``value`` as an HTML ``<time datetime>``: ``2024-07-08`` or ``2024-07-08T10:00+02:00``.

    A day alone stays a day (a "valid date string"): midnight would claim a time the text
    does not name. A time carries its Berlin offset (a "valid global date and time string"),
    so a reader in another zone gets the right instant.
    """
    local = value if value.tzinfo is BERLIN else value.astimezone(BERLIN)
    if not has_time:
        return local.date().isoformat()
    return local.isoformat(timespec="seconds" if local.second else "minutes")


def mark_dates(text: str, reference: date | None, budget: DateBudget | None = None) -> str:
    """Escape ``text`` for HTML and wrap each date it names in ``<time datetime="…">``.

    ``reference`` is the day the text was published; it gives year-less dates their year
    (see :func:`feedpub.textdates.year_for`). None marks nothing. ``budget``: the dates the
    release may still mark (what this text marks is taken from it); None gives this text a
    budget of its own.
    """
    if reference is None:
        return escape(text, quote=False)
    if budget is None:
        budget = DateBudget()
    found = find_dates(text, reference=reference, limit=budget.left)
    budget.left -= len(found)
    if not found:
        return escape(text, quote=False)
    out: list[str] = []
    pos = 0
    for day in found:
        out.append(escape(text[pos : day.start], quote=False))
        out.append(
            f'<time datetime="{html_datetime(day.value, has_time=day.has_time)}">'
            f"{escape(text[day.start : day.end], quote=False)}</time>"
        )
        pos = day.end
    out.append(escape(text[pos:], quote=False))
    return "".join(out)


def linkify(text: str, reference: date | None = None, budget: DateBudget | None = None) -> str:
    """Escape ``text`` for HTML and turn URLs and e-mail addresses into links.

    With ``reference`` (the publication day), dates outside the links are marked as well
    (:func:`mark_dates`, within ``budget``); a link's text is never split by a ``<time>``.
    """
    if budget is None:
        budget = DateBudget()
    if not any(marker in text for marker in _LINK_MARKERS):
        return mark_dates(
            text, reference, budget
        )  # the common case; substring tests beat any regex
    out: list[str] = []
    pos = 0
    for match in _LINKABLE.finditer(text):
        found = match.group()
        stripped = found.rstrip(_TRAILING)
        # Keep a closing parenthesis that closes one opened inside the URL (Wikipedia style).
        # Only ")" is taken back: "https://x.de/(a." must still lose its dot.
        while (
            stripped.count("(") > stripped.count(")")
            and len(stripped) < len(found)
            and found[len(stripped)] == ")"
        ):
            stripped = found[: len(stripped) + 1]
        if stripped.endswith("://"):
            continue  # "http://" alone (e.g. "Adressen beginnen mit https://.") is no link
        end = match.start() + len(stripped)
        out.append(mark_dates(text[pos : match.start()], reference, budget))
        if match.group("mail"):
            href = "mailto:" + stripped
        elif stripped.lower().startswith("www."):
            href = "https://" + stripped
        else:
            href = stripped
        out.append(f'<a href="{escape(href)}">{escape(stripped, quote=False)}</a>')
        pos = end
    out.append(mark_dates(text[pos:], reference, budget))
    return "".join(out)


def paragraph_html(
    paragraph: str, reference: date | None = None, budget: DateBudget | None = None
) -> str:
    """One paragraph of the model: a list (lines starting ``- ``) or running text.

    ``reference`` (the publication day) marks dates, as in :func:`linkify`.
    """
    if budget is None:
        budget = DateBudget()
    if paragraph.startswith("- "):
        items = "".join(
            f"<li>{linkify(line[2:], reference, budget)}</li>" for line in paragraph.split("\n")
        )
        return f"<ul>{items}</ul>"
    return f"<p>{linkify(paragraph, reference, budget)}</p>"


def plain_text_safe(html: str) -> str:
    """``html`` with the character that html2text would escape at the start of a piece of
    text after a tag (a day's dot in ``<time>22. Mai</time>``, a dash after ``</time>``)
    written as a character reference (``22&#46; Mai``). Browsers and feed readers show the
    same text and the elements stay as they are; html2text takes a reference as the
    character itself, without escaping it, so plain-text mail shows ``22. Mai``."""
    return _MARKDOWN_START.sub(_safe_start, html)


def _safe_start(match: re.Match[str]) -> str:
    space, number = match.group(1), match.group(2)
    if number is not None:
        return f">{space}{number}&#46;"
    return f">{space}{_MARKDOWN_SAFE[match.group()[-1]]}"


def join_names(names: Sequence[str]) -> str:
    """Names as German text: ``A``, ``A und B``, ``A, B und C``."""
    if len(names) < 2:
        return "".join(names)
    return f"{', '.join(names[:-1])} und {names[-1]}"


def body_html(release: Release, urls: Urls) -> str:
    """The full text as HTML: teaser (bold), pictures and captions as figures, body.

    Picture n and caption n make one figure; a caption without a picture stays a figure of
    text, a picture without a caption is a figure without one (its ``alt`` says what it is).
    Image URLs are absolute (``urls``): feed readers resolve relative URLs badly. Dates in
    the teaser and the body become ``<time>`` elements, the first :data:`MAX_MARKED_DATES`
    of them; captions stay plain text (they describe a picture, and are its ``alt`` text).
    """
    if isinstance(release, CorrectionNotice):
        return notice_html(release, urls)
    day = release.published.astimezone(BERLIN).date()
    budget = DateBudget()
    parts: list[str] = []
    if release.teaser:
        parts.append(f"<p><strong>{mark_dates(release.teaser, day, budget)}</strong></p>")
    images = {image.number: image for image in release.images}
    count = max(len(release.captions), max(images, default=0))
    for number in range(1, count + 1):
        image = images.get(number)
        if image is not None:
            # The first picture is near the top of the page: only the others wait until the
            # reader scrolls to them.
            lazy = image is not release.images[0]
            parts.append(figure_html(image, urls.image(release.slug, image.name), lazy))
            continue
        if number > len(release.captions):
            continue  # a picture number that could not be published
        caption = release.captions[number - 1]
        credit = f" © {escape(caption.credit, quote=False)}" if caption.credit else ""
        parts.append(f"<figure>{_figcaption(escape(caption.text, quote=False) + credit)}</figure>")
    parts.extend(paragraph_html(p, day, budget) for p in release.paragraphs)
    return plain_text_safe("\n".join(parts))


def notice_html(notice: CorrectionNotice, urls: Urls) -> str:
    """A correction notice's content: its note, and a link to the corrected release's page
    (its title, without the notice's ``Korrektur:``)."""
    day = notice.published.astimezone(BERLIN).date()
    note = "".join(f"<p>{linkify(paragraph, day)}</p>" for paragraph in notice.paragraphs)
    title = escape(notice.title.removeprefix("Korrektur: "), quote=False)
    link = f'<a href="{escape(urls.release_page(notice))}">{title}</a>'
    return plain_text_safe(f"{note}\n<p>Zur berichtigten Meldung: {link}</p>")


def with_correction(release: Release, body: str) -> str:
    """A feed entry's content: the release's ``Korrektur:`` note on top of ``body`` (its
    :func:`body_html`), so that readers that show the changed entry show what changed. The
    release page shows the note from its template instead."""
    if release.correction is None or isinstance(release, CorrectionNotice):
        return body
    day = release.published.astimezone(BERLIN).date()
    note = f"<p><strong>Korrektur:</strong> {linkify(release.correction, day)}</p>"
    return plain_text_safe(note) + "\n" + body


def _figcaption(caption: str) -> str:
    """A caption as a paragraph of its own inside ``<figcaption>``: html2text knows no
    ``figure``, and without the paragraph one figure's caption ran into the next one's (and
    into the picture's ``![alt](url)``) in plain-text mail."""
    return f"<figcaption><p>{caption}</p></figcaption>"


def figure_html(image: Image, url: str, lazy: bool) -> str:
    """One picture: ``<img>`` with its text alternative and pixel size (the page keeps its
    place while it loads), and the caption with the credit in ``<small>`` (HTML: "small
    print", such as copyright). A caption that repeats ``alt`` is fine: screen readers read
    a figure's caption as its caption, and readers that drop ``<img>`` keep the text."""
    loading = ' loading="lazy"' if lazy else ""
    img = (
        f'<img src="{escape(url)}" alt="{escape(image.alt)}" width="{image.width}" '
        f'height="{image.height}"{loading}>'
    )
    caption = escape(image.caption, quote=False) if image.caption else ""
    if image.credit:
        credit = f"<small>© {escape(image.credit, quote=False)}</small>"
        caption = f"{caption} {credit}" if caption else credit
    if not caption:
        return f"<figure>{img}</figure>"
    return f"<figure>{img}{_figcaption(caption)}</figure>"


def summary_text(release: Release) -> str:
    """Plain-text summary: the teaser, else the first paragraph (lists flattened)."""
    if release.teaser:
        return release.teaser
    if release.paragraphs:
        return release.paragraphs[0].replace("\n- ", " – ").removeprefix("- ")
    return release.title


#: Longest teaser shown in a list, in characters: about two lines on a phone.
TEASER_LIMIT = 240


def listing_teaser(release: Release) -> str:
    """The line under a title in a list: the teaser, else the start of the text ("" when the
    release has neither). Whitespace is collapsed and a long text is cut at a word to at most
    :data:`TEASER_LIMIT` characters, ending in "…"."""
    if release.teaser is None and not release.paragraphs:
        return ""  # summary_text would repeat the title
    return cut_teaser(summary_text(release))


def cut_teaser(text: str) -> str:
    """:func:`listing_teaser`'s cut of a summary text (also for summaries read back from a
    published Atom document, see :mod:`feedpub.htmlarchive`)."""
    text = " ".join(text.split())
    if len(text) <= TEASER_LIMIT:
        return text
    cut = text[: TEASER_LIMIT - 1]
    space = cut.rfind(" ")
    if space > TEASER_LIMIT // 2:  # a word boundary not too far back; else cut inside a word
        cut = cut[:space]
    return cut.rstrip(" ,;:–-") + "…"
