"""POST /api/v1/referrals as DESIGN.md says: consent (PRIV-01..03), minimal data (PRIV-06),
idempotency (REL-03), rate limit (SEC-17), origin check."""

from sqlalchemy import func, select

from app.referrals import consent
from app.referrals.models import Referral
from app.staff.models import AuditEntry

BODY = {"kommune": "demo", "language": "ar", "topics": ["sprache"], "name": "Amina",
        "contact_channel": "phone", "contact": "+49 170 1234567",
        "message": "Ich möchte Deutsch lernen", "consent": True, "consent_special": False,
        "age": 30, "on_behalf": None}


def counts(c):
    with c.app.state.services.store.session() as s:
        return (s.scalar(select(func.count(Referral.id))),
                s.scalar(select(func.count(AuditEntry.id))))


def test_contract_201_after_commit(make_light_client):
    c = make_light_client()
    r = c.post("/api/v1/referrals", json=BODY)
    assert r.status_code == 201
    assert set(r.json()) == {"reference", "status"} and r.json()["status"] == "received"
    assert r.headers["referral-secret"] and r.headers["cache-control"] == "no-store"
    with c.app.state.services.store.session() as s:  # acknowledged = committed
        ref = s.scalar(select(Referral).where(Referral.reference == r.json()["reference"]))
        assert ref is not None and ref.status == "neu" and ref.kommune_id == "demo"


def test_without_consent_nothing_is_stored_priv01(make_light_client):
    c = make_light_client()
    before = counts(c)
    for consent_value in (False, None, "yes", 1):
        r = c.post("/api/v1/referrals", json={**BODY, "consent": consent_value})
        assert 400 <= r.status_code < 500 and r.json()["detail"], consent_value
    body = dict(BODY)
    del body["consent"]
    assert c.post("/api/v1/referrals", json=body).status_code == 422
    assert counts(c) == before


def test_special_topics_need_their_own_consent_priv02(make_light_client):
    c = make_light_client()
    before = counts(c)
    for topic in sorted(consent.SPECIAL_TOPICS):
        r = c.post("/api/v1/referrals", json={**BODY, "topics": [topic]})
        assert r.status_code == 422 and r.json()["fields"] == ["consent_special"]
    assert counts(c) == before
    r = c.post("/api/v1/referrals", json={**BODY, "topics": ["gesundheit"],
                                          "consent_special": True})
    assert r.status_code == 201


def test_proof_of_consent_priv03(make_light_client):
    c = make_light_client()
    text = c.get("/api/v1/referrals/consent", params={"kommune": "demo", "lang": "ar",
                                                      "on_behalf": True}).json()
    assert text["title"] and "14" in text["title"] and len(text["paragraphs"]) >= 12
    r = c.post("/api/v1/referrals", json={**BODY, "on_behalf": {
        "name": "Frau Helferin, Caritas", "contact": "helferin@example.org"}})
    assert r.status_code == 201
    with c.app.state.services.store.session() as s:
        ref = s.scalar(select(Referral))
    assert ref.consent_at.year >= 2026 and ref.consent_version == consent.VERSION
    assert ref.consent_sha256 == text["sha256"] and ref.consent_locale == "ar"
    assert ref.consent_channel == "volunteer" and ref.on_behalf_name.startswith("v1:")
    self_text = c.get("/api/v1/referrals/consent", params={"kommune": "demo",
                                                           "lang": "ar"}).json()
    assert self_text["sha256"] != text["sha256"] and "13" in self_text["title"]


def test_minimal_data_priv06(make_light_client):
    c = make_light_client()
    before = counts(c)
    bad = [
        {**BODY, "religion": "x"},  # unknown field
        {**BODY, "on_behalf": {"name": "A", "contact": "b", "extra": 1}},
        {**BODY, "contact_channel": "pigeon"},  # enum
        {**BODY, "message": "x" * 4001},  # length
        {**BODY, "name": "x" * 101},
        {**BODY, "age": 200},
        {**BODY, "contact": ""},  # the contact is required
        {**BODY, "contact_channel": "email", "contact": "no-at-sign"},
        {**BODY, "kommune": "atlantis"},
        {**BODY, "topics": ["no_such_topic"]},
        {**BODY, "gemeinde": "05315000"},  # Köln is not in the demo Kommune
    ]
    for body in bad:
        r = c.post("/api/v1/referrals", json=body)
        assert r.status_code == 422 and r.json()["detail"], body
    assert counts(c) == before
    minimal = {"kommune": "demo", "contact": "0170 1234567", "consent": True}
    assert c.post("/api/v1/referrals", json=minimal).status_code == 201


def test_idempotency_key_returns_the_same_reference_rel03(make_light_client):
    c = make_light_client()
    h = {"Idempotency-Key": "4f1c2d0e-client-key"}
    a = c.post("/api/v1/referrals", json=BODY, headers=h)
    b = c.post("/api/v1/referrals", json=BODY, headers=h)
    assert a.status_code == b.status_code == 201
    assert a.json()["reference"] == b.json()["reference"]
    assert a.headers["referral-secret"] == b.headers["referral-secret"]
    assert counts(c)[0] == 1
    r = c.post("/api/v1/referrals", json={**BODY, "message": "other"}, headers=h)
    assert r.status_code == 422 and counts(c)[0] == 1


def test_referral_rate_limit_sec17(make_light_client):
    c = make_light_client(referral_limit_ip=3)
    codes = [c.post("/api/v1/referrals", json=BODY).status_code for _ in range(4)]
    assert codes == [201, 201, 201, 429]
    assert counts(c)[0] == 3


def test_cross_site_browser_post_is_refused(make_light_client):
    c = make_light_client()
    r = c.post("/api/v1/referrals", json=BODY, headers={"Sec-Fetch-Site": "cross-site",
                                                        "Origin": "https://evil.example"})
    assert r.status_code == 403 and counts(c)[0] == 0


def test_status_and_withdrawal_over_the_api_priv05(make_light_client):
    c = make_light_client()
    r = c.post("/api/v1/referrals", json=BODY)
    ref, secret = r.json()["reference"], r.headers["referral-secret"]
    assert c.post("/api/v1/referrals/status", json={"reference": ref, "secret": "WRONG"}
                  ).status_code == 404
    s = c.post("/api/v1/referrals/status", json={"reference": ref, "secret": secret.lower()})
    assert s.status_code == 200 and s.json()["status"] == "received"
    w = c.post("/api/v1/referrals/withdraw", json={"reference": ref, "secret": secret})
    assert w.status_code == 200 and w.json()["status"] == "withdrawn"
    with c.app.state.services.store.session() as db:
        row = db.scalar(select(Referral))
        assert row.name is row.contact is row.message is row.secret is None
        actions = list(db.scalars(select(AuditEntry.action)))
    assert "referral.withdraw" in actions


def test_status_lookups_are_rate_limited_sec17(make_light_client):
    c = make_light_client(status_limit_ip=2)
    wrong = {"reference": "R-0000-0000", "secret": "AAAA-BBBB-CCCC"}
    codes = [c.post("/api/v1/referrals/status", json=wrong).status_code for _ in range(3)]
    assert codes == [404, 404, 429]
