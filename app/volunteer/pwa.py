"""The installable web app: manifest, service worker and the pages it keeps offline.

`/manifest.webmanifest?lang=` names the app in the reader's language (Babel);
`/sw.js` is served from the root so its scope is the whole site; it keeps the shell
(CSS, scripts, icons, `/offline`, `/saved`) and the offers a person saved with
"Save on this phone" (Cache API, on the phone only: nothing about it reaches the server).
`/saved` lists them from that cache; `/offline` is shown for pages not saved.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, JSONResponse

from app.i18n import direction
from app.i18n import gettext as _
from app.web.rendering import render

router = APIRouter(include_in_schema=False)
STATIC = Path(__file__).resolve().parent.parent / "static"
THEME = "#0b5cad"


@router.get("/manifest.webmanifest")
def manifest(request: Request):
    lang = request.state.lang
    icons = [{"src": "/static/icons/icon.svg", "sizes": "any", "type": "image/svg+xml",
              "purpose": "any"}]
    icons += [{"src": f"/static/icons/icon-{n}.png", "sizes": f"{n}x{n}", "type": "image/png",
               "purpose": "any maskable"} for n in (192, 512)]
    body = {
        "id": "/", "name": _("KIM-Lotse – finding help in your Kommune"),
        "short_name": "KIM-Lotse",
        "description": _("Counselling offers of your Kommune, in your language."),
        "lang": lang, "dir": direction(lang), "start_url": f"/?lang={lang}", "scope": "/",
        "display": "standalone", "background_color": "#ffffff", "theme_color": THEME,
        "icons": icons,
    }
    return JSONResponse(body, media_type="application/manifest+json",
                        headers={"Cache-Control": "no-cache"})


@router.get("/sw.js")
def service_worker():
    return FileResponse(STATIC / "sw.js", media_type="text/javascript",
                        headers={"Cache-Control": "no-cache"})


@router.get("/offline")
def offline(request: Request):
    return render(request, "offline.html", {})


@router.get("/saved")
def saved(request: Request):
    return render(request, "saved.html", {})
