"""Channel ``pages``: one HTML page per release (``<slug>/<stem>.html``, unless the office
links its own pages: ``link_template``) and the release's pictures (``<slug>/<stem>_<n>.<ext>``,
always: the feeds link them), made while the release is read."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, ClassVar

from feedpub.layout import image_owner, image_path, page_path

if TYPE_CHECKING:
    from feedpub.channels.view import Earlier, Outlet
    from feedpub.config import Config
    from feedpub.release import Release


class PagesChannel:
    name: ClassVar[str] = "pages"

    def open(self, outlet: Outlet) -> PageSink:
        return PageSink(outlet)

    def kept(self, config: Config, slug: str, stem: str, earlier: Earlier) -> Iterable[str]:
        """A release not read this time keeps its page and the pictures the last build
        published of it."""
        if config.link_template is None:
            yield page_path(slug, stem)
        yield from earlier.pictures.get((slug, stem), ())

    def discard(self, result: Any) -> None:
        pass  # the pages are staged with the publisher, which removes what fails


class PageSink:
    def __init__(self, outlet: Outlet) -> None:
        self.outlet = outlet

    def on_release(self, release: Release, body: str) -> None:
        from feedpub.pages import render_release_page
        from feedpub.publish import SourceError
        from feedpub.release import Notice

        outlet = self.outlet
        config = outlet.config
        if config.link_template is None:
            title = config.department(release.department, release.slug).title
            page = render_release_page(release, title or release.department, outlet.urls, body)
            outlet.writer.write(page_path(release.slug, release.stem), page)
        for image in release.images:  # also with link_template: the feeds link them here
            try:
                outlet.writer.copy(image_path(release.slug, image.name), image.source)
            except SourceError as exc:  # unreadable since it was looked at a moment ago
                reason = f"picture not copied: cannot read: {exc.error.strerror or exc.error}"
                outlet.notices.append(Notice(image.source, None, reason))

    def close(self) -> None:
        return None

    def abort(self) -> None:
        pass  # its files are the outlet's writer's: the read phase removes them


def published_pictures(previous: set[str]) -> dict[tuple[str, str], list[str]]:
    """The pictures the last build published (its manifest), by (slug, stem) of their
    release: a release that is not read this time (unchanged, or turned bad) keeps them."""
    pictures: dict[tuple[str, str], list[str]] = {}
    for relative in previous:
        if relative.endswith((".jpg", ".png", ".webp")):
            slug, _, name = relative.rpartition("/")
            stem = image_owner(name)
            if stem is not None and slug and "/" not in slug:
                pictures.setdefault((slug, stem), []).append(relative)
    return pictures
