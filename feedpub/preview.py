"""What a release page tells search engines and link previews → template variables. No I/O.

A release shared on Mastodon or in a messenger shows its title, teaser and first picture
(OpenGraph ``<meta property="og:…">``), and search engines read it as a schema.org
``NewsArticle`` (JSON-LD). ``release.html`` writes both into the page's head; the JSON-LD
is data, not script (the policy allows no script, and browsers run none of this type).
"""

from __future__ import annotations

import json
from typing import Any

from feedpub.content import listing_teaser
from feedpub.layout import Urls
from feedpub.release import Release, effective_updated
from feedpub.templating import Markup


def preview(release: Release, urls: Urls, url: str) -> dict[str, Any]:
    """The variables of ``release.html``'s head: ``description`` (the teaser as in lists),
    ``image`` (the first picture's URL, or None), ``modified`` (ISO 8601: the correction
    time, else the publication; the feeds keep the publication, see ``entry_updated``) and
    ``json_ld`` (the ``NewsArticle``, safe inside ``<script>``)."""
    images = [urls.image(release.slug, image.name) for image in release.images]
    description = listing_teaser(release)
    modified = effective_updated(release).isoformat()
    config = urls.config
    publisher: dict[str, Any] = {
        "@type": "Organization",
        "name": config.site_name or config.publisher,
    }
    if config.logo is not None:
        publisher["logo"] = {"@type": "ImageObject", "url": config.logo}
    authors = [{"@type": "Person", "name": name} for name in release.authors] or [
        {"@type": "Organization", "name": config.publisher}
    ]
    article: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "mainEntityOfPage": url,
        "headline": release.title,
        "description": description or None,
        "datePublished": release.published.isoformat(),
        "dateModified": modified,
        "inLanguage": "de",
        "author": authors,
        "publisher": publisher,
        "image": images or None,
    }
    return {
        "description": description,
        "image": images[0] if images else None,
        "modified": modified,
        "json_ld": script_json({k: v for k, v in article.items() if v is not None}),
    }


def script_json(data: object) -> Markup:
    """``data`` as JSON that can stand inside ``<script>…</script>``: ``<``, ``>`` and ``&``
    are written as ``\\u003c`` … (the same string to a JSON parser), so no text can close the
    element (``</script>``) or open a comment (``<!--``) that would swallow it."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    for char, escaped in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026")):
        text = text.replace(char, escaped)
    return Markup(text)
