"""JSON logs (issue 15): the real `lotse serve` and plain uvicorn write one JSON object per
line from every logger, uvicorn's own included, each request's lines with its request id;
no question, no name, no query string ever reaches the log (PRIV-07)."""

import json
import logging
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from ops.drill import free_port

NAME = "Fatima Yilmaz-Canary"
QUESTION = f"Ich heiße {NAME} und suche einen Deutschkurs"


def _run(cmd: list[str], env: dict, port: int, requests) -> tuple[str, list]:
    """Start `cmd`, wait for /healthz, make `requests(base)`, stop it: (stderr+stdout, answers)."""
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        t0 = time.monotonic()
        while True:
            assert proc.poll() is None, proc.stdout.read()
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() - t0 < 120, "the server did not start"
            time.sleep(0.1)
        answers = requests(base)
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=60)
    return out, answers


def _env(tmp_path: Path, **extra: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LOTSE_")}
    env.update({"LOTSE_DATA_DIR": str(tmp_path), "LOTSE_MODEL": str(tmp_path / "no-model"),
                "LOTSE_JOBS_INTERVAL_SECONDS": "0", "LOTSE_ANALYTICS_MAINTENANCE_MINUTES": "0",
                **extra})
    return env


def _ask(base: str) -> list:
    with httpx.Client(base_url=base, timeout=30) as c:
        return [c.get("/api/v1/search", params={"q": QUESTION, "kommune": "demo"},
                      headers={"X-Request-ID": "forged-by-a-client"}),
                c.get("/", params={"q": QUESTION, "lang": "de"}),
                c.get(f"/offer/{NAME}")]


def _lines(out: str) -> list[dict]:
    lines = [ln for ln in out.splitlines() if ln.strip()]
    assert lines
    parsed = []
    for ln in lines:
        try:
            parsed.append(json.loads(ln))
        except ValueError:
            pytest.fail(f"not a JSON log line: {ln[:200]!r}")
    return parsed


@pytest.mark.slow
def test_lotse_serve_writes_json_lines_without_the_question(tmp_path):
    port = free_port()
    lotse = str(Path(sys.executable).with_name("lotse"))
    out, answers = _run([lotse, "serve", "--port", str(port)], _env(tmp_path), port, _ask)
    search, page, _offer = answers
    assert search.status_code == 200 and page.status_code == 200
    lines = _lines(out)
    assert "Fatima" not in out and "Yilmaz" not in out and "Deutschkurs" not in out
    assert "q=" not in out and "%20" not in out
    loggers = {ln["logger"] for ln in lines}
    assert "uvicorn.error" in loggers  # the server's own start and stop lines
    assert {"time", "level", "event"} <= set(lines[0])
    assert not any("color_message" in ln for ln in lines)
    # lines from before the app exists are JSON too: the lexical fallback's error
    assert any(ln["logger"] == "lotse" and ln["level"] == "error"
               and "lexical index only" in ln["event"] for ln in lines)
    access = [ln for ln in lines if ln["logger"] == "lotse.access"]
    answered = next(ln for ln in access if ln.get("route") == "/api/v1/search")
    assert answered["event"] == f"GET /api/v1/search 200 {answered['event'].split()[-1]}"
    assert answered["status"] == 200 and answered["method"] == "GET"
    # the id is ours, not the client's (no trusted proxy is configured) and is returned
    assert answered["request_id"] == search.headers["x-request-id"] != "forged-by-a-client"
    assert len({ln["request_id"] for ln in access}) == len(access)
    # a value in a path is logged as its route's template
    assert any(ln["event"].startswith("GET /offer/{offer_id} 404") for ln in access)


@pytest.mark.slow
def test_plain_uvicorn_access_log_has_no_query_string(tmp_path):
    """Run as `uvicorn --factory app.main:create_app` with uvicorn's access log on (its
    default): the access lines are JSON and end the path before the query."""
    port = free_port()
    cmd = [sys.executable, "-m", "uvicorn", "--factory", "app.main:create_app",
           "--host", "127.0.0.1", "--port", str(port)]
    out, answers = _run(cmd, _env(tmp_path), port, _ask)
    assert answers[0].status_code == 200
    lines = _lines(out)
    assert "Fatima" not in out and "Deutschkurs" not in out and "q=" not in out
    uvicorn_access = [ln for ln in lines if ln["logger"] == "uvicorn.access"]
    assert any('"GET /api/v1/search HTTP/1.1" 200' in ln["event"] for ln in uvicorn_access)
    assert any('"GET /offer/{offer_id} HTTP/1.1" 404' in ln["event"] for ln in uvicorn_access)


def test_request_id_from_a_trusted_proxy_only(make_light_client):
    app = make_light_client(trusted_proxies="10.0.0.0/8").app
    proxy = TestClient(app, base_url="https://testserver", client=("10.1.2.3", 4000))
    other = TestClient(app, base_url="https://testserver", client=("192.0.2.7", 4000))
    assert proxy.get("/healthz", headers={"X-Request-ID": "abc-123"}).headers[
        "x-request-id"] == "abc-123"
    assert other.get("/healthz", headers={"X-Request-ID": "abc-123"}).headers[
        "x-request-id"] != "abc-123"
    # a malformed id (a forged log line, an overlong value) is replaced even from the proxy
    for bad in ("abc\\n{\"level\": \"error\"}", "x" * 65, "a b"):
        rid = proxy.get("/healthz", headers={"X-Request-ID": bad}).headers["x-request-id"]
        assert rid != bad and len(rid) == 32


def test_every_line_of_a_request_carries_its_id(make_light_client, caplog):
    from app.web.logs import _formatter

    c = make_light_client()
    with caplog.at_level(logging.INFO):
        r = c.get("/does-not-exist%0A{\"forged\": 1}")
    record = next(rec for rec in caplog.records if rec.name == "lotse.access")
    line = _formatter().format(record)
    assert "\n" not in line
    parsed = json.loads(line)
    assert parsed["request_id"] == r.headers["x-request-id"]
    assert parsed["route"] == "(unmatched)" and parsed["status"] == 404


def test_record_factories_are_installed_once(make_light_client):
    """`create_app` runs per app (many per test session): the escaping and request-id
    record factories must not pile up (an argument escaped twice, a deeper chain)."""
    make_light_client()
    factory = logging.getLogRecordFactory()
    make_light_client()
    make_light_client()
    assert logging.getLogRecordFactory() is factory
    rec = factory("x", logging.INFO, __file__, 1, "%s", ("a\nb",), None)
    assert rec.getMessage() == "a\\x0ab"
