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

__all__ = ["DEFAULTS", "Markup", "check_templates", "environment", "render"]


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
    """The template ``name`` of the site of ``config``, rendered, as UTF-8.

    An office's template that does not compile or fails to render is a
    :class:`~feedpub.config.ConfigError` naming the template and line (exit 2), never a
    traceback."""
    try:
        template = _template(config.templates, config.templates_digest, name)
        return template.render(context).encode()
    except jinja2.TemplateError as exc:
        raise _problem(config, name, exc) from None
    except Exception as exc:  # noqa: BLE001 - an expression of the template failed ({{ 1 // 0 }})
        where = _template_line(exc)
        if where is None:
            raise  # not in a template: feedpub's own bug, with its traceback
        from feedpub.config import ConfigError

        reason = f"{type(exc).__name__}: {exc}"
        raise ConfigError(None, None, f"{where}: {reason}; fix the template") from None


def check_templates(config: Config) -> None:
    """Compile every template of the site's own folder (``feedpub check``); raise
    :class:`~feedpub.config.ConfigError` for the first that does not compile."""
    if config.templates is None:
        return
    env = environment(config.templates, config.templates_digest)
    for name in sorted(jinja2.FileSystemLoader(config.templates).list_templates()):
        try:
            env.get_template(name)
        except jinja2.TemplateError as exc:
            raise _problem(config, name, exc) from None


def _template_line(exc: BaseException) -> str | None:
    """``file:line`` of the innermost template frame of ``exc``'s traceback (Jinja2 rewrites
    template frames to the template's file and line), or None."""
    where = None
    tb = exc.__traceback__
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename.endswith((".html", ".css")) and Path(filename).exists():
            where = f"{filename}:{tb.tb_lineno}"
        tb = tb.tb_next
    return where


def _problem(config: Config, name: str, exc: jinja2.TemplateError) -> Exception:
    from feedpub.config import ConfigError

    folder = config.templates if config.templates is not None else DEFAULTS
    if isinstance(exc, jinja2.TemplateSyntaxError):
        where = f"{folder / (exc.name or name)}:{exc.lineno}"
        return ConfigError(None, None, f"{where}: {exc.message}; fix the template")
    return ConfigError(None, None, f"{folder / name}: {exc}; fix the template")
