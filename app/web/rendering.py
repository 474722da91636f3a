"""One place that decides page or fragment.

Routes hand over a template name and their data; a full page is rendered for
a normal request, only the named block for an htmx request (`HX-Request`).
Fragment-capable responses say `Vary: HX-Request` so caches keep them apart.
"""

from __future__ import annotations

from pathlib import Path

import jinja2
from fastapi import Request
from jinja2_fragments.fastapi import Jinja2Blocks

from app import i18n
from app.settings import UI_LANGUAGES

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"

env = jinja2.Environment(
    loader=jinja2.FileSystemLoader(str(TEMPLATES)),
    autoescape=True,  # every file, whatever its extension
    extensions=["jinja2.ext.i18n"],
)
env.install_gettext_callables(i18n.gettext, i18n.ngettext, newstyle=True)
templates = Jinja2Blocks(env=env)
env.globals.update(
    _s=i18n.staff_gettext,
    ngettext_s=i18n.staff_ngettext,
    language_name=i18n.language_name,
    weekday_name=i18n.weekday_name,
    direction=i18n.direction,
    ui_languages=UI_LANGUAGES,
)


def render(request: Request, template: str, data: dict, *, block: str | None = None,
           status_code: int = 200):
    """The whole page, or only `block` when htmx asks."""
    lang = i18n.current_language()
    context = {"request": request, "lang": lang, "dir": i18n.direction(lang), **data}
    is_htmx = request.headers.get("HX-Request") == "true" and block is not None
    response = templates.TemplateResponse(
        request, template, context, status_code=status_code,
        block_name=block if is_htmx else None,
    )
    response.headers["Vary"] = "HX-Request"
    return response
