"""PRIV-07 for logs: the access log names the path, never the query string (questions)."""

import logging

from app.cli import serve_options


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
