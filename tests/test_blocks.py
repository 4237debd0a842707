"""Tests for feedpub.blocks: the blocks below a release's title → captions, paragraphs, lists
and authors (:func:`read_body`). How the title, teaser and date line are found is in
tests/test_parse.py.
"""

from __future__ import annotations

import pytest

from feedpub.blocks import Body, read_body, split_blocks
from feedpub.release import Caption


def body(text: str) -> Body:
    """What the blocks of ``text`` (all of it below the title and teaser) hold."""
    return read_body(split_blocks(text.split("\n"), start=0))


AUTHOR_CASES = [
    ("Autor/in: Petra Schulz und Jens Albrecht", ("Petra Schulz", "Jens Albrecht")),
    ("Autor/in: Müller und Schmidt", ("Müller", "Schmidt")),
    ("Autor/in: Müller & Schmidt", ("Müller", "Schmidt")),
    ("Autor/in: Müller, Schmidt; Weber", ("Müller", "Schmidt", "Weber")),
    ("Autor/in: Anna Weber, Petra Schulz und Jens Albrecht",
     ("Anna Weber", "Petra Schulz", "Jens Albrecht")),
    ("Autor/in: Petra Schulz, Petra Schulz", ("Petra Schulz",)),
    # "und" inside a name: an office, a German compound, a couple.
    ("Autor/in: Amt für Bau und Planung", ("Amt für Bau und Planung",)),
    ("Autor/in: Presse- und Öffentlichkeitsarbeit", ("Presse- und Öffentlichkeitsarbeit",)),
    ("Autor/in: Peter und Anna Müller", ("Peter und Anna Müller",)),
    ("Autor/in: Landkreis und Stadt Musterstadt", ("Landkreis und Stadt Musterstadt",)),
    # Character references typed as text stay text: their "&" and ";" separate nothing.
    ("Autor/in: A &gt; B; C", ("A &gt; B", "C")),
    ("Autor/in: Schulz &amp; Albrecht", ("Schulz &amp; Albrecht",)),
    ("Autor/in: Anna M&uuml;ller, Jens Albrecht", ("Anna M&uuml;ller", "Jens Albrecht")),
    ("Autor/in: Anna Weber &#8211; Pressestelle; Jens Albrecht",
     ("Anna Weber &#8211; Pressestelle", "Jens Albrecht")),
    ("Autor/in: Anna Weber &#x2013; Pressestelle & Jens Albrecht",
     ("Anna Weber &#x2013; Pressestelle", "Jens Albrecht")),
    ("Autor/in: Müller & Schmidt; Weber &gt; Co", ("Müller", "Schmidt", "Weber &gt; Co")),
    # The label in its spellings.
    ("Autorin: Petra Schulz", ("Petra Schulz",)),
    ("AUTOR/IN : Petra Schulz", ("Petra Schulz",)),
    ("Verfasser: Petra Schulz", ("Petra Schulz",)),
    ("Autor*in: Petra Schulz", ("Petra Schulz",)),
    ("Autor/in:", ()),
    # Other labels offices use (issue 10): read where an author line stands.
    ("Autoren: Petra Schulz und Jens Albrecht", ("Petra Schulz", "Jens Albrecht")),
    ("Verantwortlich: Petra Schulz", ("Petra Schulz",)),
    ("Text: Jens Albrecht", ("Jens Albrecht",)),
    ("Redaktion: Pressestelle des Landkreises", ("Pressestelle des Landkreises",)),
    ("Text und Foto: Anna Weber", ("Anna Weber",)),
]  # fmt: skip


@pytest.mark.parametrize(("line", "authors"), AUTHOR_CASES)
def test_authors(line: str, authors: tuple[str, ...]) -> None:
    assert body(f"Text.\n\n{line}") == Body((), ("Text.",), authors)


def test_text_label_inside_the_body_stays_text() -> None:
    # Not a line of its own under the title, not in the last block: a paragraph's line.
    found = body("Text: so steht es im Gesetz.\nMehr dazu unten.\n\nSchluss.")
    assert found.authors == ()
    assert found.paragraphs == ("Text: so steht es im Gesetz. Mehr dazu unten.", "Schluss.")


@pytest.mark.parametrize("marker", ["-", "•", "*", "–", "·", "▪"])
def test_bullet_markers_become_dash_items(marker: str) -> None:
    found = body(f"Text.\n\n{marker} eins\n{marker} zwei\n  mit Fortsetzung\nDanach.")
    assert found.paragraphs == ("Text.", "- eins\n- zwei mit Fortsetzung", "Danach.")


def test_caption_block_needs_a_credit() -> None:
    # Without any © the lines are body text: nothing else marks them as captions.
    found = body("Kursraum in Nordheim\nBlick in die Bibliothek\n\nText.")
    assert found.captions == ()
    assert found.paragraphs == ("Kursraum in Nordheim Blick in die Bibliothek", "Text.")


def test_credit_line_after_a_credited_caption_stands_alone() -> None:
    found = body("Bild © Anna\n© Landkreis\nKarte\n© Amt\n\nText.")
    assert found.captions == (
        Caption("Bild", "Anna"),
        Caption("", "Landkreis"),
        Caption("Karte", "Amt"),
    )
