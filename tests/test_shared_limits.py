"""Limits that hold with many processes and behind a proxy: two app instances on one store
share the referral limit (10 per hour per address stays 10), the staff login limit counts
across them, and the client's address comes from Forwarded / X-Forwarded-For only when the
direct peer is a trusted proxy (the right-most untrusted address)."""

from fastapi.testclient import TestClient
from sqlalchemy import select
from staffkit import add_user, login

from app.main import create_app, open_store
from app.services import Services
from app.settings import Settings
from app.web.shared_limits import RateCounter


def second_instance(c, light_engine, **overrides):
    """Another app on the same store (as a second process would open it)."""
    own = Settings(**{**c.app.state.settings.model_dump(), **overrides})
    svc = Services(own, open_store(own), light_engine, ready=True)
    return TestClient(create_app(own, svc), base_url="https://testserver")


def refer(c, headers=None):
    return c.post("/api/v1/referrals", json={"kommune": "demo", "contact": "0170 1234567",
                                             "consent": True, "topics": ["sprache"]},
                  headers=headers or {})


def test_two_instances_share_the_referral_limit(make_light_client, light_engine):
    one = make_light_client()
    two = second_instance(one, light_engine)
    codes = [refer(one if n % 2 else two).status_code for n in range(12)]
    assert codes == [201] * 10 + [429, 429]
    r = refer(one)
    assert int(r.headers["retry-after"]) > 0
    store = one.app.state.services.store
    with store.session() as s:  # the store holds a keyed hash, not the address
        keys = list(s.scalars(select(RateCounter.key)))
    assert keys and not any("testclient" in k or "referral" in k for k in keys)


def test_two_instances_share_the_login_limit(make_light_client, light_engine):
    one = make_light_client(login_limit_account=3)
    two = second_instance(one, light_engine)
    _, secret = add_user(one, "ziel", ("case_manager",))
    codes = [login(c, "ziel", secret, password="falsch").status_code
             for c in (one, two, one, two)]
    assert codes == [401, 401, 401, 429]  # the fourth on the other instance: limited


TRUSTED = "10.0.0.0/8, 127.0.0.1"


def test_forwarded_for_counts_only_behind_a_trusted_proxy(make_light_client):
    proxied = make_light_client(trusted_proxies=TRUSTED, referral_limit_ip=2)
    proxy = TestClient(proxied.app, base_url="https://testserver", client=("10.1.2.3", 5000))
    # two newcomers behind the proxy each have their own limit
    for client in ("203.0.113.7", "203.0.113.8"):
        h = {"X-Forwarded-For": f"198.51.100.1, {client}, 10.9.9.9"}  # spoofed left part
        assert [refer(proxy, h).status_code for _ in range(3)] == [201, 201, 429]
    # a forged header from an untrusted peer is ignored: the peer's address counts
    direct = TestClient(proxied.app, base_url="https://testserver",
                        client=("192.0.2.50", 5000))
    codes = [refer(direct, {"X-Forwarded-For": f"203.0.113.{n}"}).status_code
             for n in range(100, 103)]
    assert codes == [201, 201, 429]
    # RFC 7239 Forwarded, with a port and an IPv6 address
    h = {"Forwarded": 'for="[2001:db8::7]:4711";proto=https, for=10.2.2.2'}
    assert [refer(proxy, h).status_code for _ in range(3)] == [201, 201, 429]


def test_without_trusted_proxies_the_header_is_ignored(make_light_client):
    c = make_light_client(referral_limit_ip=1)
    peer = TestClient(c.app, base_url="https://testserver", client=("10.1.2.3", 5000))
    assert refer(peer, {"X-Forwarded-For": "203.0.113.1"}).status_code == 201
    assert refer(peer, {"X-Forwarded-For": "203.0.113.2"}).status_code == 429
