"""Generate a synthetic corpus of German press releases for benchmarking feedpub.

Usage: python bench/generate.py DIR N [--seed S]

Writes N files to DIR/<Department>/YYYY-MM-DD-<word>-<i>.txt, spread over 12
departments. Output is deterministic for a given (N, seed). 5% of the files
are UTF-8 with BOM, 5% Windows-1252 and (independently) 5% use CRLF line endings.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
from pathlib import Path

DEPARTMENTS = [
    "Straßenverkehrsamt",
    "Amt für Bau und Planung",
    "Jobcenter",
    "Gesundheitsamt",
    "Jugendamt",
    "Bürgerbüro",
    "Veterinäramt",
    "Kämmerei",
    "Amt für Umwelt und Klimaschutz",
    "Wirtschaftsförderung",
    "Ordnungsamt",
    "Schulverwaltungsamt",
]

MONTHS = (
    "Januar Februar März April Mai Juni Juli August September Oktober November Dezember".split()
)
WEEKDAYS = ["Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag"]

NOUNS = (
    "Bürgerbeteiligung Öffnungszeiten Führerscheinstelle Straßensanierung Grünflächenpflege "
    "Schülerbeförderung Gebührenübersicht Förderrichtlinie Radwegeplanung Kindertagesstätte "
    "Ausbildungsbörse Impfsprechstunde Wasserqualität Brückenprüfung Müllabfuhr Haushaltsplanung "
    "Jugendfeuerwehr Seniorenberatung Baugenehmigung Glasfaserversorgung Tierschutzkontrolle "
    "Hochwasservorsorge Ehrenamtsbörse Übergangsregelung"
).split()
ADJECTIVES = (
    "neue geänderte zusätzliche größere frühzeitige öffentliche barrierefreie digitale "
    "überarbeitete kostenlose"
).split()
VERBS = "informiert über|weist hin auf|startet|erweitert|überprüft|fördert|plant".split("|")
PLACES = "Musterstadt|Großdorf|Bad Übelbach|Kleinmühlen|Schönfeld|Weißenbrück|Lindenhöhe".split("|")
FILLER = (
    "dabei außerdem zunächst anschließend künftig grundsätzlich ausdrücklich "
    "voraussichtlich gemeinsam rechtzeitig täglich wöchentlich persönlich "
    "schriftlich telefonisch ausschließlich zuständige Verwaltung Kreistag "
    "Fachbereich Antragsteller Unterlagen Gebühren Termine Fristen Maßnahmen "
    "Genehmigung Beratung Anmeldung Änderungen Überprüfung Ergebnisse Zuschüsse "
    "Straßen Gebäude Flächen Einwohnerinnen Einwohner Schülerinnen Schüler"
).split()
FIRST = ["Petra", "Jürgen", "Sören", "Anja", "Günter", "Lena", "Björn", "Käthe", "Jonas", "Özlem"]
LAST = ["Schulz", "Müller", "Bäcker", "Groß", "Wöhler", "Schröder", "Kühn", "Weiß", "Yılmaz"]
SLUG_WORDS = ["info", "termin", "strasse", "foerderung", "sperrung", "aufruf", "bilanz", "start"]
CAPTION_HINTS = ["Foto:", "Symbolbild:", "Von links:", "Archivbild:"]

COPYRIGHT = "© Landkreis Musterland"
START = dt.date(2015, 1, 1)
DAYS = (dt.date(2026, 12, 31) - START).days


def _name(rng: random.Random) -> str:
    # "Yılmaz" (dotless i) is not in cp1252; generate() swaps it for cp1252 files.
    return f"{rng.choice(FIRST)} {rng.choice(LAST)}"


def _date_line(rng: random.Random, day: dt.date) -> str:
    r = rng.random()
    if r < 0.7:
        return day.strftime("%d.%m.%Y")
    long = f"{day.day}. {MONTHS[day.month - 1]} {day.year}"
    if r < 0.8:
        return long
    if r < 0.9:
        return f"{WEEKDAYS[day.weekday()]}, {long}"
    hour = rng.choice([h for h in range(24) if h != 2])  # 02:xx may not exist (DST)
    return f"{day:%d.%m.%Y}, {hour:02d}:{rng.randrange(0, 60, 5):02d} Uhr"


def _sentence(rng: random.Random, dept: str) -> str:
    kind = rng.random()
    noun = rng.choice(NOUNS)
    if kind < 0.15:
        return (
            f"„Wir freuen uns über die {rng.choice(ADJECTIVES)} {noun} in "
            f"{rng.choice(PLACES)}“, sagt {_name(rng)}."
        )
    if kind < 0.5:
        return f"Der Fachbereich {dept} {rng.choice(VERBS)} die {rng.choice(ADJECTIVES)} {noun}."
    words = " ".join(rng.choices(FILLER, k=rng.randint(6, 14)))
    return f"Zum Thema {noun} in {rng.choice(PLACES)} gilt: {words}."


def _paragraph(rng: random.Random, dept: str, budget: int) -> str:
    parts = [_sentence(rng, dept)]
    while (size := sum(len(p) + 1 for p in parts)) < budget:
        nxt = _sentence(rng, dept)
        if size + len(nxt) > budget + 40:
            break
        parts.append(nxt)
    return " ".join(parts)


def render(rng: random.Random, dept: str, day: dt.date) -> str:
    """Return the text of one release (with '\\n' line endings)."""
    noun = rng.choice(NOUNS)
    title = f"{dept}: {rng.choice(ADJECTIVES).capitalize()} {noun} in {rng.choice(PLACES)}"
    when = f"{day.day}. {MONTHS[day.month - 1]}"
    teaser = f"Ab {when} gelten {rng.choice(ADJECTIVES)} Regeln für die {noun}"
    blocks = ["Seiteninhalt\n" + _date_line(rng, day), title, teaser]
    captions = [
        f"{rng.choice(CAPTION_HINTS)} {rng.choice(NOUNS)} in {rng.choice(PLACES)} {COPYRIGHT}"
        for _ in range(rng.choice([0, 0, 1, 1, 1, 2]))
    ]
    if captions:
        blocks.append("\n".join(captions))
    n_par = rng.randint(3, 6)
    budget = (rng.randint(1700, 2700) - sum(len(b) for b in blocks) - 60) // n_par
    paras = [_paragraph(rng, dept, budget) for _ in range(n_par)]
    if rng.random() < 0.3:
        items = [
            f"- {rng.choice(ADJECTIVES)} {rng.choice(NOUNS)}" for _ in range(rng.randint(2, 5))
        ]
        paras.insert(rng.randint(1, n_par - 1), "\n".join(items))
    blocks += paras
    authors = ", ".join(_name(rng) for _ in range(rng.randint(1, 2)))
    blocks.append(f"Autor/in: {authors}")
    return "\n\n".join(blocks) + "\n"


def generate(root: Path, n: int, seed: int = 1) -> None:
    """Write n deterministic releases under root/<Department>/."""
    rng = random.Random(seed)
    for dept in DEPARTMENTS:
        (root / dept).mkdir(parents=True, exist_ok=True)
    # Exactly n//20 files each (5%) are BOM, cp1252 and CRLF, at random positions.
    share = n // 20
    encodings = ["utf-8-sig"] * share + ["cp1252"] * share + ["utf-8"] * (n - 2 * share)
    rng.shuffle(encodings)
    crlf = set(rng.sample(range(n), share))
    for i, encoding in enumerate(encodings):
        dept = DEPARTMENTS[i % len(DEPARTMENTS)]
        day = START + dt.timedelta(days=rng.randint(0, DAYS))
        text = render(rng, dept, day)
        if i in crlf:
            text = text.replace("\n", "\r\n")
        if encoding == "cp1252":
            text = text.replace("Yılmaz", "Yilmaz")
        data = text.encode(encoding)
        name = f"{day.isoformat()}-{rng.choice(SLUG_WORDS)}-{i}.txt"
        (root / dept / name).write_bytes(data)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dir", type=Path)
    ap.add_argument("n", type=int)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    generate(args.dir, args.n, args.seed)


if __name__ == "__main__":
    main()
