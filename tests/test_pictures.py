"""Pictures through a whole build: copied beside their page (only when changed), announced in
the feeds (in the content, and as Atom Media RSS; no enclosures), removed with their release, never
published before an embargo ends, kept when the release turns bad, noticed by the no-change
fast path; a picture that cannot be published is a warning, never a lost release.

The samples have three: picture 1 and 3 of the Richtfest release (JPEG, WebP; caption 2 has
none) and picture 1 of the Bebauungsplan release (PNG)."""

from __future__ import annotations

import os
import shutil
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import feedparser
import pytest
from click.testing import CliRunner
from lxml import etree, html

import feedpub.publish
from feedpub.build import build
from feedpub.cli import cli
from feedpub.config import Config, make_config
from feedpub.dates import BERLIN
from tests.conftest import (
    DATA,
    SAMPLE_CONFIG,
    SAMPLE_RELEASES,
    file_states,
    ledger_text,
    manifest_of,
    wide_config,
    within,
)

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=BERLIN)
BAU = "Amt für Bau und Planung"
SLUG = "amt-fuer-bau-und-planung"
RICHTFEST = "2025-09-19-richtfest-berufsschulzentrum"
PLAN = "2026-04-15-bebauungsplan-am-muehlenbach"
BASE = "https://presse.example.de/feeds/"
MEDIA = "{http://search.yahoo.com/mrss/}"
ATOM = "{http://www.w3.org/2005/Atom}"
#: (source in releases/<BAU>/, published name, type, width, height) of the sample pictures.
SAMPLES: list[tuple[str, str, str, int, int]] = [
    (f"{RICHTFEST}.jpg", f"{RICHTFEST}.jpg", "image/jpeg", 640, 427),
    (f"{RICHTFEST}-3.webp", f"{RICHTFEST}_3.webp", "image/webp", 640, 400),
    (f"{PLAN}.png", f"{PLAN}.png", "image/png", 600, 420),
]
PUBLISHED = [f"{SLUG}/{name}" for _, name, _, _, _ in SAMPLES]
RELEASE = "Seiteninhalt\n{date}\n\n{title}\n\nBild der Woche © Landkreis\n\nDer Text.\n"


@pytest.fixture
def config() -> Config:
    return wide_config()


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("pictures") / "feeds"
    report = build(SAMPLE_RELEASES, out, wide_config(), now=NOW)
    assert report.errors == [] and report.notices == []
    return out


def pictures_of(folder: Path) -> dict[str, tuple[bytes, int, int]]:
    """Every published picture with its bytes, mtime and inode."""
    return file_states(
        folder,
        lambda relative: (
            relative.endswith((".jpg", ".png", ".webp"))
            and not relative.rsplit("/", 1)[-1].startswith(".")
        ),
    )


def manifest(out: Path) -> set[str]:
    return set(manifest_of(out))


CONTENT_NS = "http://purl.org/rss/1.0/modules/content/"


def rss_item(feed: Path, stem: str) -> Any:
    for item in etree.parse(feed).getroot().iter("item"):
        if item.findtext("guid", "").endswith("/" + stem):
            return item
    raise AssertionError(f"{stem} not in {feed}")


def atom_entry(feed: Path, stem: str) -> Any:
    for item in etree.parse(feed).getroot().iter(f"{ATOM}entry"):
        if item.findtext(f"{ATOM}id", "").endswith("/" + stem):
            return item
    raise AssertionError(f"{stem} not in {feed}")


# --- published beside the page, announced in the feeds ---------------------------------------


def test_pictures_are_published_beside_their_page_byte_for_byte(built: Path) -> None:
    assert sorted(pictures_of(built)) == sorted(PUBLISHED)
    for source, name, _, _, _ in SAMPLES:
        published = built / SLUG / name
        assert published.read_bytes() == (SAMPLE_RELEASES / BAU / source).read_bytes()
        assert published.stat().st_mode & 0o777 == 0o644
    assert set(PUBLISHED) <= manifest(built)  # so they are removed with their release


def thunderbird_attachments(feed: Path) -> dict[str, list[str]]:
    """The attachments Thunderbird (mailnews/extensions/newsblog/FeedParser.sys.mjs) makes of
    each entry, by id: in RSS each ``<enclosure>`` and each ``media:content`` (at any depth)
    whose URL is no enclosure's; in Atom each ``<link rel="enclosure">`` (Atom media:content it
    ignores). It shows an image attachment below the text, a second copy of a picture that
    the content shows already."""
    root = etree.parse(feed).getroot()
    found: dict[str, list[str]] = {}
    if root.tag == f"{ATOM}feed":
        for entry in root.iter(f"{ATOM}entry"):
            links = entry.findall(f"{ATOM}link[@rel='enclosure']")
            found[entry.findtext(f"{ATOM}id", "")] = [str(link.get("href")) for link in links]
        return found
    for item in root.iter("item"):
        urls = [str(e.get("url")) for e in item.findall("enclosure")]
        urls += [
            str(c.get("url")) for c in item.iter(f"{MEDIA}content") if c.get("url") not in urls
        ]
        found[item.findtext("guid", "")] = urls
    return found


@pytest.mark.parametrize(
    "feed",
    ["rss.xml", "atom.xml", f"{SLUG}/rss.xml", f"{SLUG}/atom.xml"],
)
def test_thunderbird_shows_each_picture_once_in_the_content(built: Path, feed: str) -> None:
    attachments = thunderbird_attachments(built / feed)
    assert attachments and all(urls == [] for urls in attachments.values()), attachments
    # RSS names no Media RSS namespace: the pictures are in the content.
    if feed.endswith("rss.xml"):
        assert "mrss" not in (built / feed).read_text("utf-8")


def test_thunderbird_rule_sees_the_second_copy_of_a_picture(tmp_path: Path) -> None:
    """The rule above finds enclosures, as the feeds had them before."""
    rss = tmp_path / "rss.xml"
    rss.write_text(
        '<rss xmlns:media="http://search.yahoo.com/mrss/"><channel><item><guid>a</guid>'
        '<enclosure url="https://x/1.jpg"/><media:content url="https://x/1.jpg"/>'
        '<media:content url="https://x/2.jpg"/></item></channel></rss>',
        "utf-8",
    )
    assert thunderbird_attachments(rss) == {"a": ["https://x/1.jpg", "https://x/2.jpg"]}


@pytest.mark.parametrize("feed", ["atom.xml", f"{SLUG}/atom.xml"])
def test_atom_has_media_content_per_picture(built: Path, feed: str) -> None:
    richtfest = atom_entry(built / feed, RICHTFEST)
    contents = richtfest.findall(f"{MEDIA}content")
    assert [c.get("url") for c in contents] == [
        BASE + f"{SLUG}/{RICHTFEST}.jpg",
        BASE + f"{SLUG}/{RICHTFEST}_3.webp",
    ]
    _check_media_contents(built, contents)
    assert [(c.findtext(f"{MEDIA}title"), c.findtext(f"{MEDIA}credit")) for c in contents] == [
        (
            "Landrätin Annette Berger und Polier Stefan Krüger beim traditionellen Richtspruch",
            "Landkreis Musterland / Jana Wolff",
        ),
        ("Luftbild der Baustelle an der Nordheimer Straße", "Luftbild Meyer, Musterstadt"),
    ]
    # Releases without pictures carry none.
    entries = etree.parse(built / feed).getroot().findall(f"{ATOM}entry")
    assert len([e for e in entries if e.find(f"{MEDIA}content") is not None]) == 2


def _check_media_contents(built: Path, contents: list[Any]) -> None:
    """Media RSS 1.5.1: media:content with the attributes it defines, right values."""
    expected = {BASE + f"{SLUG}/{name}": (kind, w, h) for _, name, kind, w, h in SAMPLES}
    assert contents
    for content in contents:
        assert set(content.attrib) == {"url", "type", "medium", "fileSize", "width", "height"}
        kind, width, height = expected[content.get("url")]
        path = built / content.get("url").removeprefix(BASE)
        assert content.get("type") == kind and content.get("medium") == "image"
        assert content.get("fileSize") == str(path.stat().st_size)
        assert (content.get("width"), content.get("height")) == (str(width), str(height))
        assert {child.tag for child in content} <= {f"{MEDIA}title", f"{MEDIA}credit"}


@pytest.mark.parametrize("feed", ["atom.xml", "rss.xml", f"{SLUG}/atom.xml", f"{SLUG}/rss.xml"])
def test_feedparser_sees_media_content_credits_and_the_pictures_in_the_content(
    built: Path, feed: str
) -> None:
    parsed = feedparser.parse((built / feed).read_bytes())
    assert not parsed.bozo, parsed.get("bozo_exception")
    by_stem = {entry.id.rpartition("/")[2]: entry for entry in parsed.entries}
    richtfest, plan = by_stem[RICHTFEST], by_stem[PLAN]
    assert richtfest.enclosures == []
    every = [
        (BASE + f"{SLUG}/{n}", k, (built / SLUG / n).stat().st_size) for _, n, k, _, _ in SAMPLES
    ]
    if feed.endswith("atom.xml"):
        assert [m["url"] for m in richtfest.media_content] == [url for url, _, _ in every[:2]]
        assert [m["filesize"] for m in plan.media_content] == [str(every[2][2])]
        assert [c["content"] for c in richtfest.media_credit] == [
            "Landkreis Musterland / Jana Wolff",
            "Luftbild Meyer, Musterstadt",
        ]
    # The entry's own title and summary are not taken over by media:title.
    assert richtfest.title == "Richtfest am neuen Berufsschulzentrum Musterstadt"
    assert richtfest.summary == "Größtes Hochbauprojekt des Landkreises liegt im Zeitplan"
    # The pictures are in the content too, with absolute URLs, through feedparser's sanitiser.
    images = html.fragment_fromstring(richtfest.content[0].value, create_parent="div").iter("img")
    assert [
        (i.get("src"), i.get("width"), i.get("height"), bool(i.get("alt"))) for i in images
    ] == [
        (url, str(width), str(height), True)
        for (url, _, _), (_, _, _, width, height) in zip(every[:2], SAMPLES, strict=False)
    ]


def test_feeds_without_pictures_declare_no_media_namespace(built: Path) -> None:
    text = (built / "jobcenter" / "rss.xml").read_text("utf-8")
    assert "mrss" not in text and "enclosure" not in text


def test_the_page_shows_pictures_with_caption_and_credit(built: Path) -> None:
    page = (built / SLUG / f"{RICHTFEST}.html").read_text("utf-8")
    assert (
        f'<figure><img src="{BASE}{SLUG}/{RICHTFEST}.jpg" alt="Landrätin Annette Berger und '
        'Polier Stefan Krüger beim traditionellen Richtspruch" width="640" height="427">'
        "<figcaption><p>Landrätin Annette Berger und Polier Stefan Krüger beim traditionellen "
        "Richtspruch <small>© Landkreis Musterland / Jana Wolff</small></p></figcaption></figure>"
    ) in page
    # Caption 2 has no picture: it stays text, as it was before pictures existed.
    assert (
        "<figure><figcaption><p>Der Richtkranz über dem Werkstatttrakt des neuen "
        "Berufsschulzentrums © Landkreis Musterland / Jana Wolff</p></figcaption></figure>"
    ) in page
    assert f'src="{BASE}{SLUG}/{RICHTFEST}_3.webp" ' in page and 'loading="lazy"' in page


# --- only what changed ------------------------------------------------------------------------


def test_pictures_are_copied_only_when_they_change(
    sample_releases: Path, tmp_path: Path, config: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "feeds"
    build(sample_releases, out, config, now=NOW)
    before = pictures_of(out)
    assert sorted(before) == sorted(PUBLISHED)

    # Nothing changed: the fast path touches nothing.
    assert build(sample_releases, out, config, now=NOW).fast
    assert pictures_of(out) == before
    # Another release changed: pictures of unchanged releases are not even looked at.
    other = sample_releases / "Jobcenter" / "2026-02-11-jahresbilanz-2025.txt"
    other.write_text(other.read_text("utf-8").replace("Jobcenter", "Jobcenter ", 1), "utf-8")
    report = build(sample_releases, out, config, now=NOW)
    assert report.read == 1 and pictures_of(out) == before
    # A full build (another configuration) compares by size and mtime: nothing rewritten,
    # and no published picture even read (an office may have thousands of megabytes).
    other_config = make_config(
        {"base_url": BASE, "tag_authority": "presse.example.de", "title": "Neu"}, None
    )
    opened: list[str] = []

    def spy(file: Any, *args: Any, **kwargs: Any) -> Any:
        opened.append(str(file))
        return open(file, *args, **kwargs)

    monkeypatch.setattr(feedpub.publish, "open", spy, raising=False)
    report = build(sample_releases, out, other_config, now=NOW)
    assert not report.fast and not any(w in PUBLISHED for w in report.written)
    assert pictures_of(out) == before
    assert not [name for name in opened if name.endswith((".jpg", ".png", ".webp"))]
    # A picture saved again unchanged (new mtime): read and compared, not rewritten, no edit.
    source = sample_releases / BAU / f"{RICHTFEST}.jpg"
    source.write_bytes(source.read_bytes())
    report = build(sample_releases, out, other_config, now=NOW + timedelta(hours=1))
    assert report.read == 1 and report.written == []
    assert pictures_of(out) == before
    assert f"{out / SLUG / RICHTFEST}.jpg" in opened


def test_a_replaced_picture_is_an_edit_the_fast_path_notices(
    sample_releases: Path, tmp_path: Path, config: Config
) -> None:
    out = tmp_path / "feeds"
    build(sample_releases, out, config, now=NOW)
    later = NOW + timedelta(hours=2)
    replacement = DATA / "images" / "exif-rotated.jpg"
    shutil.copyfile(replacement, sample_releases / BAU / f"{PLAN}.png")  # a JPEG now
    report = build(sample_releases, out, config, now=later)
    assert not report.fast and report.read == 1
    assert not (out / SLUG / f"{PLAN}.png").exists()  # removed: the type decides the name
    assert (out / SLUG / f"{PLAN}.jpg").read_bytes() == replacement.read_bytes()
    assert f"{SLUG}/{PLAN}.png" in report.removed and f"{SLUG}/{PLAN}.jpg" in report.created
    [content] = atom_entry(out / SLUG / "atom.xml", PLAN).findall(f"{MEDIA}content")
    assert (content.get("url"), content.get("fileSize"), content.get("type")) == (
        BASE + f"{SLUG}/{PLAN}.jpg",
        str(replacement.stat().st_size),
        "image/jpeg",
    )
    assert f'src="{BASE}{SLUG}/{PLAN}.jpg"' in rss_item(out / SLUG / "rss.xml", PLAN).findtext(
        f"{{{CONTENT_NS}}}encoded", ""
    )
    page = (out / SLUG / f"{PLAN}.html").read_text("utf-8")
    assert 'width="21" height="33"' in page  # EXIF orientation 6: shown turned
    # Readers see a changed entry (same id, same dates: README, "Updated"); the page says it
    # was updated when the build saw the new picture.
    entry = atom_entry(out / SLUG / "atom.xml", PLAN)
    assert entry.findtext(f"{ATOM}updated") == entry.findtext(f"{ATOM}published")
    assert f'Aktualisiert am <time datetime="{later.isoformat()}">' in page


def test_an_added_picture_is_published_and_a_removed_one_removed(
    sample_releases: Path, tmp_path: Path, config: Config
) -> None:
    out = tmp_path / "feeds"
    build(sample_releases, out, config, now=NOW)
    added = sample_releases / BAU / f"{PLAN}-2.webp"
    shutil.copyfile(DATA / "images" / "lossy.webp", added)
    report = build(sample_releases, out, config, now=NOW)
    assert not report.fast and f"{SLUG}/{PLAN}_2.webp" in report.created
    assert f"{SLUG}/{PLAN}_2.webp" in manifest(out)
    contents = atom_entry(out / SLUG / "atom.xml", PLAN).findall(f"{MEDIA}content")
    assert [c.findtext(f"{MEDIA}title") for c in contents] == [
        "Lageplan des Plangebiets „Am Mühlenbach“ in Nordheim",
        "Blick vom Mühlenweg auf die künftige Baufläche",  # caption 2, which has no credit
    ]
    added.unlink()
    report = build(sample_releases, out, config, now=NOW)
    assert not report.fast and report.removed == [f"{SLUG}/{PLAN}_2.webp"]
    assert not (out / SLUG / f"{PLAN}_2.webp").exists()
    assert f"{SLUG}/{PLAN}_2.webp" not in manifest(out)
    assert len(atom_entry(out / SLUG / "atom.xml", PLAN).findall(f"{MEDIA}content")) == 1


def test_a_deleted_release_takes_its_pictures_along(
    sample_releases: Path, tmp_path: Path, config: Config
) -> None:
    out = tmp_path / "feeds"
    build(sample_releases, out, config, now=NOW)
    (sample_releases / BAU / f"{RICHTFEST}.txt").unlink()  # the pictures stay in releases/
    report = build(sample_releases, out, config, now=NOW)
    assert sorted(report.removed) == sorted(
        [f"{SLUG}/{RICHTFEST}.html", f"{SLUG}/{RICHTFEST}.jpg", f"{SLUG}/{RICHTFEST}_3.webp"]
    )
    assert sorted(pictures_of(out)) == [f"{SLUG}/{PLAN}.png"]


def test_a_release_that_turns_bad_keeps_its_pictures(
    sample_releases: Path, tmp_path: Path, config: Config
) -> None:
    out = tmp_path / "feeds"
    build(sample_releases, out, config, now=NOW)
    before = pictures_of(out)
    path = sample_releases / BAU / f"{RICHTFEST}.txt"
    path.write_text("Seiteninhalt\n31.02.2025\n\nTitel\n\nText.\n", "utf-8")  # no such day
    for _ in range(2):  # the work build, then the fast path: both keep them
        report = build(sample_releases, out, config, now=NOW)
        assert [e.path for e in report.errors] == [path]
        assert pictures_of(out) == before
        assert (out / SLUG / f"{RICHTFEST}.html").exists()
        # The feeds keep its last good version, pictures included.
        assert len(atom_entry(out / SLUG / "atom.xml", RICHTFEST).findall(f"{MEDIA}content")) == 2


def test_an_embargoed_release_publishes_no_picture_until_its_time(
    sample_releases: Path, tmp_path: Path, config: Config
) -> None:
    out = tmp_path / "feeds"
    build(sample_releases, out, config, now=NOW)
    secret = sample_releases / "Jobcenter" / "2026-12-01-geheimes-projekt.txt"
    secret.write_text(RELEASE.format(date="01.12.2026, 10:00 Uhr", title="Vorhaben X"), "utf-8")
    shutil.copyfile(DATA / "images" / "rgb.png", secret.with_suffix(".png"))
    report = build(sample_releases, out, config, now=NOW)
    assert report.held_back == 1 and report.errors == [] and report.notices == []
    for path in out.rglob("*"):
        assert "geheim" not in path.name, path
        if path.is_file():
            assert b"geheim" not in path.read_bytes(), path
    assert "geheim" not in ledger_text(out)

    due = build(sample_releases, out, config, now=datetime(2026, 12, 1, 10, 0, tzinfo=BERLIN))
    assert due.held_back == 0
    published = out / "jobcenter" / "2026-12-01-geheimes-projekt.png"
    assert published.read_bytes() == secret.with_suffix(".png").read_bytes()
    assert (
        atom_entry(out / "jobcenter" / "atom.xml", secret.stem).find(f"{MEDIA}content") is not None
    )


# --- a picture that cannot be published --------------------------------------------------------


def test_a_picture_that_cannot_be_published_is_a_warning_not_a_lost_release(
    sample_releases: Path, tmp_path: Path
) -> None:
    out = tmp_path / "feeds"
    gif = sample_releases / BAU / f"{PLAN}.png"
    gif.write_bytes(b"GIF89a\x21\x00\x15\x00;")
    link = sample_releases / BAU / f"{RICHTFEST}-2.jpg"
    link.symlink_to(tmp_path / "nowhere.jpg")
    args = ["build", "--releases", sample_releases, "--out", out, "--config", SAMPLE_CONFIG]
    result = CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        f"{link}: warning: picture not published: symlink is broken; remove it",
        f"{gif}: warning: picture not published: is a GIF image, not a JPEG, PNG or WebP "
        "picture; save it as JPEG",
    ]
    assert (out / SLUG / f"{PLAN}.html").exists()  # the release is published ...
    assert sorted(pictures_of(out)) == sorted(PUBLISHED[:2])  # ... without that picture
    assert "Lageplan des Plangebiets" in (out / SLUG / f"{PLAN}.html").read_text("utf-8")
    # Like every warning, said by the build that reads the file; check says it every time.
    again = CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)
    assert (again.exit_code, again.stderr) == (0, "")
    check = ["check", "--releases", sample_releases, "--config", SAMPLE_CONFIG]
    checked = CliRunner().invoke(cli, [str(a) for a in check], catch_exceptions=False)
    assert checked.exit_code == 0 and checked.stderr == result.stderr


def test_a_fifo_in_the_place_of_a_picture_when_copied_does_not_block(
    sample_releases: Path, tmp_path: Path, config: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Read for its size, then replaced by a FIFO: copying it must not wait for a writer."""
    from feedpub import images

    real_read_image = images.read_image
    target = sample_releases / BAU / f"{PLAN}.png"

    def then_a_fifo(path: Any) -> tuple[str, int, int, int, str]:
        result = real_read_image(path)
        if str(path) == str(target):
            target.unlink()
            os.mkfifo(target)
        return result

    monkeypatch.setattr(images, "read_image", then_a_fifo)
    out = tmp_path / "feeds"
    with within(5):
        report = build(sample_releases, out, config, now=NOW)
    assert report.errors == []
    assert [str(n) for n in report.notices] == [
        f"{target}: warning: picture not copied: cannot read: not a regular file"
    ]
    assert sorted(pictures_of(out)) == sorted(PUBLISHED[:2])


def test_a_picture_unreadable_when_copied_is_a_warning(
    sample_releases: Path, tmp_path: Path, config: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Read for its size, then gone or unreadable a moment later: the build goes on."""
    real_open = os.open
    target = str(sample_releases / BAU / f"{PLAN}.png")
    opened: list[str] = []

    def flaky(path: Any, flags: int, *args: Any) -> int:
        if str(path) == target:
            opened.append(target)
            if len(opened) > 1:  # the copy, not the header read before it
                raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, flags, *args)

    monkeypatch.setattr(os, "open", flaky)
    out = tmp_path / "feeds"
    report = build(sample_releases, out, config, now=NOW)
    assert report.errors == []
    assert [str(n) for n in report.notices] == [
        f"{target}: warning: picture not copied: cannot read: Permission denied"
    ]
    assert sorted(pictures_of(out)) == sorted(PUBLISHED[:2])
