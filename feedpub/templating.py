"""The page templates (Jinja2) → HTML. No I/O besides loading the templates.

Every HTML page is rendered from a template by name (``release.html``, ``department.html``,
``index.html``, which extend ``base.html`` and use ``macros.html``, ``footer.html`` and
``style.css``). The defaults are in the package (``feedpub/templates/``); a template of the
same name in the site's folder (config key ``templates``) wins. Autoescaping is on for every
template: a variable is text unless it is :class:`~markupsafe.Markup` (the release body, the
policy), which feedpub made itself. The variables of each template: README, "Templates".
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2
from markupsafe import Markup

if TYPE_CHECKING:
    from feedpub.config import Config

#: The default templates, shipped as package data.
DEFAULTS = Path(__file__).parent / "templates"

__all__ = ["DEFAULTS", "Markup", "environment", "render"]


@lru_cache(maxsize=8)
def environment(folder: Path | None, digest: str = "") -> jinja2.Environment:
    """The environment of a site: its own folder first, then the defaults. Templates are
    compiled once per process and never looked at again, unless the folder's ``digest``
    (:attr:`Config.templates_digest`) changed: a new configuration, a new environment."""
    loaders: list[jinja2.BaseLoader] = []
    if folder is not None:
        loaders.append(jinja2.FileSystemLoader(folder))
    loaders.append(jinja2.FileSystemLoader(DEFAULTS))
    return jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,
    )


@lru_cache(maxsize=32)
def _template(folder: Path | None, digest: str, name: str) -> jinja2.Template:
    return environment(folder, digest).get_template(name)


def render(config: Config, name: str, context: dict[str, Any]) -> bytes:
    """The template ``name`` of the site of ``config``, rendered, as UTF-8."""
    return _template(config.templates, config.templates_digest, name).render(context).encode()
