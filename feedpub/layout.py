"""The output layout: which file goes where under ``feeds/``, and its public URL.

These paths are what subscribers keep in their readers, so they never change (README,
"Output layout")::

    feeds/atom.xml, feeds/rss.xml              every department
    feeds/<slug>/atom.xml, feeds/<slug>/rss.xml one department
    feeds/feed.json, feeds/<slug>/feed.json     the same feeds as JSON Feed 1.1
    feeds/<slug>/<stem>.html                    one page per release (unless link_template)
    feeds/<slug>/index.html                     the department's page (its feeds, its news)
    feeds/<slug>/<stem>.jpg, <stem>_2.png, …    a release's pictures (see image_name)
    feeds/index.html                            the subscription page
    feeds/feeds.opml                            all feeds as OPML 2.0 (the Atom feeds)
    feeds/feeds-json.opml                       the same list with the JSON Feeds
    feeds/archive/<YYYY-MM>/atom.xml, rss.xml   RFC 5005 archive of every department
    feeds/<slug>/archive/<YYYY-MM>/atom.xml, …  RFC 5005 archive of one department
    feeds/archive/<YYYY-MM>/index.html          HTML archive page of that month (every department)
    feeds/<slug>/archive/<YYYY-MM>/index.html   the same for one department
    feeds/sitemap.xml                           the sitemap (an index of sitemap-<n>.xml when big)
"""

from __future__ import annotations

import re

from feedpub.config import Config
from feedpub.publish import PID_MAX, temporary_name
from feedpub.release import CorrectionNotice, Release
from feedpub.static import favicon_url, static_url

ATOM = "atom.xml"
RSS = "rss.xml"
JSON = "feed.json"
INDEX = "index.html"
OPML = "feeds.opml"
JSON_OPML = "feeds-json.opml"
#: Where a correction notice links: the note on its release's page (``id="korrektur"`` in
#: the template ``release.html``).
NOTICE_ANCHOR = "#korrektur"


def feed_path(slug: str | None, name: str) -> str:
    """Relative path of a feed file; ``slug`` None is the feed of every department."""
    return name if slug is None else f"{slug}/{name}"


def archive_path(slug: str | None, period: str, name: str) -> str:
    """Relative path of an archive document (``period`` is ``YYYY-MM``)."""
    return feed_path(slug, f"archive/{period}/{name}")


def archive_page_path(slug: str | None, period: str) -> str:
    """Relative path of the HTML archive page of a month: beside that month's RFC 5005
    documents (a department named ``archive`` cannot collide: its files are not in folders)."""
    return archive_path(slug, period, INDEX)


def page_path(slug: str, stem: str) -> str:
    return f"{slug}/{stem}.html"


#: The release file stem whose page would be the department page (``<slug>/index.html``).
RESERVED_STEM = "index"


def department_page_path(slug: str) -> str:
    """Relative path of a department's page, beside its feeds and its release pages."""
    return f"{slug}/{INDEX}"


#: The published file name extension of each picture type (``.jpeg`` files become ``.jpg``).
IMAGE_EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}


def image_name(stem: str, number: int, media_type: str) -> str:
    """The published file name of a release's picture ``number``: ``<stem>.<ext>`` for the
    first, ``<stem>_<number>.<ext>`` for the others.

    Why ``_``: a stem is a slug (``a-z``, ``0-9``, ``-``), so no other release's picture or
    page can ever get this name. With ``-2``, picture 2 of ``bau.txt`` and picture 1 of
    ``bau-2.txt`` would both be ``bau-2.jpg``. The extension follows the bytes, not the source
    name: a JPEG saved as ``.png`` is published as ``.jpg`` (web servers type files by name).
    """
    suffix = "" if number == 1 else f"_{number}"
    return f"{stem}{suffix}.{IMAGE_EXTENSIONS[media_type]}"


#: The highest picture number (see :mod:`feedpub.discover`: ``<name>-99.jpg``).
LAST_PICTURE = 99


def _longest_name(stem: str) -> str:
    """The longest name a release's files get in the output: its page, or its last picture
    as WebP (``<stem>_99.webp``)."""
    names = [f"{stem}.html"]
    names += (image_name(stem, LAST_PICTURE, media_type) for media_type in IMAGE_EXTENSIONS)
    return max(names, key=len)


#: The longest file name (bytes) that Linux file systems take (NAME_MAX).
NAME_MAX = 255
#: The longest URL name of a release file (``<stem>``, ASCII, so characters are bytes) whose
#: output files can all be written: each is written first to a temporary beside it, whose
#: name is the file's name plus a pid and endings (see :func:`feedpub.publish.temporary_name`);
#: the longest is that of ``<stem>_99.webp``, which must fit into NAME_MAX. 234.
MAX_STEM = NAME_MAX - len(temporary_name(_longest_name(""), "", PID_MAX))
#: The longest URL name of a department: a folder of the output, written under its own name.
MAX_SLUG = NAME_MAX


def name_too_long(slug: str, stem: str) -> str | None:
    """Why the output cannot hold the files of a release with these URL names (a file name
    too long for the file system), or None."""
    if len(slug) > MAX_SLUG:
        return (
            f"department folder name too long: its URL name has {len(slug)} characters, "
            f"the output takes at most {MAX_SLUG}; shorten the folder's name"
        )
    if len(stem) > MAX_STEM:
        return (
            f"file name too long: its URL name has {len(stem)} characters, the output takes "
            f"at most {MAX_STEM}; shorten the file name"
        )
    return None


_IMAGE_NAME = re.compile(r"([a-z0-9-]+)(?:_[1-9][0-9]*)?\.(?:jpg|png|webp)")


def image_owner(name: str) -> str | None:
    """The stem of the release that :func:`image_name` made ``name`` for, or None when
    ``name`` is not the name of a picture (the reverse of image_name)."""
    match = _IMAGE_NAME.fullmatch(name)
    return match[1] if match else None


def image_path(slug: str, name: str) -> str:
    """Relative path of a published picture: beside its release page."""
    return f"{slug}/{name}"


class Urls:
    """Absolute URLs of everything published, from the config's ``base_url``."""

    def __init__(self, config: Config) -> None:
        self.base = config.base_url
        self.template = config.link_template
        #: The whole configuration, for the page renderers (site name, footer, templates).
        self.config = config
        #: Where the site's static files are (``<base_url>static/``), and its favicon's
        #: URL when ``static/favicon.ico`` exists (see :mod:`feedpub.static`).
        self.static = static_url(config)
        self.favicon = favicon_url(config)
        #: The site has style sheets in ``static/`` (the pages' policy allows them).
        self.styles = any(name.endswith(".css") for name in config.static_files)

    def of(self, path: str) -> str:
        return self.base + path

    def feed(self, slug: str | None, name: str) -> str:
        return self.base + feed_path(slug, name)

    def archive(self, slug: str | None, period: str) -> tuple[str, str]:
        """The (Atom, RSS) URLs of an archive document."""
        return (
            self.base + archive_path(slug, period, ATOM),
            self.base + archive_path(slug, period, RSS),
        )

    def archive_page(self, slug: str | None, period: str) -> str:
        """The HTML archive page of a month of a feed."""
        return self.base + archive_page_path(slug, period)

    def release(self, release: Release) -> str:
        """Where an entry links to: the generated page, or the office's own site; for a
        correction notice the note on its release's page (``#korrektur``)."""
        page = self.release_page(release)
        return page + NOTICE_ANCHOR if isinstance(release, CorrectionNotice) else page

    def release_page(self, release: Release) -> str:
        """The page of a release (of the release a correction notice corrects)."""
        if self.template is not None:
            return self.template.format(slug=release.slug, stem=release.stem)
        return self.base + page_path(release.slug, release.stem)

    def image(self, slug: str, name: str) -> str:
        """A picture's absolute URL, also with ``link_template`` (pictures are always
        published here). Absolute, because feed readers resolve relative URLs in entry
        content badly or not at all."""
        return self.base + image_path(slug, name)

    def department(self, slug: str | None) -> str:
        """The human page of a feed (its ``alternate`` link, the OPML ``htmlUrl``): the
        department's page, or index.html for the feed of every department."""
        return self.base + (INDEX if slug is None else department_page_path(slug))


def anchor(slug: str) -> str:
    """HTML id of a department's row in index.html (links made before department pages
    existed still lead there). Prefixed, so that no department (not even one named "Alle")
    can take the id of the row for all departments, ``alle``."""
    return f"fd-{slug}"
