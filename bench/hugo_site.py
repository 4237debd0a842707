"""Turn a generated corpus into a Hugo site: the peer that ``bench.py --ratios`` times.

Usage: python bench/hugo_site.py RELEASES SITE [--entries 50]

Each release of ``RELEASES/<Department>/<name>.txt`` (as bench/generate.py writes them)
becomes ``SITE/content/<department slug>/<name>.md``: TOML front matter with the title, the
date with its Europe/Berlin offset (00:00 local time when the date line has no time, as in
feedpub) and the teaser, then the text as Markdown (teaser in bold, captions in italics, the
paragraphs, ``- `` lists, the authors). Each department is a Hugo section (``_index.md`` with
its name). The layout is this script's own and minimal: one HTML page per release, an HTML
list page per section and for the home page, and per section and for the home page an RSS
2.0 feed and an Atom 1.0 feed (a hand-written output format), ``--entries`` (50) newest
entries each, with the full text as content like feedpub's. No taxonomies, sitemap, robots
or 404 page. Future-dated releases are left out by Hugo itself (``buildFuture`` is off), as
feedpub holds them back. Standard library only; only the ``hugo`` run is timed, not this.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
from pathlib import Path
from zoneinfo import ZoneInfo

from floor import decode
from generate import MONTHS

BERLIN = ZoneInfo("Europe/Berlin")
_NUMERIC = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})(?:,\s*(\d{1,2}):(\d{2})\s*Uhr)?")
_LONG = re.compile(r"(\d{1,2})\.\s+([^\W\d_]+)\s+(\d{4})")
_MARKDOWN = re.compile(r"([\\`*_\[\]<>#])")
_SLUG_LETTERS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})

CONFIG = """\
baseURL = "https://presse.example.de/"
languageCode = "de-DE"
title = "Pressemitteilungen des Landkreises Musterland"
timeZone = "Europe/Berlin"
disableKinds = ["taxonomy", "term", "sitemap", "robotsTXT", "404"]

[params]
entries = {entries}

[mediaTypes."application/atom+xml"]
suffixes = ["xml"]

[outputFormats.RSS]
baseName = "rss"

[outputFormats.Atom]
mediaType = "application/atom+xml"
baseName = "atom"
isHTML = false

[outputs]
home = ["HTML", "RSS", "Atom"]
section = ["HTML", "RSS", "Atom"]
page = ["HTML"]
"""

# The pages of a list: the section's, or every release for the home page; newest first.
_PAGES = (
    "{{- $pages := .RegularPages }}{{ if .IsHome }}{{ $pages = .Site.RegularPages }}{{ end }}"
    "{{- $pages = first .Site.Params.entries $pages }}\n"
)
_XML_DECLARATION = '{{- printf "<?xml version=\\"1.0\\" encoding=\\"utf-8\\"?>" | safeHTML }}\n'
_ISO = '"2006-01-02T15:04:05-07:00"'

SINGLE = """\
<!DOCTYPE html>
<html lang="de">
<head>
<meta charset="utf-8">
<title>{{ .Title }} – {{ .CurrentSection.Title }}</title>
{{ with .CurrentSection.OutputFormats.Get "Atom" }}\
<link rel="alternate" type="application/atom+xml" href="{{ .Permalink }}">{{ end }}
</head>
<body>
<header><nav aria-label="Sie sind hier"><a href="{{ .Site.Home.RelPermalink }}">Start</a> ›
<a href="{{ .CurrentSection.RelPermalink }}">{{ .CurrentSection.Title }}</a></nav></header>
<main><article>
<h1>{{ .Title }}</h1>
<p><time datetime="{{ .Date.Format @ISO@ }}">{{ .Date.Format "02.01.2006" }}</time></p>
{{ .Content }}
</article></main>
</body>
</html>
"""

LIST = """\
@PAGES@<!DOCTYPE html>
<html lang="de">
<head>
<meta charset="utf-8">
<title>{{ .Title }}</title>
{{ with .OutputFormats.Get "Atom" }}\
<link rel="alternate" type="application/atom+xml" href="{{ .Permalink }}">{{ end }}
{{ with .OutputFormats.Get "RSS" }}\
<link rel="alternate" type="application/rss+xml" href="{{ .Permalink }}">{{ end }}
</head>
<body>
<main>
<h1>{{ .Title }}</h1>
{{ range $pages }}<article>
<h3><a href="{{ .RelPermalink }}">{{ .Title }}</a></h3>
<p><time datetime="{{ .Date.Format @ISO@ }}">{{ .Date.Format "02.01.2006" }}</time>\
{{ if $.IsHome }} – {{ .CurrentSection.Title }}{{ end }}</p>
<p>{{ .Params.teaser }}</p>
</article>
{{ end }}</main>
</body>
</html>
"""

RSS = """\
@PAGES@@XML@\
<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom" \
xmlns:content="http://purl.org/rss/1.0/modules/content/">
<channel>
<title>{{ .Title }}</title>
<link>{{ .Permalink }}</link>
<description>Pressemitteilungen: {{ .Title }}</description>
<language>de-DE</language>
{{ with .OutputFormats.Get "RSS" }}\
<atom:link href="{{ .Permalink }}" rel="self" type="application/rss+xml"/>{{ end }}
{{ range $pages }}<item>
<title>{{ .Title }}</title>
<link>{{ .Permalink }}</link>
<guid isPermaLink="false">{{ .Permalink }}</guid>
<pubDate>{{ .Date.Format "Mon, 02 Jan 2006 15:04:05 -0700" | safeHTML }}</pubDate>
<description>{{ .Params.teaser }}</description>
<content:encoded>{{ .Content | html }}</content:encoded>
</item>
{{ end }}</channel>
</rss>
"""

ATOM = """\
@PAGES@@XML@\
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="de">
<id>{{ .Permalink }}</id>
<title>{{ .Title }}</title>
<updated>{{ with index $pages 0 }}{{ .Date.Format @ISO@ | safeHTML }}{{ end }}</updated>
<author><name>Landkreis Musterland, Pressestelle</name></author>
{{ with .OutputFormats.Get "Atom" }}\
<link href="{{ .Permalink }}" rel="self" type="application/atom+xml"/>{{ end }}
<link href="{{ .Permalink }}" rel="alternate" type="text/html"/>
{{ range $pages }}<entry>
<id>{{ .Permalink }}</id>
<title>{{ .Title }}</title>
<updated>{{ .Date.Format @ISO@ | safeHTML }}</updated>
<link href="{{ .Permalink }}" rel="alternate" type="text/html"/>
<summary>{{ .Params.teaser }}</summary>
<content type="html">{{ .Content | html }}</content>
</entry>
{{ end }}</feed>
"""

LAYOUTS = {
    "single.html": SINGLE,
    "list.html": LIST,
    "rss.xml": RSS,
    "list.atom.xml": ATOM,
}


def _layout(template: str) -> str:
    """A template with its shared parts filled in (they are Go templates, full of braces)."""
    for marker, text in (("@PAGES@", _PAGES), ("@XML@", _XML_DECLARATION), ("@ISO@", _ISO)):
        template = template.replace(marker, text)
    return template


def slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower().translate(_SLUG_LETTERS)).strip("-")


def parse_date(line: str) -> dt.datetime:
    """A date line of the generated corpus as an aware Europe/Berlin datetime."""
    if match := _NUMERIC.search(line):
        day, month, year, hour, minute = match.groups()
        time = (int(hour), int(minute)) if hour else (0, 0)
        return dt.datetime(int(year), int(month), int(day), *time, tzinfo=BERLIN)
    match = _LONG.search(line)
    if match is None:
        raise ValueError(f"no date in {line!r}")
    day, month_name, year = match.groups()
    return dt.datetime(int(year), MONTHS.index(month_name) + 1, int(day), tzinfo=BERLIN)


def _text(block: str) -> str:
    return _MARKDOWN.sub(r"\\\1", block)


def _body(blocks: list[str]) -> str:
    out = []
    for block in blocks:
        lines = block.split("\n")
        if all("©" in line for line in lines):
            out.extend(f"*{_text(line)}*" for line in lines)
        elif block.startswith("- "):
            out.append("\n".join("- " + _text(line[2:]) for line in lines))
        else:
            out.append(_text(" ".join(lines)))
    return "\n\n".join(out)


def to_markdown(text: str, url: str) -> str:
    """One release's text (as generated) as a Hugo content file published at ``url``."""
    blocks = text.replace("\r\n", "\n").strip().split("\n\n")
    date_line = blocks[0].split("\n")[1]
    title, teaser, rest = blocks[1], blocks[2], blocks[3:]
    front = [
        "+++",
        f"title = {json.dumps(title, ensure_ascii=False)}",
        f"date = {parse_date(date_line).isoformat()}",
        f"teaser = {json.dumps(teaser, ensure_ascii=False)}",
        f"url = {json.dumps(url)}",
        "+++",
    ]
    return "\n".join(front) + f"\n\n**{_text(teaser)}**\n\n{_body(rest)}\n"


def write_site(releases: Path, site: Path, entries: int = 50) -> int:
    """Write the Hugo site for every release under ``releases``; the number of releases."""
    (site / "layouts" / "_default").mkdir(parents=True, exist_ok=True)
    (site / "config.toml").write_text(CONFIG.format(entries=entries), encoding="utf-8")
    for name, template in LAYOUTS.items():
        (site / "layouts" / "_default" / name).write_text(_layout(template), encoding="utf-8")
    count = 0
    for department in sorted(p for p in releases.iterdir() if p.is_dir()):
        section = site / "content" / slug(department.name)
        section.mkdir(parents=True, exist_ok=True)
        head = f"+++\ntitle = {json.dumps(department.name, ensure_ascii=False)}\n+++\n"
        (section / "_index.md").write_text(head, encoding="utf-8")
        for path in sorted(department.glob("*.txt")):
            url = f"/{section.name}/{path.stem}.html"
            markdown = to_markdown(decode(path.read_bytes()), url)
            (section / f"{path.stem}.md").write_text(markdown, encoding="utf-8")
            count += 1
    return count


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("releases", type=Path)
    ap.add_argument("site", type=Path)
    ap.add_argument("--entries", type=int, default=50)
    args = ap.parse_args()
    write_site(args.releases, args.site, args.entries)


if __name__ == "__main__":
    main()
