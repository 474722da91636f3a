"""`/metrics` (issue 15): Prometheus text for internal networks only; latency per route
template, encode time, degraded mode, outbox backlog and lag, index size, each with `pid`."""

import datetime as dt
import os

from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from app.main import create_app
from app.referrals.models import OutboxMail


def _internal(app, host="127.0.0.1") -> TestClient:
    return TestClient(app, base_url="https://testserver", client=(host, 50000))


def _samples(text: str) -> dict:
    """{(name, frozenset(labels)): value} of a Prometheus text exposition."""
    return {(s.name, frozenset(s.labels.items())): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def _value(samples: dict, name: str, default: float | None = None, **labels) -> float:
    """The sum of the samples of `name` that have `labels`."""
    want = set(labels.items())
    found = [v for (n, ls), v in samples.items() if n == name and want <= ls]
    if not found and default is not None:
        return default
    assert found, (name, labels)
    return sum(found)


def test_metrics_only_from_internal_networks(make_light_client):
    app = make_light_client().app
    assert _internal(app).get("/metrics").status_code == 200
    assert _internal(app, "::1").get("/metrics").status_code == 200
    assert _internal(app, "203.0.113.9").get("/metrics").status_code == 404
    # through the reverse proxy on the same machine: forwarding headers, never internal
    for header in ("X-Forwarded-For", "Forwarded", "X-Real-IP"):
        r = _internal(app).get("/metrics", headers={header: "203.0.113.9"})
        assert r.status_code == 404, header
    closed = make_light_client(metrics_networks="").app
    assert _internal(closed).get("/metrics").status_code == 404
    wider = make_light_client(metrics_networks="10.0.0.0/8").app
    assert _internal(wider, "10.20.30.40").get("/metrics").status_code == 200
    assert _internal(wider).get("/metrics").status_code == 404


def test_latency_per_route_template_state_and_pid(make_light_client):
    c = make_light_client()
    inside = _internal(c.app)
    before = _samples(inside.get("/metrics").text)
    for oid in ("a-1", "b-2", "c-3"):
        c.get(f"/api/v1/hsds/services/{oid}")
    c.get("/api/v1/search", params={"q": "Deutschkurs Mustername"})
    text = inside.get("/metrics").text
    after = _samples(text)
    pid = str(os.getpid())
    route = "/api/v1/hsds/services/{service_id}"
    count = "lotse_request_duration_seconds_count"
    assert _value(after, count, route=route, status="404", pid=pid) - _value(
        before, count, 0, route=route, status="404") == 3
    assert _value(after, count, route="/api/v1/search", method="GET") >= 1
    # one series per template: no id, no question, no query in any label
    assert "a-1" not in text and "Mustername" not in text and "q=" not in text
    assert _value(after, "lotse_degraded", pid=pid) == 1.0  # the light app has no model
    offers = len(c.app.state.services.engine.offers)
    assert offers and _value(after, "lotse_index_offers") == offers
    assert _value(after, "lotse_outbox_backlog") == 0
    assert _value(after, "lotse_job_lag_seconds") == 0


def test_outbox_backlog_and_lag(make_light_client):
    c = make_light_client()
    now = dt.datetime.now(dt.UTC)
    with c.app.state.services.store.session.begin() as s:
        s.add(OutboxMail(recipient="kim@example.org", subject="s", body="b",
                         next_attempt_at=now - dt.timedelta(minutes=10)))
        s.add(OutboxMail(recipient="kim@example.org", subject="s", body="b",
                         next_attempt_at=now + dt.timedelta(minutes=10)))
        s.add(OutboxMail(recipient="kim@example.org", subject="s", body="b",
                         next_attempt_at=now - dt.timedelta(hours=1), sent_at=now))
    samples = _samples(_internal(c.app).get("/metrics").text)
    assert _value(samples, "lotse_outbox_backlog") == 2
    assert 590 <= _value(samples, "lotse_job_lag_seconds") < 700


def test_encode_time_of_questions(settings, services):
    app = create_app(settings, services)
    with _internal(app) as c:
        before = _samples(c.get("/metrics").text)
        assert c.get("/api/v1/search", params={"q": "Wo lerne ich Deutsch?"}).status_code == 200
        after = _samples(c.get("/metrics").text)
    key = ("lotse_encode_seconds_count", frozenset({("pid", str(os.getpid()))}))
    assert after[key] >= before.get(key, 0) + 1
