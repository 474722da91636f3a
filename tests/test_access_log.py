"""PRIV-07 for logs: the access log names the path, never the query string (questions)."""

import logging

from ops.serve import serve_options


def test_access_log_has_no_query_text(make_light_client, caplog):
    c = make_light_client()
    with caplog.at_level(logging.INFO):
        r = c.get("/", params={"q": "CANARY-ich-habe-Angst-vor-der-Abschiebung", "lang": "de"})
        c.get("/api/v1/search", params={"q": "CANARY-2 Schwanger ohne Papiere"})
    assert r.status_code == 200
    lines = [rec.getMessage() for rec in caplog.records if rec.name == "lotse.access"]
    assert any(line.startswith("GET / 200") for line in lines)
    assert any(line.startswith("GET /api/v1/search 200") for line in lines)
    server = [rec.getMessage() for rec in caplog.records
              if rec.name.startswith(("lotse", "uvicorn", "fastapi", "starlette"))]
    assert server and not any("CANARY" in m or "q=" in m for m in server)


def test_uvicorn_access_log_is_off():
    opts = serve_options("127.0.0.1", 8000)
    assert opts["access_log"] is False and opts["server_header"] is False
    assert opts["log_config"] is None  # uvicorn's loggers write the app's JSON lines


def test_middlewares_are_plain_asgi(make_light_client):
    """BaseHTTPMiddleware costs ~0.5 ms per request each (lotse bench); none may come back."""
    from starlette.middleware.base import BaseHTTPMiddleware

    c = make_light_client()
    names = [m.cls.__name__ for m in c.app.user_middleware]
    assert names == ["RequestId", "AccessLog", "LanguageAndHeaders", "BodyLimit", "SearchLimit",
                     "NoStore"]
    assert not any(m.cls is BaseHTTPMiddleware for m in c.app.user_middleware)


def test_headers_on_every_kind_of_response(make_light_client):
    c = make_light_client()
    for r in (c.get("/healthz"), c.get("/does-not-exist"), c.get("/static/app.css"),
              c.get("/staff/login"), c.get("/?lang=ar")):
        assert r.headers["x-content-type-options"] == "nosniff", r.url
        assert "frame-ancestors 'none'" in r.headers["content-security-policy"], r.url
    assert c.get("/staff/login").headers["cache-control"] == "no-store"
    assert "no-store" not in c.get("/healthz").headers.get("cache-control", "")
    cookie = c.get("/?lang=ar").headers["set-cookie"]
    assert cookie.startswith("lotse_lang=ar;") and "HttpOnly" in cookie and "SameSite=lax" in cookie
