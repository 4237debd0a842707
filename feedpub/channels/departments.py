"""Channel ``departments``: one subscription page per department (``<slug>/index.html``:
its feeds, newest releases and a link to its HTML archive) and the start page ``index.html``
(every department).

A department's page is rendered only when its key changed (the same as its live feed's:
its releases, their content and correction times, its newest archive month, its count);
``index.html`` with every build that has work (it is small, and the publisher leaves it
alone when its bytes are the same).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from feedpub.channels.base import Channel, Keys
from feedpub.channels.feeds import feed_key
from feedpub.layout import INDEX, department_page_path

if TYPE_CHECKING:
    from feedpub.channels.view import View
    from feedpub.publish import Publisher


class DepartmentsChannel(Channel):
    name: ClassVar[str] = "departments"

    def publish(self, view: View, publisher: Publisher) -> Keys:
        from feedpub.overview import render_department_page, render_index

        config = view.config
        keys: Keys = {}
        for department in view.departments:
            path = department_page_path(department.slug)
            key = keys[path] = feed_key(view, department.slug)
            if view.old_keys.get(path) == key and path in publisher.previous:
                publisher.keep(path, check=False)
                continue
            releases = view.listed(department.slug)
            archive = archive_page(view, department.slug)
            page = render_department_page(config.title, department, releases, view.urls, archive)
            publisher.write(path, page)
        for slug in sorted(view.touched - set(view.selection.slugs())):
            # Every release of this department is bad (and none was published): keep its page.
            publisher.keep(department_page_path(slug))
        index = render_index(
            config.title,
            config.description,
            view.departments,
            view.listed(None),
            view.urls,
            archive_page(view, None),
        )
        publisher.write(INDEX, index)
        return keys


def archive_page(view: View, slug: str | None) -> str | None:
    """The URL of the newest page of a feed's HTML archive (see
    :mod:`feedpub.channels.htmlarchive`), or None: it has no archive."""
    period = view.newest_archive.get(slug)
    return None if period is None else view.urls.archive_page(slug, period)
