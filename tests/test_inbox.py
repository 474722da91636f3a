"""The case managers' inbox: list without free text (PRIV-14), workflow and stale edits (SEC-09),
notes, assignment, hand-over, and the tenant isolation matrix (PRIV-12, SEC-08)."""

import re
import uuid

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from staffkit import add_user, csrf_of, login

from app.referrals.models import Referral, ReferralNote

CANARY = "KANARIENVOGEL-7731"


def referral(c, kommune="demo", **extra):
    body = {"kommune": kommune, "contact": "0170 1234567", "consent": True,
            "message": f"{CANARY} braucht Hilfe", "name": f"{CANARY}-Name",
            "topics": ["sprache"], "language": "ar", **extra}
    r = c.post("/api/v1/referrals", json=body)
    assert r.status_code == 201, r.text
    with c.app.state.services.store.session() as s:
        return s.scalar(select(Referral.id).where(Referral.reference == r.json()["reference"]))


def as_user(c, username, roles, kommune):
    other = TestClient(c.app, base_url="https://testserver")
    _, secret = add_user(c, username, roles, kommune)
    assert login(other, username, secret).status_code == 303
    return other


@pytest.fixture
def world(make_light_client):
    c = make_light_client()
    ref_demo = referral(c, "demo")
    ref_koeln = referral(c, "koeln")
    cm = as_user(c, "cm.demo", ["case_manager"], "demo")
    return c, cm, ref_demo, ref_koeln


def test_list_shows_no_free_text_and_is_no_store(world):
    c, cm, ref_demo, ref_koeln = world
    r = cm.get("/staff/referrals")
    assert r.status_code == 200 and ref_demo in r.text and ref_koeln not in r.text
    assert CANARY not in r.text and "0170" not in r.text
    assert r.headers["cache-control"] == "no-store" and 'hx-history="false"' in r.text
    frag = cm.get("/staff/referrals", params={"language": "ar"}, headers={"HX-Request": "true"})
    assert frag.status_code == 200 and "<html" not in frag.text and ref_demo in frag.text
    assert ref_demo not in cm.get("/staff/referrals", params={"language": "fa"}).text
    assert ref_demo not in cm.get("/staff/referrals", params={"topic": "wohnen"}).text
    assert ref_demo in cm.get("/staff/referrals", params={"assigned": "none"}).text
    assert ref_demo not in cm.get("/staff/referrals", params={"older": 3}).text


def test_detail_decrypts_and_is_audited(world):
    c, cm, ref_demo, _ = world
    r = cm.get(f"/staff/referrals/{ref_demo}")
    assert r.status_code == 200 and f"{CANARY} braucht Hilfe" in r.text
    assert r.headers["cache-control"] == "no-store"


def post(cm, path, **data):
    token = csrf_of(cm)
    return cm.post(path, data={"csrf_token": token, **data}, follow_redirects=False)


def test_workflow_enforced_and_stale_versions_refused_sec09(world):
    c, cm, ref, _ = world
    base = f"/staff/referrals/{ref}"
    assert post(cm, f"{base}/status", status="monitoring", version=1).status_code == 409
    assert post(cm, f"{base}/status", status="erstkontakt", version=1).status_code == 303
    assert post(cm, f"{base}/status", status="assessment", version=1).status_code == 409  # stale
    for step, version in (("assessment", 2), ("hilfeplanung", 3), ("linking", 4),
                          ("monitoring", 5)):
        assert post(cm, f"{base}/status", status=step, version=version).status_code == 303
    # closing needs a reason
    assert post(cm, f"{base}/status", status="abgeschlossen", version=6).status_code == 409
    assert post(cm, f"{base}/status", status="abgeschlossen", version=6,
                reason_code="goals_reached").status_code == 303
    assert post(cm, f"{base}/status", status="neu", version=7).status_code == 409  # closed
    assert post(cm, f"{base}/status", status="zurueckgezogen", version=7).status_code == 409
    ref2 = referral(c)
    assert post(cm, f"/staff/referrals/{ref2}/status", status="nicht_erreicht",
                version=1).status_code == 303
    assert post(cm, f"/staff/referrals/{ref2}/status", status="erstkontakt",
                version=2).status_code == 303


def test_htmx_changes_answer_with_the_case_fragment(world):
    c, cm, ref, _ = world
    token = csrf_of(cm)
    r = cm.post(f"/staff/referrals/{ref}/status", data={"status": "erstkontakt", "version": 1},
                headers={"HX-Request": "true", "X-CSRF-Token": token})
    assert r.status_code == 200 and "<html" not in r.text
    assert 'name="csrf_token"' in r.text and 'name="version" value="2"' in r.text
    r = cm.post(f"/staff/referrals/{ref}/status", data={"status": "erstkontakt", "version": 1},
                headers={"HX-Request": "true", "X-CSRF-Token": token})
    assert r.status_code == 409 and 'role="alert"' in r.text and "<html" not in r.text


def test_notes_are_encrypted_and_assignment_is_checked(world):
    c, cm, ref, _ = world
    base = f"/staff/referrals/{ref}"
    assert post(cm, f"{base}/notes", text="Rückruf am Montag NOTIZ-55").status_code == 303
    assert "NOTIZ-55" in cm.get(base).text
    with c.app.state.services.store.session() as s:
        assert s.scalar(select(ReferralNote.text)).startswith("v1:")
    koeln_cm, _ = add_user(c, "cm.koeln", ["case_manager"], "koeln")
    assert post(cm, f"{base}/assign", assignee=koeln_cm, version=1).status_code == 409
    me = re.search(r'<option value="([0-9a-f-]{36})">cm.demo', cm.get(base).text).group(1)
    assert post(cm, f"{base}/assign", assignee=me, version=1).status_code == 303
    assert ref in cm.get("/staff/referrals", params={"assigned": "me"}).text


def test_handover_moves_the_referral_and_drops_notes(world):
    c, cm, ref, _ = world
    post(cm, f"/staff/referrals/{ref}/notes", text="interne Notiz")
    r = post(cm, f"/staff/referrals/{ref}/handover", kommune="koeln", version=1,
             reason="Umzug", confirm="yes")
    assert r.status_code == 303
    assert r.headers["location"] == "/staff/referrals?status=weitergeleitet&sent=koeln"
    assert cm.get(f"/staff/referrals/{ref}").status_code == 404  # gone from this inbox
    koeln = as_user(c, "cm.koeln2", ["case_manager"], "koeln")
    page = koeln.get(f"/staff/referrals/{ref}")
    assert page.status_code == 200 and "interne Notiz" not in page.text
    assert post(koeln, f"/staff/referrals/{ref}/handover/accept").status_code == 303
    with c.app.state.services.store.session() as s:
        assert s.scalar(select(ReferralNote)) is None  # the old team's notes went on accepting
    with c.app.state.services.store.session() as s:
        row = s.get(Referral, ref)
        assert row.kommune_id == "koeln" and row.status == "neu" and row.assigned_to is None


ROUTES = [("GET", "/staff/referrals/{id}", {}),
          ("POST", "/staff/referrals/{id}/status", {"status": "erstkontakt", "version": "1"}),
          ("POST", "/staff/referrals/{id}/assign", {"assignee": "", "version": "1"}),
          ("POST", "/staff/referrals/{id}/notes", {"text": "x"}),
          ("POST", "/staff/referrals/{id}/handover", {"kommune": "demo", "version": "1"}),
          ("POST", "/staff/referrals/{id}/handover", {"kommune": "demo", "version": "1",
                                                       "reason": "x", "confirm": "yes"})]


def test_tenant_isolation_matrix_priv12(world):
    """Every referral route, tried by a case manager of another Kommune: 404 and no data."""
    c, cm_demo, ref_demo, ref_koeln = world
    cm_koeln = as_user(c, "cm.koeln", ["case_manager"], "koeln")
    guessed = str(uuid.uuid4())
    for user, own, foreign in ((cm_demo, ref_demo, ref_koeln), (cm_koeln, ref_koeln, ref_demo)):
        token = csrf_of(user)
        for method, path, data in ROUTES:
            for target in (foreign, guessed):
                r = user.request(method, path.format(id=target),
                                 data={"csrf_token": token, **data} if data else None,
                                 follow_redirects=False)
                assert r.status_code == 404, (method, path, r.status_code)
                assert CANARY not in r.text and "0170" not in r.text
        assert user.get(f"/staff/referrals/{own}").status_code == 200
        assert foreign not in user.get("/staff/referrals").text
    with c.app.state.services.store.session() as s:  # nothing changed by the attempts
        assert {r.status for r in s.scalars(select(Referral))} == {"neu"}
        assert s.scalar(select(ReferralNote)) is None


@pytest.mark.parametrize("roles,kommune", [(["editor"], "demo"), (["coordinator"], None),
                                           (["admin"], None), (["admin"], "demo")])
def test_other_roles_never_read_referrals_sec08(world, roles, kommune):
    c, _, ref_demo, _ = world
    user = as_user(c, f"u.{roles[0]}.{kommune or 'nrw'}", roles, kommune)
    assert user.get("/staff/referrals").status_code == 403
    r = user.get(f"/staff/referrals/{ref_demo}")
    assert r.status_code == 403 and CANARY not in r.text
