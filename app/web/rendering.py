"""One place that decides page or fragment: the only reader of `HX-Request`.

Routes hand over a template name and their data; a full page is rendered for
a normal request, only the named block for an htmx request (`HX-Request`).
Fragment-capable responses say `Vary: HX-Request` so caches keep them apart.
`is_htmx(request)` answers the question for routes that choose other answers
(a 422 page or a 200 fragment); `hx_redirect(request, url)` ends a change: a 303
for a plain form, `HX-Redirect` with status 200 for htmx (htmx ignores the header
on a 3xx, and a 204 would not be swapped at all). `error_response` is the one shape
of a refusal (a full store, bad input, too large, too many questions): JSON under
/api/, else the error page in the reader's language, keeping the question.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import jinja2
from fastapi import Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from jinja2_fragments.fastapi import Jinja2Blocks

from app import i18n
from app.settings import UI_LANGUAGES

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"

env = jinja2.Environment(
    loader=jinja2.FileSystemLoader(str(TEMPLATES)),
    autoescape=True,  # every file, whatever its extension
    extensions=["jinja2.ext.i18n"],
)
env.install_gettext_callables(  # type: ignore[attr-defined]  # added by the i18n extension
    i18n.gettext, i18n.ngettext, newstyle=True)
templates = Jinja2Blocks(env=env)
env.globals.update(
    _s=i18n.staff_gettext,
    ngettext_s=i18n.staff_ngettext,
    language_name=i18n.language_name,
    weekday_name=i18n.weekday_name,
    direction=i18n.direction,
    ui_languages=UI_LANGUAGES,
)


def render(request: Request, template: str, data: dict[str, Any], *, block: str | None = None,
           status_code: int = 200) -> Response:
    """The whole page, or only `block` when htmx asks."""
    lang = i18n.current_language()
    context = {"request": request, "lang": lang, "dir": i18n.direction(lang), **data}
    fragment = block is not None and is_htmx(request)
    response = templates.TemplateResponse(
        request, template, context, status_code=status_code,
        block_name=block if fragment else None,
    )
    response.headers["Vary"] = "HX-Request"
    return response


#: the status of every `HX-Redirect` answer
HX_REDIRECT_STATUS = 200


def is_htmx(request: Request) -> bool:
    """The request comes from htmx (it swaps a fragment) rather than a plain page load."""
    return request.headers.get("HX-Request") == "true"


def hx_redirect(request: Request, url: str) -> Response:
    """After a change: a full-page redirect, `HX-Redirect` for htmx, 303 for a plain form."""
    if is_htmx(request):
        return Response(status_code=HX_REDIRECT_STATUS, headers={"HX-Redirect": url})
    return RedirectResponse(url, status_code=303)


async def asked_question(request: Request) -> str:
    """The question a refused request carried (the query's or a form's `q`), to offer it
    again on the error page; empty under /api/ (no page: the body is not read), when
    there is none or when the body was read already."""
    if request.url.path.startswith("/api/"):
        return ""
    q = request.query_params.get("q") or ""
    if not q and request.method == "POST":
        try:
            q = str((await request.form()).get("q") or "")
        except Exception:  # the body was read already: nothing to keep  # noqa: BLE001
            q = ""
    return q[:2000]


def error_response(request: Request, status: int, detail: str, *, q: str = "",
                   headers: Mapping[str, str] | None = None) -> Response:
    """A refusal: `{"detail": …}` under /api/, else the error page with `detail` and the
    question `q` to send again; `headers` on both (Retry-After, Connection)."""
    if request.url.path.startswith("/api/"):
        return JSONResponse({"detail": detail}, status_code=status, headers=dict(headers or {}))
    response = render(request, "error.html", {"status": status, "detail": detail, "q": q},
                      status_code=status)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response
