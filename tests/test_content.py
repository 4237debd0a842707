"""content.py: release text → HTML fragment (escaping once, links, lists, figures, summary)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from lxml import html as lxml_html

from feedpub.config import Config
from feedpub.content import (
    body_html,
    join_names,
    linkify,
    paragraph_html,
    plain_text_safe,
    summary_text,
    with_correction,
)
from feedpub.layout import Urls
from feedpub.release import Caption, Release

URLS = Urls(Config(base_url="https://presse.example.de/feeds/"))


def make_release(**fields: object) -> Release:
    values: dict[str, object] = {
        "source": Path("releases/Jobcenter/2024-07-10-jobmesse.txt"),
        "department": "Jobcenter",
        "slug": "jobcenter",
        "stem": "2024-07-10-jobmesse",
        "id": "tag:presse.example.de,2024-01-01:jobcenter/2024-07-10-jobmesse",
        "published": datetime(2024, 7, 10, 9, 30, tzinfo=ZoneInfo("Europe/Berlin")),
        "has_time": True,
        "title": "Jobmesse in Musterstadt",
    }
    values.update(fields)
    return Release(**values)  # type: ignore[arg-type]


#: (id, text, expected HTML)
LINKIFY_CASES: list[tuple[str, str, str]] = [
    ("plain text", "Kein Link hier", "Kein Link hier"),
    ("ampersand and angle", "A & B < C > D", "A &amp; B &lt; C &gt; D"),
    ("entity text escaped once", "&amp; bleibt Text", "&amp;amp; bleibt Text"),
    ("german quotes untouched", "„Zitat“ und ‚halb‘", "„Zitat“ und ‚halb‘"),
    ("straight quotes in text", "Er sagte \"ja\" und 'nein'", "Er sagte \"ja\" und 'nein'"),
    (
        "url at sentence end",
        "Mehr unter https://example.de/info.",
        'Mehr unter <a href="https://example.de/info">https://example.de/info</a>.',
    ),
    (
        "url before comma",
        "Siehe https://example.de/a, dann",
        'Siehe <a href="https://example.de/a">https://example.de/a</a>, dann',
    ),
    (
        "url in parentheses",
        "(siehe https://example.de/a)",
        '(siehe <a href="https://example.de/a">https://example.de/a</a>)',
    ),
    (
        "url with own parentheses",
        "Siehe https://de.wikipedia.org/wiki/Foo_(Bar).",
        'Siehe <a href="https://de.wikipedia.org/wiki/Foo_(Bar)">'
        "https://de.wikipedia.org/wiki/Foo_(Bar)</a>.",
    ),
    (
        "url with own parentheses in parentheses",
        "(https://x.de/Foo_(Bar)).",
        '(<a href="https://x.de/Foo_(Bar)">https://x.de/Foo_(Bar)</a>).',
    ),
    (
        "unbalanced parenthesis keeps the dot outside",
        "Siehe https://x.de/(a.",
        'Siehe <a href="https://x.de/(a">https://x.de/(a</a>.',
    ),
    (
        "url in german quotes",
        "„https://example.de/a“",
        '„<a href="https://example.de/a">https://example.de/a</a>“',
    ),
    (
        "www becomes https",
        "Infos: www.landkreis.example/presse.",
        'Infos: <a href="https://www.landkreis.example/presse">www.landkreis.example/presse</a>.',
    ),
    (
        "url with ampersand escaped once",
        "https://x.de/?a=1&b=2",
        '<a href="https://x.de/?a=1&amp;b=2">https://x.de/?a=1&amp;b=2</a>',
    ),
    (
        "url with apostrophe in href",
        "https://x.de/it's",
        '<a href="https://x.de/it&#x27;s">https://x.de/it\'s</a>',
    ),
    (
        "url stops at angle bracket",
        "<https://x.de/a>",
        '&lt;<a href="https://x.de/a">https://x.de/a</a>&gt;',
    ),
    (
        "http url",
        "http://x.de",
        '<a href="http://x.de">http://x.de</a>',
    ),
    (
        "email to mailto",
        "Kontakt: presse@landkreis.example.",
        'Kontakt: <a href="mailto:presse@landkreis.example">presse@landkreis.example</a>.',
    ),
    (
        "email with plus and dots",
        "an vorname.name+presse@kreis.example",
        'an <a href="mailto:vorname.name+presse@kreis.example">'
        "vorname.name+presse@kreis.example</a>",
    ),
    (
        "two links and text between",
        "a https://x.de & b@c.de <",
        'a <a href="https://x.de">https://x.de</a> &amp; <a href="mailto:b@c.de">b@c.de</a> &lt;',
    ),
    (
        "scheme alone is no link",
        "Adressen beginnen mit https://.",
        "Adressen beginnen mit https://.",
    ),
    ("at sign without domain", "Treffen @ Rathaus", "Treffen @ Rathaus"),
]
assert len({c[0] for c in LINKIFY_CASES}) == len(LINKIFY_CASES), "duplicate case id"
assert len({c[1] for c in LINKIFY_CASES}) == len(LINKIFY_CASES), "duplicate case text"


@pytest.mark.parametrize(
    ("text", "expected"), [c[1:] for c in LINKIFY_CASES], ids=[c[0] for c in LINKIFY_CASES]
)
def test_linkify(text: str, expected: str) -> None:
    result = linkify(text)
    assert result == expected
    # Whatever it made is well-formed and shows the original text.
    assert lxml_html.fragment_fromstring(result, create_parent="p").text_content() == text


#: (id, paragraph, expected HTML)
PARAGRAPH_CASES: list[tuple[str, str, str]] = [
    ("running text", "Ein Satz & mehr.", "<p>Ein Satz &amp; mehr.</p>"),
    (
        "list",
        "- erstens\n- zweitens <b>",
        "<ul><li>erstens</li><li>zweitens &lt;b&gt;</li></ul>",
    ),
    ("one item list", "- nur eins", "<ul><li>nur eins</li></ul>"),
    (
        "list with link",
        "- Anmeldung: www.kreis.example",
        '<ul><li>Anmeldung: <a href="https://www.kreis.example">www.kreis.example</a></li></ul>',
    ),
    ("dash without space is text", "-5 Grad", "<p>-5 Grad</p>"),
]
assert len({c[0] for c in PARAGRAPH_CASES}) == len(PARAGRAPH_CASES), "duplicate case id"


@pytest.mark.parametrize(
    ("paragraph", "expected"), [c[1:] for c in PARAGRAPH_CASES], ids=[c[0] for c in PARAGRAPH_CASES]
)
def test_paragraph_html(paragraph: str, expected: str) -> None:
    assert paragraph_html(paragraph) == expected


def test_body_html_teaser_figures_paragraphs() -> None:
    release = make_release(
        teaser="Am 10. Juli & danach",
        captions=(
            Caption("Landrat <Müller> eröffnet", "Landkreis & Co"),
            Caption("Ohne Angabe"),
        ),
        paragraphs=("Erster Absatz.", "- a\n- b"),
    )
    assert body_html(release, URLS) == "\n".join(
        [
            # The teaser's date is marked (tests/test_content_dates.py has the details).
            # (the day's dot as a reference: see test_plain_text_readers_*).
            '<p><strong>Am <time datetime="2024-07-10">10&#46; Juli</time> &amp; danach</strong>'
            "</p>",
            "<figure><figcaption><p>Landrat &lt;Müller&gt; eröffnet © Landkreis &amp; Co"
            "</p></figcaption></figure>",
            "<figure><figcaption><p>Ohne Angabe</p></figcaption></figure>",
            "<p>Erster Absatz.</p>",
            "<ul><li>a</li><li>b</li></ul>",
        ]
    )


def test_body_html_without_teaser_or_captions() -> None:
    release = make_release(paragraphs=("Nur Text.",))
    assert body_html(release, URLS) == "<p>Nur Text.</p>"
    assert "strong" not in body_html(release, URLS)
    assert "©" not in body_html(make_release(captions=(Caption("Bild"),)), URLS)


def test_body_html_is_well_formed() -> None:
    release = make_release(
        teaser="T <", captions=(Caption("C &", "D >"),), paragraphs=("P https://x.de?a&b", "- L")
    )
    fragment = lxml_html.fragment_fromstring(body_html(release, URLS), create_parent="div")
    assert [child.tag for child in fragment] == ["p", "figure", "p", "ul"]
    assert fragment.xpath("string(//strong)") == "T <"
    assert fragment.xpath("string(//figcaption)") == "C & © D >"
    assert fragment.xpath("//a/@href") == ["https://x.de?a&b"]


#: (id, release fields, expected summary)
SUMMARY_CASES: list[tuple[str, dict[str, object], str]] = [
    ("teaser wins", {"teaser": "Kurz", "paragraphs": ("Lang.",)}, "Kurz"),
    ("first paragraph", {"paragraphs": ("Erster.", "Zweiter.")}, "Erster."),
    ("list flattened", {"paragraphs": ("- a\n- b\n- c",)}, "a – b – c"),
    ("no text falls back to title", {}, "Jobmesse in Musterstadt"),
    ("not escaped", {"paragraphs": ("A & B <C>",)}, "A & B <C>"),
]
assert len({c[0] for c in SUMMARY_CASES}) == len(SUMMARY_CASES), "duplicate case id"


@pytest.mark.parametrize(
    ("fields", "expected"), [c[1:] for c in SUMMARY_CASES], ids=[c[0] for c in SUMMARY_CASES]
)
def test_summary_text(fields: dict[str, object], expected: str) -> None:
    assert summary_text(make_release(**fields)) == expected


def as_plain_text_mail(html: str, body_width: int) -> str:
    """``html`` as rss2email 3 mails it as plain text: html2text with rss2email's defaults
    (rss2email/config.py: unicode-snob, links-after-each-paragraph off, inline-links and
    wrap-links on, body-width 0 meaning 78 columns); feed2exec uses html2text too."""
    html2text = pytest.importorskip("html2text", reason="html2text is not installed (test extra)")
    converter = html2text.HTML2Text(baseurl="https://presse.example.de/feeds/")
    converter.unicode_snob = False
    converter.links_each_paragraph = False
    converter.inline_links = True
    converter.wrap_links = True
    converter.body_width = body_width
    return str(converter.handle(html))


@pytest.mark.parametrize("body_width", [78, 0])
def test_plain_text_readers_show_dates_without_backslashes_and_captions_on_lines_of_their_own(
    body_width: int,
) -> None:
    release = make_release(
        teaser="Anmeldung bis 22. Mai",
        captions=(Caption("Die Messe 2023", "Landkreis"), Caption("Der Landrat eröffnet")),
        paragraphs=("Vom 1. November bis zum 31. März, am 3. Juni um 10 Uhr.",),
    )
    text = as_plain_text_mail(body_html(release, URLS), body_width)
    assert "\\" not in text
    assert "22. Mai" in text
    assert " ".join(text.split()).count("1. November bis zum 31. März, am 3. Juni um 10 Uhr.") == 1
    lines = [line.strip() for line in text.splitlines()]
    assert "Die Messe 2023 © Landkreis" in lines
    assert "Der Landrat eröffnet" in lines


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        (
            '<time datetime="2024-05-22">22. Mai</time>',
            '<time datetime="2024-05-22">22&#46; Mai</time>',
        ),
        (
            "<time>8.</time> bis <time>10. Juli</time>",
            "<time>8.</time> bis <time>10&#46; Juli</time>",
        ),
        (
            "<time>10 Uhr</time> - <time>12 Uhr</time>",
            "<time>10 Uhr</time> &#45; <time>12 Uhr</time>",
        ),
        ("<a>x</a> + 2", "<a>x</a> &#43; 2"),
        ("<p>Am 22. Mai</p>", "<p>Am 22. Mai</p>"),
        ("<time>10.07.2024</time>", "<time>10.07.2024</time>"),
    ],
)
def test_plain_text_safe_writes_what_html2text_escapes_as_a_reference(
    html: str, expected: str
) -> None:
    assert plain_text_safe(html) == expected
    # Browsers see the same text and elements.
    assert lxml_html.fragment_fromstring(html, create_parent="div").text_content() == (
        lxml_html.fragment_fromstring(expected, create_parent="div").text_content()
    )


@pytest.mark.parametrize(
    ("names", "text"),
    [
        ((), ""),
        (("A",), "A"),
        (("A", "B"), "A und B"),
        (("A", "B", "C"), "A, B und C"),
        (
            ("Landkreis Rotenburg (Wümme)", "Amt für Bau und Planung"),
            "Landkreis Rotenburg (Wümme) und Amt für Bau und Planung",
        ),
    ],
)
def test_join_names_as_german_text(names: tuple[str, ...], text: str) -> None:
    assert join_names(names) == text


def test_with_correction_puts_the_note_on_top_of_the_body() -> None:
    release = make_release(
        paragraphs=("Text.",), correction="- Am 3. Juni, nicht am 2. Juni: www.example.de"
    )
    body = body_html(release, URLS)
    content = with_correction(release, body)
    assert content.endswith("\n" + body)
    note = content.removesuffix("\n" + body)
    assert note.startswith("<p><strong>Korrektur:</strong> ")
    assert '<a href="https://www.example.de">www.example.de</a>' in note
    assert '<time datetime="2024-06-03">' in note
    text = as_plain_text_mail(content, 78) if _has_html2text() else ""
    assert "\\" not in text
    assert with_correction(make_release(paragraphs=("Text.",)), body) == body


def _has_html2text() -> bool:
    try:
        import html2text  # noqa: F401 - only whether it is there
    except ImportError:
        return False
    return True
