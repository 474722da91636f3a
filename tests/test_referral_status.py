"""The residence status on the referral: chosen from a fixed list, prefilled from the
conversation, stored encrypted only with the extra Art. 9 consent, shown in the case
file, erased with the other personal fields."""

import re

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from staffkit import add_user, login

from app.keyring import keyring_of
from app.referrals.models import Referral

BODY = {"kommune": "demo", "language": "ar", "topics": ["aufenthalt"], "contact": "0170 1234567",
        "consent": True, "consent_special": True}


def count(c) -> int:
    with c.app.state.services.store.session() as s:
        return s.scalar(select(func.count(Referral.id)))


def test_the_fixed_list_is_the_conversation_s_and_known_to_the_rules():
    from typing import get_args

    from app.assistant.dialogue import STATUS_CHOICES
    from app.referrals.service import RESIDENCE_STATUSES, ReferralIn
    from app.responsibility.vocab import STATUSES

    assert RESIDENCE_STATUSES == STATUS_CHOICES and set(RESIDENCE_STATUSES) <= set(STATUSES)
    literal = get_args(ReferralIn.model_fields["residence_status"].annotation)[0]
    assert get_args(literal) == RESIDENCE_STATUSES


def test_api_stores_the_status_encrypted_only_with_the_extra_consent(make_light_client):
    c = make_light_client()
    refused = c.post("/api/v1/referrals", json={**BODY, "topics": [], "consent_special": False,
                                                 "residence_status": "duldung"})
    assert refused.status_code == 422 and refused.json()["fields"] == ["consent_special"]
    for bad in ("tourist", "", 7):
        r = c.post("/api/v1/referrals", json={**BODY, "residence_status": bad})
        assert r.status_code == 422, bad
    assert count(c) == 0
    r = c.post("/api/v1/referrals", json={**BODY, "residence_status": "duldung"})
    assert r.status_code == 201
    without = c.post("/api/v1/referrals", json={**BODY, "topics": [], "consent_special": False})
    assert without.status_code == 201  # optional: no status, no extra consent needed
    with c.app.state.services.store.session() as s:
        ref = s.scalar(select(Referral).where(Referral.reference == r.json()["reference"]))
        assert ref.residence_status and "duldung" not in ref.residence_status  # ciphertext
        keys = keyring_of(s)
        assert keys.decrypt("referral", ref.id, "residence_status",
                            ref.residence_status) == "duldung"
        other = s.scalar(select(Referral).where(
            Referral.reference == without.json()["reference"]))
        assert other.residence_status is None


def test_case_file_shows_the_status_and_withdrawal_erases_it(make_light_client):
    c = make_light_client()
    r = c.post("/api/v1/referrals", json={**BODY, "residence_status": "ae_25_2_fluechtling"})
    secret = r.headers["referral-secret"]
    with c.app.state.services.store.session() as s:
        ref_id = s.scalar(select(Referral.id))
    cm = TestClient(c.app, base_url="https://testserver")
    _, totp = add_user(c, "cm.status", ["case_manager"], "demo")
    assert login(cm, "cm.status", totp).status_code == 303
    page = cm.get(f"/staff/referrals/{ref_id}").text
    shown = re.search(r'class="case-residence-status">([^<]*)<', page).group(1)
    assert "25" in shown and "Flüchtling" in shown  # the German term of art
    other = TestClient(c.app, base_url="https://testserver")  # another Kommune: nothing
    _, totp = add_user(c, "cm.koeln", ["case_manager"], "koeln")
    assert login(other, "cm.koeln", totp).status_code == 303
    assert other.get(f"/staff/referrals/{ref_id}").status_code == 404
    done = c.post("/api/v1/referrals/withdraw",
                  json={"reference": r.json()["reference"], "secret": secret})
    assert done.status_code == 200
    with c.app.state.services.store.session() as s:
        assert s.get(Referral, ref_id).residence_status is None


def test_form_prefilled_with_the_status_from_the_conversation(make_client):
    with make_client() as c:
        c.get("/", params={"lang": "de"})
        assert c.post("/conversation/place", data={"place": "Musterstadt"}).status_code == 200
        c.post("/conversation/ask", data={"q": "Ich habe einen Brief von der "
                                                "Ausländerbehörde bekommen"})
        r = c.post("/conversation/reply", data={"turn": "0", "kind": "status",
                                                "value": "duldung"})
        assert r.status_code == 200
        page = c.get("/").text
        link = re.search(r'href="(/referral\?[^"]+from=assistant[^"]*)"', page).group(1)
        assert "duldung" not in link  # nothing personal in the URL
        form = c.get(link.replace("&amp;", "&")).text
        assert re.search(r'<option value="duldung" selected>', form)
        fp = re.search(r'name="consent_sha256" value="([^"]+)"', form).group(1)
        key = re.search(r'name="idempotency_key" value="([^"]+)"', form).group(1)
        data = {"consent_sha256": fp, "idempotency_key": key, "kommune": "demo",
                "contact_channel": "phone", "contact": "0170 1234567", "language": "de",
                "consent": "yes", "residence_status": "duldung"}
        refused = c.post("/referral?lang=de", data=data)  # the extra consent is missing
        assert refused.status_code == 422 and 'selected>' in refused.text
        assert count(c) == 0
        done = c.post("/referral?lang=de", data={**data, "consent_special": "yes"})
        assert done.status_code == 201
        with c.app.state.services.store.session() as s:
            ref = s.scalar(select(Referral))
            assert keyring_of(s).decrypt("referral", ref.id, "residence_status",
                                         ref.residence_status) == "duldung"
